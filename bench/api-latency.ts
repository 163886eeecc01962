/**
 * API latency: p50/p99 of `POST /environments` → `202` with the execution started, 50 concurrent
 * clients, a bounded number of requests, through the real local API (api handler, registry in the
 * local cloud's DynamoDB, StartExecution on the local Step Functions), and the AWS calls one request
 * costs (the local cloud's request counters, `/_berth/metrics`, read around each round).
 *
 * Side by side: the api handlers of baseline commits (`--baseline <ref>[,<ref>…]`, oldest first; default the
 * commit before issue 14's work; `--baseline none` to skip) and the working tree's serve alternating rounds on
 * the same platform, each round with fresh environment names.
 *
 * So that 50 clients × N environments do not turn into N real `up`s competing for the same two
 * cores, the `lock` task is replaced by one that answers `OperationInProgressError`: each started
 * execution runs SetDefaults → … → LockAcquire → NotifyBusy → Succeed, none of which calls the local
 * cloud, so the cloud's counters during a round are the API's calls. The API path measured is
 * unchanged.
 *
 *   npx tsx bench/api-latency.ts [--requests 400] [--concurrency 50] [--baseline a6c40fb]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { type LambdaHandler, runAsFunction } from '../local/runtime/lambda.ts';
import { type Baseline, DEFAULT_BASELINE, extractBaseline } from './lib/baseline.ts';
import { load } from './lib/http-load.ts';
import { type BenchPlatform, benchSpec, startBenchPlatform } from './lib/platform.ts';
import {
  type BenchResult,
  finishResult,
  flag,
  fmt,
  numberFlag,
  percentile,
  runAsScript,
  startResult,
} from './lib/report.ts';

interface ApiModule {
  makeHandler(deps: () => unknown): LambdaHandler;
  defaultDeps(): unknown;
}

interface SettingsModule {
  declaredSettings?(handlerFile: string): readonly string[] | undefined;
}

/**
 * An api handler built from `root`'s functions/handlers/api.ts, configured from the platform's environment as
 * that tree's `api` function would be: with the `BERTH_*` settings `root` declares for it (a baseline before
 * per-function settings sees them all). The local runtime gives the `api` override the working tree's
 * declaration, which a baseline's api may not match (before the routes that invoke Lambda moved to api-aux, the
 * api required `BERTH_PLAN_FUNCTION_NAME`).
 */
async function apiHandlerOf(root: string): Promise<LambdaHandler> {
  const mod = (await import(pathToFileURL(path.join(root, 'functions/handlers/api.ts')).href)) as ApiModule;
  const settingsFile = path.join(root, 'functions/handlers/settings.ts');
  const settings = existsSync(settingsFile)
    ? ((await import(pathToFileURL(settingsFile).href)) as SettingsModule).declaredSettings?.('api')
    : undefined;
  const handler = mod.makeHandler(() => mod.defaultDeps());
  return (event, context) => runAsFunction('berth-api', () => handler(event, context), settings);
}

type Counters = Record<string, { requests: number }>;

/** The local cloud's request counters (`service:action` → requests). */
async function counters(bp: BenchPlatform): Promise<Counters> {
  const m = (await bp.control('/_berth/metrics')) as { actions?: Counters };
  return m.actions ?? {};
}

/** Requests per action between two snapshots. */
function delta(before: Counters, after: Counters): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of Object.entries(after)) {
    const n = value.requests - (before[key]?.requests ?? 0);
    if (n > 0) out.set(key, n);
  }
  return out;
}

interface Variant {
  readonly label: string;
  readonly handler: LambdaHandler;
  latencies: number[];
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  durationMs: number;
  arns: string[];
  /** 202s whose execution DescribeExecution found. */
  started: number;
  calls: Map<string, number>;
  /** The first answer that was not a 202 with an execution, for the error when any was. */
  firstFailure?: string;
}

