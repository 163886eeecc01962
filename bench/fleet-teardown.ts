/**
 * Fleet teardown under API rate limits: N environments (default 500) created through the real
 * platform on the `fast` profile (× 0.01; no rate limits while creating), then one nightly teardown
 * with the local cloud enforcing AWS's per-action ECS rate limits. Wall time ÷ the bound those
 * limits imply (each environment needs at least one call of each rate-limited teardown action);
 * failed environments; orphans by resource kind; the nightly execution's biggest state payload and
 * history length against Step Functions' quotas; the platform's memory; API calls per environment;
 * throttling errors absorbed.
 *
 *   npx tsx bench/fleet-teardown.ts [--envs 500] [--create-concurrency 12] [--max-concurrency 20] [--profile fast|instant] [--scaled-retries]
 *
 * Why `fast` and not `instant`: the fleet's health checks run all the time while the rest is created
 * (500 environments × one check per interval), and `instant` (× 0.002) makes the 300 s interval
 * 0.6 s and the 120 s timeout 0.24 s: on a loaded 2-core machine checks then time out, targets turn
 * unhealthy, tasks are replaced, and creation collapses after about 250 environments. `fast` keeps
 * the checks at 3 s / 1.2 s.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeExecutionCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ECS_RATE_LIMITS } from '../local/cloud/core/faults.ts';
import { findTaggedInState } from '../local/runtime/leftovers.ts';
import { LIFECYCLE_MACHINE, scaledRetryMs } from '../local/runtime/platform.ts';
import { benchSpec, startBenchPlatform } from './lib/platform.ts';
import {
  type BenchResult,
  finishResult,
  fmt,
  numberFlag,
  previousFigures,
  REPO_ROOT,
  runAsScript,
  startResult,
} from './lib/report.ts';

type Metrics = {
  actions: Record<
    string,
    { requests: number; throttles: number; serverErrors: number; clientErrors: number }
  >;
};

/**
 * The rate limits are enforced in real time, but the local runtime scales Retry intervals by the
 * profile factor (fast: × 0.01), which would leave a throttled call milliseconds of patience.
 * For the teardown, the retriers that match `ThrottlingError` get AWS's own (unscaled) interval.
 * Reaches into the emulator's hosted machines: benchmark-only.
 */
function useAwsThrottlingRetryIntervals(sfn: unknown): void {
  const machines = (
    sfn as { machines: Map<string, { name: string; retryOverrides: Record<string, number[]> }> }
  ).machines;
  for (const machine of machines.values()) {
    const file = machine.name === LIFECYCLE_MACHINE ? 'lifecycle.asl.json' : 'nightly-teardown.asl.json';
    const definition = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'statemachine', file), 'utf8'),
    ) as unknown;
    const retriers = new Map<string, any[]>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const item of node) visit(item);
        return;
      }
      if (!node || typeof node !== 'object') return;
      const states = (node as { States?: Record<string, any> }).States;
      if (states)
        for (const [name, state] of Object.entries(states)) if (state.Retry) retriers.set(name, state.Retry);
      for (const value of Object.values(node)) visit(value);
    };
    visit(definition);
    for (const [state, list] of retriers) {
      const current = machine.retryOverrides[state];
      if (!current) continue;
      list.forEach((retrier: { ErrorEquals?: string[] }, i: number) => {
        if (retrier.ErrorEquals?.includes('ThrottlingError')) current[i] = scaledRetryMs(1, retrier as never);
      });
    }
  }
}

/** Per-action counters of `after` minus `before`. */
function delta(before: Metrics, after: Metrics): Metrics {
  const actions: Metrics['actions'] = {};
  for (const [k, v] of Object.entries(after.actions)) {
    const b = before.actions[k] ?? { requests: 0, throttles: 0, serverErrors: 0, clientErrors: 0 };
    actions[k] = {
      requests: v.requests - b.requests,
      throttles: v.throttles - b.throttles,
      serverErrors: v.serverErrors - b.serverErrors,
      clientErrors: v.clientErrors - b.clientErrors,
    };
  }
  return { actions };
}

/**
 * The lower bound the rate limits imply: each ECS action has its own token bucket (burst B,
 * refill r/s), so n accepted calls of that action need at least max(0, n − B) / r seconds; the
 * actions share no bucket, so the fleet needs at least the largest of these.
 */
