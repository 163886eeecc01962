import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ec2Backend } from '../../../local/cloud/services/ec2/backend.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud.ts';
import { albWithTargetGroup, publicSubnets, taskGroup, until } from './helpers/dataplane-fixtures.ts';
import { expectAwsError } from './helpers/errors.ts';

/**
 * AWS behaviours of the network and load balancers (issue 9 items 5, 7, 9), through the SDK.
 * docs/aws-behaviours.md names these tests.
 */

const groupInterfaces = async (t: TestCloud, groupId: string) =>
  (
    await t.clients.ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
    )
  ).NetworkInterfaces ?? [];

/** A listener on :80 forwarding to the target group, with one target registered; reads that target's health. */
async function forwardToOneTarget(
  t: TestCloud,
  loadBalancerArn: string,
  targetGroupArn: string,
  target: { Id: string; Port: number },
) {
  await t.clients.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
    }),
  );
  await t.clients.elbv2.send(
    new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [target] }),
  );
  return async () =>
    (await t.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })))
      .TargetHealthDescriptions?.[0]?.TargetHealth;
}

describe('ALB network interfaces (instant profile)', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await startTestCloud();
  });
  afterAll(() => t.stop());

  test('outlive the ALB: DeleteSecurityGroup answers DependencyViolation after DescribeLoadBalancers stops listing it', async () => {
    const { vpcId, subnetIds } = await publicSubnets(t);
    const sg = await t.clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'eni-alb', Description: 'ALB', VpcId: vpcId }),
    );
    const groupId = sg.GroupId as string;
    const lb = await t.clients.elbv2.send(
      new CreateLoadBalancerCommand({ Name: 'eni-alb', Subnets: subnetIds, SecurityGroups: [groupId] }),
    );
    const arn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
    const lbId = /:loadbalancer\/(app\/eni-alb\/[0-9a-f]+)$/.exec(arn)?.[1];

    const attached = await groupInterfaces(t, groupId);
    expect(attached).toHaveLength(2);
    expect(attached[0]).toMatchObject({
      Description: `ELB ${lbId}`,
      RequesterId: 'amazon-elb',
      RequesterManaged: true,
      Status: 'in-use',
      InterfaceType: 'interface',
      Groups: [{ GroupId: groupId, GroupName: 'eni-alb' }],
    });

    await t.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    await until(async () => {
      const out = await t.clients.elbv2.send(new DescribeLoadBalancersCommand({}));
      return !(out.LoadBalancers ?? []).some((l) => l.LoadBalancerArn === arn);
    });

    const left = await groupInterfaces(t, groupId);
    expect(left.map((e) => e.Status)).toEqual(['available', 'available']);
    await expectAwsError(
      t.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })),
      'DependencyViolation',
      `resource ${groupId} has a dependent object`,
    );

    await until(async () => (await groupInterfaces(t, groupId)).length === 0);
    await t.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
  });

  test('an instance interface lists its groups until the instance is terminated', async () => {
    const ec2 = ec2Backend(t.cloud, '000000000000', 'us-east-1');
    const { vpcId, subnetIds } = await publicSubnets(t);
    const sg = await t.clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'eni-host', Description: 'hosts', VpcId: vpcId }),
    );
    const groupId = sg.GroupId as string;
    const instance = ec2.launchInstance({
      imageId: 'ami-0123456789abcdef0',
      instanceType: 't3.micro',
      subnetId: subnetIds[0] as string,
      securityGroupIds: [groupId],
      userData: '',
      tags: {},
    });
    const [eni] = await groupInterfaces(t, groupId);
    expect(eni).toMatchObject({
      RequesterManaged: false,
      Status: 'in-use',
      Attachment: { InstanceId: instance.instanceId, DeviceIndex: 0, DeleteOnTermination: true },
    });
    ec2.terminateInstance(instance);
    expect(await groupInterfaces(t, groupId)).toHaveLength(1);
    await until(async () => (await groupInterfaces(t, groupId)).length === 0);
  });
});

