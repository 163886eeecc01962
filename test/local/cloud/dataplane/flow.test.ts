import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoScalingBackend } from '../../../../local/cloud/services/autoscaling/backend.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import {
  albWithTargetGroup,
  clusterWithHosts,
  httpGet,
  taskGroup,
  until,
} from '../helpers/dataplane-fixtures.ts';

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

async function registerWeb(
  family: string,
  image: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const out = await tc.clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'bridge',
      containerDefinitions: [
        { name: 'web', image, memoryReservation: 64, portMappings: [{ containerPort: 80, hostPort: 0 }] },
      ],
      ...extra,
    }),
  );
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

async function describeService(cluster: string, name: string) {
  const out = await tc.clients.ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
  return out.services?.[0];
}

describe('deployments', () => {
  it('rolls a crashing revision back with the circuit breaker', async () => {
    await clusterWithHosts(tc, 'cb', 2);
    const alb = await albWithTargetGroup(tc, 'cb-alb', { intervalSeconds: 30, healthyThreshold: 5 });
    const good = await registerWeb('cb-web', 'nginx:1');
    await tc.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'cb',
        serviceName: 'web',
        taskDefinition: good,
        desiredCount: 2,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 80 }],
      }),
    );
    await until(
      async () => (await describeService('cb', 'web'))?.deployments?.[0]?.rolloutState === 'COMPLETED',
    );
    const bad = await registerWeb('cb-web', 'demo/crash:2');
    await tc.clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'cb', service: 'web', taskDefinition: bad }),
    );
    const failed = await until(async () =>
      (await describeService('cb', 'web'))?.deployments?.find((d) => d.rolloutState === 'FAILED'),
    );
    expect(failed).toMatchObject({
      taskDefinition: bad,
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    });
    expect(failed.failedTasks).toBeGreaterThanOrEqual(3);
    const settled = await until(async () => {
      const s = await describeService('cb', 'web');
      return s?.deployments?.length === 1 && s.deployments[0]?.rolloutState === 'COMPLETED' ? s : undefined;
    });
    expect(settled.taskDefinition).toBe(good);
    expect(settled.deployments?.[0]?.taskDefinition).toBe(good);
    const stopped = await tc.clients.ecs.send(
      new ListTasksCommand({ cluster: 'cb', serviceName: 'web', desiredStatus: 'STOPPED' }),
    );
    const described = await tc.clients.ecs.send(
      new DescribeTasksCommand({ cluster: 'cb', tasks: stopped.taskArns }),
    );
    const crashed = (described.tasks ?? []).find((t) => t.taskDefinitionArn === bad);
    expect(crashed).toMatchObject({
      lastStatus: 'STOPPED',
      stoppedReason: 'Essential container in task exited',
      stopCode: 'EssentialContainerExited',
    });
    expect(crashed?.containers?.[0]?.exitCode).toBe(1);
  });

  it('reports Target.ResponseCodeMismatch for a workload whose health path fails', async () => {
    await clusterWithHosts(tc, 'uh', 1);
    const alb = await albWithTargetGroup(tc, 'uh-alb');
    const td = await registerWeb('uh-web', 'demo/unhealthy:1');
    await tc.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'uh',
        serviceName: 'web',
        taskDefinition: td,
        desiredCount: 1,
        healthCheckGracePeriodSeconds: 3600,
        loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 80 }],
      }),
    );
    const row = await until(async () => {
      const out = await tc.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn }),
      );
      return out.TargetHealthDescriptions?.find((r) => r.TargetHealth?.State === 'unhealthy');
    });
    expect(row.TargetHealth).toEqual({
      State: 'unhealthy',
      Reason: 'Target.ResponseCodeMismatch',
      Description: 'Health checks failed with these codes: [500]',
    });
    const res = await httpGet(`${tc.url}/`, alb.dnsName);
    expect(res.status).toBe(503);
  });

  it('keeps a deleted service DRAINING while its targets drain, refusing its name until it is INACTIVE', async () => {
    await clusterWithHosts(tc, 'rd', 1);
    const alb = await albWithTargetGroup(tc, 'rd-alb', { deregistrationDelay: 1200 });
    const td = await registerWeb('rd-web', 'nginx:1');
    const create = () =>
      tc.clients.ecs.send(
        new CreateServiceCommand({
          cluster: 'rd',
          serviceName: 'web',
          taskDefinition: td,
          desiredCount: 1,
          loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 80 }],
        }),
      );
    await create();
    await until(
      async () => (await describeService('rd', 'web'))?.deployments?.[0]?.rolloutState === 'COMPLETED',
    );
    const deleted = await tc.clients.ecs.send(
      new DeleteServiceCommand({ cluster: 'rd', service: 'web', force: true }),
    );
    expect(deleted.service?.status).toBe('DRAINING');
    await until(async () => {
      const out = await tc.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn }),
      );
      return out.TargetHealthDescriptions?.find((r) => r.TargetHealth?.State === 'draining');
    });
    expect((await describeService('rd', 'web'))?.status).toBe('DRAINING');
    const refused = await create().then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refused?.name).toBe('InvalidParameterException');
    expect(refused?.message).toBe('Unable to Start a service that is still Draining.');
    await until(async () => (await describeService('rd', 'web'))?.status === 'INACTIVE');
    const again = await create();
    expect(again.service?.status).toBe('ACTIVE');
  });

  it('drains targets for the deregistration delay when a service scales in', async () => {
    await clusterWithHosts(tc, 'dr', 1);
    const alb = await albWithTargetGroup(tc, 'dr-alb', { deregistrationDelay: 1200 });
    const td = await registerWeb('dr-web', 'nginx:1');
    await tc.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'dr',
        serviceName: 'web',
        taskDefinition: td,
        desiredCount: 1,
        loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 80 }],
      }),
    );
    await until(
      async () => (await describeService('dr', 'web'))?.deployments?.[0]?.rolloutState === 'COMPLETED',
    );
    const [taskArn] =
      (await tc.clients.ecs.send(new ListTasksCommand({ cluster: 'dr', serviceName: 'web' }))).taskArns ?? [];
    await tc.clients.ecs.send(new UpdateServiceCommand({ cluster: 'dr', service: 'web', desiredCount: 0 }));
    const draining = await until(async () => {
      const out = await tc.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn }),
      );
      return out.TargetHealthDescriptions?.find((r) => r.TargetHealth?.State === 'draining');
    });
    expect(draining.TargetHealth).toEqual({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    });
    const during = await tc.clients.ecs.send(
      new DescribeTasksCommand({ cluster: 'dr', tasks: [taskArn ?? ''] }),
    );
    expect(during.tasks?.[0]?.lastStatus).toBe('DEACTIVATING');
    await until(async () => {
      const out = await tc.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn }),
      );
      return (out.TargetHealthDescriptions ?? []).length === 0;
    });
    const after = await until(async () => {
      const out = await tc.clients.ecs.send(
        new DescribeTasksCommand({ cluster: 'dr', tasks: [taskArn ?? ''] }),
      );
      return out.tasks?.[0]?.lastStatus === 'STOPPED' ? out.tasks[0] : undefined;
    });
    expect(after.stoppedReason).toMatch(/^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/);
    const settled = await until(async () => {
      const svc = await describeService('dr', 'web');
      const steady = (svc?.events ?? []).filter(
        (e) => e.message === '(service web) has reached a steady state.',
      );
      return steady.length === 2 ? svc : undefined;
    });
    expect(settled.deployments?.[0]?.rolloutState).toBe('COMPLETED');
  });
});