function rateLimitBound(d: Metrics): { seconds: number; action: string; rows: string[][] } {
  let seconds = 0;
  let action = 'none';
  const rows: string[][] = [];
  for (const [key, m] of Object.entries(d.actions)) {
    if (!key.startsWith('ecs:')) continue;
    const name = key.slice(4);
    const limit = ECS_RATE_LIMITS[name] ?? { burst: 50, perSecond: 20 };
    const accepted = m.requests - m.throttles;
    const bound = Math.max(0, accepted - limit.burst) / limit.perSecond;
    rows.push([
      name,
      String(m.requests),
      String(m.throttles),
      String(accepted),
      `${limit.burst} / ${limit.perSecond}`,
      fmt(bound, 1),
    ]);
    if (bound > seconds) {
      seconds = bound;
      action = name;
    }
  }
  rows.sort((a, b) => Number(b[5]) - Number(a[5]));
  return { seconds, action, rows };
}

/**
 * The ECS actions a teardown must call at least once per environment (service to 0 and deleted, capacity
 * provider detached and deleted, cluster deleted, task definition deregistered). Describe and list calls are
 * left out: how many of those a teardown needs depends on how long it waits, not on the fleet.
 */
const TEARDOWN_ACTIONS = [
  'UpdateService',
  'DeleteService',
  'PutClusterCapacityProviders',
  'DeleteCapacityProvider',
  'DeleteCluster',
  'DeregisterTaskDefinition',
] as const;

/**
 * The bound the ECS rate limits imply before any call is made: n environments need n accepted calls of each
 * teardown action, and an action with burst B and sustained rate r accepts n calls in no less than
 * max(0, n − B) ÷ r seconds; the actions have separate buckets, so the fleet needs the largest of these.
 */
function fleetBound(envs: number): { seconds: number; action: string; formula: string } {
  let best = { seconds: 0, action: 'none', formula: '' };
  for (const action of TEARDOWN_ACTIONS) {
    const limit = ECS_RATE_LIMITS[action] ?? { burst: 50, perSecond: 20 };
    const seconds = Math.max(0, envs - limit.burst) / limit.perSecond;
    if (seconds > best.seconds) {
      best = {
        seconds,
        action,
        formula: `${action}: (${envs} environments − burst ${limit.burst}) ÷ ${limit.perSecond}/s = ${fmt(seconds, 1)} s`,
      };
    }
  }
  return best;
}

/** Step Functions quotas a Standard execution must stay within (Step Functions developer guide, "Quotas"). */
const PAYLOAD_LIMIT_BYTES = 262_144;
const HISTORY_LIMIT_EVENTS = 25_000;

/** The biggest input/output/parameters string in an execution history, and where it was. */
function biggestPayload(events: readonly HistoryEvent[]): { bytes: number; where: string } {
  let best = { bytes: 0, where: 'none' };
  let state = '';
  for (const event of events) {
    const name = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
    if (name) state = name;
    for (const [key, value] of Object.entries(event)) {
      if (!key.endsWith('EventDetails') || !value || typeof value !== 'object') continue;
      for (const field of ['input', 'output', 'parameters'] as const) {
        const text = (value as Record<string, unknown>)[field];
        if (typeof text !== 'string') continue;
        const bytes = Buffer.byteLength(text, 'utf8');
        if (bytes > best.bytes)
          best = { bytes, where: `${event.type} ${field}${state ? ` (${state})` : ''}` };
      }
    }
  }
  return best;
}

/** Tagged resources of the fleet in `/_berth/state`, counted by kind (the path without indices). */
function countByKind(state: unknown, names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) {
    for (const found of findTaggedInState(state, name)) {
      const kind = found
        .replace(/\[\d+\]/g, '')
        .replace(/ \(.*\)$/, '')
        .replace(/^state\./, '');
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  }
  return counts;
}

/** Samples this process's resident set size (the whole local platform runs in it). */
function rssSampler(): { stop: () => { peakMiB: number; lastMiB: number } } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 250);
  return {
    stop: () => {
      clearInterval(timer);
      const last = process.memoryUsage().rss;
      return { peakMiB: Math.max(peak, last) / 2 ** 20, lastMiB: last / 2 ** 20 };
    },
  };
}

