import { request } from 'node:http';
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  type _InstanceType,
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DescribeSubnetsCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  DescribeCapacityProvidersCommand,
  ListContainerInstancesCommand,
  PutClusterCapacityProvidersCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { autoScalingBackend } from '../../../../local/cloud/services/autoscaling/backend.ts';
import type { TestCloud } from './cloud.ts';

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function until<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** GET through node:http with an explicit Host header (fetch cannot set one). */
export function httpGet(
  url: string,
  host?: string,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        headers: host ? { host } : {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The default VPC's two public subnets. */
export async function publicSubnets(tc: TestCloud): Promise<{ vpcId: string; subnetIds: string[] }> {
  const out = await tc.clients.ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:Name', Values: ['berth-local-public-*'] }] }),
  );
  const subnets = out.Subnets ?? [];
  let chosen = subnets.filter((s) =>
    (s.Tags ?? []).some((t) => t.Key === 'Name' && t.Value?.includes('public')),
  );
  if (chosen.length < 2) chosen = (await tc.clients.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
  return { vpcId: chosen[0]?.VpcId ?? '', subnetIds: chosen.slice(0, 2).map((s) => s.SubnetId ?? '') };
}

/** An ECS cluster with `count` EC2 hosts from an ASG behind a capacity provider; resolves once they registered. */
export async function clusterWithHosts(
  tc: TestCloud,
  name: string,
  count: number,
  instanceType = 't3.medium',
): Promise<{ capacityProvider: string; asgName: string; subnetIds: string[]; vpcId: string }> {
  const { vpcId, subnetIds } = await publicSubnets(tc);
  await tc.clients.ecs.send(new CreateClusterCommand({ clusterName: name }));
  const sg = await tc.clients.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: `${name}-hosts`, Description: 'ECS hosts', VpcId: vpcId }),
  );
  // Security groups are enforced: the hosts admit the VPC (the ALB's interfaces) on every TCP port.
  // The new group's id may not be visible yet (EC2 eventual consistency): retry until it is.
  await until(() =>
    tc.clients.ec2
      .send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: sg.GroupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
          ],
        }),
      )
      .then(() => true),
  );
  const userData = Buffer.from(`#!/bin/bash\necho ECS_CLUSTER=${name} >> /etc/ecs/ecs.config\n`).toString(
    'base64',
  );
  await tc.clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${name}-lt`,
      LaunchTemplateData: {
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: instanceType as _InstanceType,
        SecurityGroupIds: [sg.GroupId ?? ''],
        UserData: userData,
      },
    }),
  );
  const asgName = `${name}-asg`;
  await tc.clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: asgName,
      LaunchTemplate: { LaunchTemplateName: `${name}-lt`, Version: '$Latest' },
      MinSize: 0,
      MaxSize: count + 2,
      DesiredCapacity: count,
      VPCZoneIdentifier: subnetIds.join(','),
      NewInstancesProtectedFromScaleIn: true,
    }),
  );
  const asgArn = `arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:`;
  const group = (autoScalingBackend(tc.cloud, '000000000000', 'us-east-1') as any).getGroup(asgName);
  const capacityProvider = `${name}-cp`;
  // In a fresh account the ECS service-linked role (created by CreateCluster) propagates for a moment.
  await until(() =>
    tc.clients.ecs.send(
      new CreateCapacityProviderCommand({
        name: capacityProvider,
        autoScalingGroupProvider: {
          autoScalingGroupArn: group?.arn ?? `${asgArn}x:autoScalingGroupName/${asgName}`,
          managedScaling: { status: 'ENABLED', targetCapacity: 100 },
          managedTerminationProtection: 'ENABLED',
        },
      }),
    ),
  );
  // A new capacity provider is PROVISIONING for a moment; AWS refuses to associate it until ACTIVE.
  await until(async () => {
    const out = await tc.clients.ecs.send(
      new DescribeCapacityProvidersCommand({ capacityProviders: [capacityProvider] }),
    );
    return out.capacityProviders?.[0]?.status === 'ACTIVE';
  });
  await tc.clients.ecs.send(
    new PutClusterCapacityProvidersCommand({
      cluster: name,
      capacityProviders: [capacityProvider],
      defaultCapacityProviderStrategy: [{ capacityProvider, weight: 1, base: 0 }],
    }),
  );
  await until(async () => {
    const out = await tc.clients.ecs.send(new ListContainerInstancesCommand({ cluster: name }));
    return (out.containerInstanceArns ?? []).length >= count;
  });
  return { capacityProvider, asgName, subnetIds, vpcId };
}

/**
 * An ALB `name` in the default VPC's public subnets whose security group (`groupName`) admits HTTP from anywhere:
 * clients reach its listeners only through that ingress. Retries the ingress while the new group propagates.
 */
export async function publicAlb(
  tc: TestCloud,
  name: string,
  groupName = `${name}-alb`,
): Promise<{ loadBalancerArn: string; dnsName: string; securityGroupId: string; vpcId: string }> {
  const { vpcId, subnetIds } = await publicSubnets(tc);
  const sg = await tc.clients.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: groupName, Description: 'ALB', VpcId: vpcId }),
  );
  await until(() =>
    tc.clients.ec2
      .send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: sg.GroupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          ],
        }),
      )
      .then(() => true),
  );
  const lb = await tc.clients.elbv2.send(
    new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds, SecurityGroups: [sg.GroupId ?? ''] }),
  );
  return {
    loadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '',
    dnsName: lb.LoadBalancers?.[0]?.DNSName ?? '',
    securityGroupId: sg.GroupId ?? '',
    vpcId,
  };
}

/** An active-soon ALB with an HTTP:80 listener forwarding to a fresh instance target group. */
export async function albWithTargetGroup(
  tc: TestCloud,
  name: string,
  options: {
    targetType?: 'instance' | 'ip';
    healthCheckPath?: string;
    deregistrationDelay?: number;
    intervalSeconds?: number;
    healthyThreshold?: number;
  } = {},
): Promise<{
  loadBalancerArn: string;
  dnsName: string;
  targetGroupArn: string;
  listenerArn: string;
  /** The ALB's security group. */
  securityGroupId: string;
  vpcId: string;
}> {
  const { loadBalancerArn, dnsName, securityGroupId, vpcId } = await publicAlb(tc, name);
  const tg = await tc.clients.elbv2.send(
    new CreateTargetGroupCommand({
      Name: `${name}-tg`,
      Protocol: 'HTTP',
      Port: 80,
      VpcId: vpcId,
      TargetType: options.targetType ?? 'instance',
      HealthCheckPath: options.healthCheckPath ?? '/health',
      HealthCheckIntervalSeconds: options.intervalSeconds ?? 5,
      HealthCheckTimeoutSeconds: 2,
      HealthyThresholdCount: options.healthyThreshold ?? 2,
      UnhealthyThresholdCount: 2,
    }),
  );
  const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  if (options.deregistrationDelay !== undefined)
    await tc.clients.elbv2.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: targetGroupArn,
        Attributes: [
          { Key: 'deregistration_delay.timeout_seconds', Value: String(options.deregistrationDelay) },
        ],
      }),
    );
  const listener = await tc.clients.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
    }),
  );
  return {
    loadBalancerArn,
    dnsName,
    targetGroupArn,
    listenerArn: listener.Listeners?.[0]?.ListenerArn ?? '',
    securityGroupId,
    vpcId,
  };
}

/**
 * A security group that admits TCP `port` from `sourceGroupId` only (or, with no source, nothing): the
 * group of `awsvpc` tasks behind an ALB. Waits out the new group's propagation (EC2 eventual consistency).
 */
export async function taskGroup(
  tc: TestCloud,
  name: string,
  vpcId: string,
  admit?: { sourceGroupId: string; port: number },
): Promise<string> {
  const sg = await tc.clients.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: name, Description: 'awsvpc tasks', VpcId: vpcId }),
  );
  const groupId = sg.GroupId ?? '';
  if (admit) {
    await until(() =>
      tc.clients.ec2
        .send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: admit.port,
                ToPort: admit.port,
                UserIdGroupPairs: [{ GroupId: admit.sourceGroupId }],
              },
            ],
          }),
        )
        .then(() => true),
    );
  }
  return groupId;
}