describe('security group propagation (eventual consistency)', () => {
  let t: TestCloud;
  beforeAll(async () => {
    // realistic × 0.1: a 500 ms window, wide enough to hit on purpose.
    t = await startTestCloud({ profile: 'realistic', factor: 0.1 });
  });
  afterAll(() => t.stop());

  test('answers InvalidGroup.NotFound for a just-created group by id, then finds it', async () => {
    const { vpcId } = await publicSubnets(t);
    const sg = await t.clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'fresh', Description: 'new', VpcId: vpcId }),
    );
    const groupId = sg.GroupId as string;
    const rule = {
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    };
    await expectAwsError(
      t.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand(rule)),
      'InvalidGroup.NotFound',
      `The security group '${groupId}' does not exist`,
    );
    await expectAwsError(
      t.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })),
      'InvalidGroup.NotFound',
      `The security group '${groupId}' does not exist`,
    );
    await t.settle('securityGroupPropagation');
    await t.clients.ec2.send(new AuthorizeSecurityGroupIngressCommand(rule));
    const described = await t.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(described.SecurityGroups?.[0]?.IpPermissions).toHaveLength(1);
  });
});

describe('ALB health checks start when the ALB is active', () => {
  let t: TestCloud;
  let server: Server;
  let hits = 0;
  beforeAll(async () => {
    // realistic × 0.01: provisioning 1.8 s, health-check interval 5 s → 50 ms.
    t = await startTestCloud({ profile: 'realistic', factor: 0.01 });
    server = createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.stop();
  });

  test('keeps a target initial (Elb.RegistrationInProgress) and unprobed while the ALB provisions', async () => {
    const { vpcId, subnetIds } = await publicSubnets(t);
    const sg = await t.clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'hc-alb', Description: 'ALB', VpcId: vpcId }),
    );
    const lb = await t.clients.elbv2.send(
      new CreateLoadBalancerCommand({
        Name: 'hc-alb',
        Subnets: subnetIds,
        SecurityGroups: [sg.GroupId ?? ''],
      }),
    );
    const loadBalancerArn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
    const tg = await t.clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: 'hc-tg',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
      }),
    );
    const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn as string;
    const health = await forwardToOneTarget(t, loadBalancerArn, targetGroupArn, {
      Id: '127.0.0.1',
      Port: (server.address() as AddressInfo).port,
    });

    // Ten health-check intervals pass while the ALB provisions: no check is sent.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const described = await t.clients.elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }),
    );
    expect(described.LoadBalancers?.[0]?.State?.Code).toBe('provisioning');
    expect(hits).toBe(0);
    expect(await health()).toEqual({
      State: 'initial',
      Reason: 'Elb.RegistrationInProgress',
      Description: 'Target registration is in progress',
    });

    await until(async () => (await health())?.State === 'healthy', 10_000);
    const active = await t.clients.elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }),
    );
    expect(active.LoadBalancers?.[0]?.State?.Code).toBe('active');
    expect(hits).toBeGreaterThanOrEqual(2);
  });
});

