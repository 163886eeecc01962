/**
 * The night's savings for a sample fleet: environments of several shapes (dedicated and shared ALB, EC2 and Fargate,
 * 1–3 tasks) created through the real platform on the `instant` profile, some kept; then one nightly teardown. The
 * nightly report's savings (what the stopped environments ran, priced with the shipped table, over the night) are
 * printed beside the figure computed here from the shipped prices alone, environment by environment.
 *
 *   npx tsx bench/night-savings.ts [--night-hours 12]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SHIPPED_PRICES } from '../functions/core/cost.ts';
import { benchSpec, startBenchPlatform } from './lib/platform.ts';
import { type BenchResult, finishResult, fmt, numberFlag, runAsScript, startResult } from './lib/report.ts';

const P = SHIPPED_PRICES['us-east-1'] as NonNullable<(typeof SHIPPED_PRICES)['us-east-1']>;
const ec2 = (type: string, count: number): number =>
  count * ((P.ec2Hourly[type] ?? Number.NaN) + (30 * P.ebsGp3GbMonth) / 730);
const fargate = (count: number, cpu: number, memory: number): number =>
  count * ((cpu / 1024) * P.fargate.x86_64.vcpuHourly + (memory / 1024) * P.fargate.x86_64.gbHourly);

/** The sample fleet: name, spec extras, whether kept, and its hourly cost by hand (shared ALB split below). */
const FLEET: ReadonlyArray<{
  name: string;
  extra: Record<string, unknown>;
  keep: boolean;
  shared: boolean;
  compute: number;
  shape: string;
}> = [
  {
    name: 'web-a',
    extra: { capacity: { instanceType: 't3.small', minSize: 1, maxSize: 1, desiredCapacity: 1 } },
    keep: false,
    shared: false,
    compute: ec2('t3.small', 1),
    shape: 'EC2 1 × t3.small, dedicated ALB',
  },
  {
    name: 'web-b',
    extra: {
      capacity: { instanceType: 't3.medium', minSize: 2, maxSize: 2, desiredCapacity: 2 },
      desiredCount: 2,
    },
    keep: false,
    shared: false,
    compute: ec2('t3.medium', 2),
    shape: 'EC2 2 × t3.medium, dedicated ALB',
  },
  {
    name: 'api-c',
    extra: { launchType: 'FARGATE', cpu: 512, memory: 1024, desiredCount: 2 },
    keep: false,
    shared: false,
    compute: fargate(2, 512, 1024),
    shape: 'Fargate 2 × 0.5 vCPU / 1 GB, dedicated ALB',
  },
  {
    name: 'api-d',
    extra: { launchType: 'FARGATE', cpu: 256, memory: 512, loadBalancer: { mode: 'shared' } },
    keep: false,
    shared: true,
    compute: fargate(1, 256, 512),
    shape: 'Fargate 1 × 0.25 vCPU / 0.5 GB, shared ALB',
  },
  {
    name: 'demo-e',
    extra: {
      launchType: 'FARGATE',
      cpu: 256,
      memory: 512,
      loadBalancer: { mode: 'shared' },
      keep: true,
    },
    keep: true,
    shared: true,
    compute: fargate(1, 256, 512),
    shape: 'Fargate 1 × 0.25 vCPU / 0.5 GB, shared ALB (kept)',
  },
  {
    name: 'demo-f',
    extra: { capacity: { instanceType: 't3.small', minSize: 1, maxSize: 1, desiredCapacity: 1 }, keep: true },
    keep: true,
    shared: false,
    compute: ec2('t3.small', 1),
    shape: 'EC2 1 × t3.small, dedicated ALB (kept)',
  },
];

