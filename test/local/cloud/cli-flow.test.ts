import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, runAwsCliJson } from './helpers/aws-cli.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud.ts';
import { httpGet, until } from './helpers/dataplane-fixtures.ts';

let tc: TestCloud;

beforeAll(async () => {
  if (!existsSync(AWS_CLI))
    throw new Error(
      `The AWS CLI v2 is required at ${AWS_CLI} for this test (Debian: apt-get install -y awscli).`,
    );
  tc = await startTestCloud({ profile: 'instant' });
});

afterAll(async () => {
  await tc?.stop();
});

/** Runs the AWS CLI against the local cloud and parses its JSON output (`{}` when it prints nothing). */
const aws = (...args: string[]): Promise<any> => runAwsCliJson(tc.url, args, 60_000);

/** Runs a CLI command that must fail; returns what the CLI printed (`An error occurred (Code) …`). */
async function awsFails(...args: string[]): Promise<string> {
  try {
    await aws(...args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`expected aws ${args.join(' ')} to fail`);
}

/** Ids of every resource the flow creates, by kind, as the account lists them (for the "nothing left" check). */
async function inventory(): Promise<Record<string, string[]>> {
  const [vpcs, subnets, igws, tables, groups, templates, instances, asgs, clusters, lbs, tgs, cps] =
    await Promise.all([
      aws('ec2', 'describe-vpcs'),
      aws('ec2', 'describe-subnets'),
      aws('ec2', 'describe-internet-gateways'),
      aws('ec2', 'describe-route-tables'),
      aws('ec2', 'describe-security-groups'),
      aws('ec2', 'describe-launch-templates'),
      aws(
        'ec2',
        'describe-instances',
        '--filters',
        'Name=instance-state-name,Values=pending,running,shutting-down',
      ),
      aws('autoscaling', 'describe-auto-scaling-groups'),
      aws('ecs', 'list-clusters'),
      aws('elbv2', 'describe-load-balancers'),
      aws('elbv2', 'describe-target-groups'),
      aws('ecs', 'describe-capacity-providers'),
    ]);
  return {
    vpcs: vpcs.Vpcs.map((v: any) => v.VpcId),
    subnets: subnets.Subnets.map((v: any) => v.SubnetId),
    internetGateways: igws.InternetGateways.map((v: any) => v.InternetGatewayId),
    routeTables: tables.RouteTables.map((v: any) => v.RouteTableId),
    securityGroups: groups.SecurityGroups.map((v: any) => v.GroupId),
    launchTemplates: templates.LaunchTemplates.map((v: any) => v.LaunchTemplateId),
    instances: instances.Reservations.flatMap((r: any) => r.Instances.map((i: any) => i.InstanceId)),
    autoScalingGroups: asgs.AutoScalingGroups.map((v: any) => v.AutoScalingGroupName),
    clusters: clusters.clusterArns,
    loadBalancers: lbs.LoadBalancers.map((v: any) => v.LoadBalancerArn),
    targetGroups: tgs.TargetGroups.map((v: any) => v.TargetGroupArn),
    capacityProviders: cps.capacityProviders
      .filter((c: any) => c.status === 'ACTIVE')
      .map((c: any) => c.name)
      .sort(),
  };
}

describe('the blog console flow through the AWS CLI', () => {
  it('builds a VPC and an EC2-backed ECS service behind an ALB, serves a request, and tears all down, VPC last', {
    timeout: 900_000,
  }, async () => {
    // What the account holds before the flow (its default VPC and nothing else).
    const before = await inventory();
    expect(before.vpcs).toHaveLength(1);

    // 1) The VPC first: two zones, a VPC with an internet gateway, a public subnet per zone routed
    // to the gateway. The cluster, the AMI and the task definition do not depend on it: the CLI
    // runs them side by side.
    const userData = Buffer.from('#!/bin/bash\necho ECS_CLUSTER=blog >> /etc/ecs/ecs.config\n').toString(
      'base64',
    );
    const [zones, vpcOut, igwOut] = await Promise.all([
      aws('ec2', 'describe-availability-zones', '--filters', 'Name=state,Values=available'),
      aws(
        'ec2',
        'create-vpc',
        '--cidr-block',
        '10.100.0.0/16',
        '--tag-specifications',
        'ResourceType=vpc,Tags=[{Key=Name,Value=blog-vpc}]',
      ),
      aws('ec2', 'create-internet-gateway'),
    ]);
    const vpcId: string = vpcOut.Vpc.VpcId;
    const igwId: string = igwOut.InternetGateway.InternetGatewayId;
    const [zoneA, zoneB] = zones.AvailabilityZones.map((z: any) => z.ZoneName);
    const [subnetA, subnetB, rtb] = await Promise.all([
      aws(
        'ec2',
        'create-subnet',
        '--vpc-id',
        vpcId,
        '--cidr-block',
        '10.100.0.0/24',
        '--availability-zone',
        zoneA,
      ),
      aws(
        'ec2',
        'create-subnet',
        '--vpc-id',
        vpcId,
        '--cidr-block',
        '10.100.1.0/24',
        '--availability-zone',
        zoneB,
      ),
      aws('ec2', 'create-route-table', '--vpc-id', vpcId),
      aws('ec2', 'attach-internet-gateway', '--internet-gateway-id', igwId, '--vpc-id', vpcId),
    ]);
    const subnetIds: string[] = [subnetA.Subnet.SubnetId, subnetB.Subnet.SubnetId];
    const rtbId: string = rtb.RouteTable.RouteTableId;
    const [, assocA, assocB] = await Promise.all([
      aws(
        'ec2',
        'create-route',
        '--route-table-id',
        rtbId,
        '--destination-cidr-block',
        '0.0.0.0/0',
        '--gateway-id',
        igwId,
      ),
      aws('ec2', 'associate-route-table', '--route-table-id', rtbId, '--subnet-id', subnetIds[0] as string),
      aws('ec2', 'associate-route-table', '--route-table-id', rtbId, '--subnet-id', subnetIds[1] as string),
      ...subnetIds.map((id) =>
        aws('ec2', 'modify-subnet-attribute', '--subnet-id', id, '--map-public-ip-on-launch'),
      ),
    ]);
    const routes = await aws('ec2', 'describe-route-tables', '--route-table-ids', rtbId);
    expect(routes.RouteTables[0].Routes).toEqual([
      expect.objectContaining({ DestinationCidrBlock: '10.100.0.0/16', GatewayId: 'local', State: 'active' }),
      expect.objectContaining({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId, State: 'active' }),
    ]);

    const [cluster, ami, td] = await Promise.all([
      aws('ecs', 'create-cluster', '--cluster-name', 'blog'),
      aws(
        'ssm',
        'get-parameters',
        '--names',
        '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
      ),
      aws(
        'ecs',
        'register-task-definition',
        '--family',
        'blog-web',
        '--network-mode',
        'bridge',
        '--container-definitions',
        JSON.stringify([
          {
            name: 'web',
            image: 'nginx:latest',
            memoryReservation: 128,
            portMappings: [{ containerPort: 80, hostPort: 0 }],
          },
        ]),
      ),
    ]);
    expect(cluster.cluster).toMatchObject({ clusterName: 'blog', status: 'ACTIVE' });
    const imageId: string = ami.Parameters[0].Value;
    const image = await aws('ec2', 'describe-images', '--image-ids', imageId);
    // t3.small is x86_64: the AMI must be too (a Graviton type would need the arm64 parameter).
    expect(image.Images[0]).toMatchObject({
      ImageId: imageId,
      Architecture: 'x86_64',
      ImageOwnerAlias: 'amazon',
    });
    expect(td.taskDefinition).toMatchObject({ family: 'blog-web', revision: 1 });

    // Security groups by role, and the target group.
    const [albSgOut, ec2SgOut, tg] = await Promise.all([
      aws(
        'ec2',
        'create-security-group',
        '--group-name',
        'blog-sg-http',
        '--description',
        'ALB',
        '--vpc-id',
        vpcId,
      ),
      aws(
        'ec2',
        'create-security-group',
        '--group-name',
        'blog-sg-ec2',
        '--description',
        'ECS hosts',
        '--vpc-id',
        vpcId,
      ),
      aws(
        'elbv2',
        'create-target-group',
        '--name',
        'blog-tg',
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--vpc-id',
        vpcId,
        '--health-check-path',
        '/health',
        '--health-check-interval-seconds',
        '5',
        '--health-check-timeout-seconds',
        '2',
        '--healthy-threshold-count',
        '2',
      ),
    ]);
    const albSg: string = albSgOut.GroupId;
    const ec2Sg: string = ec2SgOut.GroupId;
    const tgArn: string = tg.TargetGroups[0].TargetGroupArn;

    // Ingress rules (instances allow 32768-65535 from the ALB's group), launch template, ALB.
    const [, , lt, lb] = await Promise.all([
      aws(
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        albSg,
        '--protocol',
        'tcp',
        '--port',
        '80',
        '--cidr',
        '0.0.0.0/0',
      ),
      aws(
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        ec2Sg,
        '--ip-permissions',
        JSON.stringify([
          { IpProtocol: 'tcp', FromPort: 32768, ToPort: 65535, UserIdGroupPairs: [{ GroupId: albSg }] },
        ]),
      ),
      aws(
        'ec2',
        'create-launch-template',
        '--launch-template-name',
        'blog-lt',
        '--launch-template-data',
        JSON.stringify({
          ImageId: imageId,
          InstanceType: 't3.small',
          SecurityGroupIds: [ec2Sg],
          UserData: userData,
        }),
      ),
      aws(
        'elbv2',
        'create-load-balancer',
        '--name',
        'blog-alb',
        '--subnets',
        ...subnetIds,
        '--security-groups',
        albSg,
      ),
    ]);
    const lbArn: string = lb.LoadBalancers[0].LoadBalancerArn;
    const dns: string = lb.LoadBalancers[0].DNSName;
    expect(lb.LoadBalancers[0].State.Code).toBe('provisioning');

    // The listener, and the Auto Scaling group behind a capacity provider.
    const [listener] = await Promise.all([
      aws(
        'elbv2',
        'create-listener',
        '--load-balancer-arn',
        lbArn,
        '--protocol',
        'HTTP',
        '--port',
        '80',
        '--default-actions',
        `Type=forward,TargetGroupArn=${tgArn}`,
      ),
      aws(
        'autoscaling',
        'create-auto-scaling-group',
        '--auto-scaling-group-name',
        'blog-asg',
        '--launch-template',
        'LaunchTemplateName=blog-lt,Version=$Latest',
        '--min-size',
        '0',
        '--max-size',
        '3',
        '--desired-capacity',
        '2',
        '--vpc-zone-identifier',
        subnetIds.join(','),
        '--new-instances-protected-from-scale-in',
      ),
    ]);
    const listenerArn: string = listener.Listeners[0].ListenerArn;
    const asg = await aws(
      'autoscaling',
      'describe-auto-scaling-groups',
      '--auto-scaling-group-names',
      'blog-asg',
    );
    const asgArn: string = asg.AutoScalingGroups[0].AutoScalingGroupARN;
    const cp = await aws(
      'ecs',
      'create-capacity-provider',
      '--name',
      'blog-cp',
      '--auto-scaling-group-provider',
      JSON.stringify({
        autoScalingGroupArn: asgArn,
        managedScaling: { status: 'ENABLED', targetCapacity: 100 },
        managedTerminationProtection: 'ENABLED',
      }),
    );
    // A new provider is PROVISIONING for a moment; AWS refuses to associate it until ACTIVE.
    expect(cp.capacityProvider).toMatchObject({ name: 'blog-cp', status: 'PROVISIONING' });
    await until(async () => {
      const out = await aws('ecs', 'describe-capacity-providers', '--capacity-providers', 'blog-cp');
      return out.capacityProviders[0].status === 'ACTIVE';
    }, 60_000);
    await aws(
      'ecs',
      'put-cluster-capacity-providers',
      '--cluster',
      'blog',
      '--capacity-providers',
      'blog-cp',
      '--default-capacity-provider-strategy',
      'capacityProvider=blog-cp,weight=1,base=0',
    );

    // The service, with a dynamic host port behind the target group.
    const svc = await aws(
      'ecs',
      'create-service',
      '--cluster',
      'blog',
      '--service-name',
      'blog-web',
      '--task-definition',
      'blog-web',
      '--desired-count',
      '2',
      '--capacity-provider-strategy',
      'capacityProvider=blog-cp,weight=1',
      '--load-balancers',
      `targetGroupArn=${tgArn},containerName=web,containerPort=80`,
    );
    expect(svc.service).toMatchObject({ serviceName: 'blog-web', status: 'ACTIVE', desiredCount: 2 });

    const health = await until(async () => {
      const out = await aws('elbv2', 'describe-target-health', '--target-group-arn', tgArn);
      const rows = out.TargetHealthDescriptions;
      return rows.length === 2 && rows.every((r: any) => r.TargetHealth.State === 'healthy')
        ? rows
        : undefined;
    }, 60_000);
    for (const row of health) {
      expect(row.Target.Id).toMatch(/^i-[0-9a-f]{17}$/);
      expect(row.Target.Port).toBeGreaterThanOrEqual(32768);
    }
    const page = await httpGet(`${tc.url}/`, dns);
    expect(page.status).toBe(200);
    expect(JSON.parse(page.body)).toMatchObject({
      cluster: 'blog',
      service: 'blog-web',
      family: 'blog-web',
      env: 'blog-web',
    });

    // Teardown, in order.
    await aws('ecs', 'update-service', '--cluster', 'blog', '--service', 'blog-web', '--desired-count', '0');
    const deleted = await aws('ecs', 'delete-service', '--cluster', 'blog', '--service', 'blog-web');
    expect(deleted.service.status).toBe('DRAINING');
    await until(async () => {
      const out = await aws('ecs', 'describe-services', '--cluster', 'blog', '--services', 'blog-web');
      return out.services[0].status === 'INACTIVE';
    }, 60_000);
    await aws('elbv2', 'delete-listener', '--listener-arn', listenerArn);
    await aws('elbv2', 'delete-load-balancer', '--load-balancer-arn', lbArn);
    await aws('elbv2', 'delete-target-group', '--target-group-arn', tgArn);
    const instanceIds: string[] = (
      await aws('autoscaling', 'describe-auto-scaling-groups', '--auto-scaling-group-names', 'blog-asg')
    ).AutoScalingGroups[0].Instances.map((i: any) => i.InstanceId);
    await aws(
      'autoscaling',
      'set-instance-protection',
      '--auto-scaling-group-name',
      'blog-asg',
      '--instance-ids',
      ...instanceIds,
      '--no-protected-from-scale-in',
    );
    await aws(
      'autoscaling',
      'update-auto-scaling-group',
      '--auto-scaling-group-name',
      'blog-asg',
      '--min-size',
      '0',
      '--desired-capacity',
      '0',
    );
    await until(async () => {
      const out = await aws('ecs', 'list-container-instances', '--cluster', 'blog');
      return out.containerInstanceArns.length === 0;
    }, 60_000);
    await aws(
      'ecs',
      'put-cluster-capacity-providers',
      '--cluster',
      'blog',
      '--capacity-providers',
      '[]',
      '--default-capacity-provider-strategy',
      '[]',
    );
    // Detaching is asynchronous: DeleteCapacityProvider answers DELETE_FAILED until the cluster's
    // attachment is gone, then DELETE_IN_PROGRESS; the provider turns INACTIVE a moment later.
    await until(async () => {
      const out = await aws('ecs', 'delete-capacity-provider', '--capacity-provider', 'blog-cp');
      return out.capacityProvider.updateStatus === 'DELETE_IN_PROGRESS';
    }, 60_000);
    await until(async () => {
      const out = await aws('ecs', 'describe-capacity-providers', '--capacity-providers', 'blog-cp');
      return out.capacityProviders[0].status === 'INACTIVE';
    }, 60_000);
    await aws(
      'autoscaling',
      'delete-auto-scaling-group',
      '--auto-scaling-group-name',
      'blog-asg',
      '--force-delete',
    );
    const clusterGone = await until(() => aws('ecs', 'delete-cluster', '--cluster', 'blog'), 60_000);
    expect(clusterGone.cluster.status).toBe('INACTIVE');
    // The hosts' group references the ALB's group: it goes first.
    for (const groupId of [ec2Sg, albSg]) {
      await until(async () => {
        await aws('ec2', 'delete-security-group', '--group-id', groupId);
        return true;
      }, 60_000);
    }
    await aws('ec2', 'delete-launch-template', '--launch-template-id', lt.LaunchTemplate.LaunchTemplateId);

    // The VPC last: it refuses to go while its subnets, gateway and route table remain.
    expect(await awsFails('ec2', 'delete-vpc', '--vpc-id', vpcId)).toContain(
      `An error occurred (DependencyViolation) when calling the DeleteVpc operation: The vpc '${vpcId}' has dependencies and cannot be deleted.`,
    );
    await Promise.all(
      [assocA, assocB].map((a) =>
        aws('ec2', 'disassociate-route-table', '--association-id', a.AssociationId),
      ),
    );
    await Promise.all([
      aws('ec2', 'delete-route-table', '--route-table-id', rtbId),
      aws('ec2', 'detach-internet-gateway', '--internet-gateway-id', igwId, '--vpc-id', vpcId),
      ...subnetIds.map((id) => aws('ec2', 'delete-subnet', '--subnet-id', id)),
    ]);
    await aws('ec2', 'delete-internet-gateway', '--internet-gateway-id', igwId);
    await aws('ec2', 'delete-vpc', '--vpc-id', vpcId);

    // Nothing the flow created is left: the account lists what it listed before.
    expect(await inventory()).toEqual(before);
  });
});
