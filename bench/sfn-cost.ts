/**
 * Step Functions cost: state transitions (`…StateEntered` events of the execution history, what
 * Standard workflows bill) of `up`, `scale`, `redeploy`, `down` and the nightly teardown per
 * environment, run through the real platform on the `realistic` profile scaled by `--factor` (waits
 * and AWS delays scale together, so the number of polls is the one AWS would see), priced at
 * $0.025 per 1,000 transitions.
 *
 *   npx tsx bench/sfn-cost.ts [--factor 0.04] [--nightly-envs 3]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Polling } from '../statemachine/src/blocks.ts';
import {
  type BenchPlatform,
  benchSpec,
  startBenchPlatform,
  transitions,
  useLifecyclePolling,
} from './lib/platform.ts';
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

const PRICE_PER_TRANSITION = 0.025 / 1000;

interface Measured {
  transitions: number;
  polls: string;
  status: string;
  ms: number;
}

/** Transition count of one execution and how many times its polling states ran. */
async function measure(bp: BenchPlatform, executionArn: string): Promise<Measured> {
  const t0 = performance.now();
  const done = await bp.waitExecution(executionArn, 120_000, 10);
  const ms = performance.now() - t0;
  const events = await bp.history(executionArn);
  const waits = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'WaitStateEntered') {
      const name = e.stateEnteredEventDetails?.name ?? '?';
      waits.set(name, (waits.get(name) ?? 0) + 1);
    }
  }
  return {
    transitions: transitions(events),
    polls: [...waits.entries()].map(([k, v]) => `${k} × ${v}`).join(', ') || 'none',
    status: done.status ?? '?',
    ms,
  };
}