describe('security groups enforced in the data plane (instant profile)', () => {
  let t: TestCloud;
  let server: Server;
  beforeAll(async () => {
    t = await startTestCloud();
    server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.stop();
  });

  async function group(name: string, vpcId: string, rules: IpPermission[]): Promise<string> {
    const sg = await t.clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcId }),
    );
    await t.settle('securityGroupPropagation');
    if (rules.length > 0) {
      await t.clients.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: sg.GroupId, IpPermissions: rules }),
      );
    }
    return sg.GroupId as string;
  }

  /** An active ALB (group `albRules`) forwarding to one instance (group `hostRules`) that serves on `port`. */
  async function albToInstance(
    name: string,
    albRules: IpPermission[],
    hostRules: (albGroup: string) => IpPermission[],
  ) {
    const { vpcId, subnetIds } = await publicSubnets(t);
    const albGroup = await group(`${name}-alb`, vpcId, albRules);
    const hostGroup = await group(`${name}-hosts`, vpcId, hostRules(albGroup));
    const instance = ec2Backend(t.cloud, '000000000000', 'us-east-1').launchInstance({
      imageId: 'ami-0123456789abcdef0',
      instanceType: 't3.micro',
      subnetId: subnetIds[0] as string,
      securityGroupIds: [hostGroup],
      userData: '',
      tags: {},
    });
    const lb = await t.clients.elbv2.send(
      new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds, SecurityGroups: [albGroup] }),
    );
    const loadBalancerArn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
    const tg = await t.clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: `${name}-tg`,
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpcId,
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
      }),
    );
    const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn as string;
    const health = await forwardToOneTarget(t, loadBalancerArn, targetGroupArn, {
      Id: instance.instanceId,
      Port: (server.address() as AddressInfo).port,
    });
    return { dnsName: lb.LoadBalancers?.[0]?.DNSName as string, health };
  }

  const http = (cidr: string): IpPermission => ({
    IpProtocol: 'tcp',
    FromPort: 80,
    ToPort: 80,
    IpRanges: [{ CidrIp: cidr }],
  });
  const fromGroup = (groupId: string): IpPermission => ({
    IpProtocol: 'tcp',
    FromPort: 32768,
    ToPort: 65535,
    UserIdGroupPairs: [{ GroupId: groupId }],
  });

  /** GET through the front door as a client at `source` (undefined: the default internet address). */
  const get = (dnsName: string, source?: string) =>
    fetch(`${t.url}/`, {
      headers: { 'x-berth-load-balancer': dnsName, ...(source ? { 'x-berth-source-ip': source } : {}) },
      signal: AbortSignal.timeout(1000),
    }).then(
      (res) => res.status,
      (err: Error) => err.name,
    );

  test('an instance admits the ALB only through its group rule: without it, health checks time out', async () => {
    const open = await albToInstance('dp-open', [http('0.0.0.0/0')], (alb) => [fromGroup(alb)]);
    const closed = await albToInstance('dp-closed', [http('0.0.0.0/0')], () => []);
    await until(async () => (await open.health())?.State === 'healthy');
    expect(await get(open.dnsName)).toBe(200);
    await until(async () => (await closed.health())?.State === 'unhealthy');
    expect(await closed.health()).toEqual({
      State: 'unhealthy',
      Reason: 'Target.Timeout',
      Description: 'Request timed out',
    });
  });

  /** A Fargate service of one awsvpc task behind its own ALB; the task's interface is in `tasksGroup`. */
  async function albToFargateTask(name: string, admitAlb: boolean) {
    await t.clients.ecs.send(
      new CreateClusterCommand({
        clusterName: name,
        capacityProviders: ['FARGATE'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      }),
    );
    const alb = await albWithTargetGroup(t, `${name}-alb`, { targetType: 'ip' });
    const tasksGroup = await taskGroup(
      t,
      `${name}-tasks`,
      alb.vpcId,
      admitAlb ? { sourceGroupId: alb.securityGroupId, port: 8080 } : undefined,
    );
    const { subnetIds } = await publicSubnets(t);
    const td = await t.clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${name}-web`,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: 'nginx:1', portMappings: [{ containerPort: 8080 }] }],
      }),
    );
    await t.clients.ecs.send(
      new CreateServiceCommand({
        cluster: name,
        serviceName: 'web',
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: subnetIds, securityGroups: [tasksGroup] } },
        loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 8080 }],
      }),
    );
    const health = async () =>
      (await t.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn })))
        .TargetHealthDescriptions?.[0]?.TargetHealth;
    return { dnsName: alb.dnsName, health };
  }

  test("an awsvpc task admits the ALB only through its interface's group rule: without it, health checks time out", async () => {
    const [open, closed] = await Promise.all([
      albToFargateTask('fg-open', true),
      albToFargateTask('fg-closed', false),
    ]);
    await until(async () => (await open.health())?.State === 'healthy');
    expect(await get(open.dnsName)).toBe(200);
    // ECS replaces the unhealthy task at its next pass, so the target's verdict is reported only until then and
    // a loaded machine can miss it between two polls; ECS's service event quotes the same verdict ("… is
    // unhealthy in (target-group …) due to (reason <description>)") and stays. Either one shows the timeout.
    const verdict = await until(async () => {
      const h = await closed.health();
      if (h?.State === 'unhealthy')
        return { via: 'target health', reason: h.Reason, description: h.Description };
      const service = await t.clients.ecs.send(
        new DescribeServicesCommand({ cluster: 'fg-closed', services: ['web'] }),
      );
      const quoted = (service.services?.[0]?.events ?? [])
        .map(
          (e) =>
            /is unhealthy in \(target-group [^)]+\) due to \(reason (.+)\)\.$/.exec(e.message ?? '')?.[1],
        )
        .find((d) => d !== undefined);
      return quoted === undefined
        ? undefined
        : { via: 'ECS service event', reason: undefined, description: quoted };
    }, 30_000);
    expect(verdict.description).toBe('Request timed out');
    if (verdict.via === 'target health') expect(verdict.reason).toBe('Target.Timeout');
  }, 60_000);

  test('a listener answers only clients its ALB group admits; others get no answer (timeout)', async () => {
    const alb = await albToInstance('dp-narrow', [http('203.0.113.0/24')], (g) => [fromGroup(g)]);
    await until(async () => (await alb.health())?.State === 'healthy');
    expect(await get(alb.dnsName, '203.0.113.25')).toBe(200);
    expect(await get(alb.dnsName, '192.0.2.1')).toBe('TimeoutError');
    expect(await get(alb.dnsName)).toBe('TimeoutError');
  });
});
