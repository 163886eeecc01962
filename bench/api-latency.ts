/**
 * API latency: p50/p99 of `POST /environments` → `202` with the execution started, 50 concurrent
 * clients, a bounded number of requests, through the real local API (api handler, registry in the
 * local cloud's DynamoDB, StartExecution on the local Step Functions).
 *
 * So that 50 clients × N environments do not turn into N real `up`s competing for the same two
 * cores, the `lock` task is replaced by one that answers `OperationInProgressError`: each started
 * execution runs SetDefaults → … → LockAcquire → NotifyBusy → Succeed. The API path measured is
 * unchanged.
 *
 *   npx tsx bench/api-latency.ts [--requests 400] [--concurrency 50]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { load } from './lib/http-load.ts';
import { benchSpec, startBenchPlatform } from './lib/platform.ts';
import {
  type BenchResult,
  finishResult,
  fmt,
  numberFlag,
  percentile,
  runAsScript,
  startResult,
} from './lib/report.ts';

/** Runs the benchmark. */
export async function apiLatency(argv: string[]): Promise<BenchResult> {
  const total = numberFlag(argv, 'requests', 400);
  const concurrency = numberFlag(argv, 'concurrency', 50);
  const result = startResult(
    'api-latency',
    '5. API latency (create request → 202, execution started)',
    `npm run bench -- --only api-latency  (npx tsx bench/api-latency.ts --requests ${total} --concurrency ${concurrency})`,
  );
  const bp = await startBenchPlatform({
    profile: 'instant',
    handlerOverrides: {
      lock: async () => {
        const error = new Error('benchmark: lock held elsewhere');
        error.name = 'OperationInProgressError';
        throw error;
      },
    },
  });
  try {
    const port = Number(new URL(bp.platform.urls.api).port);
    const arns: string[] = [];
    const make = (i: number) => ({
      port,
      path: '/environments',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(benchSpec(`lat-${String(i).padStart(5, '0')}`)),
    });
    await load(20, 5, (i) => make(100_000 + i)); // warm-up (handler import, table)
    const run = await load(total, concurrency, make, (status, body) => {
      if (status !== 202) return false;
      const arn = (JSON.parse(body) as { executionArn?: string }).executionArn;
      if (arn) arns.push(arn);
      return typeof arn === 'string';
    });
    let started = 0;
    for (const executionArn of arns) {
      const d = await bp.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (d.executionArn === executionArn) started++;
    }
    const single = await load(
      Math.min(50, total),
      1,
      (i) => make(200_000 + i),
      (status) => status === 202,
    );
    const p50 = percentile(run.latenciesMs, 50);
    const p99 = percentile(run.latenciesMs, 99);
    result.figures.push(
      { metric: `p50 (${total} requests, ${concurrency} concurrent clients)`, value: `${fmt(p50, 1)} ms` },
      { metric: 'p99', value: `${fmt(p99, 1)} ms` },
      { metric: 'max', value: `${fmt(Math.max(...run.latenciesMs), 1)} ms` },
      { metric: 'throughput', value: `${fmt(run.perSecond, 1)} requests/s` },
      {
        metric: `for comparison: one client, ${single.requests} requests in a row (p50 / p99)`,
        value: `${fmt(percentile(single.latenciesMs, 50), 1)} ms / ${fmt(percentile(single.latenciesMs, 99), 1)} ms (${single.errors} errors)`,
      },
      {
        metric: '202 with an execution that DescribeExecution finds',
        value: `${started} of ${total} (statuses ${JSON.stringify(run.statuses)})`,
        target: `${total} of ${total}`,
        pass: started === total && run.errors === 0,
      },
    );
  } finally {
    await bp.stop();
  }
  result.notes.push(
    'Each request creates a distinct environment (`lat-NNNNN`), so every one writes the registry (request item + environment/operation) and starts a lifecycle execution; latency is measured at the client, connection reuse per client (keep-alive).',
    'The local API runs the api handler in-process on the same 2 cores as the client, the local cloud (DynamoDB) and the Step Functions emulator.',
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(apiLatency);
}
