/**
 * Time to ready vs the critical path: `up` of one environment in `dedicated` mode through the real
 * platform on the `realistic` profile scaled by `--factor`, as a ratio to the critical path the
 * profile implies; the same environment created by a naive serial runbook (plain SDK calls, each
 * step complete before the next) as a ratio to Berth; and `shared` ÷ `dedicated`. Rounds alternate
 * the three so that they share the machine's noise.
 *
 *   npx tsx bench/time-to-ready.ts [--factor 0.02] [--rounds 3]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { BASE_DELAYS } from '../local/cloud/core/time-profile.ts';
import { scaledWaitMs } from '../local/runtime/platform.ts';
import { cloudClients, createManually } from './lib/manual-env.ts';
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
  median,
  numberFlag,
  runAsScript,
  startResult,
} from './lib/report.ts';

/** Health check of the benchmark's spec: the EnvSpec defaults (AWS's target-group defaults). */
const HEALTH = { intervalSeconds: 30, healthyThreshold: 5, timeoutSeconds: 5 };

/** Critical path (ms) the profile implies for one dedicated environment. */
export function criticalPathMs(factor: number): {
  totalMs: number;
  sharedMs: number;
  formula: string;
} {
  const alb = BASE_DELAYS.albProvisioning;
  const compute =
    BASE_DELAYS.instanceBoot +
    BASE_DELAYS.containerInstanceRegistration +
    BASE_DELAYS.imagePull +
    BASE_DELAYS.taskStart;
  const health = HEALTH.healthyThreshold * HEALTH.intervalSeconds * 1000;
  const total = (Math.max(alb, compute) + health) * factor;
  return {
    totalMs: total,
    sharedMs: (compute + health) * factor,
    formula: `(max(ALB ${alb / 1000} s, boot ${BASE_DELAYS.instanceBoot / 1000} + registration ${BASE_DELAYS.containerInstanceRegistration / 1000} + pull ${BASE_DELAYS.imagePull / 1000} + start ${BASE_DELAYS.taskStart / 1000} = ${compute / 1000} s) + ${HEALTH.healthyThreshold} × ${HEALTH.intervalSeconds} s) × ${factor} = ${fmt(total / 1000, 2)} s`,
  };
}

