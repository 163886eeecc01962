import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { albWithTargetGroup, clusterWithHosts, httpGet, until } from './dataplane-fixtures.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud.ts';

let tc: TestCloud;

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant' });
});

afterAll(async () => {
  await tc?.stop();
});

describe('data plane', () => {
  it('runs a service of 3 tasks behind the ALB and spreads requests across them', async () => {
    const { capacityProvider } = await clusterWithHosts(tc, 'flow', 2);
    const alb = await albWithTargetGroup(tc, 'flow-alb');
    await tc.clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'flow-web',
        networkMode: 'bridge',
        containerDefinitions: [
          {
            name: 'web',
            image: 'nginx:latest',
            memoryReservation: 128,
            portMappings: [{ containerPort: 80, hostPort: 0 }],
            environment: [{ name: 'BERTH_ENV', value: 'pr-7' }],
          },
        ],
      }),
    );
    await tc.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'flow',
        serviceName: 'web',
        taskDefinition: 'flow-web',
        desiredCount: 3,
        capacityProviderStrategy: [{ capacityProvider, weight: 1 }],
        loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 80 }],
      }),
    );
    const health = await until(async () => {
      const out = await tc.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn }),
      );
      const rows = out.TargetHealthDescriptions ?? [];
      return rows.length === 3 && rows.every((r) => r.TargetHealth?.State === 'healthy') ? rows : undefined;
    });
    expect(health.every((r) => r.Target?.Id?.startsWith('i-'))).toBe(true);
    const tasks = await tc.clients.ecs.send(new ListTasksCommand({ cluster: 'flow', serviceName: 'web' }));
    const described = await tc.clients.ecs.send(
      new DescribeTasksCommand({ cluster: 'flow', tasks: tasks.taskArns }),
    );
    for (const task of described.tasks ?? []) {
      const port = task.containers?.[0]?.networkBindings?.[0]?.hostPort ?? 0;
      expect(port).toBeGreaterThanOrEqual(32768);
      const res = await httpGet(`http://127.0.0.1:${port}/hello`);
      expect(JSON.parse(res.body)).toMatchObject({
        env: 'pr-7',
        cluster: 'flow',
        service: 'web',
        family: 'flow-web',
        revision: 1,
        path: '/hello',
      });
    }
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await httpGet(`${tc.url}/`, alb.dnsName);
      expect(res.status).toBe(200);
      seen.add(String(res.headers['x-berth-target']));
    }
    expect(seen.size).toBe(3);
    const svc = await until(async () => {
      const out = await tc.clients.ecs.send(
        new DescribeServicesCommand({ cluster: 'flow', services: ['web'] }),
      );
      const s = out.services?.[0];
      return s?.deployments?.[0]?.rolloutState === 'COMPLETED' ? s : undefined;
    });
    expect(svc.runningCount).toBe(3);
  });
});
