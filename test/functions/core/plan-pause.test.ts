import { describe, expect, it } from 'vitest';
import type { ObservedEnvironment } from '../../../functions/core/observed.ts';
import type { PausedCounts } from '../../../functions/core/plan.ts';
import { parsePausedCounts, planPause, planResume } from '../../../functions/core/plan-pause.ts';
import { FOREIGN, fullyCreated, spec, withObserved } from './observed-fixtures.ts';

const NOW = new Date('2026-11-29T22:00:00.000Z');
const COUNTS: PausedCounts = {
  at: '2026-11-29T21:00:00.000Z',
  desiredCount: 1,
  autoScalingGroup: { minSize: 1, maxSize: 2, desiredCapacity: 1 },
};

/** What a paused EC2 environment looks like: service and group at 0, no instances, nothing registered. */
function paused(): ObservedEnvironment {
  const full = fullyCreated();
  return {
    ...full,
    service: {
      ...(full.service as NonNullable<ObservedEnvironment['service']>),
      desiredCount: 0,
      runningCount: 0,
    },
    autoScalingGroup: {
      ...(full.autoScalingGroup as NonNullable<ObservedEnvironment['autoScalingGroup']>),
      minSize: 0,
      maxSize: 0,
      desiredCapacity: 0,
      instances: [],
    },
    cluster: {
      ...(full.cluster as NonNullable<ObservedEnvironment['cluster']>),
      registeredContainerInstances: 0,
    },
  };
}

const kinds = (steps: readonly { kind: string; action: string }[]) =>
  steps.filter((s) => s.action !== 'keep' && s.action !== 'skip').map((s) => s.kind);

describe('planPause', () => {
  it('remembers the counts, scales the service to 0, waits, then empties the Auto Scaling group', () => {
    const steps = planPause(fullyCreated(), spec(), undefined, NOW);

    expect(kinds(steps)).toEqual([
      'rememberCounts',
      'scaleServiceToZero',
      'wait',
      'unprotectInstances',
      'scaleGroupToZero',
      'wait',
    ]);
    expect(steps[0]).toMatchObject({ kind: 'rememberCounts', counts: { ...COUNTS, at: NOW.toISOString() } });
  });

  it('never overwrites remembered counts with the zeros a first attempt set', () => {
    const steps = planPause(paused(), spec(), COUNTS, NOW);

    expect(kinds(steps)).toEqual([]);
    expect(steps[0]).toMatchObject({ stage: 'registry', action: 'keep' });
  });

  it('unprotects only InService or Standby instances (Pending ones cannot be)', () => {
    const full = fullyCreated();
    const group = full.autoScalingGroup as NonNullable<ObservedEnvironment['autoScalingGroup']>;
    const observed = withObserved({
      service: {
        ...(full.service as NonNullable<ObservedEnvironment['service']>),
        desiredCount: 0,
        runningCount: 0,
      },
      autoScalingGroup: {
        ...group,
        instances: [
          { id: 'i-1', lifecycleState: 'InService', protectedFromScaleIn: true },
          { id: 'i-2', lifecycleState: 'Pending', protectedFromScaleIn: true },
        ],
      },
    });

    const unprotect = planPause(observed, spec(), COUNTS, NOW).find((s) => s.kind === 'unprotectInstances');

    expect(unprotect).toMatchObject({ instanceIds: ['i-1'] });
  });

  it('on Fargate only sets the service to 0', () => {
    const observed: ObservedEnvironment = { ...fullyCreated(), autoScalingGroup: undefined as never };
    delete (observed as { autoScalingGroup?: unknown }).autoScalingGroup;
    const steps = planPause(observed, spec({ launchType: 'FARGATE', cpu: 256, memory: 512 }), undefined, NOW);

    expect(kinds(steps)).toEqual(['rememberCounts', 'scaleServiceToZero', 'wait']);
    expect(steps[0]).toMatchObject({ counts: { desiredCount: 1 } });
    expect((steps[0] as { counts: PausedCounts }).counts.autoScalingGroup).toBeUndefined();
  });

  it('refuses an Auto Scaling group that is not the environment’s, before changing anything', () => {
    const full = fullyCreated();
    const observed = withObserved({
      autoScalingGroup: {
        ...(full.autoScalingGroup as NonNullable<ObservedEnvironment['autoScalingGroup']>),
        tags: FOREIGN,
      },
    });

    expect(() => planPause(observed, spec(), undefined, NOW)).toThrow(
      'Auto Scaling group berth-demo-asg exists but is not tagged as belonging to environment "demo"',
    );
  });

  it('says there is nothing to pause when the service does not exist', () => {
    const observed = withObserved({});
    delete (observed as { service?: unknown }).service;

    expect(() => planPause(observed, spec(), undefined, NOW)).toThrow(
      'ECS service berth-demo does not exist; nothing to pause',
    );
  });
});

