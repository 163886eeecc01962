import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, until } from './dataplane-fixtures.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud.ts';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';

let tc: TestCloud;

beforeAll(async () => {
  if (!existsSync(AWS))
    throw new Error(
      `The AWS CLI v2 is required at ${AWS} for this test (Debian: apt-get install -y awscli).`,
    );
  tc = await startTestCloud({ profile: 'instant' });
});

afterAll(async () => {
  await tc?.stop();
});

/** Runs the AWS CLI against the local cloud and parses its JSON output (`{}` when it prints nothing). */
async function aws(...args: string[]): Promise<any> {
  const { stdout } = await run(AWS, [...args, '--output', 'json', '--endpoint-url', tc.url], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: tc.url,
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    timeout: 60_000,
  });
  return stdout.trim() === '' ? {} : JSON.parse(stdout);
}

describe('the blog console flow through the AWS CLI', () => {
  it('builds an EC2-backed ECS service behind an ALB, serves a request, and tears down', {
    timeout: 900_000,
  }, async () => {
    // Network (the default VPC's public subnets), the cluster, the AMI and the task definition
    // do not depend on each other: the CLI runs them side by side.
    const userData = Buffer.from('#!/bin/bash\necho ECS_CLUSTER=blog >> /etc/ecs/ecs.config\n').toString(
      'base64',
    );
    const [subnets, cluster, ami, td] = await Promise.all([
      aws('ec2', 'describe-subnets', '--filters', 'Name=tag:Name,Values=berth-local-public-*'),
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
    const subnetIds: string[] = subnets.Subnets.map((s: any) => s.SubnetId).slice(0, 2);
    const vpcId: string = subnets.Subnets[0].VpcId;
    expect(subnetIds).toHaveLength(2);
    expect(cluster.cluster).toMatchObject({ clusterName: 'blog', status: 'ACTIVE' });
    const imageId: string = ami.Parameters[0].Value;
    expect(imageId).toMatch(/^ami-/);
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
    const [, , , lb] = await Promise.all([
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
    expect(cp.capacityProvider).toMatchObject({ name: 'blog-cp', status: 'ACTIVE' });
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
    const cpGone = await aws('ecs', 'delete-capacity-provider', '--capacity-provider', 'blog-cp');
    expect(cpGone.capacityProvider.status).toBe('INACTIVE');
    await aws(
      'autoscaling',
      'delete-auto-scaling-group',
      '--auto-scaling-group-name',
      'blog-asg',
      '--force-delete',
    );
    const clusterGone = await aws('ecs', 'delete-cluster', '--cluster', 'blog');
    expect(clusterGone.cluster.status).toBe('INACTIVE');
    // The hosts' group references the ALB's group: it goes first.
    for (const groupId of [ec2Sg, albSg]) {
      await until(async () => {
        await aws('ec2', 'delete-security-group', '--group-id', groupId);
        return true;
      }, 60_000);
    }
    const lbs = await aws('elbv2', 'describe-load-balancers');
    expect(lbs.LoadBalancers).toEqual([]);
  });
});
