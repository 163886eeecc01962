import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../local/runtime/step-functions.ts';
import { type E2EPlatform, eventually, spec, startE2EPlatform, startReceiver } from './helpers/platform.ts';

describe('nightly teardown', () => {
  let e2e: E2EPlatform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let output: any;

  beforeAll(async () => {
    receiver = await startReceiver();
    e2e = await startE2EPlatform({ env: { BERTH_NOTIFY_WEBHOOK_URL: receiver.url } });
    const specs = [
      spec('keeper', { keep: true, ttl: '24h' }),
      spec('stale', { keep: true, ttl: '1h' }),
      spec('flaky', { keep: false }),
    ];
    const started = await Promise.all(specs.map((s) => e2e.api('POST', '/environments', s)));
    for (const response of started) {
      expect(response.status, response.text).toBe(202);
      const execution = await e2e.waitForExecution(response.body.executionArn);
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
    }
  });

  afterAll(async () => {
    await e2e?.stop();
    await receiver?.stop();
  });

  it('tears down expired and unkept environments, skips kept ones and reports a failing one', async () => {
    // Fault injection: while flaky's teardown runs (one teardown at a time), ECS DeleteCluster answers 500.
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
      const started = await e2e.clients.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: e2e.platform.stateMachines.nightly,
          name: 'nightly-e2e',
          input: JSON.stringify({ now, maxConcurrency: 1 }),
        }),
      );
      const execution = await e2e.waitForExecution(started.executionArn!, 120_000);
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      output = JSON.parse(execution.output!);
    } finally {
      e2e.platform.sfn.events.off('event', onEvent);
      e2e.platform.sfn.events.off('closed', onClosed);
      faults.merge({ random: { serverErrorRate: 0 } });
    }
    const byEnv = Object.fromEntries(output.results.map((r: any) => [r.env, r]));
    expect(Object.keys(byEnv).sort()).toEqual(['flaky', 'stale']);
    expect(byEnv.stale.status).toBe('Succeeded');
    expect(byEnv.flaky.status).toBe('Failed');
    expect(output.skipped.map((s: any) => s.env)).toEqual(['keeper']);
    expect(output.skipped[0].reason).toMatch(/kept|keep/i);
  });

  it('posts the report with torn down, skipped and failed environments', async () => {
    const report = await eventually(async () =>
      receiver.messages.find((m) => {
        const text = JSON.stringify(m);
        return text.includes('keeper') && text.includes('flaky') && text.includes('stale');
      }),
    );
    expect(JSON.stringify(report)).toMatch(/fail/i);
  });

  it('leaves the torn-down environment empty and keeps the others until they are taken down', async () => {
    expect((await e2e.api('GET', '/environments/stale')).body.status).toBe('deleted');
    await e2e.assertNothingLeft('stale');
    expect((await e2e.api('GET', '/environments/keeper')).body.status).toBe('ready');
    for (const env of ['flaky', 'keeper']) {
      const down = await e2e.api('DELETE', `/environments/${env}`);
      expect(down.status, down.text).toBe(202);
      const execution = await e2e.waitForExecution(down.body.executionArn);
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
      await e2e.assertNothingLeft(env);
    }
  });
});