describe('planResume', () => {
  it('restores the group, waits for its instances to register, then restores the service', () => {
    const steps = planResume(paused(), spec(), COUNTS);

    expect(kinds(steps)).toEqual(['updateAutoScalingGroup', 'wait', 'updateService', 'verify']);
    expect(steps[0]).toMatchObject({ minSize: 1, maxSize: 2, desiredCapacity: 1 });
    expect(steps[2]).toMatchObject({ desiredCount: 1 });
  });

  it('restores the service once the instances registered, keeping the restored group', () => {
    const full = fullyCreated();
    const observed = withObserved({
      service: {
        ...(full.service as NonNullable<ObservedEnvironment['service']>),
        desiredCount: 0,
        runningCount: 0,
      },
    });

    expect(kinds(planResume(observed, spec(), COUNTS))).toEqual(['updateService', 'verify']);
  });

  it('refuses an environment with no remembered counts (InvalidStateError)', () => {
    expect(() => planResume(fullyCreated(), spec(), undefined)).toThrow(
      expect.objectContaining({
        name: 'InvalidStateError',
        message: 'environment "demo" is not paused: there are no counts to restore',
      }),
    );
  });
});

describe('parsePausedCounts', () => {
  it('reads stored counts and refuses anything else, naming the field', () => {
    expect(parsePausedCounts(COUNTS)).toEqual(COUNTS);
    expect(parsePausedCounts(undefined)).toBeUndefined();
    expect(() => parsePausedCounts({ at: 'x', desiredCount: -1 })).toThrow(
      'paused: must be the counts a pause remembered',
    );
  });
});

describe('wake on request', () => {
  const WAKE = 'arn:aws:lambda:us-east-1:000000000000:function:berth-wake';

  it('pause creates the waking page target group and forwards the listener to it, keeping its own attached', () => {
    const full = fullyCreated();
    const observed = withObserved({ listener: { arn: 'arn:listener', port: 80, forwardsTo: ['arn:tg'] } });
    const steps = planPause(observed, spec(), undefined, NOW, { wakeFunctionArn: WAKE });

    expect(kinds(steps).slice(0, 3)).toEqual(['rememberCounts', 'createWakeTargetGroup', 'forwardTo']);
    expect(steps[1]).toMatchObject({ name: 'berth-demo-wake', functionArn: WAKE });
    expect(steps[2]).toMatchObject({
      listenerArn: 'arn:listener',
      targetGroupArn: 'wake',
      keepAttached: full.targetGroup?.arn,
    });
  });

  it('pause changes only the action of a shared-mode rule', () => {
    const observed = withObserved({
      listenerRule: {
        arn: 'arn:rule',
        priority: '10',
        tags: fullyCreated().targetGroup?.tags ?? {},
        forwardsTo: [],
      },
      wakeTargetGroup: {
        arn: 'arn:wake',
        name: 'berth-demo-wake',
        tags: fullyCreated().targetGroup?.tags ?? {},
        loadBalancerArns: [],
        targets: [],
      },
    });
    delete (observed as { listener?: unknown }).listener;
    const steps = planPause(observed, spec({ loadBalancer: { mode: 'shared' } }), undefined, NOW, {
      wakeFunctionArn: WAKE,
    });

    expect(steps.find((s) => s.kind === 'forwardTo')).toMatchObject({
      ruleArn: 'arn:rule',
      targetGroupArn: 'arn:wake',
    });
    expect(steps.some((s) => s.kind === 'createWakeTargetGroup')).toBe(false);
  });

  it('resume waits for healthy targets before the route leaves the waking page', () => {
    const base = paused();
    const observed: ObservedEnvironment = {
      ...base,
      listener: { arn: 'arn:listener', port: 80, forwardsTo: ['arn:wake'] },
      cluster: {
        ...(base.cluster as NonNullable<ObservedEnvironment['cluster']>),
        registeredContainerInstances: 1,
      },
      autoScalingGroup: {
        ...(base.autoScalingGroup as NonNullable<ObservedEnvironment['autoScalingGroup']>),
        minSize: 1,
        maxSize: 2,
        desiredCapacity: 1,
      },
      service: { ...(base.service as NonNullable<ObservedEnvironment['service']>), desiredCount: 1 },
      targetGroup: { ...(base.targetGroup as NonNullable<ObservedEnvironment['targetGroup']>), targets: [] },
    };

    expect(kinds(planResume(observed, spec(), COUNTS))).toEqual(['wait', 'forwardTo', 'verify']);
    const healthy = {
      ...observed,
      targetGroup: {
        ...(observed.targetGroup as NonNullable<ObservedEnvironment['targetGroup']>),
        targets: [{ id: 'i-1', port: 32768, state: 'healthy' }],
      },
    };
    const steps = planResume(healthy, spec(), COUNTS);
    expect(kinds(steps)).toEqual(['forwardTo', 'verify']);
    expect(steps[2]).toMatchObject({ listenerArn: 'arn:listener', targetGroupArn: 'arn:tg' });
  });
});
