import { beforeEach, describe, expect, it } from 'vitest';
import { parseAccessPolicy } from '../../../functions/core/access-policy.ts';
import { makeHandler } from '../../../functions/handlers/api.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

/** `PATCH /environments/{name}`: the spec's idleAfter changes without an operation (idle sleep). */
const NOW = new Date('2026-01-01T12:00:00.000Z');
const ANA = 'arn:aws:iam::123456789012:user/ana';
const VIEWER = 'arn:aws:iam::123456789012:user/vic';

let registry: FakeRegistry;
let executions: FakeExecutions;
let handler: ReturnType<typeof makeHandler>;
/** What the schedule function was asked (it answers like functions/handlers/schedule.ts). */
let scheduleCalls: { name: string; schedule: unknown; dryRun?: boolean }[];

const patch = (body: unknown, userArn = ANA, name = 'demo') =>
  handler(apiEvent('PATCH', `/environments/${name}`, { body, userArn }));

beforeEach(() => {
  registry = new FakeRegistry();
  executions = new FakeExecutions();
  scheduleCalls = [];
  const policy = parseAccessPolicy({
    version: 1,
    bindings: [
      { role: 'deployer', principals: [ANA] },
      { role: 'viewer', principals: [VIEWER] },
    ],
    images: { allow: ['*'] },
  });
  handler = makeHandler({
    registry,
    executions,
    planner: { plan: async () => ({ steps: [] }) },
    schedules: {
      async change(request) {
        scheduleCalls.push(request);
        return {
          name: request.name,
          status: 'paused',
          schedule: request.schedule === null ? null : { ...(request.schedule as object), timezone: 'UTC' },
          dryRun: request.dryRun === true,
          steps: [
            {
              action: 'update',
              resource: 'schedule berth-demo-sleep',
              reason: 'cron(0 20 ? * * *) → cron(0 19 ? * * *)',
            },
          ],
        };
      },
    },
    clock: { now: () => NOW },
    logger: { error: () => {} },
    policy: async () => policy,
    denialLogger: () => {},
  });
  registry.environments.set('demo', readyEnv('demo', { owner: ANA }));
});

describe('api PATCH /environments/{name}', () => {
  it("sets the spec's idleAfter, starts nothing, and answers 200 (twice: idempotent)", async () => {
    for (let i = 0; i < 2; i += 1) {
      const result = await patch({ idleAfter: '2h' });
      expect(result.statusCode).toBe(200);
      expect(parse(result)).toEqual({ name: 'demo', idleAfter: '2h', updatedAt: '2026-01-01T12:00:00.000Z' });
    }
    expect(registry.environments.get('demo')?.spec).toMatchObject({ idleAfter: '2h' });
    expect(executions.started).toEqual([]);
  });

  it('turns idle sleep off with null', async () => {
    await patch({ idleAfter: '2h' });
    const result = await patch({ idleAfter: null });
    expect(parse(result)).toMatchObject({ idleAfter: null });
    expect(registry.environments.get('demo')?.spec).not.toHaveProperty('idleAfter');
  });

  it.each([
    [{ idleAfter: '5m' }, 'idleAfter', 'must be a duration like 30m, 2h or 1d between 15m and 7d (got "5m")'],
    [
      { idleAfter: 7200 },
      'idleAfter',
      'must be a duration like 30m, 2h or 1d between 15m and 7d, or null to turn idle sleep off',
    ],
    [{}, 'idleAfter', 'is required: a duration like 2h, or null to turn idle sleep off (or give schedule)'],
  ])('refuses %j with 400 naming the field', async (body, field, rule) => {
    const result = await patch(body);
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({ error: 'ValidationError', message: `${field}: ${rule}` });
    expect(registry.writes).toBe(0);
  });

  it('refuses other spec fields: they change through up', async () => {
    const result = await patch({ idleAfter: '2h', image: 'nginx:1.28' });
    expect(result.statusCode).toBe(400);
    expect(parse(result).message).toContain('image');
    expect(registry.writes).toBe(0);
  });

  it('answers 404 for an unknown or deleted environment', async () => {
    expect((await patch({ idleAfter: '2h' }, ANA, 'ghost')).statusCode).toBe(404);
    registry.environments.set('gone', readyEnv('gone', { owner: ANA, status: 'deleted' }));
    expect((await patch({ idleAfter: '2h' }, ANA, 'gone')).statusCode).toBe(404);
    expect(registry.writes).toBe(0);
  });

  it('answers 409 while an operation runs on the environment', async () => {
    registry.locks.set('demo', {
      token: 't',
      operationId: 'op-1',
      operation: 'scale',
      expiresAt: NOW.getTime() / 1000 + 60,
    });
    const result = await patch({ idleAfter: '2h' });
    expect(result.statusCode).toBe(409);
    expect(parse(result).message).toContain('scale op-1 is running');
    expect(registry.writes).toBe(0);
  });

  it('is refused (403) to a viewer', async () => {
    const result = await patch({ idleAfter: '2h' }, VIEWER);
    expect(result.statusCode).toBe(403);
    expect(registry.writes).toBe(0);
  });

  it('changes the schedule of a paused environment through the schedule function, starting nothing', async () => {
    registry.environments.set('demo', readyEnv('demo', { owner: ANA, status: 'paused' }));
    const result = await patch({ schedule: { sleep: 'cron(0 19 ? * * *)' } });
    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({
      name: 'demo',
      status: 'paused',
      schedule: { sleep: 'cron(0 19 ? * * *)', timezone: 'UTC' },
      steps: [
        {
          action: 'update',
          resource: 'schedule berth-demo-sleep',
          reason: 'cron(0 20 ? * * *) → cron(0 19 ? * * *)',
        },
      ],
    });
    expect(scheduleCalls).toEqual([{ name: 'demo', schedule: { sleep: 'cron(0 19 ? * * *)' } }]);
    expect(executions.started).toEqual([]);
    const planned = await patch({ schedule: null, dryRun: true });
    expect(parse(planned)).toMatchObject({ schedule: null, dryRun: true });
    expect(scheduleCalls[1]).toEqual({ name: 'demo', schedule: null, dryRun: true });
  });

  it.each([
    [{ schedule: { sleep: 'cron(0 20 * * MON-FRI *)' } }, 'schedule.sleep'],
    [{ schedule: { sleep: 'cron(0 20 ? * * *)', timezone: 'Mars/Olympus' } }, 'schedule.timezone'],
    [{ schedule: 'nightly' }, 'schedule'],
    [{ idleAfter: '2h', dryRun: true }, 'dryRun'],
  ])('refuses %j with 400 naming the field, before asking the schedule function', async (body, field) => {
    const result = await patch(body);
    expect(result.statusCode).toBe(400);
    expect(parse(result).message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
    expect(scheduleCalls).toEqual([]);
  });

  it('does not change the schedule while an operation runs, nor for a viewer', async () => {
    registry.locks.set('demo', {
      token: 't',
      operationId: 'op-1',
      operation: 'pause',
      expiresAt: NOW.getTime() / 1000 + 60,
    });
    expect((await patch({ schedule: { sleep: 'cron(0 19 ? * * *)' } })).statusCode).toBe(409);
    registry.locks.clear();
    expect((await patch({ schedule: { sleep: 'cron(0 19 ? * * *)' } }, VIEWER)).statusCode).toBe(403);
    expect(scheduleCalls).toEqual([]);
  });
});
