import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import {
  DescribeCapacityProvidersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, eventually, spec, startE2EPlatform } from './helpers/platform.ts';

const FARGATE = { launchType: 'FARGATE', cpu: 256, memory: 512, memoryReservation: 256 };

describe('Fargate (awsvpc) environment lifecycle through the HTTP API', () => {
  let e2e: E2EPlatform;
  let url: string;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  it('brings a Fargate environment up and reports it ready with its URL', async () => {
    await e2e.operate('POST', '/environments', spec('fg', FARGATE));
    const described = await e2e.api('GET', '/environments/fg');
    expect(described.body).toMatchObject({ name: 'fg', status: 'ready' });
    url = described.body.url;
    expect(url).toMatch(/^http:\/\/berth-fg-alb-.*\.elb\.localhost/);
  });

  it('creates no Auto Scaling group, launch template or capacity provider', async () => {
    const groups = await e2e.clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['berth-fg-asg'] }),
    );
    expect(groups.AutoScalingGroups ?? []).toEqual([]);
    const all = await e2e.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect((all.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName)).not.toContain('berth-fg-asg');
    const templates = await e2e.clients.ec2
      .send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['berth-fg-lt'] }))
      .then((out) => out.LaunchTemplates ?? [])
      .catch(() => []);
    expect(templates).toEqual([]);
    const providers = await e2e.clients.ecs.send(
      new DescribeCapacityProvidersCommand({ capacityProviders: ['berth-fg-cp'] }),
    );
    expect((providers.capacityProviders ?? []).filter((cp) => cp.status === 'ACTIVE')).toEqual([]);
  });

  it('runs the service on FARGATE in awsvpc mode behind an ip target group', async () => {
    const services = await e2e.clients.ecs.send(
      new DescribeServicesCommand({ cluster: 'berth-fg', services: ['berth-fg'] }),
    );
    const service = services.services?.[0];
    expect(service?.launchType).toBe('FARGATE');
    expect(service?.capacityProviderStrategy ?? []).toEqual([]);
    expect(service?.networkConfiguration?.awsvpcConfiguration?.subnets?.length).toBeGreaterThan(0);
    expect(service?.networkConfiguration?.awsvpcConfiguration?.securityGroups).toHaveLength(1);
    const td = await e2e.clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: service?.taskDefinition ?? '' }),
    );
    expect(td.taskDefinition).toMatchObject({
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
    });
    const tgs = await e2e.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['berth-fg-tg'] }));
    expect(tgs.TargetGroups?.[0]?.TargetType).toBe('ip');
  });

  it("lets the ALB group reach the container port on the tasks' security group", async () => {
    const groupNamed = async (name: string) => {
      const out = await e2e.clients.ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }),
      );
      return out.SecurityGroups?.[0];
    };
    const alb = await groupNamed('berth-fg-alb');
    const tasks = await groupNamed('berth-fg-instances');
    const services = await e2e.clients.ecs.send(
      new DescribeServicesCommand({ cluster: 'berth-fg', services: ['berth-fg'] }),
    );
    expect(services.services?.[0]?.networkConfiguration?.awsvpcConfiguration?.securityGroups).toEqual([
      tasks?.GroupId,
    ]);
    const fromAlb = (tasks?.IpPermissions ?? []).filter(
      (p) =>
        p.IpProtocol === 'tcp' &&
        (p.FromPort ?? 0) <= 80 &&
        (p.ToPort ?? 0) >= 80 &&
        (p.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === alb?.GroupId),
    );
    expect(alb?.GroupId).toBeDefined();
    expect(fromAlb).toHaveLength(1);
  });

  it('answers through the load balancer from the Fargate workload', async () => {
    const answer = await e2e.throughAlb(url, '/');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      env: 'fg',
      cluster: 'berth-fg',
      service: 'berth-fg',
      family: 'berth-fg',
      image: 'berth/hello:1',
    });
  });

  it('spreads requests across two tasks after scale', async () => {
    await e2e.operate('POST', '/environments/fg/scale', { desiredCount: 2 });
    const tasks = await eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const answer = await e2e.throughAlb(url, '/');
        if (answer.status !== 200) return false;
        seen.add(answer.body.taskId);
      }
      return seen.size === 2 ? seen : false;
    });
    expect(tasks.size).toBe(2);
  });

  it('tears the Fargate environment down and leaves nothing tagged for it', async () => {
    await e2e.operate('DELETE', '/environments/fg');
    const described = await e2e.api('GET', '/environments/fg');
    expect(described.body.status).toBe('deleted');
    await e2e.assertNothingLeft('fg');
    const groups = await e2e.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect((groups.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName)).not.toContain('berth-fg-asg');
  });
});