const newVariant = (label: string, handler: LambdaHandler): Variant => ({
  label,
  handler,
  latencies: [],
  requests: 0,
  errors: 0,
  statuses: {},
  durationMs: 0,
  arns: [],
  started: 0,
  calls: new Map(),
});

/** `dynamodb:GetItem 3, …` per request, with StartExecution (served by the Step Functions port) counted per 202. */
function perRequest(v: Variant): { total: number; text: string } {
  const parts = [...v.calls.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => [k, n / v.requests] as const);
  const started = v.arns.length / v.requests;
  const total = parts.reduce((sum, [, n]) => sum + n, 0) + started;
  const text = [
    ...parts.map(([k, n]) => `${k} ${fmt(n, 2)}`),
    `states:StartExecution ${fmt(started, 2)}`,
  ].join(', ');
  return { total, text };
}

/** Runs the benchmark. */
async function apiLatency(argv: string[]): Promise<BenchResult> {
  const total = numberFlag(argv, 'requests', 400);
  const concurrency = numberFlag(argv, 'concurrency', 50);
  const rounds = 2;
  const baselineRef = flag(argv, 'baseline') ?? DEFAULT_BASELINE;
  const baselineRefs = baselineRef === 'none' ? [] : baselineRef.split(',').map((r) => r.trim());
  const result = startResult(
    'api-latency',
    '5. API latency (create request → 202, execution started)',
    `npm run bench -- --only api-latency  (npx tsx bench/api-latency.ts --requests ${total} --concurrency ${concurrency} --baseline ${baselineRef})`,
  );
  const baselines: Baseline[] = baselineRefs.map((ref) => extractBaseline(ref));
  let active: LambdaHandler | undefined;
  const bp = await startBenchPlatform({
    profile: 'instant',
    handlerOverrides: {
      lock: async () => {
        const error = new Error('benchmark: lock held elsewhere');
        error.name = 'OperationInProgressError';
        throw error;
      },
      api: (event, context) => {
        if (active === undefined) throw new Error('benchmark: no api handler selected');
        return active(event, context);
      },
    },
  });
  try {
    const variants: Variant[] = [];
    for (const baseline of baselines) {
      variants.push(newVariant(`before (${baseline.ref})`, await apiHandlerOf(baseline.root)));
    }
    const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    variants.push(newVariant('after (working tree)', await apiHandlerOf(repoRoot)));
    const port = Number(new URL(bp.platform.urls.api).port);
    let serial = 0;
    const make = () => {
      const i = serial++;
      return {
        port,
        path: '/environments',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(benchSpec(`lat-${String(i).padStart(5, '0')}`)),
      };
    };
    for (const v of variants) {
      active = v.handler;
      await load(20, 5, make); // warm-up (handler import, clients, table)
    }
    const perRound = Math.ceil(total / rounds);
    for (let round = 0; round < rounds; round++) {
      for (const v of variants) {
        active = v.handler;
        const before = await counters(bp);
        const arns: string[] = [];
        const run = await load(perRound, concurrency, make, (status, body) => {
          if (status !== 202) {
            v.firstFailure ??= `${status} ${body.slice(0, 300)}`;
            return false;
          }
          const arn = (JSON.parse(body) as { executionArn?: string }).executionArn;
          if (arn) arns.push(arn);
          return typeof arn === 'string';
        });
        for (const [k, n] of delta(before, await counters(bp))) v.calls.set(k, (v.calls.get(k) ?? 0) + n);
        v.arns.push(...arns);
        // Checked at once: the local Step Functions keeps the newest 500 executions.
        for (const executionArn of arns) {
          const d = await bp.sfn.send(new DescribeExecutionCommand({ executionArn }));
          if (d.executionArn === executionArn) v.started++;
        }
        v.latencies.push(...run.latenciesMs);
        v.requests += run.requests;
        v.errors += run.errors;
        v.durationMs += run.wallMs;
        for (const [s, n] of Object.entries(run.statuses)) v.statuses[s] = (v.statuses[s] ?? 0) + n;
      }
    }
    // A variant whose creates were refused measured its error path, not the API: no figure for it.
    const refused = variants.filter((v) => v.started < v.requests);
    if (refused.length > 0) {
      throw new Error(
        refused
          .map(
            (v) =>
              `${v.label}: ${v.requests - v.started} of ${v.requests} creates not started (first: ${v.firstFailure ?? 'no 202 body'})`,
          )
          .join('; '),
      );
    }
    const rows: string[][] = [];
    for (const v of variants) {
      active = v.handler;
      const single = await load(50, 1, make, (status) => status === 202);
      const calls = perRequest(v);
      rows.push([
        v.label,
        `${fmt(percentile(v.latencies, 50), 1)} ms`,
        `${fmt(percentile(v.latencies, 99), 1)} ms`,
        `${fmt(Math.max(...v.latencies), 1)} ms`,
        `${fmt((v.requests / v.durationMs) * 1000, 1)} /s`,
        `${fmt(percentile(single.latenciesMs, 50), 1)} / ${fmt(percentile(single.latenciesMs, 99), 1)} ms`,
        fmt(calls.total, 2),
        calls.text,
        `${v.started} of ${v.requests} (${JSON.stringify(v.statuses)})`,
      ]);
    }
    const after = variants.at(-1) as Variant;
    const beside = (f: (v: Variant) => string): string => variants.map(f).join(' → ');
    result.figures.push(
      {
        metric: `p50 (${after.requests} requests, ${concurrency} concurrent clients)`,
        value: beside((v) => `${fmt(percentile(v.latencies, 50), 1)} ms`),
      },
      { metric: 'p99', value: beside((v) => `${fmt(percentile(v.latencies, 99), 1)} ms`) },
      { metric: 'AWS calls per create request', value: beside((v) => fmt(perRequest(v).total, 2)) },
      {
        metric: '202 with an execution that DescribeExecution finds (after)',
        value: `${after.started} of ${after.requests} (statuses ${JSON.stringify(after.statuses)})`,
        target: `${after.requests} of ${after.requests}`,
        pass: after.started === after.requests && after.errors === 0,
      },
    );
    result.tables = [
      {
        title: `Before → after, ${rounds} alternating rounds each (${perRound} requests per round, ${concurrency} clients)`,
        header: [
          'api handler',
          'p50',
          'p99',
          'max',
          'throughput',
          'one client, 50 in a row (p50 / p99)',
          'AWS calls per request',
          'calls per request, by action',
          'executions started',
        ],
        rows,
      },
    ];
  } finally {
    await bp.stop();
    for (const baseline of baselines) baseline.remove();
  }
  result.notes.push(
    'Each request creates a distinct environment (`lat-NNNNN`), so every one authorizes, checks idempotency and the lock, starts a lifecycle execution and records the request; latency is measured at the client, connection reuse per client (keep-alive).',
    'Calls per request: the local cloud counts every request it serves (`GET /_berth/metrics`), read before and after each round; the executions started make no cloud call (lock task replaced, see the module comment), and StartExecution is counted from the 202s (it is served by the local Step Functions endpoint).',
    'The local API runs the api handler in-process on the same 2 cores as the client, the local cloud (DynamoDB) and the Step Functions emulator.',
    `Baselines: ${DEFAULT_BASELINE} is main before issue 14's cold-start and API work (6 calls: the environment read twice); 50eed04 read the environment once, then the lock and the request record together (5 calls in 4 sequential round trips); the working tree reads all three in one BatchGetItem (3 calls: BatchGetItem, StartExecution, PutItem, in 3 round trips), pinned by test/functions/handlers/api-aws-calls.test.ts. Each tree's api runs with the settings that tree declares for it (functions/handlers/settings.ts; all of them before it existed), and a variant whose creates are not all started stops the benchmark instead of timing its error answers.`,
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(apiLatency);
}
