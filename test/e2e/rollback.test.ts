import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

describe('a failed up', () => {
  let e2e: E2EPlatform;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  it('fails with the target health reason, rolls back and leaves nothing behind', async () => {
    const started = await e2e.api('POST', '/environments', spec('sick', { image: 'berth/unhealthy:1' }));
    expect(started.status, started.text).toBe(202);
    const execution = await e2e.waitForExecution(started.body.executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('UnhealthyError');
    expect(execution.cause).toContain('Target.ResponseCodeMismatch');
    expect(execution.cause).toMatch(
      /Tasks stopped: \d+× Task failed ELB health checks in \(target-group arn:aws:elasticloadbalancing:[^)]*:targetgroup\/berth-sick-tg\/[0-9a-f]+\)\./,
    );
    expect(execution.cause).toContain(
      'Last target health: Health checks failed with these codes: [500] (Target.ResponseCodeMismatch)',
    );
    const states = await e2e.taskStates(started.body.executionArn);
    expect(states).toContain('TeardownServiceRollback');
    expect(states.at(-1)).toBe('NotifyFailure');
    const described = await e2e.api('GET', '/environments/sick');
    expect(described.status).toBe(200);
    expect(JSON.stringify(described.body.lastFailure)).toContain('Target.ResponseCodeMismatch');
    await e2e.assertNothingLeft('sick');
  });
});
