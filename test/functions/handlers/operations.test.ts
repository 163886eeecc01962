import {
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DynamoRegistry } from '../../../functions/adapters/registry.ts';
import { SHIPPED_PRICES } from '../../../functions/core/cost.ts';
import { makeHandler as extendHandler } from '../../../functions/handlers/extend.ts';
import { makeHandler as recordHandler } from '../../../functions/handlers/record.ts';
import { makeHandler as redeployHandler } from '../../../functions/handlers/redeploy.ts';
import { makeHandler as scaleHandler } from '../../../functions/handlers/scale.ts';
import { mocks, OWNED, OWNED_ECS, resetMocks, testDeps, upState } from './aws-fixtures.ts';

const td1 = 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:1';
const td2 = 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:2';

function serviceExists(desiredCount = 1) {
  mocks.ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceArn: 'arn:svc',
        serviceName: 'berth-demo',
        status: 'ACTIVE',
        desiredCount,
        taskDefinition: td1,
        tags: OWNED_ECS,
      },
    ],
  });
  mocks.ecs
    .on(UpdateServiceCommand)
    .resolves({ service: { serviceArn: 'arn:svc', serviceName: 'berth-demo' } });
}

/** A registry fake that records calls. */
function fakeRegistry(environment: Record<string, unknown> | undefined) {
  const calls: [string, ...unknown[]][] = [];
  const registry = new Proxy(
    {},
    {
      get:
        (_t, method: string) =>
        async (...args: unknown[]) => {
          calls.push([method, ...args]);
          if (method === 'getEnvironment') return environment;
          return undefined;
        },
    },
  ) as DynamoRegistry;
  return { registry, calls };
}

beforeEach(() => resetMocks());

describe('scale handler', () => {
  it('raises the group ceiling before the service desired count and leaves the desired capacity to managed scaling', async () => {
    serviceExists(1);
    mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'berth-demo-asg',
          MinSize: 1,
          MaxSize: 2,
          DesiredCapacity: 1,
          Instances: [],
          Tags: OWNED,
          CreatedTime: new Date(),
          DefaultCooldown: 300,
          AvailabilityZones: [],
          HealthCheckType: 'EC2',
        },
      ],
    });
    const order: string[] = [];
    mocks.autoScaling.on(UpdateAutoScalingGroupCommand).callsFake(() => {
      order.push('UpdateAutoScalingGroup');
      return {};
    });
    mocks.ecs.on(UpdateServiceCommand).callsFake(() => {
      order.push('UpdateService');
      return { service: { serviceArn: 'arn:svc', serviceName: 'berth-demo' } };
    });
    const spec = {
      name: 'demo',
      image: 'nginx:1.27',
      owner: 'ana',
      cpu: 1024,
      memory: 1024,
      memoryReservation: 512,
    };
    const { registry } = fakeRegistry({ name: 'demo', status: 'ready', spec });
    const result = await scaleHandler(testDeps({ registry }))({
      operation: 'scale',
      env: 'demo',
      desiredCount: 6,
    });
    // t3.small: 2048 CPU units and 1792 MiB usable → 1 task of 1024 MiB per instance
    expect(result).toEqual({ desiredCount: 6, desiredCapacity: 1, maxSize: 6 });
    expect(mocks.autoScaling.commandCalls(UpdateAutoScalingGroupCommand).map((c) => c.args[0].input)).toEqual(
      [{ AutoScalingGroupName: 'berth-demo-asg', MaxSize: 6 }],
    );
    expect(mocks.autoScaling).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
    expect(mocks.ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { desiredCount: 6 });
    expect(order).toEqual(['UpdateAutoScalingGroup', 'UpdateService']);
  });

  it('never sets the desired capacity on a scale-in (managed scaling unprotects and removes idle instances)', async () => {
    serviceExists(4);
    mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'berth-demo-asg',
          MinSize: 1,
          MaxSize: 4,
          DesiredCapacity: 4,
          Instances: [],
          Tags: OWNED,
          CreatedTime: new Date(),
          DefaultCooldown: 300,
          AvailabilityZones: [],
          HealthCheckType: 'EC2',
        },
      ],
    });
    mocks.ecs
      .on(UpdateServiceCommand)
      .resolves({ service: { serviceArn: 'arn:svc', serviceName: 'berth-demo' } });
    const spec = { name: 'demo', image: 'nginx:1.27', owner: 'ana', cpu: 1024, memory: 1024 };
    const { registry } = fakeRegistry({ name: 'demo', status: 'ready', spec });
    const result = await scaleHandler(testDeps({ registry }))({
      operation: 'scale',
      env: 'demo',
      desiredCount: 1,
    });
    expect(result).toEqual({ desiredCount: 1, desiredCapacity: 4, maxSize: 4 });
    expect(mocks.autoScaling).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
    expect(mocks.autoScaling).not.toHaveReceivedCommand(SetDesiredCapacityCommand);
    expect(mocks.ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { desiredCount: 1 });
  });

  it('rejects a desired count outside 0–100 naming the field', async () => {
    await expect(
      scaleHandler(testDeps())({ operation: 'scale', env: 'demo', desiredCount: 101 }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'desiredCount: must be an integer from 0 to 100',
    });
  });
});

