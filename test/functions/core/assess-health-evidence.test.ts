import { describe, expect, it } from 'vitest';
import {
  assessHealth,
  failureEvidence,
  MAX_REASON_LENGTH,
  targetReasonCode,
} from '../../../functions/core/assess-health.ts';
import type {
  ObservedDeployment,
  ObservedEnvironment,
  ObservedService,
  ObservedTarget,
  ObservedTask,
} from '../../../functions/core/observed.ts';
import { fullyCreated, spec, TD_ARN } from './observed-fixtures.ts';

const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-demo-tg/0123456789abcdef';
const ELB_STOP = `Task failed ELB health checks in (target-group ${TG})`;
const CIRCUIT_BREAKER = 'ECS deployment circuit breaker: tasks failed to start.';
const base = fullyCreated();
const primary = base.service!.deployments[0]!;

const stopped = (n: number, stoppedReason: string, revision = 1, lastStatus = 'STOPPED'): ObservedTask[] =>
  Array.from({ length: n }, (_, i) => ({
    arn: `arn:task/${revision}-${stoppedReason.length}-${i}`,
    lastStatus,
    taskDefinitionArn: TD_ARN(revision),
    stoppedReason,
    stopCode: 'ServiceSchedulerInitiated',
  }));

const unhealthyEvent = (reason: string, port = 32768): string =>
  `(service berth-demo) (instance i-1) (port ${port}) is unhealthy in (target-group ${TG}) due to (reason ${reason}).`;

/** The fully created environment with a failed/rolled-back service, its events, tasks and targets. */
function failing(options: {
  deployment?: Partial<ObservedDeployment>;
  service?: Partial<ObservedService>;
  events?: string[];
  tasks?: ObservedTask[];
  targets?: ObservedTarget[];
}): ObservedEnvironment {
  return {
    ...base,
    service: {
      ...base.service!,
      runningCount: 0,
      ...options.service,
      deployments: [
        {
          ...primary,
          rolloutState: 'FAILED',
          rolloutStateReason: CIRCUIT_BREAKER,
          runningCount: 0,
          failedTasks: 3,
          ...options.deployment,
        },
      ],
      ...(options.events === undefined ? {} : { events: options.events }),
    },
    tasks: options.tasks ?? [],
    targetGroup: { ...base.targetGroup!, targets: options.targets ?? [] },
  };
}

describe('targetReasonCode', () => {
  it.each([
    ['Health checks failed with these codes: [500]', 'Target.ResponseCodeMismatch'],
    ['Health checks failed with these codes: [404,502]', 'Target.ResponseCodeMismatch'],
    ['Request timed out', 'Target.Timeout'],
    ['Health checks failed', 'Target.FailedHealthChecks'],
    ['Connection refused', 'Target.FailedHealthChecks'],
  ])('maps "%s" to %s', (text, code) => {
    expect(targetReasonCode(text)).toBe(code);
  });
});

