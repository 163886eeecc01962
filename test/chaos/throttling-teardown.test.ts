import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeExecutionCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../local/runtime/asl.ts';
import { leftoversOf } from '../../local/runtime/leftovers.ts';
import { RETRY_THROTTLED } from '../../statemachine/src/blocks.ts';
import { type E2EPlatform, spec, startE2EPlatform } from '../e2e/helpers/platform.ts';

/**
 * Concurrent teardowns queued on one ECS action that AWS limits to 1 request/s (issue 14: a 500-environment
 * night lost 15 environments when their `DeleteCapacityProvider`/`PutClusterCapacityProviders` exhausted the
 * generic retrier). The bucket here is smaller and slower than AWS's (burst 1, one token every 5 s instead of
 * burst 10 at 1/s) so that three teardowns queue on it as twenty do on AWS's, in seconds rather than minutes:
 * the last of the three gets its turn only about 20 s after the first — longer than the old policy's seven
 * attempts last (about 1.5 s each here, each retry 1 s: `localRetryMs`), even on a loaded machine. The handlers make one SDK attempt
 * (`AWS_MAX_ATTEMPTS=1`), so only the state machine's `Retry` can wait for the turn. With the generated
 * definition (the dedicated `ThrottlingError` retrier first on the teardown stages) every teardown succeeds and
 * leaves nothing; with the same definition minus that retrier — the old policy, where `ThrottlingError` used
 * the generic retrier (6 attempts) — the same teardowns fail and leave their resources behind.
 */
const LIFECYCLE = join(dirname(fileURLToPath(import.meta.url)), '../../statemachine/lifecycle.asl.json');
const TOKEN_EVERY_S = 10;
const THROTTLE = {
  throttling: { rates: { 'ecs:DeleteCapacityProvider': { burst: 1, perSecond: 1 / TOKEN_EVERY_S } } },
};
const N = 3;

/** The definition with the dedicated throttling retrier removed: `ThrottlingError` falls to the generic one. */
function withOldPolicy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withOldPolicy);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === 'Retry' && Array.isArray(value)
        ? value.filter((r) => JSON.stringify(r) !== JSON.stringify(RETRY_THROTTLED))
        : withOldPolicy(value);
  }
  return out;
}

let e2e: E2EPlatform;
const generated = JSON.parse(readFileSync(LIFECYCLE, 'utf8')) as AslDefinition;
const names = (prefix: string): string[] => Array.from({ length: N }, (_, i) => `${prefix}-${i}`);

beforeAll(async () => {
  e2e = await startE2EPlatform({ env: { AWS_MAX_ATTEMPTS: '1' } });
  // Both fleets come up together, without rate limits.
  const ups = await Promise.all(
    [...names('thrn'), ...names('thro')].map((name) => e2e.api('POST', '/environments', spec(name))),
  );
  for (const up of ups) expect(up.status, up.text).toBe(202);
  const done = await Promise.all(ups.map((up) => e2e.waitForExecution(up.body.executionArn, 60_000)));
  for (const d of done) expect(d.status, d.cause).toBe('SUCCEEDED');
}, 90_000);
afterAll(async () => {
  await e2e?.stop();
});

/** Tears `envs` down at once under the throttle: each execution's status, its tasks' errors, what is left. */
async function concurrentDowns(envs: string[]) {
  const faults = e2e.platform.cloud.cloud.faults;
  faults.reset();
  await e2e.control('/_berth/faults', { body: THROTTLE });
  try {
    const started = await Promise.all(envs.map((env) => e2e.api('DELETE', `/environments/${env}`)));
    for (const s of started) expect(s.status, s.text).toBe(202);
    const runs = await Promise.all(
      started.map(async (s, i) => {
        const arn = s.body.executionArn as string;
        await e2e.waitForExecution(arn, 90_000);
        const described = await e2e.clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        const history = await e2e.clients.sfn.send(
          new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }),
        );
        const errors = (history.events ?? [])
          .map((e) => e.taskFailedEventDetails?.error ?? e.lambdaFunctionFailedEventDetails?.error)
          .filter((error): error is string => error !== undefined);
        const env = envs[i] as string;
        return {
          env,
          status: described.status,
          errors,
          left: await leftoversOf(e2e.platform.urls.cloud, env),
        };
      }),
    );
    return { runs, throttled: faults.injected()['ThrottlingException ecs:DeleteCapacityProvider'] ?? 0 };
  } finally {
    faults.reset();
  }
}

describe('concurrent teardowns queued on a 1/s ECS action (handlers make one SDK attempt)', () => {
  it('all succeed and leave nothing with the dedicated ThrottlingError retrier', async () => {
    const { runs, throttled } = await concurrentDowns(names('thrn'));
    const report = JSON.stringify(runs);
    // They did queue: every one but the first was throttled at least once.
    expect(throttled, report).toBeGreaterThanOrEqual(N - 1);
    expect(runs.flatMap((r) => r.errors)).toContain('ThrottlingError');
    expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'SUCCEEDED'));
    expect(runs.flatMap((r) => r.left)).toEqual([]);
  }, 90_000);

  it('fail and leave resources with the old policy (ThrottlingError on the generic retrier)', async () => {
    const old = withOldPolicy(generated) as AslDefinition;
    expect(JSON.stringify(generated)).toContain(JSON.stringify(RETRY_THROTTLED));
    expect(JSON.stringify(old)).not.toContain(JSON.stringify(RETRY_THROTTLED));
    e2e.platform.sfn.updateStateMachine(e2e.platform.stateMachines.lifecycle, old);
    try {
      const { runs } = await concurrentDowns(names('thro'));
      const failed = runs.filter((r) => r.status !== 'SUCCEEDED');
      expect(failed.length, JSON.stringify(runs)).toBeGreaterThan(0);
      for (const run of failed) {
        expect(run.errors, run.env).toContain('ThrottlingError');
        expect(run.left.length, run.env).toBeGreaterThan(0);
      }
    } finally {
      e2e.platform.sfn.updateStateMachine(e2e.platform.stateMachines.lifecycle, generated);
    }
  }, 90_000);
});
