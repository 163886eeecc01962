import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../local/runtime/asl.ts';
import { leftoversOf } from '../../local/runtime/leftovers.ts';
import { type E2EPlatform, spec, startE2EPlatform } from '../e2e/helpers/platform.ts';

/**
 * A throttle that only the state machine's `Retry` can absorb. The handlers' SDK clients make one attempt
 * (`AWS_MAX_ATTEMPTS=1`, the SDK's standard setting), and EC2 allows one `CreateSecurityGroup` per 2 s: the
 * second group of `create-network` is throttled (`RequestLimitExceeded` → `ThrottlingError`) every time. With
 * the generated lifecycle definition the run succeeds; with the same definition minus `ThrottlingError` in its
 * Retry blocks, the same run fails — so this test fails if the Retry stops covering throttles (the SDK's own
 * retries absorbed them before, and the chaos run passed without any Retry).
 */
const LIFECYCLE = join(dirname(fileURLToPath(import.meta.url)), '../../statemachine/lifecycle.asl.json');
const THROTTLE = {
  throttling: { rates: { 'ec2:CreateSecurityGroup': { burst: 1, perSecond: 0.5 } } },
};

/** The definition with `ThrottlingError` removed from every retrier (a retrier left with nothing goes). */
function withoutThrottlingRetry(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutThrottlingRetry);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Retry' && Array.isArray(value)) {
      out[key] = value
        .map((r: { ErrorEquals: string[] }) => ({
          ...r,
          ErrorEquals: r.ErrorEquals.filter((e) => e !== 'ThrottlingError'),
        }))
        .filter((r) => r.ErrorEquals.length > 0);
    } else out[key] = withoutThrottlingRetry(value);
  }
  return out;
}

let e2e: E2EPlatform;
const original = JSON.parse(readFileSync(LIFECYCLE, 'utf8')) as AslDefinition;

beforeAll(async () => {
  e2e = await startE2EPlatform({ env: { AWS_MAX_ATTEMPTS: '1' } });
});
afterAll(async () => {
  await e2e?.stop();
});

/** `up` of `name` under the throttle: the execution's status, its failed tasks' errors, the faults injected. */
async function throttledUp(name: string) {
  e2e.platform.cloud.cloud.faults.reset();
  await e2e.control('/_berth/faults', { body: THROTTLE });
  try {
    const started = await e2e.api('POST', '/environments', spec(name));
    expect(started.status, started.text).toBe(202);
    const done = await e2e.waitForExecution(started.body.executionArn, 60_000);
    const history = await e2e.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: started.body.executionArn, maxResults: 1000 }),
    );
    const taskErrors = (history.events ?? [])
      .map((e) => e.taskFailedEventDetails?.error ?? e.lambdaFunctionFailedEventDetails?.error)
      .filter((error): error is string => error !== undefined);
    return {
      status: done.status,
      cause: done.cause ?? '',
      taskErrors,
      injected: e2e.platform.cloud.cloud.faults.injected(),
    };
  } finally {
    e2e.platform.cloud.cloud.faults.reset();
  }
}

describe('a throttle only the Step Functions Retry absorbs (handlers make one SDK attempt)', () => {
  it('succeeds with the generated definition: the task failed with ThrottlingError and was retried', async () => {
    const run = await throttledUp('thr-retry');
    expect(run.injected['RequestLimitExceeded ec2:CreateSecurityGroup'], JSON.stringify(run)).toBeGreaterThan(
      0,
    );
    expect(run.taskErrors, JSON.stringify(run)).toContain('ThrottlingError');
    expect(run.status, JSON.stringify(run)).toBe('SUCCEEDED');
    const down = await e2e.api('DELETE', '/environments/thr-retry');
    expect((await e2e.waitForExecution(down.body.executionArn, 60_000)).status).toBe('SUCCEEDED');
    expect(await leftoversOf(e2e.platform.urls.cloud, 'thr-retry')).toEqual([]);
  }, 90_000);

  it('fails the same run once ThrottlingError is stripped from the Retry blocks', async () => {
    const stripped = withoutThrottlingRetry(original) as AslDefinition;
    expect(JSON.stringify(stripped)).not.toContain('ThrottlingError');
    expect(JSON.stringify(original)).toContain('ThrottlingError');
    e2e.platform.sfn.updateStateMachine(e2e.platform.stateMachines.lifecycle, stripped);
    try {
      const run = await throttledUp('thr-bare');
      expect(
        run.injected['RequestLimitExceeded ec2:CreateSecurityGroup'],
        JSON.stringify(run),
      ).toBeGreaterThan(0);
      expect(run.status, JSON.stringify(run)).toBe('FAILED');
      expect(run.taskErrors, JSON.stringify(run)).toContain('ThrottlingError');
      // The failed up rolled back: nothing of it is left.
      expect(await leftoversOf(e2e.platform.urls.cloud, 'thr-bare')).toEqual([]);
    } finally {
      e2e.platform.sfn.updateStateMachine(e2e.platform.stateMachines.lifecycle, original);
    }
  }, 90_000);
});