/** Runs the benchmark. */
async function sfnCost(argv: string[]): Promise<BenchResult> {
  const factor = numberFlag(argv, 'factor', 0.04);
  const nightlyEnvs = Math.max(1, numberFlag(argv, 'nightly-envs', 3));
  const result = startResult(
    'sfn-cost',
    '3. Step Functions cost (state transitions per operation)',
    `npm run bench -- --only sfn-cost  (npx tsx bench/sfn-cost.ts --factor ${factor} --nightly-envs ${nightlyEnvs})`,
  );
  const rows: string[][] = [];
  const add = (op: string, m: Measured): void => {
    rows.push([
      op,
      m.status,
      String(m.transitions),
      `$${fmt(m.transitions * PRICE_PER_TRANSITION, 6)}`,
      `$${fmt(m.transitions * PRICE_PER_TRANSITION * 1000, 2)}`,
      m.polls,
      fmt(m.ms / 1000, 2),
    ]);
  };
  const policyRows: string[][] = [];
  const totals: Partial<Record<Polling, number>> = {};
  const starter =
    (bp: BenchPlatform) =>
    async (method: string, p: string, body?: unknown): Promise<string> => {
      const res = await bp.api(method, p, body);
      if (res.status !== 202) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.executionArn as string;
    };

  const bp = await startBenchPlatform({ profile: 'realistic', factor });
  try {
    const start = starter(bp);
    // Polling policies side by side on the same platform: up + down of one dedicated EC2 environment with
    // the fixed 15 s policy (before), then with the adaptive one (now).
    for (const polling of ['fixed', 'adaptive'] as const) {
      useLifecyclePolling(bp, polling);
      const up = await measure(bp, await start('POST', '/environments', benchSpec(`cost-${polling}`)));
      const down = await measure(bp, await start('DELETE', `/environments/cost-${polling}`));
      totals[polling] = up.transitions + down.transitions;
      policyRows.push([
        polling === 'fixed' ? 'fixed 15 s (before)' : 'adaptive (now)',
        `${up.status} / ${down.status}`,
        String(up.transitions),
        String(down.transitions),
        String(up.transitions + down.transitions),
        fmt(up.ms / 1000, 2),
        `${up.polls}; ${down.polls}`,
      ]);
    }

    add('up (dedicated)', await measure(bp, await start('POST', '/environments', benchSpec('cost-a'))));
    add(
      'scale 1 → 2',
      await measure(bp, await start('POST', '/environments/cost-a/scale', { desiredCount: 2 })),
    );
    add('redeploy (same image)', await measure(bp, await start('POST', '/environments/cost-a/redeploy', {})));
    add('down', await measure(bp, await start('DELETE', '/environments/cost-a')));

    // Nightly: N environments up, then one nightly run; its own transitions plus its children's.
    const names = Array.from({ length: nightlyEnvs }, (_, i) => `cost-n${i + 1}`);
    const ups = await Promise.all(names.map((n) => start('POST', '/environments', benchSpec(n))));
    for (const arn of ups) {
      const d = await bp.waitExecution(arn, 120_000, 20);
      if (d.status !== 'SUCCEEDED')
        throw new Error(`up for the nightly run: ${d.status} ${d.error} ${d.cause}`);
    }
    const nightly = await bp.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: bp.platform.stateMachines.nightly,
        name: 'bench-cost-nightly',
        input: JSON.stringify({ dryRun: false, maxConcurrency: 10 }),
      }),
    );
    const own = await measure(bp, nightly.executionArn ?? '');
    const list = await bp.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: bp.platform.stateMachines.lifecycle,
        maxResults: 1000,
      }),
    );
    const children = (list.executions ?? []).filter((e) => e.name?.startsWith('nightly-'));
    let childTransitions = 0;
    for (const child of children) childTransitions += transitions(await bp.history(child.executionArn ?? ''));
    const perEnv = (own.transitions + childTransitions) / nightlyEnvs;
    add(`nightly run itself (${nightlyEnvs} environments)`, own);
    add(`nightly per environment (own ÷ ${nightlyEnvs} + each child down)`, {
      transitions: Math.round(perEnv * 10) / 10,
      polls: `${children.length} child down executions, ${childTransitions} transitions`,
      status: children.length === nightlyEnvs ? 'SUCCEEDED' : `${children.length} children`,
      ms: own.ms,
    });
    const up = Number(rows[0]?.[2]);
    const down = Number(rows[3]?.[2]);
    const adaptive = totals.adaptive ?? Number.NaN;
    result.figures.push(
      {
        metric: 'up + down, dedicated EC2: fixed 15 s polling (before)',
        value: `${totals.fixed} transitions`,
      },
      {
        metric: 'up + down, dedicated EC2: adaptive polling (now)',
        value: `${adaptive} transitions`,
        target: '≤ 60',
        pass: adaptive <= 60,
      },
      { metric: 'up (transitions, cost)', value: `${up}, $${fmt(up * PRICE_PER_TRANSITION, 6)}` },
      { metric: 'down', value: `${down}, $${fmt(down * PRICE_PER_TRANSITION, 6)}` },
      { metric: 'redeploy', value: `${rows[2]?.[2]}, ${rows[2]?.[3]}` },
      {
        metric: 'nightly teardown per environment',
        value: `${fmt(perEnv, 1)}, $${fmt(perEnv * PRICE_PER_TRANSITION, 6)}`,
      },
      {
        metric: 'one environment for a day (up + redeploy + nightly down)',
        value: `$${fmt((up + Number(rows[2]?.[2]) + perEnv) * PRICE_PER_TRANSITION, 5)}`,
      },
    );
  } finally {
    await bp.stop();
  }
  result.tables = [
    {
      title: `Polling policies side by side (up + down of one dedicated EC2 environment, realistic × ${factor})`,
      header: ['policy', 'status (up / down)', 'up', 'down', 'up + down', 'up wall s', 'Wait states entered'],
      rows: policyRows,
    },
    {
      title: 'Per execution (adaptive polling)',
      header: [
        'operation',
        'status',
        'transitions',
        'cost',
        'per 1,000 runs',
        'Wait states entered (polls)',
        'wall s',
      ],
      rows,
    },
  ];
  const previous = previousFigures('sfn-cost', REPO_ROOT);
  if (previous) result.tables.push(previous);
  result.notes.push(
    `Adaptive polling: each verify check says what the environment waits for and how long to wait before the next one (core \`nextCheck\`: a provisioning ALB first 170 s after its CreatedTime, then 10, 20, 40, 60 s; once it is active, healthyThreshold × interval of health checks (counted from the newest task's start when the ALB was already active), then 10 s steps; tasks 15 s…); each teardown stage that is not done says how long to wait (core \`teardownWait\`: the drain 40 s, the instances' termination 35 s, a provider's deletion 20 s, the ALB's network interfaces until about 4 minutes after it is gone, counted from DeleteLoadBalancer, which now comes right after the service: docs/decisions/0009-teardown-order.md). Fixed: every Wait 15 s (the same stage order). The local runtime scales every Wait by the profile factor (× ${factor}), SecondsPath waits included, so the number of polls is the one AWS would bill.`,
    'A verify poll costs 3 transitions with adaptive polling (VerifyWait, Verify, VerifyHealth) and 5 with fixed (VerifyWait, VerifyCount, VerifyDeadline, Verify, VerifyHealth); a teardown poll 3 (Wait, Teardown…, …Done).',
    "Nightly per environment = (the nightly execution's own transitions ÷ environments) + the transitions of each child `down` execution it started (startExecution.sync:2 children are billed as their own executions).",
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(sfnCost);
}
