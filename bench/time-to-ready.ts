/**
 * Time to ready vs the critical path: `up` of one environment — dedicated ALB with EC2, dedicated ALB
 * with Fargate, shared ALB with EC2 — through the real platform on the `realistic` profile scaled by
 * `--factor`, as a ratio to the critical path the profile implies for that mode, with the adaptive
 * polling (now) and the fixed 15 s polling (before) side by side; the same environment created in the
 * serial manual order (plain SDK calls, each step complete before the next) as a ratio to Berth.
 * Rounds alternate the runs so that they share the machine's noise.
 *
 *   npx tsx bench/time-to-ready.ts [--factors 0.05,0.25] [--rounds 1]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { BASE_DELAYS } from '../local/cloud/core/time-profile.ts';
import { scaledWaitMs } from '../local/runtime/platform.ts';
import { type CloudClients, cloudClients, createManually } from './lib/manual-env.ts';
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
  flag,
  fmt,
  median,
  numberFlag,
  previousFigures,
  REPO_ROOT,
  runAsScript,
  startResult,
} from './lib/report.ts';

/** Health check of the benchmark's spec: the EnvSpec defaults (AWS's target-group defaults). */
const HEALTH = { intervalSeconds: 30, healthyThreshold: 5, timeoutSeconds: 5 };

/** What a benchmark run brings up: a dedicated ALB with EC2 or Fargate, or a path rule on the shared ALB (EC2). */
type Mode = 'dedicated-ec2' | 'dedicated-fargate' | 'shared-ec2';
const MODES: readonly Mode[] = ['dedicated-ec2', 'dedicated-fargate', 'shared-ec2'];

/**
 * Critical path (ms) the profile implies for one environment of `mode`: the longer of the ALB's provisioning
 * (none for the shared ALB, already active) and the compute path (an instance boots and registers, the image
 * is pulled, the container starts; a Fargate task's interface is provisioned first), then the health checks
 * (healthyThreshold × interval: they start only once the ALB is active).
 */
function criticalPathMs(factor: number, mode: Mode): { totalMs: number; formula: string } {
  const alb = mode === 'shared-ec2' ? 0 : BASE_DELAYS.albProvisioning;
  const compute =
    mode === 'dedicated-fargate'
      ? BASE_DELAYS.taskStart + BASE_DELAYS.imagePull + BASE_DELAYS.taskStart
      : BASE_DELAYS.instanceBoot +
        BASE_DELAYS.containerInstanceRegistration +
        BASE_DELAYS.imagePull +
        BASE_DELAYS.taskStart;
  const computeText =
    mode === 'dedicated-fargate'
      ? `interface ${BASE_DELAYS.taskStart / 1000} + pull ${BASE_DELAYS.imagePull / 1000} + start ${BASE_DELAYS.taskStart / 1000} = ${compute / 1000} s`
      : `boot ${BASE_DELAYS.instanceBoot / 1000} + registration ${BASE_DELAYS.containerInstanceRegistration / 1000} + pull ${BASE_DELAYS.imagePull / 1000} + start ${BASE_DELAYS.taskStart / 1000} = ${compute / 1000} s`;
  const health = HEALTH.healthyThreshold * HEALTH.intervalSeconds * 1000;
  const total = (Math.max(alb, compute) + health) * factor;
  const first = mode === 'shared-ec2' ? `(${computeText}` : `(max(ALB ${alb / 1000} s, ${computeText})`;
  return {
    totalMs: total,
    formula: `${first} + ${HEALTH.healthyThreshold} × ${HEALTH.intervalSeconds} s) × ${factor} = ${fmt(total / 1000, 2)} s`,
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

/**
 * Each verify check: when (s from the start), and what it waited for and for how long next (AWS seconds),
 * read from the verify task's result in the history (`LambdaFunctionSucceeded`).
 */
function verifyChecks(events: readonly HistoryEvent[]): string {
  const t0 = events[0]?.timestamp?.getTime() ?? 0;
  let current = '';
  const checks: string[] = [];
  for (const e of events) {
    if (e.type === 'TaskStateEntered') current = e.stateEnteredEventDetails?.name ?? '';
    if (e.type !== 'LambdaFunctionSucceeded' || current !== 'VerifyUp') continue;
    try {
      const out = JSON.parse(e.lambdaFunctionSucceededEventDetails?.output ?? '{}') as {
        health?: string;
        waitingFor?: string;
        waitSeconds?: number;
      };
      const when = fmt(((e.timestamp?.getTime() ?? t0) - t0) / 1000, 2);
      checks.push(
        out.health === 'Pending'
          ? `${when} ${out.waitingFor ?? '?'}→${out.waitSeconds ?? '?'}`
          : `${when} ${out.health ?? '?'}`,
      );
    } catch {
      checks.push('?');
    }
  }
  return checks.join(', ');
}

/**
 * When the compute path's AWS side happened (s from the execution's start), read back from the local cloud:
 * the Auto Scaling group's CreatedTime (EC2) and the task's startedAt (its target is registered then, and the
 * health checks count from there). Shows how late the first check after the task's start came.
 */
async function computeTimeline(clients: CloudClients, name: string, t0: number): Promise<string> {
  const at = (d: Date | undefined): string => (d ? fmt((d.getTime() - t0) / 1000, 2) : '–');
  const groups = await clients.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [`berth-${name}-asg`] }),
  );
  const cluster = `berth-${name}`;
  const listed = await clients.ecs.send(new ListTasksCommand({ cluster }));
  const tasks = listed.taskArns?.length
    ? ((await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: listed.taskArns }))).tasks ?? [])
    : [];
  const group = groups.AutoScalingGroups?.[0];
  return [
    ...(group ? [`ASG created ${at(group.CreatedTime)}`] : []),
    `task running ${tasks.map((t) => at(t.startedAt)).join('/') || '–'}`,
  ].join(', ');
}

