import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type Call,
  type FakeHandler,
  handlerError,
  happyHandlers,
  lockCalls,
  pendingVerify,
  runMachine,
  upInput,
} from './harness.ts';

const TEARDOWN_ORDER = [
  'TeardownService',
  'TeardownLoadBalancer',
  'TeardownCapacity',
  'TeardownCluster',
  'TeardownNetwork',
  'TeardownTaskDefinitions',
];

const downInput = { operation: 'down', env: 'demo', requestId: 'req-2', requestedBy: 'alice' };
const fastTiming = { verifyMaxAttempts: 3 };

const recorded = (calls: Call[]): Array<{ status: string; step: string; failure?: any }> =>
  calls
    .filter((c) => c.handler === 'Record')
    .map((c) => ({
      status: c.input.status,
      step: c.input.step,
      ...(c.input.failure ? { failure: c.input.failure } : {}),
    }));

const handlersWith = (overrides: Record<string, FakeHandler>): Record<string, FakeHandler> => ({
  ...happyHandlers(),
  ...overrides,
});

const teardownCalls = (calls: Call[]): string[] =>
  calls.filter((c) => c.handler.startsWith('Teardown')).map((c) => c.state);

describe('lifecycle up', () => {
  it('acquires the lock, creates the environment in order, verifies, records ready and releases the lock', async () => {
    const run = await runMachine('lifecycle', upInput(), happyHandlers());

    expect(run.error).toBeUndefined();
    expect(run.output).toEqual({ status: 'Succeeded', env: 'demo', operation: 'up', requestId: 'req-1' });
    expect(run.order.slice(0, 3)).toEqual(['LockAcquire', 'RecordCreating', 'CreateNetwork']);
    expect([...run.order.slice(3, 6)].sort()).toEqual([
      'CreateCluster',
      'CreateLoadBalancer',
      'CreateTaskDefinition',
    ]);
    expect(run.order.slice(6)).toEqual([
      'CreateService',
      'VerifyUp',
      'RecordReady',
      'LockReleaseOnSuccess',
      'NotifySuccess',
    ]);
    expect(recorded(run.calls)).toEqual([
      { status: 'creating', step: 'up' },
      { status: 'ready', step: 'up' },
    ]);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('hands the network result to the parallel creators and every result to the service', async () => {
    const run = await runMachine('lifecycle', upInput(), happyHandlers());

    const cluster = run.calls.find((c) => c.state === 'CreateCluster');
    expect(cluster?.input.resources.network.instanceSecurityGroupId).toBe('sg-instances');
    const service = run.calls.find((c) => c.state === 'CreateService');
    expect(Object.keys(service?.input.resources).sort()).toEqual([
      'cluster',
      'loadBalancer',
      'network',
      'taskDefinition',
    ]);
    const ready = run.calls.find((c) => c.state === 'RecordReady');
    expect(ready?.input.url).toBe('http://berth-demo-alb-1');
    expect(ready?.input.resources.service.serviceArn).toContain('service/berth-demo');
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('fills absent timing fields with defaults and keeps the given ones', async () => {
    const run = await runMachine('lifecycle', upInput({ timing: { verifyMaxAttempts: 7 } }), happyHandlers());

    const verify = run.calls.find((c) => c.state === 'VerifyUp');
    expect(verify?.input.timing).toEqual({
      verifyMaxAttempts: 7,
      drainIntervalSeconds: 35,
      deleteIntervalSeconds: 35,
    });
    expect(verify?.input.keepOnFailure).toBe(false);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('retries a step that throws ThrottlingError and then succeeds', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        CreateNetwork: (_input, { count }) => {
          if (count === 1) throw handlerError('ThrottlingError', 'Rate exceeded');
          return { albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-instances' };
        },
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.order.filter((s) => s === 'CreateNetwork')).toHaveLength(2);
    expect(run.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('rolls back with the ordered teardown and fails with VerifyTimeoutError when verification stays pending', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput({ timing: fastTiming }),
      handlersWith({ Verify: pendingVerify('0/1 targets healthy') }),
    );

    expect(run.error?.name).toBe('VerifyTimeoutError');
    expect(run.error?.message).toBe('still pending after 3 checks: 0/1 targets healthy');
    expect(run.order.filter((s) => s === 'VerifyUp')).toHaveLength(3);
    expect(teardownCalls(run.calls)).toEqual(TEARDOWN_ORDER.map((t) => `${t}Rollback`));
    expect(recorded(run.calls)).toEqual([
      { status: 'creating', step: 'up' },
      {
        status: 'rolling-back',
        step: 'rollback',
        failure: {
          step: 'VerifyUp',
          error: 'VerifyTimeoutError',
          cause: 'still pending after 3 checks: 0/1 targets healthy',
        },
      },
      {
        status: 'failed',
        step: 'rollback',
        failure: {
          step: 'VerifyUp',
          error: 'VerifyTimeoutError',
          cause: 'still pending after 3 checks: 0/1 targets healthy',
        },
      },
    ]);
    expect(run.order.slice(-2)).toEqual(['LockReleaseOnFailure', 'NotifyFailure']);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('rolls back and fails with UnhealthyError carrying the reason when verification finds the environment unhealthy', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        Verify: () => ({
          health: 'Unhealthy',
          reason: 'target health: Target.ResponseCodeMismatch',
          url: 'http://x',
        }),
      }),
    );

    expect(run.error).toEqual({
      name: 'UnhealthyError',
      message: 'target health: Target.ResponseCodeMismatch',
    });
    expect(teardownCalls(run.calls)).toEqual(TEARDOWN_ORDER.map((t) => `${t}Rollback`));
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('rolls back when a parallel creation step fails and keeps its error', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        CreateCluster: () => {
          throw handlerError('InsufficientCapacityError', 'no t3.small capacity in us-east-1a');
        },
      }),
    );

    expect(run.error).toEqual({
      name: 'InsufficientCapacityError',
      message: 'no t3.small capacity in us-east-1a',
    });
    expect(run.calls.some((c) => c.state === 'CreateService')).toBe(false);
    expect(recorded(run.calls)[1]?.failure?.step).toBe('ProvisionInParallel');
    expect(teardownCalls(run.calls)).toEqual(TEARDOWN_ORDER.map((t) => `${t}Rollback`));
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('retries CreateCluster while it throws ResourceNotReadyError (capacity provider not ACTIVE yet)', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        CreateCluster: (_input, { count }) => {
          if (count < 3)
            throw handlerError('ResourceNotReadyError', 'capacity provider berth-demo-cp is not ACTIVE yet');
          return { clusterArn: 'arn:cluster', capacityProviderName: 'berth-demo-cp' };
        },
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.order.filter((s) => s === 'CreateCluster')).toHaveLength(3);
    expect(teardownCalls(run.calls)).toEqual([]);
  });

  it('retries CreateService while a service of the same name is still draining (ResourceNotReadyError)', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        CreateService: (_input, { count }) => {
          if (count < 4)
            throw handlerError('ResourceNotReadyError', 'ECS service berth-demo: still draining');
          return { serviceArn: 'arn:svc' };
        },
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.order.filter((s) => s === 'CreateService')).toHaveLength(4);
    expect(teardownCalls(run.calls)).toEqual([]);
  });

  it('rolls back once CreateCluster exhausts its ResourceNotReadyError retries', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        CreateCluster: () => {
          throw handlerError('ResourceNotReadyError', 'ECS service-linked role not usable yet');
        },
      }),
    );

    expect(run.error).toEqual({
      name: 'ResourceNotReadyError',
      message: 'ECS service-linked role not usable yet',
    });
    expect(run.order.filter((s) => s === 'CreateCluster')).toHaveLength(11);
    expect(teardownCalls(run.calls)).toEqual(TEARDOWN_ORDER.map((t) => `${t}Rollback`));
  });

  it('keeps the resources and records the failure when keepOnFailure is set', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput({ keepOnFailure: true }),
      handlersWith({
        Verify: () => ({ health: 'Unhealthy', reason: 'task stopped: Essential container exited' }),
      }),
    );

    expect(run.error).toEqual({
      name: 'UnhealthyError',
      message: 'task stopped: Essential container exited',
    });
    expect(teardownCalls(run.calls)).toEqual([]);
    expect(recorded(run.calls).at(-1)).toEqual({
      status: 'failed',
      step: 'failed',
      failure: {
        step: 'VerifyUp',
        error: 'UnhealthyError',
        cause: 'task stopped: Essential container exited',
      },
    });
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('reports the original error and the rollback error when the rollback fails', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        CreateService: () => {
          throw handlerError('AwsRequestError', 'InvalidParameterException: bad target group');
        },
        TeardownLoadBalancer: () => {
          throw handlerError('OwnershipConflictError', 'berth-demo-alb is foreign');
        },
      }),
    );

    expect(run.error).toEqual({
      name: 'AwsRequestError',
      message: 'InvalidParameterException: bad target group',
    });
    expect(teardownCalls(run.calls)).toEqual(TEARDOWN_ORDER.slice(0, 2).map((t) => `${t}Rollback`));
    expect(recorded(run.calls).at(-1)?.failure?.cause).toBe(
      'InvalidParameterException: bad target group (rollback failed: OwnershipConflictError: berth-demo-alb is foreign)',
    );
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('ends with an OperationInProgress result and creates nothing when the lock is busy', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        Lock: () => {
          throw handlerError('OperationInProgressError', 'demo is locked by down (op-7)');
        },
      }),
    );

    expect(run.output).toEqual({
      status: 'OperationInProgress',
      env: 'demo',
      operation: 'up',
      requestId: 'req-1',
      reason: 'demo is locked by down (op-7)',
    });
    expect(run.order).toEqual(['LockAcquire', 'NotifyBusy']);
    expect(run.calls.find((c) => c.state === 'NotifyBusy')?.input.outcome).toBe('busy');
    expect(lockCalls(run.calls)).toEqual(['acquire']);
  });

  it('fails without releasing when acquiring the lock fails for another reason', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        Lock: () => {
          throw handlerError('ConfigError', 'Missing required environment variable: BERTH_TABLE_NAME');
        },
      }),
    );

    expect(run.error).toEqual({
      name: 'ConfigError',
      message: 'Missing required environment variable: BERTH_TABLE_NAME',
    });
    expect(run.order).toEqual(['LockAcquire', 'NotifyFailure']);
    expect(lockCalls(run.calls)).toEqual(['acquire']);
  });

  it('rejects an up without a spec before taking the lock', async () => {
    const { spec: _spec, ...input } = upInput();
    const run = await runMachine('lifecycle', input, happyHandlers());

    expect(run.error).toEqual({ name: 'ValidationError', message: 'spec: required for operation up' });
    expect(run.calls).toEqual([]);
  });

  it('rejects a scale without desiredCount before taking the lock', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'scale', env: 'demo', requestId: 'req-8', requestedBy: 'alice' },
      happyHandlers(),
    );

    expect(run.error).toEqual({
      name: 'ValidationError',
      message: 'desiredCount: required for operation scale',
    });
    expect(run.calls).toEqual([]);
  });

  it('rejects an unknown operation before taking the lock', async () => {
    const run = await runMachine('lifecycle', upInput({ operation: 'destroy' }), happyHandlers());

    expect(run.error).toEqual({
      name: 'ValidationError',
      message: 'operation: must be one of up, down, scale, redeploy, extend, pause, resume',
    });
    expect(run.calls).toEqual([]);
  });

  it('succeeds when the final notification fails', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput({ responseUrl: 'https://hooks.example.test/response' }),
      handlersWith({
        Notify: () => {
          throw handlerError('AwsRequestError', 'webhook answered 500');
        },
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.output.status).toBe('Succeeded');
    const notify = run.calls.find((c) => c.state === 'NotifySuccess');
    expect(notify?.input.outcome).toBe('succeeded');
    expect(notify?.input.state.responseUrl).toBe('https://hooks.example.test/response');
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });
});

