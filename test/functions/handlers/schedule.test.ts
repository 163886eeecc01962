import { describe, expect, it } from 'vitest';
import type { AcquireLockInput } from '../../../functions/adapters/registry.ts';
import { OperationInProgressError } from '../../../functions/core/errors.ts';
import type { EnvironmentRecord, LockRecord } from '../../../functions/core/records.ts';
import type { ObservedSchedules } from '../../../functions/core/schedules.ts';
import { makeHandler, type ScheduleDeps } from '../../../functions/handlers/schedule.ts';
import { readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const GROUP = 'berth-environments';
const TARGET = 'arn:aws:lambda:us-east-1:000000000000:function:berth-scheduled-action';
const SLEEP = 'cron(0 20 ? * MON-FRI *)';

/** A registry and a Scheduler in memory, recording the calls in order. */
function setup(record: EnvironmentRecord | undefined, schedules: Partial<ObservedSchedules> = {}) {
  const calls: string[] = [];
  let lock: LockRecord | undefined;
  let stored = record;
  const deps: ScheduleDeps = {
    registry: {
      getEnvironment: async () => stored,
      acquireLock: async (_name: string, input: AcquireLockInput) => {
        if (lock !== undefined && lock.token !== input.token)
          throw new OperationInProgressError(`environment "demo" is busy: ${lock.operation} is running`);
        calls.push(`lock ${input.operation}`);
        lock = {
          token: input.token,
          operationId: input.operationId,
          operation: input.operation,
          expiresAt: 0,
        };
        return lock;
      },
      releaseLock: async (_name: string, token: string) => {
        calls.push('unlock');
        const released = lock?.token === token;
        if (released) lock = undefined;
        return { released };
      },
      setSchedule: async (_name, schedule) => {
        calls.push(`store ${JSON.stringify(schedule)}`);
        if (stored !== undefined) {
          const { schedule: _old, ...spec } = stored.spec as Record<string, unknown>;
          stored = { ...stored, spec: schedule === null ? spec : { ...spec, schedule } };
        }
        return { updatedAt: NOW.toISOString() };
      },
    },
    scheduler: {
      observeSchedules: async () => ({
        group: GROUP,
        groupTags: { 'berth:managed-by': 'berth' },
        ...schedules,
      }),
      createScheduleGroup: async (name) => void calls.push(`createScheduleGroup ${name}`),
      putSchedule: async (schedule, mode) =>
        void calls.push(`${mode} ${schedule.name} ${schedule.expression} ${schedule.timezone}`),
      deleteSchedule: async (_group, name) => void calls.push(`delete ${name}`),
    },
    config: {
      scheduleGroup: GROUP,
      scheduledActionFunctionArn: TARGET,
      schedulerRoleArn: 'arn:aws:iam::000000000000:role/berth-scheduler',
    },
    now: () => NOW,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    token: () => 'token-1',
  };
  return {
    handler: makeHandler(deps),
    calls,
    lockHeldBy: (op: string) => (lock = { token: 'other', operationId: 'op', operation: op, expiresAt: 0 }),
  };
}

const paused = (extra: Partial<EnvironmentRecord> = {}) =>
  readyEnv('demo', {
    status: 'paused',
    spec: { name: 'demo', image: 'nginx:1.27', owner: 'ana', schedule: { sleep: SLEEP, timezone: 'UTC' } },
    ...extra,
  });

describe('schedule', () => {
  it('converges the schedules of a paused environment under its lock, then stores the schedule', async () => {
    const { handler, calls } = setup(paused(), {
      sleep: {
        name: 'berth-demo-sleep',
        expression: SLEEP,
        timezone: 'UTC',
        targetArn: TARGET,
        input: { name: 'demo', action: 'pause' },
        state: 'ENABLED',
      },
    });
    const result = await handler({
      name: 'demo',
      schedule: { sleep: 'cron(0 19 ? * MON-FRI *)', wake: 'cron(0 8 ? * MON-FRI *)' },
    });
    expect(result).toMatchObject({
      name: 'demo',
      status: 'paused',
      dryRun: false,
      schedule: { sleep: 'cron(0 19 ? * MON-FRI *)', wake: 'cron(0 8 ? * MON-FRI *)', timezone: 'UTC' },
    });
    expect(result.steps.map((s) => s.action)).toEqual(['update', 'create']);
    expect(calls).toEqual([
      'lock schedule',
      'update berth-demo-sleep cron(0 19 ? * MON-FRI *) UTC',
      'create berth-demo-wake cron(0 8 ? * MON-FRI *) UTC',
      'store {"sleep":"cron(0 19 ? * MON-FRI *)","wake":"cron(0 8 ? * MON-FRI *)","timezone":"UTC"}',
      'unlock',
    ]);
  });

  it('removes the schedules with null, and plans without the lock in a dry run', async () => {
    const sleep = {
      name: 'berth-demo-sleep',
      expression: SLEEP,
      timezone: 'UTC',
      targetArn: TARGET,
      input: { name: 'demo', action: 'pause' as const },
      state: 'ENABLED',
    };
    const dry = setup(paused(), { sleep });
    expect((await dry.handler({ name: 'demo', schedule: null, dryRun: true })).steps).toEqual([
      {
        action: 'delete',
        resource: expect.stringContaining('berth-demo-sleep'),
        reason: 'the spec has no sleep schedule',
      },
    ]);
    expect(dry.calls).toEqual([]);
    const { handler, calls } = setup(paused(), { sleep });
    expect((await handler({ name: 'demo', schedule: null })).schedule).toBeNull();
    expect(calls).toEqual(['lock schedule', 'delete berth-demo-sleep', 'store null', 'unlock']);
  });

  it('refuses a busy environment, one that is not settled, and a bad schedule, changing nothing', async () => {
    const busy = setup(paused());
    busy.lockHeldBy('resume');
    await expect(busy.handler({ name: 'demo', schedule: { sleep: SLEEP } })).rejects.toMatchObject({
      name: 'OperationInProgressError',
    });
    expect(busy.calls).toEqual([]);
    const resuming = setup(paused({ status: 'resuming' }));
    await expect(resuming.handler({ name: 'demo', schedule: { sleep: SLEEP } })).rejects.toMatchObject({
      name: 'InvalidStateError',
      message: 'environment "demo" is resuming: change its schedule once the operation has finished',
    });
    const bad = setup(paused());
    await expect(
      bad.handler({ name: 'demo', schedule: { sleep: 'cron(0 20 * * MON-FRI *)' } }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^schedule\.sleep: /),
    });
    const ghost = setup(undefined);
    await expect(ghost.handler({ name: 'demo', schedule: null })).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    expect([...resuming.calls, ...bad.calls, ...ghost.calls]).toEqual([]);
  });

  it('never changes a schedule owned by someone else, and releases the lock', async () => {
    const foreign = setup(paused(), {
      sleep: {
        name: 'berth-demo-sleep',
        expression: SLEEP,
        timezone: 'UTC',
        targetArn: TARGET,
        input: { name: 'other', action: 'pause' },
        state: 'ENABLED',
      },
    });
    await expect(foreign.handler({ name: 'demo', schedule: { sleep: SLEEP } })).rejects.toMatchObject({
      name: 'OwnershipConflictError',
    });
    expect(foreign.calls).toEqual(['lock schedule', 'unlock']);
  });
});