/** Runs the benchmark. */
async function nightSavingsBench(argv: string[]): Promise<BenchResult> {
  const nightHours = numberFlag(argv, 'night-hours', 12);
  const result = startResult(
    'night-savings',
    '7. The night’s savings (sample fleet)',
    `npm run bench -- --only night-savings  (npx tsx bench/night-savings.ts --night-hours ${nightHours})`,
  );
  const bp = await startBenchPlatform({
    profile: 'instant',
    env: { BERTH_NIGHT_HOURS: String(nightHours) },
    expiryCheckSeconds: 0,
  });
  try {
    const started = await Promise.all(
      FLEET.map((e) => bp.api('POST', '/environments', benchSpec(e.name, e.extra))),
    );
    const ups = await Promise.all(started.map((s) => bp.waitExecution(s.body.executionArn, 120_000, 20)));
    const failedUps = ups.filter((u) => u.status !== 'SUCCEEDED').length;
    if (failedUps > 0) throw new Error(`${failedUps} of ${FLEET.length} environments did not come up`);
    const sharedCount = FLEET.filter((e) => e.shared).length;
    const byHand = (e: (typeof FLEET)[number]): number =>
      e.compute + (e.shared ? P.albHourly / sharedCount : P.albHourly);

    const nightly = await bp.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: bp.platform.stateMachines.nightly,
        name: 'bench-night-savings',
        input: JSON.stringify({ dryRun: false }),
      }),
    );
    const done = await bp.waitExecution(nightly.executionArn ?? '', 300_000, 50);
    // The report step's own result, from the execution history (the event after `NightlyReport` was entered).
    let state = '';
    let report:
      | { savings?: any; tornDown?: { env: string }[]; failed?: { env: string; error: string }[] }
      | undefined;
    for (const event of await bp.history(nightly.executionArn ?? '')) {
      if (event.stateEnteredEventDetails?.name) state = event.stateEnteredEventDetails.name;
      const output =
        event.lambdaFunctionSucceededEventDetails?.output ?? event.taskSucceededEventDetails?.output;
      if (state === 'NightlyReport' && output !== undefined) report = JSON.parse(output);
    }
    const savings = report?.savings;
    if (savings === undefined) throw new Error(`the nightly report has no savings (${done.status})`);
    const stopped = FLEET.filter((e) => !e.keep);
    const expectedHourly = stopped.reduce((sum, e) => sum + byHand(e), 0);
    const reported = new Map<string, number>(
      (savings.environments as { env: string; hourlyUsd: number }[]).map((e) => [e.env, e.hourlyUsd]),
    );
    result.tables = [
      {
        title: 'Per environment',
        header: ['environment', 'shape', 'nightly action', 'saved $/h (report)', 'by hand $/h'],
        rows: FLEET.map((e) => [
          e.name,
          e.shape,
          e.keep ? 'kept' : 'down',
          e.keep ? '—' : fmt(reported.get(e.name) ?? Number.NaN, 6),
          e.keep ? '—' : fmt(byHand(e), 6),
        ]),
      },
    ];
    result.figures.push(
      {
        metric: 'environments stopped / kept',
        value: `${stopped.length} / ${FLEET.length - stopped.length}`,
      },
      {
        metric: 'saved per hour (nightly report)',
        value: `$${fmt(savings.hourlyUsd, 6)} (by hand: $${fmt(expectedHourly, 6)})`,
        pass: Math.abs(savings.hourlyUsd - expectedHourly) < 1e-5,
      },
      {
        metric: `saved over the night (${savings.hours} h)`,
        value: `$${fmt(savings.nightUsd, 4)} (by hand: $${fmt(expectedHourly * nightHours, 4)})`,
      },
      {
        metric: 'stopped environments without an estimate',
        value:
          (savings.unknown as { env: string; reason: string }[])
            .map((u) => `${u.env}: ${u.reason}`)
            .join('; ') || 'none',
        pass: savings.unknown.length === 0,
      },
      {
        metric: 'torn down / failed (nightly report)',
        value: `${report?.tornDown?.length ?? 0} / ${report?.failed?.length ?? 0}${(report?.failed ?? []).map((f) => ` — ${f.env}: ${f.error}`).join('')}`,
        pass: (report?.failed?.length ?? 0) === 0,
      },
      { metric: 'nightly execution', value: done.status ?? '?' },
    );
    result.notes.push(
      'Hand figures use the shipped us-east-1 table (functions/core/cost.ts): EC2 on-demand + a 30 GiB gp3 root volume per instance, Fargate x86_64 vCPU-hours and GB-hours, a dedicated ALB-hour, or the shared ALB-hour split among the environments with a rule on the shared listener (here the two shared ones).',
      'The report prices what each environment ran before the teardown (its recorded usage, observed by verify), so this also checks the observation: the counts are the real ones of the local cloud (EC2 groups pinned to their size so managed scaling cannot change them).',
    );
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    await bp.stop();
  }
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(nightSavingsBench);
}
