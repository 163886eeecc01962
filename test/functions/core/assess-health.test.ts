import { describe, expect, it } from 'vitest';
import { assessHealth, circuitBreakerThreshold } from '../../../functions/core/assess-health.ts';
import type {
  ObservedDeployment,
  ObservedEnvironment,
  ObservedTarget,
} from '../../../functions/core/observed.ts';
import { fullyCreated, nothing, spec, TAGS, TD_ARN } from './observed-fixtures.ts';

const base = fullyCreated();
const primary = base.service!.deployments[0]!;

/** The fully created environment with the service and its PRIMARY deployment adjusted. */
function withService(
  service: Partial<NonNullable<ObservedEnvironment['service']>>,
  deployment: Partial<ObservedDeployment> = {},
  rest: Partial<ObservedEnvironment> = {},
): ObservedEnvironment {
  return {
    ...base,
    service: { ...base.service!, ...service, deployments: [{ ...primary, ...deployment }] },
    ...rest,
  };
}

const targets = (...list: ObservedTarget[]): Partial<ObservedEnvironment> => ({
  targetGroup: { ...base.targetGroup!, targets: list },
});
const healthyTarget = (id: string): ObservedTarget => ({ id, port: 32768, state: 'healthy' });
const mismatch = (id: string): ObservedTarget => ({
  id,
  port: 32769,
  state: 'unhealthy',
  reason: 'Target.ResponseCodeMismatch',
  description: 'Health checks failed with these codes: [500]',
});