describe('lifecycle down', () => {
  it('tears down in order, waiting while stages report not done, and records deleted', async () => {
    const run = await runMachine(
      'lifecycle',
      downInput,
      handlersWith({
        TeardownService: (_input, { count }) => ({ done: count >= 3, remaining: 3 - count, waitSeconds: 40 }),
        TeardownCapacity: (_input, { count }) => ({
          done: count >= 2,
          remaining: 2 - count,
          waitSeconds: 35,
        }),
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.order).toEqual([
      'LockAcquire',
      'RecordTearingDown',
      'TeardownServiceDown',
      'TeardownServiceDown',
      'TeardownServiceDown',
      'TeardownLoadBalancerDown',
      'TeardownCapacityDown',
      'TeardownCapacityDown',
      'TeardownClusterDown',
      'TeardownNetworkDown',
      'TeardownTaskDefinitionsDown',
      'RecordDeleted',
      'LockReleaseOnSuccess',
      'NotifySuccess',
    ]);
    expect(recorded(run.calls)).toEqual([
      { status: 'tearing-down', step: 'down' },
      { status: 'deleted', step: 'down' },
    ]);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('resumes after a failed stage when down runs again, deleting each resource once', async () => {
    const world = new Set(TEARDOWN_ORDER);
    const deletions: string[] = [];
    let loadBalancerBroken = true;
    const stage =
      (name: string): FakeHandler =>
      () => {
        if (name === 'TeardownLoadBalancer' && loadBalancerBroken) {
          throw handlerError('AwsRequestError', 'ResourceInUse: listener still attached');
        }
        if (world.delete(name)) deletions.push(name);
        return { done: true, remaining: 0 };
      };
    const handlers = handlersWith(Object.fromEntries(TEARDOWN_ORDER.map((n) => [n, stage(n)])));

    const first = await runMachine('lifecycle', downInput, handlers);
    loadBalancerBroken = false;
    const second = await runMachine('lifecycle', downInput, handlers);

    expect(first.error).toEqual({
      name: 'AwsRequestError',
      message: 'ResourceInUse: listener still attached',
    });
    expect(recorded(first.calls).at(-1)?.failure?.step).toBe('TeardownLoadBalancerDown');
    expect(lockCalls(first.calls)).toEqual(['acquire', 'release']);
    expect(second.error).toBeUndefined();
    expect(deletions).toEqual(TEARDOWN_ORDER);
    expect(world.size).toBe(0);
    expect(lockCalls(second.calls)).toEqual(['acquire', 'release']);
  });

  it('retries the network teardown while it throws DependencyPendingError', async () => {
    const run = await runMachine(
      'lifecycle',
      downInput,
      handlersWith({
        TeardownNetwork: (_input, { count }) => {
          if (count < 3)
            throw handlerError('DependencyPendingError', 'sg-1 has a dependent object (ENI attached)');
          return { done: true };
        },
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.order.filter((s) => s === 'TeardownNetworkDown')).toHaveLength(3);
    expect(run.events.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('fails with DependencyPendingError once its retries are exhausted, releasing the lock', async () => {
    const run = await runMachine(
      'lifecycle',
      downInput,
      handlersWith({
        TeardownNetwork: () => {
          throw handlerError('DependencyPendingError', 'sg-1 has a dependent object');
        },
      }),
    );

    expect(run.error).toEqual({ name: 'DependencyPendingError', message: 'sg-1 has a dependent object' });
    expect(run.order.filter((s) => s === 'TeardownNetworkDown')).toHaveLength(13);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });
});

describe('lifecycle scale, redeploy and extend', () => {
  it('scales, verifies and records ready', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'scale', env: 'demo', desiredCount: 3, requestId: 'req-3', requestedBy: 'alice' },
      happyHandlers(),
    );

    expect(run.error).toBeUndefined();
    expect(run.order).toEqual([
      'LockAcquire',
      'RecordScaling',
      'Scale',
      'VerifyScale',
      'RecordScaled',
      'LockReleaseOnSuccess',
      'NotifySuccess',
    ]);
    expect(run.calls.find((c) => c.state === 'Scale')?.input.desiredCount).toBe(3);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('pauses, polling while the tasks drain, and records paused without tearing anything down', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'pause', env: 'demo', requestId: 'req-p', requestedBy: 'alice' },
      handlersWith({
        Pause: (_input, call) =>
          call.count < 3
            ? {
                done: false,
                remaining: ['wait ECS service berth-demo: 2 running tasks to drain'],
                executed: [],
              }
            : { done: true, remaining: [], executed: [] },
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.order).toEqual([
      'LockAcquire',
      'RecordPausing',
      'Pause',
      'Pause',
      'Pause',
      'RecordPaused',
      'LockReleaseOnSuccess',
      'NotifySuccess',
    ]);
    expect(recorded(run.calls).map((r) => r.status)).toEqual(['pausing', 'paused']);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('resumes, waits for the instances, verifies the restored count and records ready', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'resume', env: 'demo', requestId: 'req-r', requestedBy: 'alice' },
      handlersWith({
        Resume: (_input, call) => ({
          done: call.count > 1,
          remaining: [],
          executed: [],
          desiredCount: 3,
          waitedSeconds: 0,
        }),
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.order).toEqual([
      'LockAcquire',
      'RecordResuming',
      'Resume',
      'Resume',
      'VerifyResume',
      'RecordResumed',
      'LockReleaseOnSuccess',
      'NotifySuccess',
    ]);
    // The verify loop checks the restored desired count.
    expect(run.calls.find((c) => c.state === 'VerifyResume')?.input.desiredCount).toBe(3);
    expect(recorded(run.calls).map((r) => r.status)).toEqual(['resuming', 'ready']);
  });

  it('records a failed resume (no rollback) and releases the lock', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'resume', env: 'demo', requestId: 'req-rf', requestedBy: 'alice' },
      handlersWith({
        Resume: () => {
          throw handlerError(
            'InvalidStateError',
            'environment "demo" is not paused: there are no counts to restore',
          );
        },
      }),
    );

    expect(run.error?.name).toBe('InvalidStateError');
    expect(teardownCalls(run.calls)).toEqual([]);
    expect(recorded(run.calls).at(-1)).toMatchObject({ status: 'failed' });
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('redeploys, waits for the deployment to verify and records the new task definition', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'redeploy', env: 'demo', image: 'nginx:1.28', requestId: 'req-4', requestedBy: 'alice' },
      handlersWith({
        Verify: (input, call) =>
          call.count < 2
            ? pendingVerify('deployment IN_PROGRESS')(input, call)
            : { health: 'Healthy', reason: 'ok', url: 'http://x', checks: 2 },
      }),
    );

    expect(run.error).toBeUndefined();
    expect(run.order).toEqual([
      'LockAcquire',
      'RecordRedeploying',
      'Redeploy',
      'VerifyRedeploy',
      'VerifyRedeploy',
      'RecordRedeployed',
      'LockReleaseOnSuccess',
      'NotifySuccess',
    ]);
    expect(run.calls.find((c) => c.state === 'RecordRedeployed')?.input.taskDefinitionArn).toMatch(
      /berth-demo:2$/,
    );
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('reports a circuit-breaker rollback of a redeploy as a failure without tearing down', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'redeploy', env: 'demo', requestId: 'req-5', requestedBy: 'alice' },
      handlersWith({
        Verify: () => {
          throw handlerError('DeploymentRolledBackError', 'circuit breaker: 3 tasks failed to start');
        },
      }),
    );

    expect(run.error).toEqual({
      name: 'DeploymentRolledBackError',
      message: 'circuit breaker: 3 tasks failed to start',
    });
    expect(teardownCalls(run.calls)).toEqual([]);
    expect(recorded(run.calls).at(-1)).toEqual({
      status: 'failed',
      step: 'failed',
      failure: {
        step: 'VerifyRedeploy',
        error: 'DeploymentRolledBackError',
        cause: 'circuit breaker: 3 tasks failed to start',
      },
    });
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('reports an unhealthy redeploy as a failure without tearing down', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'redeploy', env: 'demo', requestId: 'req-6', requestedBy: 'alice' },
      handlersWith({
        Verify: () => ({ health: 'Unhealthy', reason: 'deployment rolled back (circuit breaker)' }),
      }),
    );

    expect(run.error).toEqual({
      name: 'UnhealthyError',
      message: 'deployment rolled back (circuit breaker)',
    });
    expect(teardownCalls(run.calls)).toEqual([]);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('extends the expiry under the lock', async () => {
    const run = await runMachine(
      'lifecycle',
      { operation: 'extend', env: 'demo', hours: 8, requestId: 'req-7', requestedBy: 'alice' },
      happyHandlers(),
    );

    expect(run.error).toBeUndefined();
    expect(run.order).toEqual(['LockAcquire', 'Extend', 'LockReleaseOnSuccess', 'NotifySuccess']);
    expect(run.calls.find((c) => c.state === 'Extend')?.input.hours).toBe(8);
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });
});

describe('lifecycle polling', () => {
  it('waits between checks for the seconds the verify step asks for', async () => {
    const run = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        Verify: (input, call) =>
          call.count === 1
            ? pendingVerify('load balancer berth-demo-alb is provisioning', 1)(input, call)
            : { health: 'Healthy', reason: 'ok', url: 'http://x', checks: 2 },
      }),
      { realWaits: ['VerifyWaitUp'] },
    );

    const at = (type: string) =>
      run.events.find((e: any) => e.type === type && e.state?.name === 'VerifyWaitUp')?.timestamp as number;
    expect(run.error).toBeUndefined();
    expect(at('StateExited') - at('StateEntered')).toBeGreaterThanOrEqual(990);
    expect(at('StateExited') - at('StateEntered')).toBeLessThan(3000);
  });

  it('costs three state transitions per verify poll', async () => {
    const happy = await runMachine('lifecycle', upInput(), happyHandlers());
    const polled = await runMachine(
      'lifecycle',
      upInput(),
      handlersWith({
        Verify: (input, call) =>
          call.count < 3
            ? pendingVerify('0 of 1 targets healthy')(input, call)
            : { health: 'Healthy', reason: 'ok', url: 'http://x', checks: 3 },
      }),
    );

    expect(polled.transitions - happy.transitions).toBe(2 * 3);
  });
});

describe('lifecycle state transitions', () => {
  const readme = readFileSync(new URL('../../statemachine/README.md', import.meta.url), 'utf8');
  const documented = (operation: string): number => {
    const match = new RegExp(`successful \`${operation}\`: (\\d+) state transitions`).exec(readme);
    if (!match?.[1]) throw new Error(`statemachine/README.md does not state the transitions of ${operation}`);
    return Number(match[1]);
  };

  it('takes the number of transitions statemachine/README.md states for a successful up', async () => {
    const run = await runMachine('lifecycle', upInput(), happyHandlers());

    expect(run.transitions).toBe(documented('up'));
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });

  it('takes the number of transitions statemachine/README.md states for a successful down', async () => {
    const run = await runMachine('lifecycle', downInput, happyHandlers());

    expect(run.transitions).toBe(documented('down'));
    expect(lockCalls(run.calls)).toEqual(['acquire', 'release']);
  });
});