/** Seconds from the execution's start at which key states were entered or exited. */
function timeline(events: readonly HistoryEvent[]): string {
  const t0 = events[0]?.timestamp?.getTime() ?? 0;
  const at = (type: string, name: string, last = false): string => {
    const hits = events.filter(
      (e) =>
        e.type === type && (e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name) === name,
    );
    const hit = last ? hits.at(-1) : hits[0];
    return hit?.timestamp ? fmt((hit.timestamp.getTime() - t0) / 1000, 2) : '–';
  };
  const parts = [
    ['parallel done', at('ParallelStateExited', 'ProvisionInParallel')],
    ['service created', at('TaskStateExited', 'CreateService')],
    ['first verify', at('TaskStateEntered', 'VerifyUp')],
    ['last verify', at('TaskStateEntered', 'VerifyUp', true)],
    ['ready recorded', at('TaskStateExited', 'RecordReady')],
  ];
  return parts.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** Runs the benchmark. */
export async function timeToReady(argv: string[]): Promise<BenchResult> {
  const factor = numberFlag(argv, 'factor', 0.02);
  const rounds = Math.max(1, numberFlag(argv, 'rounds', 3));
  const result = startResult(
    'time-to-ready',
    '1. Time to ready vs the critical path',
    `npm run bench -- --only time-to-ready  (npx tsx bench/time-to-ready.ts --factor ${factor} --rounds ${rounds})`,
  );
  const critical = criticalPathMs(factor);
  const pollMs = scaledWaitMs(factor, 15);
  const dedicated: number[] = [];
  const fixed: number[] = [];
  const shared: number[] = [];
  const naive: number[] = [];
  const rows: string[][] = [];
  const berthUp = async (
    bp: BenchPlatform,
    name: string,
    mode: 'dedicated' | 'shared',
  ): Promise<{ ms: number; detail: string }> => {
    const t0 = performance.now();
    const res = await bp.api(
      'POST',
      '/environments',
      benchSpec(name, { loadBalancer: mode === 'shared' ? { mode, pathPrefix: `/${name}` } : { mode } }),
    );
    if (res.status !== 202)
      throw new Error(`POST /environments ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    const done = await bp.waitExecution(res.body.executionArn, 120_000, 5);
    const ms = performance.now() - t0;
    if (done.status !== 'SUCCEEDED')
      throw new Error(`up ${name}: ${done.status} ${done.error} ${done.cause}`);
    const events = await bp.history(res.body.executionArn);
    const polls = events.filter(
      (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'VerifyUp',
    ).length;
    return { ms, detail: `${transitions(events)} transitions, ${polls} verify calls; ${timeline(events)}` };
  };
  const bp = await startBenchPlatform({ profile: 'realistic', factor });
  const clients = cloudClients(bp.platform.urls.cloud);
  try {
    for (let r = 1; r <= rounds; r++) {
      // The fixed 15 s policy (before), then the adaptive one (now), on the same platform.
      useLifecyclePolling(bp, 'fixed');
      const f = await berthUp(bp, `ttr-f${r}`, 'dedicated');
      fixed.push(f.ms);
      useLifecyclePolling(bp, 'adaptive');
      const d = await berthUp(bp, `ttr-d${r}`, 'dedicated');
      dedicated.push(d.ms);
      const s = await berthUp(bp, `ttr-s${r}`, 'shared');
      shared.push(s.ms);
      const steps: string[] = [];
      const t0 = performance.now();
      await createManually(clients, {
        name: `ttr-m${r}`,
        pollMs,
        healthCheck: HEALTH,
        timeoutMs: 120_000,
        onStep: (step) => steps.push(`${step} ${fmt((performance.now() - t0) / 1000, 2)}`),
      });
      naive.push(performance.now() - t0);
      rows.push([
        String(r),
        `${fmt(d.ms / 1000, 2)} (${d.detail})`,
        `${fmt(f.ms / 1000, 2)} (${f.detail})`,
        `${fmt(s.ms / 1000, 2)} (${s.detail})`,
        fmt((naive.at(-1) as number) / 1000, 2),
        steps.join('; '),
      ]);
    }
  } finally {
    clients.destroy();
    await bp.stop();
  }
  const berth = median(dedicated);
  const ratio = berth / critical.totalMs;
  result.figures.push(
    { metric: 'critical path implied by the profile', value: critical.formula },
    { metric: `Berth up, dedicated (median of ${rounds})`, value: `${fmt(berth / 1000, 2)} s` },
    {
      metric: 'Berth dedicated ÷ critical path',
      value: fmt(ratio, 3),
      target: '≤ 1.05',
      pass: ratio <= 1.05,
    },
    {
      metric: `Berth up, dedicated, fixed 15 s polling (before; median of ${rounds})`,
      value: `${fmt(median(fixed) / 1000, 2)} s, ÷ critical path ${fmt(median(fixed) / critical.totalMs, 3)}`,
    },
    { metric: `naive serial runbook (median of ${rounds})`, value: `${fmt(median(naive) / 1000, 2)} s` },
    { metric: 'naive serial ÷ Berth dedicated', value: fmt(median(naive) / berth, 2) },
    { metric: `Berth up, shared (median of ${rounds})`, value: `${fmt(median(shared) / 1000, 2)} s` },
    { metric: 'shared ÷ dedicated', value: fmt(median(shared) / berth, 2) },
    {
      metric: 'shared ÷ its own critical path (shared ALB already active: compute path + health checks)',
      value: fmt(median(shared) / critical.sharedMs, 3),
    },
  );
  result.tables = [
    {
      title: 'Rounds (seconds; the naive column lists when each runbook step completed)',
      header: [
        'round',
        'Berth dedicated (adaptive polling)',
        'Berth dedicated (fixed 15 s polling)',
        'Berth shared',
        'naive serial',
        'naive steps (s)',
      ],
      rows,
    },
  ];
  result.notes.push(
    `Profile \`realistic\` × ${factor}: ALB provisioning ${BASE_DELAYS.albProvisioning / 1000} s, instance boot ${BASE_DELAYS.instanceBoot / 1000} s, registration ${BASE_DELAYS.containerInstanceRegistration / 1000} s, image pull ${BASE_DELAYS.imagePull / 1000} s, task start ${BASE_DELAYS.taskStart / 1000} s (AWS-like seconds, scaled). Health check = the EnvSpec defaults, ${HEALTH.intervalSeconds} s × ${HEALTH.healthyThreshold} healthy checks.`,
    `State machine waits: adaptive polling waits what each verify check asks for (core \`nextCheckSeconds\`: a provisioning ALB first after 170 s, then 10, 20, 40, 60 s; once it is active, healthyThreshold × interval of health checks, then 10 s steps); fixed polling waits 15 s each time. The local runtime scales every Wait by the factor (15 s → ${pollMs} ms), SecondsPath waits included. Retry intervals are scaled the same way (\`scaledRetryMs\`).`,
    `Naive serial runbook: SGs → cluster + launch template + ASG, wait InService and registered → capacity provider → target group → ALB, wait active → listener → task definition → service → wait until the target is healthy; every wait polls every ${pollMs} ms (a CLI waiter's 15 s, scaled), as \`aws … wait\` would.`,
    'Berth time = from POST /environments to the execution closing SUCCEEDED (polled every 5 ms), i.e. including the API, the lock, registry writes and verification through the ALB.',
    'ALB health checks start only once the ALB is active (issue 9 item 9; before, the local cloud checked targets while the ALB provisioned, so max(ALB, compute + health) flattered Berth); the first check follows within one interval of activation, then the healthy threshold counts checks one interval apart.',
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(timeToReady);
}