describe('assessHealth', () => {
  it('is Healthy when the deployment completed, targets are healthy and the probe answers 200', () => {
    expect(assessHealth(base, spec())).toEqual({
      status: 'Healthy',
      reason: '1 of 1 targets healthy; HTTP 200 from http://berth-demo-alb-1.elb/',
    });
  });

  it('accepts a 3xx probe answer', () => {
    expect(assessHealth({ ...base, probe: { url: 'http://x/', status: 302 } }, spec()).status).toBe(
      'Healthy',
    );
  });

  it('is Pending while the service does not exist', () => {
    expect(assessHealth(nothing(), spec())).toEqual({
      status: 'Pending',
      reason: 'ECS service berth-demo does not exist yet',
    });
  });

  it('is Unhealthy when the PRIMARY deployment runs another task definition than requested (rollback)', () => {
    const observed = withService(
      { taskDefinition: TD_ARN(1) },
      { rolloutStateReason: 'ECS deployment ecs-svc/2 completed.' },
    );
    expect(assessHealth(observed, spec(), { taskDefinitionArn: TD_ARN(2) })).toEqual({
      status: 'Unhealthy',
      code: 'rolled-back',
      reason:
        'deployment rolled back: the PRIMARY deployment runs berth-demo:1, not the requested berth-demo:2: ECS deployment ecs-svc/2 completed.',
    });
  });

  it('is Unhealthy when the rollout reason mentions the circuit breaker', () => {
    const observed = withService(
      {},
      {
        rolloutState: 'IN_PROGRESS',
        rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deployment ecs-svc/1.',
      },
    );
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Unhealthy',
      code: 'rolled-back',
      reason: 'deployment rolled back: ECS deployment circuit breaker: rolling back to deployment ecs-svc/1.',
    });
  });

  it('is Unhealthy when the rollout FAILED', () => {
    const observed = withService(
      {},
      { rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start.' },
    );
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Unhealthy',
      code: 'deployment-failed',
      reason: 'deployment ecs-svc/1 FAILED: tasks failed to start.',
    });
  });

  it('is Pending while the load balancer is provisioning', () => {
    const observed = { ...base, loadBalancer: { ...base.loadBalancer!, state: 'provisioning' } };
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Pending',
      reason: 'load balancer berth-demo-alb is provisioning',
    });
  });

  it('is Unhealthy when the load balancer failed', () => {
    const observed = { ...base, loadBalancer: { ...base.loadBalancer!, state: 'failed' } };
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Unhealthy',
      code: 'load-balancer-failed',
      reason: 'load balancer berth-demo-alb is in state failed',
    });
  });

  it('is Pending in shared mode until the listener rule exists', () => {
    const { loadBalancer: _lb, listener: _listener, ...shared } = base;
    expect(assessHealth(shared, spec({ loadBalancer: { mode: 'shared' } }))).toEqual({
      status: 'Pending',
      reason: 'the listener rule on the shared listener does not exist yet',
    });
    const withRule = { ...shared, listenerRule: { arn: 'arn:rule', priority: '7', tags: TAGS } };
    expect(assessHealth(withRule, spec({ loadBalancer: { mode: 'shared' } })).status).toBe('Healthy');
  });

  it('is Pending while fewer tasks run than desired', () => {
    const observed = withService(
      { desiredCount: 3, runningCount: 1, pendingCount: 2 },
      { runningCount: 1, desiredCount: 3 },
    );
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Pending',
      reason: '1 of 3 tasks running (2 pending)',
    });
  });

  it('quotes a stopped reason while start failures stay below the threshold', () => {
    const observed = withService(
      { runningCount: 0 },
      { runningCount: 0, failedTasks: 1, rolloutState: 'IN_PROGRESS' },
      {
        tasks: [
          {
            arn: 'arn:task/2',
            lastStatus: 'STOPPED',
            taskDefinitionArn: TD_ARN(1),
            stopCode: 'TaskFailedToStart',
            stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
          },
        ],
      },
    );
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Pending',
      reason:
        '0 of 1 tasks running; 1 task stopped: TaskFailedToStart: CannotPullContainerError: pull image manifest has been retried 5 time(s)',
    });
  });

  it('is Unhealthy quoting the stopped reason once failed tasks reach the threshold', () => {
    const observed = withService(
      { runningCount: 0 },
      { runningCount: 0, failedTasks: 3, rolloutState: 'IN_PROGRESS' },
      {
        tasks: [
          {
            arn: 'arn:task/3',
            lastStatus: 'STOPPED',
            taskDefinitionArn: TD_ARN(1),
            stoppedReason: 'Essential container in task exited',
          },
        ],
      },
    );
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Unhealthy',
      code: 'tasks-failing',
      reason: '3 tasks failed to start (threshold 3); last stopped: Essential container in task exited',
    });
  });

  it('ignores stopped tasks that are not start failures', () => {
    const observed = withService(
      { runningCount: 0 },
      { runningCount: 0, failedTasks: 0 },
      {
        tasks: [
          {
            arn: 'arn:task/4',
            lastStatus: 'STOPPED',
            taskDefinitionArn: TD_ARN(1),
            stoppedReason: 'Scaling activity initiated by deployment',
          },
        ],
      },
    );
    expect(assessHealth(observed, spec(), { failureThreshold: 1 })).toEqual({
      status: 'Pending',
      reason: '0 of 1 tasks running',
    });
  });

  it('is Pending while targets pass their initial health checks', () => {
    const observed = withService(
      {},
      {},
      targets({
        id: 'i-1',
        port: 32768,
        state: 'initial',
        reason: 'Elb.InitialHealthChecking',
        description: 'Initial health checks in progress',
      }),
    );
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Pending',
      reason:
        '0 of 1 targets healthy; 1 initial: Elb.InitialHealthChecking (Initial health checks in progress)',
    });
  });

  it('is Pending with unhealthy targets while the deployment is IN_PROGRESS', () => {
    const observed = withService(
      { desiredCount: 3, runningCount: 3 },
      { rolloutState: 'IN_PROGRESS', runningCount: 3, desiredCount: 3 },
      targets(healthyTarget('i-1'), healthyTarget('i-2'), mismatch('i-3')),
    );
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Pending',
      reason:
        '2 of 3 targets healthy; 1 unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [500])',
    });
  });

  it('is Unhealthy with unhealthy targets once the deployment COMPLETED', () => {
    const observed = withService(
      { desiredCount: 3, runningCount: 3 },
      { runningCount: 3, desiredCount: 3 },
      targets(healthyTarget('i-1'), healthyTarget('i-2'), mismatch('i-3')),
    );
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Unhealthy',
      code: 'targets-unhealthy',
      reason:
        '2 of 3 targets healthy; 1 unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [500])',
    });
  });

  it('ignores draining targets of the previous deployment', () => {
    const observed = withService(
      {},
      {},
      targets(healthyTarget('i-1'), { ...mismatch('i-0'), state: 'draining' }),
    );
    expect(assessHealth(observed, spec()).status).toBe('Healthy');
  });

  it('is Pending while the deployment is still IN_PROGRESS with healthy targets', () => {
    const observed = withService({}, { rolloutState: 'IN_PROGRESS' });
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Pending',
      reason: 'deployment IN_PROGRESS; 1 of 1 targets healthy',
    });
  });

  it('is Pending when the probe has not run or could not connect', () => {
    const { probe: _probe, ...unprobed } = base;
    expect(assessHealth(unprobed, spec())).toEqual({ status: 'Pending', reason: 'HTTP probe not run yet' });
    expect(assessHealth({ ...base, probe: { url: 'http://x/', error: 'ECONNREFUSED' } }, spec())).toEqual({
      status: 'Pending',
      reason: 'HTTP probe of http://x/ failed: ECONNREFUSED',
    });
  });

  it('is Unhealthy when the probe answers 404 although every target is healthy', () => {
    expect(assessHealth({ ...base, probe: { url: 'http://x/', status: 404 } }, spec())).toEqual({
      status: 'Unhealthy',
      code: 'probe-failed',
      reason:
        'HTTP probe of http://x/ answered 404 although 1 of 1 targets are healthy (listener or routing misconfigured?)',
    });
  });

  it('is Healthy at desired count 0 when no task runs, without a probe', () => {
    const { probe: _probe, ...rest } = base;
    const observed: ObservedEnvironment = {
      ...rest,
      service: {
        ...base.service!,
        desiredCount: 0,
        runningCount: 0,
        deployments: [{ ...primary, desiredCount: 0, runningCount: 0 }],
      },
      targetGroup: { ...base.targetGroup!, targets: [] },
    };
    expect(assessHealth(observed, spec({ desiredCount: 0 }))).toEqual({
      status: 'Healthy',
      reason: 'desired count 0 and no tasks running',
    });
  });

  it('is Pending at desired count 0 while tasks still stop', () => {
    const observed = withService({ desiredCount: 0, runningCount: 1 });
    expect(assessHealth(observed, spec(), { desiredCount: 0 })).toEqual({
      status: 'Pending',
      reason: 'waiting for 1 task to stop (desired count 0)',
    });
  });
});

describe('circuitBreakerThreshold', () => {
  it.each([
    [1, 3],
    [10, 5],
    [1000, 200],
  ])('is %i → %i', (desired, threshold) => {
    expect(circuitBreakerThreshold(desired)).toBe(threshold);
  });
});

describe('assessHealth target registration', () => {
  it('is Pending while running tasks are not yet registered as targets', () => {
    const observed: ObservedEnvironment = { ...base, targetGroup: { ...base.targetGroup!, targets: [] } };
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Pending',
      reason: '0 of 1 targets healthy; 1 not registered yet',
    });
  });

  it('is Pending while the target group does not exist', () => {
    const { targetGroup: _tg, ...rest } = base;
    expect(assessHealth(rest, spec())).toEqual({
      status: 'Pending',
      reason: 'target group berth-demo-tg does not exist yet',
    });
  });
});