describe('redeploy handler', () => {
  it('registers a copy of the current revision with the new image and forces a new deployment', async () => {
    serviceExists();
    mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: td1,
        family: 'berth-demo',
        revision: 1,
        networkMode: 'bridge',
        requiresCompatibilities: ['EC2'],
        containerDefinitions: [
          {
            name: 'app',
            image: 'nginx:1.27',
            cpu: 256,
            memory: 512,
            portMappings: [{ containerPort: 80, hostPort: 0 }],
          },
        ],
      },
    });
    mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: { taskDefinitionArn: td2, family: 'berth-demo', revision: 2 },
    });
    const result = await redeployHandler(testDeps())({
      operation: 'redeploy',
      env: 'demo',
      image: 'nginx:1.28',
    });
    expect(result).toEqual({ taskDefinitionArn: td2, previousTaskDefinitionArn: td1, image: 'nginx:1.28' });
    expect(mocks.ecs).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
      family: 'berth-demo',
      networkMode: 'bridge',
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1.28',
          cpu: 256,
          memory: 512,
          portMappings: [{ containerPort: 80, hostPort: 0 }],
        },
      ],
    });
    expect(mocks.ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      cluster: 'berth-demo',
      service: 'berth-demo',
      taskDefinition: td2,
      forceNewDeployment: true,
    });
  });

  it('fails with NotFoundError when there is no service', async () => {
    mocks.ecs.on(DescribeServicesCommand).resolves({ services: [] });
    await expect(redeployHandler(testDeps())({ operation: 'redeploy', env: 'demo' })).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'ECS service berth-demo does not exist; run up first',
    });
  });
});

describe('record handler', () => {
  it('stores the spec with owner and expiry, opens the operation and appends the step', async () => {
    const { registry, calls } = fakeRegistry(undefined);
    const result = await recordHandler(testDeps({ registry }))({
      ...upState,
      executionArn: 'arn:exec:1',
      status: 'creating',
      step: 'up',
    });
    expect(result).toEqual({
      status: 'creating',
      operationId: 'req-1',
      updatedAt: '2026-11-25T12:00:00.000Z',
    });
    expect(calls.map((c) => c[0])).toEqual([
      'getEnvironment',
      'recordOperation',
      'putEnvironment',
      'updateStatus',
      'appendStep',
    ]);
    const put = calls[2]?.[1] as { owner: string; expiresAt: string; keep: boolean };
    expect(put).toMatchObject({ owner: 'ana', keep: false, expiresAt: '2026-11-26T12:00:00.000Z' });
  });

  it('records who asked and through which entry point on the operation (unknown entry points left out)', async () => {
    const first = fakeRegistry(undefined);
    await recordHandler(testDeps({ registry: first.registry }))({
      ...upState,
      requestedBy: 'slack:T1/U1',
      entry: 'slack',
      status: 'creating',
      step: 'up',
    });
    expect(first.calls.find((c) => c[0] === 'recordOperation')?.[1]).toMatchObject({
      requestedBy: 'slack:T1/U1',
      entry: 'slack',
      startedAt: '2026-11-25T12:00:00.000Z',
    });
    const second = fakeRegistry(undefined);
    await recordHandler(testDeps({ registry: second.registry }))({
      ...upState,
      entry: 'unknown',
      status: 'creating',
      step: 'up',
    });
    expect(second.calls.find((c) => c[0] === 'recordOperation')?.[1]).not.toHaveProperty('entry');
  });

  it('records a failure with the Lambda error message as reason and finishes the operation', async () => {
    const { registry, calls } = fakeRegistry({
      name: 'demo',
      status: 'creating',
      currentOperation: { operationId: 'req-1', operation: 'up', startedAt: '2026-11-25T11:00:00.000Z' },
    });
    await recordHandler(testDeps({ registry }))({
      env: 'demo',
      operation: 'up',
      requestId: 'req-1',
      status: 'failed',
      step: 'failed',
      failure: {
        step: 'CreateCluster',
        error: 'InsufficientCapacityError',
        cause: '{"errorMessage":"no capacity"}',
      },
    });
    const update = calls.find((c) => c[0] === 'updateStatus')?.[2];
    expect(update).toMatchObject({
      status: 'failed',
      currentOperation: null,
      lastFailure: {
        operation: 'up',
        step: 'CreateCluster',
        error: 'InsufficientCapacityError',
        reason: 'no capacity',
      },
    });
    const finish = calls.find((c) => c[0] === 'finishOperation');
    expect(finish?.[2]).toEqual({ startedAt: '2026-11-25T11:00:00.000Z', operationId: 'req-1' });
    expect(calls.some((c) => c[0] === 'recordOperation')).toBe(false);
  });
});

