import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../functions/core/errors.ts';
import { startOperation } from '../../../../functions/handlers/http/start-operation.ts';
import { FakeExecutions, FakeRegistry, readyEnv } from '../entry-fakes.ts';

const clock = { now: () => new Date('2026-01-01T12:00:00Z') };

describe('startOperation', () => {
  const setup = () => {
    const registry = new FakeRegistry();
    registry.environments.set('demo', readyEnv('demo'));
    const executions = new FakeExecutions();
    return { registry, executions, deps: { registry, executions, clock } };
  };

  it('refuses an input the operation input schema refuses, before reading or starting anything', async () => {
    const { deps, executions, registry } = setup();
    const start = startOperation(deps, {
      operation: 'scale',
      env: 'demo',
      desiredCount: 101,
      requestId: 'r-1',
      requestedBy: 'ana',
    });
    await expect(start).rejects.toThrow(ValidationError);
    await expect(start).rejects.toThrow('desiredCount: must be an integer from 0 to 100');
    expect(executions.started).toEqual([]);
    expect(registry.writes).toBe(0);
  });

  it('refuses an operation without the field it needs (what ValidateInput would refuse)', async () => {
    const { deps, executions } = setup();
    await expect(
      startOperation(deps, { operation: 'extend', env: 'demo', requestId: 'r-2', requestedBy: 'ana' }),
    ).rejects.toThrow("hours: is required for operation 'extend'");
    expect(executions.started).toEqual([]);
  });

  it('starts the parsed input: a stored spec is started with its defaults applied', async () => {
    const { deps, executions } = setup();
    await startOperation(deps, {
      operation: 'up',
      env: 'demo',
      spec: { name: 'demo', image: 'nginx:1.27', owner: 'ana' },
      requestId: 'r-3',
      requestedBy: 'ana',
    });
    expect(executions.started[0]?.input).toMatchObject({
      operation: 'up',
      spec: { name: 'demo', desiredCount: 1, launchType: 'EC2' },
    });
  });
});
