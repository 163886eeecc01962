import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ecsBackend } from '../../../../../local/cloud/services/ecs/backend.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { albWithTargetGroup, clusterWithHosts, until } from '../../helpers/dataplane-fixtures.ts';

let tc: TestCloud;

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant' });
});

afterAll(async () => {
  await tc?.stop();
});

async function describeService(cluster: string, name: string) {
  const out = await tc.clients.ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
  return out.services?.[0];
}

async function unhealthyService(cluster: string): Promise<{ targetGroupArn: string }> {
  await clusterWithHosts(tc, cluster, 1);
  const alb = await albWithTargetGroup(tc, `${cluster}-alb`, { deregistrationDelay: 0 });
  const td = await tc.clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: `${cluster}-web`,
      networkMode: 'bridge',
      containerDefinitions: [
        {
          name: 'web',
          image: 'demo/unhealthy:1',
          memoryReservation: 64,
          portMappings: [{ containerPort: 80, hostPort: 0 }],
        },
      ],
    }),
  );
  await tc.clients.ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: 'web',
      taskDefinition: td.taskDefinition?.taskDefinitionArn ?? '',
      desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 80 }],
    }),
  );
  return { targetGroupArn: alb.targetGroupArn };
}

describe('ECS service replacing a task whose target fails ELB health checks', () => {
  it('stops it with the AWS reason and code, reports it in events newest first, and trips the breaker', async () => {
    const { targetGroupArn } = await unhealthyService('elbfail');

    const failed = await until(async () => {
      const s = await describeService('elbfail', 'web');
      return s?.deployments?.[0]?.rolloutState === 'FAILED' ? s : undefined;
    });
    expect(failed.deployments?.[0]).toMatchObject({
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    });
    expect(failed.deployments?.[0]?.failedTasks).toBeGreaterThanOrEqual(3);

    const listed = await tc.clients.ecs.send(
      new ListTasksCommand({ cluster: 'elbfail', serviceName: 'web', desiredStatus: 'STOPPED' }),
    );
    const described = await tc.clients.ecs.send(
      new DescribeTasksCommand({ cluster: 'elbfail', tasks: listed.taskArns }),
    );
    const tasks = described.tasks ?? [];
    expect(tasks.length).toBeGreaterThanOrEqual(3);
    for (const task of tasks) {
      expect(task).toMatchObject({
        stoppedReason: `Task failed ELB health checks in (target-group ${targetGroupArn})`,
        stopCode: 'ServiceSchedulerInitiated',
      });
    }

    const messages = (failed.events ?? []).map((e) => e.message ?? '');
    const stoppedIds = tasks.map((t) => t.taskArn?.split('/').at(-1) ?? '');
    const unhealthy = messages.findIndex((m) =>
      /^\(service web\) \(instance i-[0-9a-f]+\) \(port \d+\) is unhealthy in \(target-group [^)]+\) due to \(reason Health checks failed with these codes: \[500\]\)\.$/.test(
        m,
      ),
    );
    expect(unhealthy).toBeGreaterThanOrEqual(0);
    expect(messages[unhealthy]).toContain(`(target-group ${targetGroupArn})`);
    const stoppedEvent = messages.findIndex((m) =>
      /^\(service web\) has stopped 1 running tasks: \(task [0-9a-f]+\)\.$/.test(m),
    );
    expect(stoppedEvent).toBeGreaterThanOrEqual(0);
    expect(stoppedEvent).toBeLessThan(unhealthy);
    expect(stoppedIds).toContain(/\(task ([0-9a-f]+)\)/.exec(messages[stoppedEvent] ?? '')?.[1]);
    const times = (failed.events ?? []).map((e) => e.createdAt?.getTime() ?? 0);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('keeps the 100 newest service events, newest first', async () => {
    await tc.clients.ecs.send(new CreateClusterCommand({ clusterName: 'evcap' }));
    const td = await tc.clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'evcap-web',
        containerDefinitions: [{ name: 'web', image: 'nginx:1', memoryReservation: 64 }],
      }),
    );
    await tc.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'evcap',
        serviceName: 'idle',
        taskDefinition: td.taskDefinition?.taskDefinitionArn ?? '',
        desiredCount: 0,
      }),
    );
    const backend = ecsBackend(tc.cloud, '000000000000', 'us-east-1');
    const service = [...backend.services.values()].find((s) => s.clusterName === 'evcap');
    if (!service) throw new Error('service evcap/idle not in the backend');
    for (let i = 0; i < 150; i++) backend.addServiceEvent(service, `(service idle) test event ${i}.`);
    // A new service is MISSING from DescribeServices for a moment (ECS eventual consistency).
    await tc.settle('ecsResourcePropagation');

    const described = await describeService('evcap', 'idle');

    const messages = (described?.events ?? []).map((e) => e.message ?? '');
    expect(messages).toHaveLength(100);
    const numbers = messages.flatMap((m) => {
      const n = /test event (\d+)\.$/.exec(m)?.[1];
      return n === undefined ? [] : [Number(n)];
    });
    expect(numbers[0]).toBe(149);
    expect(numbers).toEqual(numbers.map((_, i) => 149 - i));
  });
});