/** Runs the benchmark. */
async function fleetTeardown(argv: string[]): Promise<BenchResult> {
  const envs = numberFlag(argv, 'envs', 500);
  const createConcurrency = numberFlag(argv, 'create-concurrency', 12);
  const maxConcurrency = numberFlag(argv, 'max-concurrency', 20);
  const profile =
    argv.includes('--profile') && argv[argv.indexOf('--profile') + 1] === 'instant' ? 'instant' : 'fast';
  const result = startResult(
    'fleet-teardown',
    `2. Fleet teardown of ${envs} environments under ECS rate limits`,
    `npm run bench -- --only fleet-teardown  (npx tsx bench/fleet-teardown.ts --envs ${envs} --create-concurrency ${createConcurrency} --max-concurrency ${maxConcurrency} --profile ${profile})`,
  );
  const rssAtStart = process.memoryUsage().rss / 2 ** 20;
  const bp = await startBenchPlatform({ profile });
  try {
    const createRss = rssSampler();
    // 1. Create the fleet through the API (health checks every 300 s × the factor so that the idle
    //    environments cost little CPU while the rest are created).
    const names = Array.from({ length: envs }, (_, i) => `fleet-${String(i).padStart(3, '0')}`);
    const t0 = performance.now();
    let next = 0;
    const createFailures: string[] = [];
    let created = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= names.length) return;
        const name = names[i] as string;
        const res = await bp.api(
          'POST',
          '/environments',
          benchSpec(name, {
            healthCheck: { path: '/health', intervalSeconds: 300, timeoutSeconds: 120, healthyThreshold: 2 },
          }),
        );
        if (res.status !== 202) {
          createFailures.push(`${name}: ${res.status}`);
          continue;
        }
        try {
          // A loaded machine can make one up slow: wait long, and count it as a failure rather than abort.
          const done = await bp.waitExecution(res.body.executionArn, 900_000, 200);
          if (done.status !== 'SUCCEEDED') createFailures.push(`${name}: ${done.status} ${done.error}`);
        } catch (error) {
          createFailures.push(`${name}: ${(error as Error).message}`);
        }
        created += 1;
        // Progress on stderr (a long run should show it is moving; the bench runner keeps only the tail).
        if (created % 25 === 0 || created === names.length) {
          process.stderr.write(
            `fleet-teardown: ${created}/${names.length} created (${createFailures.length} failed) after ${fmt((performance.now() - t0) / 1000, 1)} s\n`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: createConcurrency }, () => worker()));
    const createMs = performance.now() - t0;
    const createMemory = createRss.stop();
    const stateBefore = await bp.control('/_berth/state');
    const kindsBefore = countByKind(stateBefore, names);
    result.figures.push({
      metric: `create ${envs} environments through the API (${profile} profile, ${createConcurrency} at a time)`,
      value: `${fmt(createMs / 1000, 1)} s, ${createFailures.length} failed${createFailures.length ? `: ${createFailures.slice(0, 5).join('; ')}` : ''}`,
    });

    // 2. Nightly teardown with AWS's ECS rate limits.
    const awsRetries = !argv.includes('--scaled-retries');
    if (awsRetries) useAwsThrottlingRetryIntervals(bp.platform.sfn);
    await bp.control('/_berth/faults', { throttling: { ecsRateLimits: true } });
    const before = (await bp.control('/_berth/metrics')) as Metrics;
    const teardownRss = rssSampler();
    const t1 = performance.now();
    const nightly = await bp.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: bp.platform.stateMachines.nightly,
        name: 'bench-fleet-nightly',
        input: JSON.stringify({ dryRun: false, maxConcurrency }),
      }),
    );
    const done = await bp.waitExecution(nightly.executionArn ?? '', 1_500_000, 200);
    const wallS = (performance.now() - t1) / 1000;
    const teardownMemory = teardownRss.stop();
    const nightlyEvents = await bp.history(nightly.executionArn ?? '');
    const payload = biggestPayload(nightlyEvents);
    const minimal = fleetBound(envs - createFailures.length);
    const after = (await bp.control('/_berth/metrics')) as Metrics;
    const d = delta(before, after);
    const bound = rateLimitBound(d);
    const output = JSON.parse(done.output ?? '{}') as {
      results?: Array<{ env: string; status: string; error?: string }>;
    };
    const results = output.results ?? [];
    const failed = results.filter((r) => r.status !== 'Succeeded');
    // Every environment that was created must have a result; one whose up failed (and rolled back) still has
    // a record, so the night lists it too.
    const createFailed = new Set(createFailures.map((f) => f.split(':')[0]));
    const resultEnvs = new Set(results.map((r) => r.env));
    const missing = names.filter((n) => !createFailed.has(n) && !resultEnvs.has(n));
    const state = await bp.control('/_berth/state');
    const orphans = names.flatMap((n) => findTaggedInState(state, n));
    const kindsAfter = countByKind(state, names);
    const children = await bp.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: bp.platform.stateMachines.lifecycle, maxResults: 1000 }),
    );
    const childFailed = (children.executions ?? []).filter(
      (e) => e.name?.startsWith('nightly-') && e.status !== 'SUCCEEDED',
    );
    const reasons = new Map<string, number>();
    for (const child of childFailed) {
      const described = await bp.sfn.send(
        new DescribeExecutionCommand({ executionArn: child.executionArn ?? '' }),
      );
      const message = (described.cause ?? '').replace(/.*"errorMessage":"([^"]{0,90}).*/s, '$1');
      // A child still RUNNING (or ABORTED, TIMED_OUT) has no error: its status says why.
      const cause = `${described.error ?? described.status ?? '?'}: ${message.replace(/arn:[^ ]+/g, '<arn>').replace(/berth-[a-z0-9-]+/g, '<name>')}`;
      reasons.set(cause, (reasons.get(cause) ?? 0) + 1);
    }
    let calls = 0;
    let throttles = 0;
    let ecsCalls = 0;
    let serverErrors = 0;
    for (const [k, m] of Object.entries(d.actions)) {
      if (k.startsWith('dynamodb:')) continue;
      calls += m.requests;
      throttles += m.throttles;
      serverErrors += m.serverErrors;
      if (k.startsWith('ecs:')) ecsCalls += m.requests;
    }
    const ratio = minimal.seconds > 0 ? wallS / minimal.seconds : Number.NaN;
    const measuredRatio = bound.seconds > 0 ? wallS / bound.seconds : Number.NaN;
    result.figures.push(
      { metric: 'nightly teardown wall time', value: `${fmt(wallS, 1)} s (execution ${done.status})` },
      {
        metric: 'bound implied by the ECS rate limits (one call of each teardown action per environment)',
        value: `${fmt(minimal.seconds, 1)} s — ${minimal.formula}`,
      },
      { metric: 'wall ÷ bound', value: fmt(ratio, 3), target: '≤ 1.10', pass: ratio <= 1.1 },
      {
        metric: 'bound from the calls actually accepted (table below), and wall ÷ it',
        value: `${fmt(bound.seconds, 1)} s (set by ${bound.action}), ${fmt(measuredRatio, 3)}`,
      },
      {
        metric: 'failed environments',
        value: `${failed.length} of ${results.length} results (${childFailed.length} child executions not SUCCEEDED${missing.length ? `; no result for ${missing.length} created: ${missing.slice(0, 5).join(', ')}` : ''})${
          failed.length
            ? `: ${failed
                .slice(0, 5)
                .map((f) => `${f.env} ${f.status}${f.error ? ` (${f.error})` : ''}`)
                .join('; ')}`
            : ''
        }`,
        target: '0',
        pass: failed.length === 0 && missing.length === 0,
      },
      {
        metric: 'why the failed ones failed',
        value: [...reasons.entries()].map(([k, v]) => `${v} × ${k}`).join('; ') || 'none',
      },
      {
        metric: 'Step Functions retry intervals for ThrottlingError during the teardown',
        value: awsRetries
          ? "AWS's (typical 2 s × 2² = 8 s per retry, unscaled)"
          : 'scaled by the instant factor (×0.002)',
      },
      {
        metric: 'orphaned resources (tagged berth:env=fleet-*, /_berth/state)',
        value: `${orphans.length}${orphans.length ? `: ${orphans.slice(0, 5).join('; ')}` : ''}`,
        target: '0',
        pass: orphans.length === 0,
      },
      {
        metric: 'tagged fleet resources in the local cloud before → after the nightly run, by kind',
        value:
          [...kindsBefore.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([kind, n]) => `${kind} ${n} → ${kindsAfter.get(kind) ?? 0}`)
            .join('; ') || 'none found',
      },
      {
        metric: 'nightly execution: biggest state input/output in its history (Step Functions limit 256 KiB)',
        value: `${fmt(payload.bytes / 1024, 1)} KiB (${payload.where})`,
        target: '≤ 256 KiB',
        pass: payload.bytes <= PAYLOAD_LIMIT_BYTES,
      },
      {
        metric: 'nightly execution: history events (Step Functions limit 25,000)',
        value: `${nightlyEvents.length}, ${fmt(nightlyEvents.length / Math.max(1, envs), 1)} per environment`,
        target: '≤ 25,000',
        pass: nightlyEvents.length <= HISTORY_LIMIT_EVENTS,
      },
      {
        metric: 'local platform memory (RSS of the one process: cloud, data plane, runtime, API, bench)',
        value: `${fmt(rssAtStart, 0)} MiB at start; peak ${fmt(createMemory.peakMiB, 0)} MiB while creating (${fmt(createMemory.lastMiB, 0)} MiB with the fleet up); peak ${fmt(teardownMemory.peakMiB, 0)} MiB during the nightly teardown, ${fmt(teardownMemory.lastMiB, 0)} MiB after it`,
      },
      {
        metric: 'AWS API calls per environment during teardown (ECS / all but DynamoDB)',
        value: `${fmt(ecsCalls / envs, 1)} / ${fmt(calls / envs, 1)}`,
      },
      {
        metric: 'throttling errors absorbed (ECS answers 400 ThrottlingException)',
        value: `${throttles} (${fmt(throttles / envs, 1)} per environment)`,
      },
      { metric: '5xx answers during teardown', value: String(serverErrors) },
    );
    result.tables = [
      {
        title: 'ECS calls during the teardown and the bound each implies',
        header: ['action', 'requests', 'throttled', 'accepted', 'burst / per s', 'bound s'],
        rows: bound.rows,
      },
    ];
    const previous = previousFigures('fleet-teardown', REPO_ROOT);
    if (previous) result.tables.push(previous);
  } finally {
    await bp.stop();
  }
  result.notes.push(
    `Bound: the local cloud keeps one token bucket per ECS action (AWS documents per-action limits: burst / sustained per second); n environments need at least n accepted calls of each teardown action (${TEARDOWN_ACTIONS.join(', ')}), and an action with burst B and rate r accepts n calls in no less than max(0, n − B) ÷ r seconds; no two actions share a bucket, so the fleet bound is the maximum over actions. The table's per-action bound uses the calls actually accepted (requests − throttled answers, from \`/_berth/metrics\` before/after the nightly run): a teardown that repeats accepted calls raises that one, not the bound the target is measured against.`,
    'Payload and history: read back with GetExecutionHistory; the size is the largest `input`, `output` or `parameters` string of any event (state input/output, task result). Memory: `process.memoryUsage().rss` sampled every 250 ms; the local cloud, its data plane (each task a real HTTP server, each ALB a real proxy), the Step Functions emulator (keeps the last 500 executions with their histories), the API and the benchmark share that one process.',
    `The fleet is created through the real API and state machine on the \`${profile}\` profile (so its resources, tags and registry items are exactly Berth's), ${createConcurrency} at a time, with rate limits off; the nightly run uses maxConcurrency ${maxConcurrency}.`,
    "Rate limits are enforced in wall-clock time, while the local runtime scales Step Functions Retry intervals by the profile factor (fast: × 0.01, instant: × 0.002) with a floor of 1 s for retriers that catch ThrottlingError (`localRetryMs`), where AWS waits 2–30 s. By default the benchmark gives those retriers AWS's unscaled interval for the teardown (`--scaled-retries` measures the platform's own floor); the SDK's own retries (3 attempts, standard mode) are never scaled.",
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(fleetTeardown);
}