describe('assessHealth failure evidence', () => {
  it.each<{
    name: string;
    observed: ObservedEnvironment;
    taskDefinitionArn?: string;
    code: string;
    reason: string;
  }>([
    {
      name: 'a circuit-breaker rollback quotes ELB stops and the target health code',
      observed: failing({
        events: [
          '(service berth-demo) has begun draining connections on 1 tasks.',
          '(service berth-demo) has stopped 1 running tasks: (task c).',
          unhealthyEvent('Health checks failed with these codes: [500]'),
        ],
        tasks: stopped(3, ELB_STOP),
      }),
      code: 'rolled-back',
      reason: `deployment rolled back: ${CIRCUIT_BREAKER} Tasks stopped: 3× ${ELB_STOP}. Last target health: Health checks failed with these codes: [500] (Target.ResponseCodeMismatch)`,
    },
    {
      name: 'the newest unhealthy event wins and a timeout maps to Target.Timeout',
      observed: failing({
        events: [unhealthyEvent('Request timed out', 32770), unhealthyEvent('Health checks failed', 32769)],
        tasks: stopped(2, ELB_STOP, 1, 'DEACTIVATING'),
      }),
      code: 'rolled-back',
      reason: `deployment rolled back: ${CIRCUIT_BREAKER} Tasks stopped: 2× ${ELB_STOP}. Last target health: Request timed out (Target.Timeout)`,
    },
    {
      name: 'an unspecific event reason maps to Target.FailedHealthChecks',
      observed: failing({
        events: [unhealthyEvent('Health checks failed')],
        tasks: stopped(3, ELB_STOP),
      }),
      code: 'rolled-back',
      reason: `deployment rolled back: ${CIRCUIT_BREAKER} Tasks stopped: 3× ${ELB_STOP}. Last target health: Health checks failed (Target.FailedHealthChecks)`,
    },
    {
      name: 'a FAILED deployment counts distinct stopped reasons, most frequent first',
      observed: failing({
        deployment: { rolloutStateReason: 'tasks failed to start.' },
        tasks: [
          ...stopped(1, 'Essential container in task exited'),
          ...stopped(2, 'CannotPullContainerError: pull access denied'),
          ...stopped(3, 'Scaling activity initiated by (deployment ecs-svc/1)'),
        ],
      }),
      code: 'deployment-failed',
      reason:
        'deployment ecs-svc/1 FAILED: tasks failed to start. Tasks stopped: 2× CannotPullContainerError: pull access denied; 1× Essential container in task exited.',
    },
    {
      name: 'more than three distinct stopped reasons are summed up as other reasons',
      observed: failing({
        deployment: { rolloutStateReason: 'tasks failed to start.' },
        tasks: [
          ...stopped(3, 'OutOfMemoryError: Container killed due to memory usage'),
          ...stopped(2, 'Essential container in task exited'),
          ...stopped(1, 'ResourceInitializationError: unable to pull secrets'),
          ...stopped(1, 'CannotPullContainerError: pull access denied'),
          ...stopped(1, 'CannotStartContainerError: no such file'),
        ],
      }),
      code: 'deployment-failed',
      reason:
        'deployment ecs-svc/1 FAILED: tasks failed to start. Tasks stopped: 3× OutOfMemoryError: Container killed due to memory usage; 2× Essential container in task exited; 1× ResourceInitializationError: unable to pull secrets; 2× other reasons.',
    },
    {
      name: 'an old unhealthy event is not quoted when no task was replaced for ELB health checks',
      observed: failing({
        events: [unhealthyEvent('Health checks failed with these codes: [500]')],
        tasks: stopped(3, 'Essential container in task exited'),
      }),
      code: 'rolled-back',
      reason: `deployment rolled back: ${CIRCUIT_BREAKER} Tasks stopped: 3× Essential container in task exited.`,
    },
    {
      name: 'without an event a target unhealthy now gives the target health',
      observed: failing({
        tasks: stopped(3, ELB_STOP),
        targets: [
          {
            id: 'i-1',
            port: 32771,
            state: 'unhealthy',
            reason: 'Target.ResponseCodeMismatch',
            description: 'Health checks failed with these codes: [503]',
          },
        ],
      }),
      code: 'rolled-back',
      reason: `deployment rolled back: ${CIRCUIT_BREAKER} Tasks stopped: 3× ${ELB_STOP}. Last target health: Health checks failed with these codes: [503] (Target.ResponseCodeMismatch)`,
    },
    {
      name: 'a redeploy rollback quotes the stops of the requested revision only',
      observed: failing({
        service: { taskDefinition: TD_ARN(1) },
        deployment: {
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.',
          taskDefinition: TD_ARN(1),
        },
        events: [unhealthyEvent('Health checks failed with these codes: [502]')],
        tasks: [...stopped(3, ELB_STOP, 2), ...stopped(1, 'Essential container in task exited', 1)],
      }),
      taskDefinitionArn: TD_ARN(2),
      code: 'rolled-back',
      reason: `deployment rolled back: the PRIMARY deployment runs berth-demo:1, not the requested berth-demo:2: ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1. Tasks stopped: 3× ${ELB_STOP}. Last target health: Health checks failed with these codes: [502] (Target.ResponseCodeMismatch)`,
    },
    {
      name: 'failing tasks with one reason add only the target health',
      observed: failing({
        deployment: {
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: 'ECS deployment ecs-svc/1 in progress.',
        },
        events: [unhealthyEvent('Request timed out')],
        tasks: stopped(3, ELB_STOP),
      }),
      code: 'tasks-failing',
      reason: `3 tasks failed to start (threshold 3); last stopped: ServiceSchedulerInitiated: ${ELB_STOP}. Last target health: Request timed out (Target.Timeout)`,
    },
    {
      name: 'failing tasks with several reasons add the counts',
      observed: failing({
        deployment: {
          rolloutState: 'IN_PROGRESS',
          rolloutStateReason: 'ECS deployment ecs-svc/1 in progress.',
        },
        tasks: [...stopped(2, ELB_STOP), ...stopped(1, 'Essential container in task exited')],
      }),
      code: 'tasks-failing',
      reason: `3 tasks failed to start (threshold 3); last stopped: ServiceSchedulerInitiated: Essential container in task exited. Tasks stopped: 2× ${ELB_STOP}; 1× Essential container in task exited.`,
    },
  ])('$name', ({ observed, taskDefinitionArn, code, reason }) => {
    const options = taskDefinitionArn === undefined ? {} : { taskDefinitionArn };
    expect(assessHealth(observed, spec(), options)).toEqual({ status: 'Unhealthy', code, reason });
  });

  it('keeps the reason under 1000 characters and the target health in it however long the evidence is', () => {
    const long = (i: number) => `CannotStartContainerError: ${String(i).repeat(400)}`;
    const observed = failing({
      events: [unhealthyEvent(`Health checks failed with these codes: [${'500,'.repeat(200)}500]`)],
      tasks: [...stopped(4, ELB_STOP), ...Array.from({ length: 8 }, (_, i) => stopped(1, long(i))).flat()],
    });
    const verdict = assessHealth(observed, spec());
    expect(verdict.status).toBe('Unhealthy');
    expect(verdict.reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    expect(verdict.reason).toContain(`Tasks stopped: 4× ${ELB_STOP}; 1× CannotStartContainerError: 000`);
    expect(verdict.reason).toMatch(/… Last target health: Health checks failed with these codes: \[500,500,/);
    expect(verdict.reason.endsWith('… (Target.ResponseCodeMismatch)')).toBe(true);
  });

  it('leaves a Healthy verdict unchanged by old unhealthy events', () => {
    const observed: ObservedEnvironment = {
      ...base,
      service: { ...base.service!, events: [unhealthyEvent('Request timed out')] },
      tasks: stopped(1, ELB_STOP),
    };
    expect(assessHealth(observed, spec())).toEqual({
      status: 'Healthy',
      reason: '1 of 1 targets healthy; HTTP 200 from http://berth-demo-alb-1.elb/',
    });
  });
});

describe('failureEvidence', () => {
  it('is empty without failed tasks or unhealthy targets', () => {
    expect(
      failureEvidence({ ...base, service: { ...base.service!, events: [unhealthyEvent('x')] } }),
    ).toEqual({});
  });
});