describe('record handler: usage for cost', () => {
  const observed = { instances: [{ type: 't3.small', count: 1 }], loadBalancer: { mode: 'dedicated' } };
  const running = {
    name: 'demo',
    status: 'scaling',
    currentOperation: { operationId: 'req-1', operation: 'scale', startedAt: '2026-11-25T11:00:00.000Z' },
    usage: {
      resources: { region: 'us-east-1', ...observed },
      observedAt: '2026-11-25T10:00:00.000Z',
      accruedUsd: 0.1,
    },
  };

  it("stores verify's observation and adds the previous period's cost", async () => {
    const { registry, calls } = fakeRegistry(running);
    const three = { instances: [{ type: 't3.small', count: 3 }], loadBalancer: { mode: 'dedicated' } };
    await recordHandler({
      ...testDeps({ registry }),
      pricing: { region: 'us-east-1', prices: SHIPPED_PRICES },
    })({
      env: 'demo',
      operation: 'scale',
      requestId: 'req-1',
      status: 'ready',
      step: 'scale',
      verified: { usage: three } as never,
    });
    const update = calls.find((c) => c[0] === 'updateStatus')?.[2] as { usage: any };
    expect(update.usage.resources).toEqual({ region: 'us-east-1', ...three });
    expect(update.usage.observedAt).toBe('2026-11-25T12:00:00.000Z');
    // 0.1 before + 2 h at 1 × t3.small, its volume and the ALB (0.0465876… per hour)
    expect(update.usage.accruedUsd).toBeCloseTo(0.1 + 2 * (0.0208 + (30 * 0.08) / 730 + 0.0225), 6);
  });

  it('keeps nothing running once deleted, and leaves usage alone on other steps', async () => {
    const { registry, calls } = fakeRegistry(running);
    const deps = { ...testDeps({ registry }), pricing: { region: 'us-east-1', prices: SHIPPED_PRICES } };
    const base = { env: 'demo', operation: 'down', requestId: 'req-1' };
    await recordHandler(deps)({ ...base, status: 'tearing-down', step: 'down' });
    expect(calls.find((c) => c[0] === 'updateStatus')?.[2]).not.toHaveProperty('usage');
    await recordHandler(deps)({ ...base, status: 'deleted', step: 'down' });
    const deleted = calls.filter((c) => c[0] === 'updateStatus').at(-1)?.[2] as { usage: any };
    expect(deleted.usage.resources).toEqual({ region: 'us-east-1', instances: [] });
    expect(deleted.usage.accruedUsd).toBeGreaterThan(0.1);
  });

  it("adds the state transitions of the operation's execution, read from its history, at its final record", async () => {
    const { registry, calls } = fakeRegistry(running);
    const asked: string[] = [];
    const history = [
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
    ];
    const deps = {
      ...testDeps({ registry }),
      pricing: { region: 'us-east-1', prices: SHIPPED_PRICES },
      executions: {
        getExecutionHistory: async (arn: string) => {
          asked.push(arn);
          return history.map((type, i) => ({
            type: type as HistoryEventType,
            id: i + 1,
            timestamp: new Date(),
          }));
        },
      },
    };
    const base = { env: 'demo', operation: 'scale', requestId: 'req-1', executionArn: 'arn:exec:scale' };
    await recordHandler(deps)({ ...base, status: 'scaling', step: 'scale' });
    expect(asked).toEqual([]);
    await recordHandler(deps)({ ...base, status: 'ready', step: 'scale' });
    expect(asked).toEqual(['arn:exec:scale']);
    const update = calls.filter((c) => c[0] === 'updateStatus').at(-1)?.[2] as { usage: any };
    // 3 states entered + 1 retry of the first task
    expect(update.usage).toMatchObject({ stateTransitions: 4, transitionsCountedFor: 'arn:exec:scale' });
  });

  it('records without the transitions when the history cannot be read', async () => {
    const { registry, calls } = fakeRegistry(running);
    const deps = {
      ...testDeps({ registry }),
      pricing: { region: 'us-east-1', prices: SHIPPED_PRICES },
      executions: {
        getExecutionHistory: async () => {
          throw new Error('AccessDeniedException');
        },
      },
    };
    const result = await recordHandler(deps)({
      env: 'demo',
      operation: 'scale',
      requestId: 'req-1',
      executionArn: 'arn:exec:scale',
      status: 'ready',
      step: 'scale',
    });
    expect(result.status).toBe('ready');
    expect(calls.find((c) => c[0] === 'updateStatus')?.[2]).not.toHaveProperty('usage');
  });
});

