import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../local/runtime/step-functions/emulator.ts';
import { type E2EPlatform, eventually, spec, startE2EPlatform, startReceiver } from './helpers/platform.ts';

/**
 * Five environments: `keeper` (kept, not expired), `stale` (kept, expired by the run's `now`: still skipped,
 * since `keep` always wins), `gone` (not kept), `flaky` (not kept; ECS DeleteCluster answers 500 while its
 * teardown runs) and `sleepy` (not kept, `nightly: pause`, not expired: paused instead of torn down).
 */
describe('nightly teardown', () => {
  let e2e: E2EPlatform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let output: any;
  let byEnv: Record<string, any>;

  beforeAll(async () => {
    receiver = await startReceiver();
    e2e = await startE2EPlatform({ env: { BERTH_NOTIFY_WEBHOOK_URL: receiver.url } });
    const specs = [
      spec('keeper', { keep: true, ttl: '24h' }),
      spec('stale', { keep: true, ttl: '1h' }),
      spec('gone', { keep: false }),
      spec('flaky', { keep: false }),
      spec('sleepy', { keep: false, nightly: 'pause' }),
    ];
    const started = await Promise.all(specs.map((s) => e2e.api('POST', '/environments', s)));
    for (const response of started) {
      expect(response.status, response.text).toBe(202);
      const execution = await e2e.waitForExecution(response.body.executionArn);
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
    }
    const faults = e2e.platform.cloud.cloud.faults;
    const onEvent = (record: ExecutionRecord, event: { type: string }): void => {
      if (event.type === 'ExecutionStarted' && record.name.startsWith('nightly-flaky-')) {
        faults.merge({
          random: { seed: 7, throttleRate: 0, serverErrorRate: 1, actions: ['ecs:DeleteCluster'] },
        });
      }
    };
    const onClosed = (record: ExecutionRecord): void => {
      if (record.name.startsWith('nightly-flaky-')) faults.merge({ random: { serverErrorRate: 0 } });
    };
    e2e.platform.sfn.events.on('event', onEvent);
    e2e.platform.sfn.events.on('closed', onClosed);
    try {
      const now = new Date(Date.now() + 2 * 3600_000).toISOString();
      const run = await e2e.clients.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: e2e.platform.stateMachines.nightly,
          name: 'nightly-e2e',
          // One teardown at a time, so the injected fault hits flaky's teardown only.
          input: JSON.stringify({ now, maxConcurrency: 1 }),
        }),
      );
      const execution = await e2e.waitForExecution(run.executionArn!, 120_000);
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      output = JSON.parse(execution.output!);
      byEnv = Object.fromEntries((output.results ?? []).map((r: any) => [r.env, r]));
    } finally {
      e2e.platform.sfn.events.off('event', onEvent);
      e2e.platform.sfn.events.off('closed', onClosed);
      faults.merge({ random: { serverErrorRate: 0 } });
    }
  });

  afterAll(async () => {
    await e2e?.stop();
    await receiver?.stop();
  });

  it('skips a kept environment that has not expired, saying why', async () => {
    expect(output.skipped.map((s: any) => s.env)).toContain('keeper');
    expect(output.skipped.find((s: any) => s.env === 'keeper').reason).toMatch(/kept/);
    expect(byEnv['keeper']).toBeUndefined();
    expect((await e2e.api('GET', '/environments/keeper')).body.status).toBe('ready');
  });

  it('tears down an environment that is not kept and leaves nothing of it', async () => {
    expect(byEnv['gone']).toMatchObject({ status: 'Succeeded' });
    expect((await e2e.api('GET', '/environments/gone')).body.status).toBe('deleted');
    await e2e.assertNothingLeft('gone');
  });

  it('never tears down a kept environment, even past its expiry, and says so', async () => {
    expect(byEnv['stale']).toBeUndefined();
    const skipped = output.skipped.find((s: any) => s.env === 'stale');
    expect(skipped?.reason).toMatch(/kept \(keep=true\) although expired/);
    expect((await e2e.api('GET', '/environments/stale')).body.status).toBe('ready');
  });

  it('pauses an environment whose nightly policy is pause: nothing deleted, its URL kept', async () => {
    expect(byEnv['sleepy']).toMatchObject({ status: 'Succeeded', operation: 'pause' });
    const candidate = output.list?.candidates?.find((c: any) => c.env === 'sleepy');
    expect(candidate ?? { operation: 'pause' }).toMatchObject({ operation: 'pause' });
    const described = await e2e.api('GET', '/environments/sleepy');
    expect(described.body).toMatchObject({ status: 'paused', paused: { desiredCount: 1 } });
    expect(described.body.url).toMatch(/^http:\/\/berth-sleepy-alb-/);
    const state = await e2e.control('/_berth/state');
    expect(JSON.stringify(state)).toContain('berth-sleepy-alb');
  });

  it('reports a failing teardown with its error and still runs the others', async () => {
    // The Map result keeps the error's name; the reason is the registry's lastFailure (see GET /nightly/last).
    expect(byEnv['flaky']).toEqual({
      env: 'flaky',
      operation: 'down',
      status: 'Failed',
      error: 'States.TaskFailed',
    });
    const record = await e2e.api('GET', '/environments/flaky');
    expect(record.body.lastFailure).toMatchObject({ operation: 'down', error: 'TransientAwsError' });
    expect(byEnv['gone']?.status).toBe('Succeeded');
  });

  it('posts the report naming torn down, skipped and failed environments', async () => {
    const report = await eventually(async () =>
      receiver.messages.find((m) => {
        const text = JSON.stringify(m);
        return text.includes('keeper') && text.includes('flaky') && text.includes('gone');
      }),
    );
    expect(JSON.stringify(report)).toMatch(/fail/i);
  });

  it('serves the report of the last run at GET /nightly/last', async () => {
    const last = await e2e.api('GET', '/nightly/last');
    expect(last.status, last.text).toBe(200);
    expect(last.body).toMatchObject({
      status: 'SUCCEEDED',
      dryRun: false,
      tornDown: [{ env: 'gone' }],
      paused: [{ env: 'sleepy' }],
      failed: [{ env: 'flaky' }],
      error: null,
    });
    expect(last.body.executionArn).toMatch(/:nightly-e2e$/);
    expect(last.body.failed[0].error).toMatch(/^States\.TaskFailed: .*TransientAwsError/);
    expect(last.body.skipped.map((s: any) => s.env).sort()).toEqual(['keeper', 'stale']);
    expect(Date.parse(last.body.finishedAt)).toBeGreaterThanOrEqual(Date.parse(last.body.startedAt));
  });

  it('takes the remaining environments down cleanly once the fault is gone', async () => {
    for (const env of ['flaky', 'keeper', 'stale', 'sleepy']) {
      const record = await e2e.api('GET', `/environments/${env}`);
      if (record.body.status === 'deleted') continue;
      await e2e.operate('DELETE', `/environments/${env}`);
    }
    for (const env of ['keeper', 'stale', 'gone', 'flaky', 'sleepy']) await e2e.assertNothingLeft(env);
  });
});
