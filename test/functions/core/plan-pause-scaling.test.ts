import { describe, expect, it } from 'vitest';
import type { ObservedEnvironment, ObservedScalableTarget } from '../../../functions/core/observed.ts';
import type { PausedCounts } from '../../../functions/core/plan.ts';
import {
  describeCounts,
  parsePausedCounts,
  planPause,
  planResume,
} from '../../../functions/core/plan-pause.ts';
import { fullyCreated, spec, withObserved } from './observed-fixtures.ts';

const NOW = new Date('2026-11-30T02:00:00.000Z');
const RESOURCE_ID = 'service/berth-demo/berth-demo';
const NONE_SUSPENDED = {
  dynamicScalingInSuspended: false,
  dynamicScalingOutSuspended: false,
  scheduledScalingSuspended: false,
};
const ALL_SUSPENDED = {
  dynamicScalingInSuspended: true,
  dynamicScalingOutSuspended: true,
  scheduledScalingSuspended: true,
};
const TARGET: ObservedScalableTarget = {
  resourceId: RESOURCE_ID,
  minCapacity: 1,
  maxCapacity: 3,
  suspended: { ...NONE_SUSPENDED, scheduledScalingSuspended: true },
};
const fargate = () => spec({ launchType: 'FARGATE', networkMode: 'awsvpc' });
const service = () => fullyCreated().service as NonNullable<ObservedEnvironment['service']>;

const kinds = (steps: readonly { kind: string; action: string }[]) =>
  steps.filter((s) => s.action !== 'keep' && s.action !== 'skip').map((s) => s.kind);

describe('planPause with an Application Auto Scaling target', () => {
  it('remembers the bounds with the counts and suspends scaling before the service goes to 0', () => {
    const steps = planPause(withObserved({ scalableTarget: TARGET }), fargate(), undefined, NOW);

    expect(kinds(steps)).toEqual(['rememberCounts', 'suspendScaling', 'scaleServiceToZero', 'wait']);
    expect(steps[0]).toMatchObject({
      counts: {
        desiredCount: 1,
        scalableTarget: { resourceId: RESOURCE_ID, minCapacity: 1, maxCapacity: 3 },
      },
    });
    expect(steps.find((s) => s.kind === 'suspendScaling')).toMatchObject({
      resourceId: RESOURCE_ID,
      resource: `Application Auto Scaling target ${RESOURCE_ID}`,
      reason: expect.stringContaining('min 1, max 3 (suspended: scheduled) kept'),
    });
  });

  it('plans no scaling step when no target is registered', () => {
    expect(kinds(planPause(fullyCreated(), fargate(), undefined, NOW))).toEqual([
      'rememberCounts',
      'scaleServiceToZero',
      'wait',
    ]);
  });

  it('sets the service to 0 again after suspending, even when it already was (registration clamps to the minimum)', () => {
    const observed = withObserved({
      scalableTarget: TARGET,
      service: { ...service(), desiredCount: 0, runningCount: 0, pendingCount: 0 },
    });
    const counts: PausedCounts = { at: NOW.toISOString(), desiredCount: 2, scalableTarget: TARGET };

    expect(kinds(planPause(observed, fargate(), counts, NOW))).toEqual([
      'suspendScaling',
      'scaleServiceToZero',
    ]);
  });

  it('keeps a target whose scaling is already suspended', () => {
    const observed = withObserved({
      scalableTarget: { ...TARGET, suspended: ALL_SUSPENDED },
      service: { ...service(), desiredCount: 0, runningCount: 0, pendingCount: 0 },
    });
    const steps = planPause(observed, fargate(), { at: NOW.toISOString(), desiredCount: 1 }, NOW);

    expect(kinds(steps)).toEqual([]);
    expect(steps).toContainEqual(
      expect.objectContaining({ action: 'keep', reason: 'scaling already suspended' }),
    );
  });
});

describe('planResume with an Application Auto Scaling target', () => {
  const remembered: PausedCounts = { at: NOW.toISOString(), desiredCount: 2, scalableTarget: TARGET };
  const pausedService = () => ({ ...service(), desiredCount: 0, runningCount: 0, pendingCount: 0 });

  it('restores exactly the remembered bounds and suspended state before the desired count', () => {
    const observed = withObserved({
      service: pausedService(),
      scalableTarget: { ...TARGET, suspended: ALL_SUSPENDED },
    });
    const steps = planResume(observed, fargate(), remembered);

    expect(kinds(steps)).toEqual(['restoreScaling', 'updateService', 'verify']);
    expect(steps.find((s) => s.kind === 'restoreScaling')).toMatchObject({
      resourceId: RESOURCE_ID,
      minCapacity: 1,
      maxCapacity: 3,
      suspended: { ...NONE_SUSPENDED, scheduledScalingSuspended: true },
      reason:
        'restore min 1, max 3 (suspended: scale-in, scale-out, scheduled) → min 1, max 3 (suspended: scheduled)',
    });
  });

  it('restores bounds changed while paused to the remembered ones', () => {
    const observed = withObserved({
      service: pausedService(),
      scalableTarget: { ...TARGET, minCapacity: 0, maxCapacity: 9, suspended: ALL_SUSPENDED },
    });

    expect(
      planResume(observed, fargate(), remembered).find((s) => s.kind === 'restoreScaling'),
    ).toMatchObject({
      minCapacity: 1,
      maxCapacity: 3,
    });
  });

  it('does not register a target that was deregistered while paused', () => {
    const steps = planResume(withObserved({ service: pausedService() }), fargate(), remembered);

    expect(kinds(steps)).toEqual(['updateService', 'verify']);
    expect(steps).toContainEqual(
      expect.objectContaining({ action: 'skip', reason: 'no longer registered: nothing to restore' }),
    );
  });

  it('keeps a target that is already as remembered', () => {
    const observed = withObserved({ service: pausedService(), scalableTarget: TARGET });

    expect(kinds(planResume(observed, fargate(), remembered))).toEqual(['updateService', 'verify']);
  });
});

describe('remembered bounds in the registry', () => {
  it('reads stored bounds back and says how the counts read', () => {
    const stored = JSON.parse(
      JSON.stringify({ at: NOW.toISOString(), desiredCount: 2, scalableTarget: TARGET }),
    );

    expect(parsePausedCounts(stored)).toEqual(stored);
    expect(describeCounts(stored)).toBe(
      'service desired count 2; scalable target min 1, max 3 (suspended: scheduled)',
    );
  });

  it('refuses stored bounds that are not bounds, naming the field', () => {
    expect(() =>
      parsePausedCounts({
        at: NOW.toISOString(),
        desiredCount: 1,
        scalableTarget: { resourceId: RESOURCE_ID },
      }),
    ).toThrow(/paused/);
  });
});