describe('extend handler', () => {
  it('sets the keep flag (record and stored spec) without moving the expiry for the Keep button', async () => {
    const { registry, calls } = fakeRegistry({
      name: 'demo',
      status: 'ready',
      expiresAt: '2026-11-25T20:00:00.000Z',
      spec: { name: 'demo', image: 'nginx:1', keep: false },
    });
    const result = await extendHandler(testDeps({ registry }))({
      operation: 'extend',
      env: 'demo',
      keep: true,
    });
    expect(result).toEqual({ expiresAt: '2026-11-25T20:00:00.000Z', keep: true });
    expect(calls.map((c) => c[0])).toEqual(['getEnvironment', 'setKeep']);
    expect(calls.at(-1)).toEqual(['setKeep', 'demo', { inSpec: true }]);
  });

  it('still requires hours without keep', async () => {
    const { registry } = fakeRegistry({ name: 'demo', status: 'ready' });
    await expect(extendHandler(testDeps({ registry }))({ operation: 'extend', env: 'demo' })).rejects.toThrow(
      'hours: must be an integer from 1 to 720',
    );
  });

  it('extends from the later of now and the current expiry', async () => {
    const { registry, calls } = fakeRegistry({
      name: 'demo',
      status: 'ready',
      expiresAt: '2026-11-25T20:00:00.000Z',
    });
    const result = await extendHandler(testDeps({ registry }))({
      operation: 'extend',
      env: 'demo',
      hours: 8,
    });
    expect(result).toEqual({ expiresAt: '2026-11-26T04:00:00.000Z' });
    expect(calls.at(-1)).toEqual([
      'updateStatus',
      'demo',
      { status: 'ready', expiresAt: '2026-11-26T04:00:00.000Z' },
    ]);
  });

  it('records the operation with who asked, through which entry point and when', async () => {
    const { registry, calls } = fakeRegistry({
      name: 'demo',
      status: 'ready',
      expiresAt: '2026-11-25T20:00:00.000Z',
    });
    await extendHandler(testDeps({ registry }))({
      operation: 'extend',
      env: 'demo',
      hours: 8,
      requestId: 'req-9',
      requestedBy: 'slack:T1/U1',
      entry: 'slack',
    });
    expect(calls.at(-1)).toEqual([
      'recordOperation',
      {
        env: 'demo',
        operationId: 'req-9',
        operation: 'extend',
        requestId: 'req-9',
        requestedBy: 'slack:T1/U1',
        entry: 'slack',
        status: 'succeeded',
        steps: [
          {
            step: 'Extend',
            status: 'succeeded',
            at: '2026-11-25T12:00:00.000Z',
            detail: 'expires at 2026-11-26T04:00:00.000Z',
          },
        ],
        startedAt: '2026-11-25T12:00:00.000Z',
        finishedAt: '2026-11-25T12:00:00.000Z',
      },
    ]);
  });
});

describe('handler modules', () => {
  it('import without configuration or network access', async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) if (key.startsWith('BERTH_')) delete process.env[key];
    try {
      const modules = await Promise.all([
        import('../../../functions/handlers/lock.ts'),
        import('../../../functions/handlers/record.ts'),
        import('../../../functions/handlers/create-network.ts'),
        import('../../../functions/handlers/create-load-balancer.ts'),
        import('../../../functions/handlers/create-cluster.ts'),
        import('../../../functions/handlers/create-task-definition.ts'),
        import('../../../functions/handlers/create-service.ts'),
        import('../../../functions/handlers/verify.ts'),
        import('../../../functions/handlers/scale.ts'),
        import('../../../functions/handlers/redeploy.ts'),
        import('../../../functions/handlers/extend.ts'),
        import('../../../functions/handlers/teardown-service.ts'),
        import('../../../functions/handlers/teardown-capacity.ts'),
        import('../../../functions/handlers/teardown-cluster.ts'),
        import('../../../functions/handlers/teardown-load-balancer.ts'),
        import('../../../functions/handlers/teardown-network.ts'),
        import('../../../functions/handlers/teardown-task-definitions.ts'),
      ]);
      expect(modules.every((m) => typeof m.handler === 'function')).toBe(true);
    } finally {
      Object.assign(process.env, saved);
    }
  });

  it('fails at call time with a ConfigError naming the missing variable', async () => {
    const { handler } = await import('../../../functions/handlers/create-network.ts');
    const saved = process.env.BERTH_VPC_ID;
    delete process.env.BERTH_VPC_ID;
    try {
      await expect(handler(upState)).rejects.toMatchObject({
        name: 'ConfigError',
        message: 'missing required environment variable BERTH_VPC_ID',
      });
    } finally {
      if (saved !== undefined) process.env.BERTH_VPC_ID = saved;
    }
  });
});
