import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEnvironment } from '../../cli/commands/status.ts';
import { DEVELOPMENT_POLICY } from '../../functions/core/access-policy.ts';
import { type E2EPlatform, eventually, spec, startE2EPlatform } from './helpers/platform.ts';

/**
 * Sleep/wake schedules on the local platform (instant profile): `up` with a schedule creates EventBridge
 * Scheduler schedules in Berth's group; the local cloud fires them (control endpoint, as if the time had come)
 * into the scheduled-action function, which pauses and resumes the environment as the API would (entry
 * `schedule` in its history); a schedule firing when it does not apply starts nothing; the schedule of a paused
 * environment changes without resuming or recreating anything; a schedule the access policy refuses leaves its
 * environment running and says so in its history and `berth status`; `down` deletes them.
 */
let e2e: E2EPlatform;
let scheduler: SchedulerClient;
const GROUP = 'berth-environments';
const SLEEP = 'cron(0 20 ? * MON-FRI *)';
const WAKE = 'cron(0 8 ? * MON-FRI *)';

/** The development policy, except that schedules may act on `snooze` only (not on `guarded`). */
const policyFile = join(mkdtempSync(join(tmpdir(), 'berth-schedules-')), 'policy.json');
writeFileSync(policyFile, JSON.stringify({ ...DEVELOPMENT_POLICY, schedule: { environments: ['snooze'] } }));

beforeAll(async () => {
  e2e = await startE2EPlatform({ policyFile });
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

const fire = (kind: 'sleep' | 'wake', env = 'snooze') =>
  e2e.control('/_berth/scheduler/fire', { body: { name: `berth-${env}-${kind}`, group: GROUP } });
const described = async (env = 'snooze') => (await e2e.api('GET', `/environments/${env}`)).body;
const getSchedule = (env: string, kind: 'sleep' | 'wake') =>
  scheduler.send(new GetScheduleCommand({ GroupName: GROUP, Name: `berth-${env}-${kind}` }));
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
    await e2e.operate(
      'POST',
      '/environments',
      spec('snooze', {
        launchType: 'FARGATE',
        schedule: { sleep: SLEEP, wake: WAKE, timezone: 'Asia/Seoul' },
      }),
    );
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

  it('changes the schedule of the paused environment, which stays paused with nothing recreated', async () => {
    const service = async () =>
      (
        await e2e.clients.ecs.send(
          new DescribeServicesCommand({ cluster: 'berth-snooze', services: ['berth-snooze'] }),
        )
      ).services?.[0];
    const loadBalancer = async () =>
      (await e2e.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['berth-snooze-alb'] })))
        .LoadBalancers?.[0];
    const before = { env: await described(), service: await service(), alb: await loadBalancer() };
    expect(before.service?.desiredCount).toBe(0);
    const EARLIER = 'cron(0 19 ? * MON-FRI *)';
    const changed = await e2e.api('PATCH', '/environments/snooze', {
      schedule: { sleep: EARLIER, wake: WAKE, timezone: 'Asia/Seoul' },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({
      name: 'snooze',
      status: 'paused',
      schedule: { sleep: EARLIER, wake: WAKE, timezone: 'Asia/Seoul' },
    });
    expect(changed.body.steps).toEqual([
      {
        action: 'update',
        resource: expect.stringContaining('berth-snooze-sleep'),
        reason: `${SLEEP} → ${EARLIER}`,
      },
      { action: 'keep', resource: expect.stringContaining('berth-snooze-wake'), reason: 'matches the spec' },
    ]);
    // EventBridge Scheduler has the new expression; the wake is untouched.
    expect((await getSchedule('snooze', 'sleep')).ScheduleExpression).toBe(EARLIER);
    expect((await getSchedule('snooze', 'wake')).ScheduleExpression).toBe(WAKE);
    // Still paused, no operation ran, the spec carries the new schedule, nothing was recreated or scaled.
    const after = await described();
    expect(after.status).toBe('paused');
    expect(after.currentOperation).toBeNull();
    expect(after.operations).toHaveLength(before.env.operations.length);
    expect(after.spec.schedule).toEqual({ sleep: EARLIER, wake: WAKE, timezone: 'Asia/Seoul' });
    expect(after.schedule.nextSleep).toMatch(/T10:00:00\.000Z$/);
    const serviceAfter = await service();
    expect(serviceAfter).toMatchObject({
      serviceArn: before.service?.serviceArn,
      createdAt: before.service?.createdAt,
      desiredCount: 0,
    });
    expect((await loadBalancer())?.LoadBalancerArn).toBe(before.alb?.LoadBalancerArn);
    // The same change again changes nothing (and the lock was released: it is taken again).
    const again = await e2e.api('PATCH', '/environments/snooze', {
      schedule: { sleep: EARLIER, wake: WAKE, timezone: 'Asia/Seoul' },
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body.steps.map((s: { action: string }) => s.action)).toEqual(['keep', 'keep']);
  });

  it('resumes when the wake schedule fires', async () => {
    const fired = await fire('wake');
    expect(fired.outcome, JSON.stringify(fired)).toBe('invoked');
    await eventually(async () => (await described()).status === 'ready', 60_000);
    const entries = await scheduleEntries();
    expect(entries.map((e) => e.operation).sort()).toEqual(['pause', 'resume']);
  });

  it('leaves an environment running when the access policy refuses its schedule, and says so where users look', async () => {
    const started = await e2e.api(
      'POST',
      '/environments',
      spec('guarded', { launchType: 'FARGATE', schedule: { sleep: SLEEP, timezone: 'UTC' } }),
    );
    expect(started.status, started.text).toBe(202);
    expect((await e2e.waitForExecution(started.body.executionArn)).status).toBe('SUCCEEDED');
    const fired = await fire('sleep', 'guarded');
    expect(fired.outcome, JSON.stringify(fired)).toBe('invoked');
    const refusal =
      "refused by the access policy: the environment's schedule may not pause environment 'guarded': the access policy limits schedules to environments snooze";
    // The history: a refused pause, entry schedule; nothing started.
    await eventually(async () => (await described('guarded')).operations[0]?.status === 'refused', 30_000);
    const env = await described('guarded');
    expect(env.status).toBe('ready');
    expect(env.currentOperation).toBeNull();
    expect(env.operations[0]).toMatchObject({
      operation: 'pause',
      status: 'refused',
      entry: 'schedule',
      requestedBy: 'schedule',
      error: refusal,
    });
    expect(env.operations.filter((op: { operation: string }) => op.operation === 'pause')).toHaveLength(1);
    // berth status.
    expect(formatEnvironment(env)).toContain(
      `  refused:  pause by schedule at ${env.operations[0].startedAt}: ${refusal}`,
    );
    // The service still runs its task.
    const service = (
      await e2e.clients.ecs.send(
        new DescribeServicesCommand({ cluster: 'berth-guarded', services: ['berth-guarded'] }),
      )
    ).services?.[0];
    expect(service?.desiredCount).toBe(1);
    const down = await e2e.api('DELETE', '/environments/guarded');
    expect((await e2e.waitForExecution(down.body.executionArn)).status).toBe('SUCCEEDED');
    await e2e.assertNothingLeft('guarded');
  });

  it('deletes the schedules with the environment', async () => {
    await e2e.operate('DELETE', '/environments/snooze');
    for (const kind of ['sleep', 'wake']) {
      await expect(
        scheduler.send(new GetScheduleCommand({ GroupName: GROUP, Name: `berth-snooze-${kind}` })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    }
    await e2e.assertNothingLeft('snooze');
  });
});
