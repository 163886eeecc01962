import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, eventually, spec, startE2EPlatform } from './helpers/platform.ts';

/**
 * Sleep/wake schedules on the local platform (instant profile): `up` with a schedule creates EventBridge
 * Scheduler schedules in Berth's group; the local cloud fires them (control endpoint, as if the time had come)
 * into the scheduled-action function, which pauses and resumes the environment as the API would (entry
 * `schedule` in its history); a schedule firing when it does not apply starts nothing; `down` deletes them.
 */
let e2e: E2EPlatform;
let scheduler: SchedulerClient;
const GROUP = 'berth-environments';
const SLEEP = 'cron(0 20 ? * MON-FRI *)';
const WAKE = 'cron(0 8 ? * MON-FRI *)';

beforeAll(async () => {
  e2e = await startE2EPlatform();
  scheduler = new SchedulerClient({
    endpoint: e2e.platform.urls.cloud,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
  });
});

afterAll(async () => {
  scheduler?.destroy();
  await e2e?.stop();
});

const fire = (kind: 'sleep' | 'wake') =>
  e2e.control('/_berth/scheduler/fire', { body: { name: `berth-snooze-${kind}`, group: GROUP } });
const described = async () => (await e2e.api('GET', '/environments/snooze')).body;
const scheduleEntries = async () =>
  ((await described()).operations as { operation: string; entry?: string; status: string }[]).filter(
    (op) => op.entry === 'schedule',
  );

describe('sleep/wake schedules', () => {
  it('creates both schedules with the environment, in the time zone of the spec', async () => {
    const plan = await e2e.api('POST', '/environments/snooze/plan', {
      operation: 'up',
      spec: spec('snooze', {
        launchType: 'FARGATE',
        schedule: { sleep: SLEEP, wake: WAKE, timezone: 'Asia/Seoul' },
      }),
    });
    expect(plan.status, plan.text).toBe(200);
    expect(
      plan.body.steps.filter((s: { kind: string }) => /Schedule/.test(s.kind)).map((s: any) => s.kind),
    ).toEqual(expect.arrayContaining(['createSchedule', 'createSchedule']));
    const started = await e2e.api(
      'POST',
      '/environments',
      spec('snooze', {
        launchType: 'FARGATE',
        schedule: { sleep: SLEEP, wake: WAKE, timezone: 'Asia/Seoul' },
      }),
    );
    expect(started.status, started.text).toBe(202);
    const execution = await e2e.waitForExecution(started.body.executionArn);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    for (const [kind, expression, action] of [
      ['sleep', SLEEP, 'pause'],
      ['wake', WAKE, 'resume'],
    ] as const) {
      const schedule = await scheduler.send(
        new GetScheduleCommand({ GroupName: GROUP, Name: `berth-snooze-${kind}` }),
      );
      expect(schedule).toMatchObject({
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: 'Asia/Seoul',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'NONE',
        State: 'ENABLED',
      });
      expect(schedule.Target?.Arn).toMatch(/:function:berth-scheduled-action$/);
      expect(JSON.parse(schedule.Target?.Input ?? '{}')).toEqual({ name: 'snooze', action });
    }
    const env = await described();
    expect(env.schedule).toMatchObject({ sleep: SLEEP, wake: WAKE, timezone: 'Asia/Seoul' });
    // 20:00 in Seoul is 11:00 UTC; the next one is a weekday.
    expect(env.schedule.nextSleep).toMatch(/T11:00:00\.000Z$/);
    expect(env.schedule.nextWake).toMatch(/T23:00:00\.000Z$/);
  });

  it('pauses when the sleep schedule fires, recorded with entry schedule', async () => {
    const fired = await fire('sleep');
    expect(fired.outcome, JSON.stringify(fired)).toBe('invoked');
    await eventually(async () => (await described()).status === 'paused', 60_000);
    const entries = await scheduleEntries();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ operation: 'pause', status: 'succeeded' });
  });

  it('starts nothing when the sleep fires again on the paused environment', async () => {
    const fired = await fire('sleep');
    expect(fired.outcome, JSON.stringify(fired)).toBe('invoked');
    const env = await described();
    expect(env.status).toBe('paused');
    expect(env.currentOperation).toBeNull();
    expect(await scheduleEntries()).toHaveLength(1);
  });

  it('resumes when the wake schedule fires', async () => {
    const fired = await fire('wake');
    expect(fired.outcome, JSON.stringify(fired)).toBe('invoked');
    await eventually(async () => (await described()).status === 'ready', 60_000);
    const entries = await scheduleEntries();
    expect(entries.map((e) => e.operation).sort()).toEqual(['pause', 'resume']);
  });

  it('deletes the schedules with the environment', async () => {
    const down = await e2e.api('DELETE', '/environments/snooze');
    expect(down.status, down.text).toBe(202);
    const execution = await e2e.waitForExecution(down.body.executionArn);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    for (const kind of ['sleep', 'wake']) {
      await expect(
        scheduler.send(new GetScheduleCommand({ GroupName: GROUP, Name: `berth-snooze-${kind}` })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    }
    await e2e.assertNothingLeft('snooze');
  });
});