const ABBREVIATION: Record<Mode, string> = {
  'dedicated-ec2': 'd',
  'dedicated-fargate': 'g',
  'shared-ec2': 's',
};

/** One `up` through the API, timed from the request to the execution closing SUCCEEDED. */
const berthUp = async (
  bp: BenchPlatform,
  clients: CloudClients,
  name: string,
  mode: Mode,
): Promise<{ ms: number; detail: string }> => {
  const t0 = performance.now();
  const res = await bp.api(
    'POST',
    '/environments',
    benchSpec(name, {
      loadBalancer:
        mode === 'shared-ec2' ? { mode: 'shared', pathPrefix: `/${name}` } : { mode: 'dedicated' },
      ...(mode === 'dedicated-fargate' ? { launchType: 'FARGATE', networkMode: 'awsvpc' } : {}),
    }),
  );
  if (res.status !== 202)
    throw new Error(`POST /environments ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  const done = await bp.waitExecution(res.body.executionArn, 900_000, 5);
  const ms = performance.now() - t0;
  if (done.status !== 'SUCCEEDED') throw new Error(`up ${name}: ${done.status} ${done.error} ${done.cause}`);
  const events = await bp.history(res.body.executionArn);
  const compute = await computeTimeline(clients, name, events[0]?.timestamp?.getTime() ?? 0);
  return {
    ms,
    detail: `${transitions(events)} transitions; ${timeline(events)}; ${compute}; checks: ${verifyChecks(events)}`,
  };
};

/** What one factor's runs measured: times (ms) by `<factor> <mode> <policy>`, and one table row per round and mode. */
interface Measured {
  readonly times: Record<string, number[]>;
  readonly rows: string[][];
}

/**
 * Runs every mode and policy at one factor on one platform. A process hosts one platform: the handlers'
 * clients are built once per process, against the first local cloud they are pointed at.
 */
async function measureAt(factor: number, index: number, rounds: number): Promise<Measured> {
  const times = new Map<string, number[]>();
  const push = (key: string, ms: number): void => {
    times.set(key, [...(times.get(key) ?? []), ms]);
  };
  const rows: string[][] = [];
  const pollMs = scaledWaitMs(factor, 15);
  const bp = await startBenchPlatform({ profile: 'realistic', factor });
  const clients = cloudClients(bp.platform.urls.cloud);
  let priority = 40_000 + index * 1_000;
  const tag = String(index);
  try {
    for (let r = 1; r <= rounds; r++) {
      for (const mode of MODES) {
        const abbreviation = ABBREVIATION[mode];
        // The fixed 15 s policy (before adaptive polling), then the adaptive one (now), on the same platform.
        useLifecyclePolling(bp, 'fixed');
        const f = await berthUp(bp, clients, `ttr-${abbreviation}f${tag}${r}`, mode);
        push(`${factor} ${mode} fixed`, f.ms);
        useLifecyclePolling(bp, 'adaptive');
        const a = await berthUp(bp, clients, `ttr-${abbreviation}a${tag}${r}`, mode);
        push(`${factor} ${mode} adaptive`, a.ms);
        const steps: string[] = [];
        const t0 = performance.now();
        await createManually(clients, {
          name: `ttr-${abbreviation}m${tag}${r}`,
          pollMs,
          healthCheck: HEALTH,
          timeoutMs: 900_000,
          launch: mode === 'dedicated-fargate' ? 'fargate' : 'ec2',
          ...(mode === 'shared-ec2'
            ? {
                shared: {
                  listenerArn: bp.platform.shared.listenerArn,
                  albSecurityGroupId: bp.platform.shared.securityGroupId,
                  dnsName: bp.platform.shared.dnsName,
                  priority: priority++,
                },
              }
            : {}),
          onStep: (step) => steps.push(`${step} ${fmt((performance.now() - t0) / 1000, 2)}`),
        });
        push(`${factor} ${mode} naive`, performance.now() - t0);
        rows.push([
          `× ${factor}`,
          String(r),
          mode,
          `${fmt(a.ms / 1000, 2)} (${a.detail})`,
          `${fmt(f.ms / 1000, 2)} (${f.detail})`,
          `${fmt((times.get(`${factor} ${mode} naive`)?.at(-1) ?? 0) / 1000, 2)} (${steps.join('; ')})`,
        ]);
      }
    }
  } finally {
    clients.destroy();
    await bp.stop();
  }

  return { times: Object.fromEntries(times), rows };
}

/** Prefix of the line a child process prints its {@link Measured} on. */
const RAW = 'TTR_RAW ';

/** Measures one factor in a child process (see {@link measureAt}) and reads what it printed. */
function measureInChild(factor: number, index: number, rounds: number): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--raw',
        String(factor),
        String(index),
        String(rounds),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RAW));
      if (line) resolve(JSON.parse(line.slice(RAW.length)) as Measured);
      else reject(new Error(`time-to-ready at × ${factor}: exit ${code}`));
    });
  });
}

/**
 * The factors to run at: `--factors 0.05,0.25` (default), or one `--factor`. A small factor keeps the run
 * short but scales only the AWS delays: Berth's own compute (Lambda invocations, API calls, the local
 * runtime's transitions) is not scaled, so each real second of it weighs 1/factor AWS seconds.
 */
function factorsOf(argv: readonly string[]): number[] {
  const list = flag(argv, 'factors') ?? flag(argv, 'factor') ?? '0.05,0.25';
  const factors = list.split(',').map((f) => Number(f.trim()));
  if (factors.length === 0 || factors.some((f) => !(Number.isFinite(f) && f > 0))) {
    throw new RangeError(`--factors must be positive numbers separated by commas, got ${list}`);
  }
  return factors;
}

/** Runs the benchmark. */
async function timeToReady(argv: string[]): Promise<BenchResult> {
  const factors = factorsOf(argv);
  const rounds = Math.max(1, numberFlag(argv, 'rounds', 1));
  const result = startResult(
    'time-to-ready',
    '1. Time to ready vs the critical path',
    `npm run bench -- --only time-to-ready  (npx tsx bench/time-to-ready.ts --factors ${factors.join(',')} --rounds ${rounds})`,
  );
  const times = new Map<string, number[]>();
  const push = (key: string, ms: number): void => {
    times.set(key, [...(times.get(key) ?? []), ms]);
  };
  const rows: string[][] = [];
  for (const [index, factor] of factors.entries()) {
    const measured =
      factors.length === 1
        ? await measureAt(factor, index, rounds)
        : await measureInChild(factor, index, rounds);
    for (const [key, values] of Object.entries(measured.times)) for (const ms of values) push(key, ms);
    rows.push(...measured.rows);
  }
  const med = (key: string): number => median(times.get(key) ?? []);
  for (const factor of factors) {
    for (const mode of MODES) {
      const critical = criticalPathMs(factor, mode);
      const berth = med(`${factor} ${mode} adaptive`);
      const ratio = berth / critical.totalMs;
      const fixed = med(`${factor} ${mode} fixed`);
      const naive = med(`${factor} ${mode} naive`);
      result.figures.push(
        { metric: `× ${factor}, ${mode}: critical path implied by the profile`, value: critical.formula },
        {
          metric: `× ${factor}, ${mode}: Berth up, adaptive polling (now; median of ${rounds}) ÷ critical path`,
          value: `${fmt(berth / 1000, 2)} s, ${fmt(ratio, 3)}`,
          target: '≤ 1.05',
          pass: ratio <= 1.05,
        },
        {
          metric: `× ${factor}, ${mode}: Berth up, fixed 15 s polling (before; median of ${rounds}) ÷ critical path`,
          value: `${fmt(fixed / 1000, 2)} s, ${fmt(fixed / critical.totalMs, 3)}`,
        },
        {
          metric: `× ${factor}, ${mode}: serial manual order (median of ${rounds}) ÷ Berth`,
          value: `${fmt(naive / 1000, 2)} s, ${fmt(naive / berth, 2)}`,
        },
      );
    }
    result.figures.push({
      metric: `× ${factor}: shared ÷ dedicated (EC2, adaptive)`,
      value: fmt(med(`${factor} shared-ec2 adaptive`) / med(`${factor} dedicated-ec2 adaptive`), 2),
    });
  }
  result.tables = [
    {
      title:
        "Rounds (seconds from the execution's start; ASG created / task running = the Auto Scaling group's CreatedTime and the task's startedAt, read back from the local cloud; checks = each verify call: when, and what it waited for → the next wait in AWS seconds; the manual column lists when each runbook step completed)",
      header: [
        'factor',
        'round',
        'mode',
        'Berth (adaptive polling)',
        'Berth (fixed 15 s polling)',
        'serial manual order',
      ],
      rows,
    },
  ];
  const previous = previousFigures('time-to-ready', REPO_ROOT);
  if (previous) result.tables.push(previous);
  result.notes.push(
    `Profile \`realistic\` × each factor: ALB provisioning ${BASE_DELAYS.albProvisioning / 1000} s, instance boot ${BASE_DELAYS.instanceBoot / 1000} s, registration ${BASE_DELAYS.containerInstanceRegistration / 1000} s, image pull ${BASE_DELAYS.imagePull / 1000} s, task start ${BASE_DELAYS.taskStart / 1000} s, a Fargate task's interface ${BASE_DELAYS.taskStart / 1000} s (AWS-like seconds, scaled). Health check = the EnvSpec defaults, ${HEALTH.intervalSeconds} s × ${HEALTH.healthyThreshold} healthy checks; ALB health checks start only once the ALB is active (the first within one interval of activation), and the shared ALB is active from the start.`,
    "Why two factors: the profile scales AWS's delays, not Berth's own compute. Each real second of it — the API, the lock and registry writes, every Lambda invocation of the local runtime, the local runtime's retry floors, the SDK calls — weighs 1/factor AWS seconds: 20 at × 0.05, 4 at × 0.25, 1 on AWS. It also skews what the verify step computes from timestamps (the seconds since CreateLoadBalancer are real seconds locally, AWS seconds on AWS), so the first ALB check comes later at a small factor. The larger factor is the closer picture of AWS; the critical path formula is the same at both.",
    "Why the first check after the task's start matters here: the health-check wait counts from the task's `startedAt`, in seconds that are real seconds locally but AWS seconds in the wait, so a check that comes L real seconds after the task started costs (1 − factor) × L real seconds of time to ready (on AWS the wait absorbs it all). In shared mode that check is the end of the wait for instances: 65 s after the Auto Scaling group's CreatedTime (adaptive polling; in the previous figures below it was 60 s after the first verify).",
    'State machine waits: adaptive polling waits what each verify check asks for (core `nextCheckSeconds`, the `checks` column); fixed polling waits 15 s each time. The local runtime scales every Wait by the factor, SecondsPath waits included. Retry intervals are scaled the same way (`scaledRetryMs`).',
    "Serial manual order: security groups → cluster (+ launch template + ASG, wait InService and registered → capacity provider; Fargate: none) → target group → ALB, wait active → listener (shared: a path rule on the shared listener) → task definition → service → wait until the target is healthy; every wait polls every 15 s scaled by the factor (a CLI waiter's 15 s), as `aws … wait` would.",
    "Berth time = from POST /environments to the execution closing SUCCEEDED (polled every 5 ms), i.e. including the API, the lock, registry writes and verification through the ALB. Rounds run the modes in turn, fixed then adaptive then manual, so they share the machine's noise.",
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const raw = process.argv.indexOf('--raw');
  if (raw >= 0) {
    const [factor, index, rounds] = process.argv.slice(raw + 1, raw + 4).map(Number);
    const measured = await measureAt(factor ?? 0.05, index ?? 0, rounds ?? 1);
    process.stdout.write(`${RAW}${JSON.stringify(measured)}\n`);
    process.exit(0);
  }
  await runAsScript(timeToReady);
}