describe('placement', () => {
  it('leaves tasks unplaced with a service event when no instance fits', async () => {
    await clusterWithHosts(tc, 'full', 1, 't3.nano');
    const td = await registerWeb('full-web', 'nginx:1', {
      containerDefinitions: [
        { name: 'web', image: 'nginx:1', memory: 100_000, portMappings: [{ containerPort: 80 }] },
      ],
    });
    await tc.clients.ecs.send(
      new CreateServiceCommand({ cluster: 'full', serviceName: 'web', taskDefinition: td, desiredCount: 1 }),
    );
    const event = await until(async () =>
      (await describeService('full', 'web'))?.events?.find((e) =>
        e.message?.includes('unable to place a task'),
      ),
    );
    expect(event.message).toMatch(
      /^service web was unable to place a task because no container instance met all of its requirements\. Reason: The closest matching container-instance [0-9a-f]{32} has insufficient memory available\.$/,
    );
    expect((await describeService('full', 'web'))?.pendingCount).toBe(0);
  });

  it('scales the capacity provider group out when tasks cannot be placed', async () => {
    const { asgName } = await clusterWithHosts(tc, 'grow', 0);
    const td = await registerWeb('grow-web', 'nginx:1');
    await tc.clients.ecs.send(
      new CreateServiceCommand({ cluster: 'grow', serviceName: 'web', taskDefinition: td, desiredCount: 1 }),
    );
    const running = await until(async () => {
      const s = await describeService('grow', 'web');
      return s?.runningCount === 1 ? s : undefined;
    });
    expect(running.events?.some((e) => e.message?.includes('unable to place a task'))).toBe(true);
    const group = autoScalingBackend(tc.cloud, '000000000000', 'us-east-1').getGroup(asgName);
    expect(group?.desiredCapacity).toBe(1);
  });

  it('stops the tasks of a terminated host with the AWS reason', async () => {
    await clusterWithHosts(tc, 'term', 1);
    const td = await registerWeb('term-web', 'nginx:1');
    const run = await tc.clients.ecs.send(new RunTaskCommand({ cluster: 'term', taskDefinition: td }));
    const taskArn = run.tasks?.[0]?.taskArn ?? '';
    const running = await until(async () => {
      const out = await tc.clients.ecs.send(new DescribeTasksCommand({ cluster: 'term', tasks: [taskArn] }));
      return out.tasks?.[0]?.lastStatus === 'RUNNING' ? out.tasks[0] : undefined;
    });
    const ci = await tc.clients.ecs.send(
      new DescribeContainerInstancesCommand({
        cluster: 'term',
        containerInstances: [running.containerInstanceArn ?? ''],
      }),
    );
    const instanceId = ci.containerInstances?.[0]?.ec2InstanceId ?? '';
    await tc.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    const stopped = await until(async () => {
      const out = await tc.clients.ecs.send(new DescribeTasksCommand({ cluster: 'term', tasks: [taskArn] }));
      return out.tasks?.[0]?.lastStatus === 'STOPPED' ? out.tasks[0] : undefined;
    });
    expect(stopped.stoppedReason).toBe(`Host EC2 (instance ${instanceId}) terminated.`);
    const port = running.containers?.[0]?.networkBindings?.[0]?.hostPort ?? 0;
    await expect(httpGet(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('runs Fargate tasks as ip targets on 127.0.0.1', async () => {
    const { subnetIds } = await clusterWithHosts(tc, 'fg', 0);
    await tc.clients.ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'fg',
        capacityProviders: ['FARGATE'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      }),
    );
    const alb = await albWithTargetGroup(tc, 'fg-alb', { targetType: 'ip' });
    // The tasks' interfaces admit the ALB's group on the container port (security groups are enforced).
    const tasksGroup = await taskGroup(tc, 'fg-tasks', alb.vpcId, {
      sourceGroupId: alb.securityGroupId,
      port: 8080,
    });
    const td = await tc.clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'fg-web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: 'nginx:1', portMappings: [{ containerPort: 8080 }] }],
      }),
    );
    await tc.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'fg',
        serviceName: 'web',
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: subnetIds,
            securityGroups: [tasksGroup],
            assignPublicIp: 'ENABLED',
          },
        },
        loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'web', containerPort: 8080 }],
      }),
    );
    const rows = await until(async () => {
      const out = await tc.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: alb.targetGroupArn }),
      );
      const r = out.TargetHealthDescriptions ?? [];
      return r.length === 2 && r.every((x) => x.TargetHealth?.State === 'healthy') ? r : undefined;
    });
    expect(rows.map((r) => r.Target?.Id)).toEqual(['127.0.0.1', '127.0.0.1']);
    const res = await httpGet(`${tc.url}/`, alb.dnsName);
    expect(JSON.parse(res.body)).toMatchObject({ family: 'fg-web', cluster: 'fg' });
  });
});
