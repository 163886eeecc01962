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
import { scaledWaitMs } from '../local/runtime/platform.ts';
import { type BenchPlatform, benchSpec, startBenchPlatform, transitions } from './lib/platform.ts';
import { type BenchResult, finishResult, fmt, numberFlag, runAsScript, startResult } from './lib/report.ts';

const PRICE_PER_TRANSITION = 0.025 / 1000;

interface Measured {
  transitions: number;
  polls: string;
  status: string;
  ms: number;
  projected: number[];
}

/** Polling intervals (AWS seconds) the projection table shows. */
const INTERVALS = [5, 15, 30, 60] as const;

/**
 * Transitions projected for another polling interval: each poll of a verify loop costs 4
 * transitions, each teardown poll 3 (statemachine/README.md); the number of polls scales with
 * 15 s ÷ interval (rounded up), the rest stays.
 */
function projectTransitions(measured: number, waits: ReadonlyMap<string, number>, interval: number): number {
  let total = measured;
  for (const [state, polls] of waits) {
    const perPoll = state.startsWith('VerifyWait') ? 4 : 3;
    total += perPoll * (Math.ceil((polls * 15) / interval) - polls);
  }
  return total;
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
    projected: INTERVALS.map((interval) => projectTransitions(transitions(events), waits, interval)),
    status: done.status ?? '?',
    ms,
  };
}

/** Runs the benchmark. */
export async function sfnCost(argv: string[]): Promise<BenchResult> {
  const factor = numberFlag(argv, 'factor', 0.04);
  const nightlyEnvs = Math.max(1, numberFlag(argv, 'nightly-envs', 3));
  const result = startResult(
    'sfn-cost',
    '3. Step Functions cost (state transitions per operation)',
    `npm run bench -- --only sfn-cost  (npx tsx bench/sfn-cost.ts --factor ${factor} --nightly-envs ${nightlyEnvs})`,
  );
  const bp = await startBenchPlatform({ profile: 'realistic', factor });
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
      m.projected.map((t) => String(Math.round(t))).join(' / '),
    ]);
  };
  try {
    const start = async (method: string, p: string, body?: unknown): Promise<string> => {
      const res = await bp.api(method, p, body);
      if (res.status !== 202) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.executionArn as string;
    };
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
      projected: [],
    });
    const up = Number(rows[0]?.[2]);
    const down = Number(rows[3]?.[2]);
    result.figures.push(
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
      title: 'Per execution',
      header: [
        'operation',
        'status',
        'transitions',
        'cost',
        'per 1,000 runs',
        'Wait states entered (polls)',
        'wall s',
        `transitions projected at ${INTERVALS.join(' / ')} s polling`,
      ],
      rows,
    },
  ];
  result.notes.push(
    `Polling intervals used: every lifecycle Wait (VerifyWait*, TeardownServiceWait*, TeardownCapacityWait*, TeardownLoadBalancerWait*) waits 15 s (the ASL default \`timing\`), run locally as ${scaledWaitMs(factor, 15)} ms (× ${factor}). The AWS-like delays of the \`realistic\` profile scale by the same factor, so the number of polls is what AWS would bill at 15 s.`,
    'Each verify poll costs 4 transitions (VerifyWait, VerifyCount, VerifyDeadline, Verify), each teardown poll 2–3 (statemachine/README.md); at a 30 s interval the polling part roughly halves, at 5 s it triples.',
    "Nightly per environment = (the nightly execution's own transitions ÷ environments) + the transitions of each child `down` execution it started (startExecution.sync:2 children are billed as their own executions).",
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(sfnCost);
}
