import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_POLICY, parseAccessPolicy } from '../../../functions/core/access-policy.ts';
import type { OperationRecord } from '../../../functions/handlers/http/ports.ts';
import { makeHandler, type ScheduledActionDeps } from '../../../functions/handlers/scheduled-action.ts';
import { FakeExecutions, FakeRegistry, readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-11-30T11:00:20Z');

function setup(overrides: Partial<ScheduledActionDeps> = {}) {
  const registry = new FakeRegistry();
  const executions = new FakeExecutions();
  const logged: Record<string, unknown>[] = [];
  const handler = makeHandler({
    registry,
    executions,
    clock: { now: () => NOW },
    log: (entry) => logged.push(entry),
    ...overrides,
  });
  return { registry, executions, logged, handler };
}

describe('scheduled-action', () => {
  it('starts a pause as the API does, with entry schedule and a request id of the minute it fired', async () => {
    const { registry, executions, handler } = setup();
    registry.environments.set('demo', readyEnv('demo'));
    const result = await handler({ name: 'demo', action: 'pause' });
    expect(result).toMatchObject({ started: true, env: 'demo', operation: 'pause', replayed: false });
    expect(executions.started).toHaveLength(1);
    expect(executions.started[0]?.input).toMatchObject({
      operation: 'pause',
      env: 'demo',
      entry: 'schedule',
      requestedBy: 'schedule',
      requestId: `schedule-demo-pause-${Math.floor(NOW.getTime() / 60_000)}`,
    });
  });

  it('starts nothing new for a retried delivery of the same invocation', async () => {
    const { registry, executions, handler } = setup();
    registry.environments.set('demo', readyEnv('demo'));
    await handler({ name: 'demo', action: 'pause' });
    const again = await handler({ name: 'demo', action: 'pause' });
    expect(again).toMatchObject({ started: true, replayed: true });
    expect(executions.started).toHaveLength(1);
  });

  it('skips, saying why, when the environment is already paused, busy, gone or being torn down', async () => {
    const { registry, executions, logged, handler } = setup();
    registry.environments.set(
      'asleep',
      readyEnv('asleep', { status: 'paused', paused: { at: NOW.toISOString(), desiredCount: 1 } }),
    );
    registry.environments.set('busy', readyEnv('busy'));
    registry.locks.set('busy', {
      env: 'busy',
      operationId: 'other',
      operation: 'scale',
      expiresAt: 2e9,
    } as never);
    registry.environments.set('leaving', readyEnv('leaving', { status: 'tearing-down' }));
    const results = [
      await handler({ name: 'asleep', action: 'pause' }),
      await handler({ name: 'busy', action: 'pause' }),
      await handler({ name: 'ghost', action: 'resume' }),
      await handler({ name: 'leaving', action: 'pause' }),
      await handler({ name: 'demo', action: 'resume' }),
    ];
    expect(results.map((r) => r.started)).toEqual([false, false, false, false, false]);
    expect(results.map((r) => (r.started ? '' : r.reason))).toEqual([
      'InvalidStateError: environment "asleep" is already paused',
      expect.stringMatching(/^OperationInProgressError: environment "busy" is busy: scale other is running/),
      'the environment is not known',
      'the environment is tearing-down',
      'the environment is not known',
    ]);
    expect(executions.started).toEqual([]);
    expect(logged).toHaveLength(5);
    expect(logged[0]).toMatchObject({
      message: 'scheduled action skipped',
      env: 'asleep',
      entry: 'schedule',
    });
  });

  it('does nothing the access policy refuses (schedules limited to other environments)', async () => {
    const policy = parseAccessPolicy({ ...DEVELOPMENT_POLICY, schedule: { environments: ['team-*'] } });
    const { registry, executions, handler } = setup({ policy: async () => policy });
    registry.environments.set('demo', readyEnv('demo'));
    registry.environments.set('team-a', readyEnv('team-a'));
    const refused = await handler({ name: 'demo', action: 'pause' });
    expect(refused).toEqual({
      started: false,
      env: 'demo',
      operation: 'pause',
      reason:
        "refused by the access policy: the environment's schedule may not pause environment 'demo': the access policy limits schedules to environments team-*",
    });
    expect((await handler({ name: 'team-a', action: 'pause' })).started).toBe(true);
    expect(executions.started.map((s) => s.input.env)).toEqual(['team-a']);
  });

  it('records a refusal in the history, where users look', async () => {
    const policy = parseAccessPolicy({ ...DEVELOPMENT_POLICY, schedule: { environments: ['team-*'] } });
    const recorded: OperationRecord[] = [];
    const { registry, handler } = setup({
      policy: async () => policy,
      history: { recordOperation: async (record) => void recorded.push(record) },
    });
    registry.environments.set('demo', readyEnv('demo'));
    await handler({ name: 'demo', action: 'pause' });
    const minute = Math.floor(NOW.getTime() / 60_000);
    expect(recorded).toEqual([
      {
        env: 'demo',
        operationId: `schedule-demo-pause-${minute}`,
        operation: 'pause',
        requestId: `schedule-demo-pause-${minute}`,
        requestedBy: 'schedule',
        entry: 'schedule',
        status: 'refused',
        steps: [],
        startedAt: NOW.toISOString(),
        finishedAt: NOW.toISOString(),
        error:
          "refused by the access policy: the environment's schedule may not pause environment 'demo': the access policy limits schedules to environments team-*",
      },
    ]);
    // Not for an environment it does not know.
    await handler({ name: 'ghost', action: 'pause' });
    expect(recorded).toHaveLength(1);
  });

  it('fails closed when the access policy cannot be read', async () => {
    const { registry, executions, handler } = setup({
      policy: async () => {
        throw new Error('parameter not found');
      },
    });
    registry.environments.set('demo', readyEnv('demo'));
    const result = await handler({ name: 'demo', action: 'pause' });
    expect(result).toMatchObject({ started: false, reason: expect.stringMatching(/fail closed/) });
    expect(executions.started).toEqual([]);
  });

  it('rejects an input that is not {name, action}, naming the field', async () => {
    const { handler } = setup();
    await expect(handler({ name: 'demo', action: 'down' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: "action: must be 'pause' or 'resume'",
    });
    await expect(handler({ action: 'pause' })).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
