import {
  CreateLogGroupCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { albWithTargetGroup, clusterWithHosts, httpGet, until } from '../../helpers/dataplane-fixtures.ts';

let tc: TestCloud;

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant' });
});
afterAll(async () => {
  await tc?.stop();
});

async function register(family: string, image: string, group: string): Promise<string> {
  const out = await tc.clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'bridge',
      containerDefinitions: [
        {
          name: 'web',
          image,
          memoryReservation: 64,
          portMappings: [{ containerPort: 8080, hostPort: 0 }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': group,
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'web',
            },
          },
        },
      ],
    }),
  );
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

async function stoppedTask(cluster: string, arn: string) {
  return until(async () => {
    const out = await tc.clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn] }));
    const task = out.tasks?.[0];
    return task?.lastStatus === 'STOPPED' ? task : undefined;
  });
}

describe('awslogs driver of the local data plane', () => {
  it("writes start-up, request and health-check lines into each task's prefix/container/task-id stream", async () => {
    const { capacityProvider } = await clusterWithHosts(tc, 'lg', 1);
    const alb = await albWithTargetGroup(tc, 'lg-alb');
    await tc.clients.logs.send(new CreateLogGroupCommand({ logGroupName: '/berth/lg' }));
    await register('lg-web', 'nginx:1', '/berth/lg');
    await tc.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'lg',
        serviceName: 'web',
        taskDefinition: 'lg-web',
        desiredCount: 2,
        capacityProviderStrategy: [{ capacityProvider, weight: 1 }],
        loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 8080 }],
      }),
    );
    await until(async () => {
      const out = await tc.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn }),
      );
      const rows = out.TargetHealthDescriptions ?? [];
      return rows.length === 2 && rows.every((r) => r.TargetHealth?.State === 'healthy');
    });
    const served = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const res = await httpGet(`${tc.url}/orders/${i}`, alb.dnsName);
      expect(res.status).toBe(200);
      const task = String(res.headers['x-berth-task']);
      served.set(task, (served.get(task) ?? 0) + 1);
    }
    const taskIds = (
      await tc.clients.ecs.send(new ListTasksCommand({ cluster: 'lg', serviceName: 'web' }))
    ).taskArns?.map((a) => a.split('/').pop() as string);
    expect(taskIds).toHaveLength(2);
    for (const id of taskIds ?? []) {
      const out = await tc.clients.logs.send(
        new GetLogEventsCommand({
          logGroupName: '/berth/lg',
          logStreamName: `web/web/${id}`,
          startFromHead: true,
        }),
      );
      const lines = (out.events ?? []).map((e) => e.message ?? '');
      expect(lines[0]).toBe('lg-web:1 (nginx:1) listening on port 8080');
      expect(lines.filter((l) => /^GET \/orders\/\d 200 \d+ms$/.test(l))).toHaveLength(served.get(id) ?? 0);
      expect(lines.some((l) => /^GET \/health 200 \d+ms "ELB-HealthChecker\/2\.0"$/.test(l))).toBe(true);
    }
    const filtered = await tc.clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: '/berth/lg', filterPattern: '"GET /orders/3"' }),
    );
    expect(filtered.events).toHaveLength(1);
  });

  it('a crashing image writes its last words before the task stops', async () => {
    await clusterWithHosts(tc, 'lc', 1);
    await tc.clients.logs.send(new CreateLogGroupCommand({ logGroupName: '/berth/lc' }));
    await register('lc-web', 'demo/crash:1', '/berth/lc');
    const run = await tc.clients.ecs.send(new RunTaskCommand({ cluster: 'lc', taskDefinition: 'lc-web' }));
    const arn = run.tasks?.[0]?.taskArn ?? '';
    const task = await stoppedTask('lc', arn);
    expect(task.stoppedReason).toBe('Essential container in task exited');
    const out = await tc.clients.logs.send(
      new GetLogEventsCommand({
        logGroupName: '/berth/lc',
        logStreamName: `web/web/${arn.split('/').pop()}`,
        startFromHead: true,
      }),
    );
    expect(out.events?.map((e) => e.message)).toEqual([
      'lc-web:1 (demo/crash:1) starting',
      'fatal: demo/crash:1 failed during start-up; exiting with code 1',
    ]);
  });

  it('a task whose log group does not exist fails to start with the agent’s reason', async () => {
    await clusterWithHosts(tc, 'ln', 1);
    await register('ln-web', 'nginx:1', '/berth/missing');
    const run = await tc.clients.ecs.send(new RunTaskCommand({ cluster: 'ln', taskDefinition: 'ln-web' }));
    const task = await stoppedTask('ln', run.tasks?.[0]?.taskArn ?? '');
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toBe(
      'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1',
    );
  });
});
