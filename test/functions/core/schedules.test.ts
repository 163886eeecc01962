import { describe, expect, it } from 'vitest';
import { OwnershipConflictError } from '../../../functions/core/errors.ts';
import type { ObservedEnvironment } from '../../../functions/core/observed.ts';
import { planTeardown } from '../../../functions/core/plan-teardown.ts';
import { planUp } from '../../../functions/core/plan-up.ts';
import {
  type ObservedSchedule,
  type ObservedSchedules,
  scheduleView,
} from '../../../functions/core/schedules.ts';
import { fullyCreated, spec } from './observed-fixtures.ts';

const GROUP = 'berth-environments';
const TARGET = 'arn:aws:lambda:us-east-1:123456789012:function:berth-scheduled-action';
const SETTINGS = { allowedCidr: '0.0.0.0/0', scheduledActionFunctionArn: TARGET };
const SLEEP = 'cron(0 20 ? * MON-FRI *)';
const WAKE = 'cron(0 8 ? * MON-FRI *)';
const BERTH_GROUP = { 'berth:managed-by': 'berth' };

const observedSchedule = (
  kind: 'sleep' | 'wake',
  overrides: Partial<ObservedSchedule> = {},
): ObservedSchedule => ({
  name: `berth-demo-${kind}`,
  expression: kind === 'sleep' ? SLEEP : WAKE,
  timezone: 'Asia/Seoul',
  targetArn: TARGET,
  input: { name: 'demo', action: kind === 'sleep' ? 'pause' : 'resume' },
  state: 'ENABLED',
  ...overrides,
});
const withSchedules = (schedules: Partial<ObservedSchedules>): ObservedEnvironment => ({
  ...fullyCreated(),
  schedules: { group: GROUP, ...schedules },
});
const scheduled = spec({ schedule: { sleep: SLEEP, wake: WAKE, timezone: 'Asia/Seoul' } });
const scheduleSteps = (observed: ObservedEnvironment, s = scheduled) =>
  planUp(observed, s, SETTINGS)
    .filter((step) => /Schedule/.test(step.kind))
    .map((step) => `${step.stage} ${step.action} ${step.resource}: ${step.reason}`);

describe('planUp: sleep/wake schedules', () => {
  it("creates Berth's schedule group and both schedules when none exist", () => {
    expect(scheduleSteps(withSchedules({}))).toEqual([
      "service create schedule group berth-environments: Berth's schedule group (tagged berth:managed-by)",
      `service create schedule ${GROUP}/berth-demo-sleep: pause at ${SLEEP} (Asia/Seoul)`,
      `service create schedule ${GROUP}/berth-demo-wake: resume at ${WAKE} (Asia/Seoul)`,
    ]);
  });

  it('keeps schedules that match, updates one that drifted, deletes one the spec dropped', () => {
    const observed = withSchedules({
      groupTags: BERTH_GROUP,
      sleep: observedSchedule('sleep', { timezone: 'UTC', state: 'DISABLED' }),
      wake: observedSchedule('wake'),
    });
    expect(scheduleSteps(observed, spec({ schedule: { sleep: SLEEP, timezone: 'Asia/Seoul' } }))).toEqual([
      `service update schedule ${GROUP}/berth-demo-sleep: time zone UTC → Asia/Seoul, state DISABLED → ENABLED`,
      `service delete schedule ${GROUP}/berth-demo-wake: the spec has no wake schedule`,
    ]);
    expect(
      scheduleSteps(
        withSchedules({
          groupTags: BERTH_GROUP,
          sleep: observedSchedule('sleep'),
          wake: observedSchedule('wake'),
        }),
      ),
    ).toEqual([
      `service keep schedule ${GROUP}/berth-demo-sleep: matches the spec`,
      `service keep schedule ${GROUP}/berth-demo-wake: matches the spec`,
    ]);
  });

  it('plans no schedule step when the stage did not observe schedules', () => {
    expect(scheduleSteps(fullyCreated())).toEqual([]);
  });

  it('refuses a same-named schedule that targets another environment or sits in a foreign group', () => {
    const foreignInput = withSchedules({
      groupTags: BERTH_GROUP,
      sleep: observedSchedule('sleep', { input: { name: 'other', action: 'pause' } }),
    });
    expect(() => planUp(foreignInput, scheduled, SETTINGS)).toThrow(OwnershipConflictError);
    expect(() => planTeardown(foreignInput, 'demo', new Date())).toThrow(
      'schedule berth-environments/berth-demo-sleep exists but is not tagged as belonging to environment "demo"',
    );
    const foreignGroup = withSchedules({ groupTags: { team: 'payments' }, sleep: observedSchedule('sleep') });
    expect(() => planTeardown(foreignGroup, 'demo', new Date())).toThrow(OwnershipConflictError);
  });
});

describe('planTeardown: sleep/wake schedules', () => {
  it('deletes both schedules first, before the service is scaled to zero', () => {
    const observed = withSchedules({
      groupTags: BERTH_GROUP,
      sleep: observedSchedule('sleep'),
      wake: observedSchedule('wake'),
    });
    const steps = planTeardown(observed, 'demo', new Date());
    expect(steps.slice(0, 3).map((s) => `${s.stage} ${s.kind} ${s.resource}`)).toEqual([
      `service deleteSchedule schedule ${GROUP}/berth-demo-sleep`,
      `service deleteSchedule schedule ${GROUP}/berth-demo-wake`,
      'service scaleServiceToZero ECS service berth-demo',
    ]);
  });
});

describe('scheduleView', () => {
  it('shows the next sleep and wake after now in the time zone', () => {
    // Monday 2026-11-30, 12:00 UTC = 21:00 in Seoul: the sleep of today has passed, the wake is tomorrow 08:00.
    expect(
      scheduleView({ sleep: SLEEP, wake: WAKE, timezone: 'Asia/Seoul' }, new Date('2026-11-30T12:00:00Z')),
    ).toEqual({
      sleep: SLEEP,
      wake: WAKE,
      timezone: 'Asia/Seoul',
      nextSleep: '2026-12-01T11:00:00.000Z',
      nextWake: '2026-11-30T23:00:00.000Z',
    });
  });
});
