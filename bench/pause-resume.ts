/**
 * Resume ÷ fresh up: the same environment (dedicated ALB, EC2) brought up fresh, paused, then resumed,
 * through the real platform on the `realistic` profile scaled by `--factor`, side by side. A resume keeps
 * the ALB, target group and cluster: it waits only for the instances to boot and register, the tasks to
 * start and the health checks — no ALB to provision. Pause is timed too.
 *
 *   npx tsx bench/pause-resume.ts [--factor 0.02] [--rounds 3]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_DELAYS } from '../local/cloud/core/time-profile.ts';
import { benchSpec, startBenchPlatform, transitions } from './lib/platform.ts';
import {
  type BenchResult,
  finishResult,
  fmt,
  median,
  numberFlag,
  runAsScript,
  startResult,
} from './lib/report.ts';

/** Runs the benchmark. */
async function pauseResume(argv: string[]): Promise<BenchResult> {
  const factor = numberFlag(argv, 'factor', 0.02);
  const rounds = Math.max(1, numberFlag(argv, 'rounds', 3));
  const result = startResult(
    'pause-resume',
    '8. Resume ÷ fresh up',
    `npm run bench -- --only pause-resume  (npx tsx bench/pause-resume.ts --factor ${factor} --rounds ${rounds})`,
  );
  const ups: number[] = [];
  const pauses: number[] = [];
  const resumes: number[] = [];
  const rows: string[][] = [];
  const bp = await startBenchPlatform({ profile: 'realistic', factor });
  /** Starts an operation and waits for it; returns the wall-clock ms and its state transitions. */
  const timed = async (
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ ms: number; detail: string }> => {
    const t0 = performance.now();
    const res = await bp.api(method, url, body);
    if (res.status !== 202) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    const done = await bp.waitExecution(res.body.executionArn, 240_000, 5);
    const ms = performance.now() - t0;
    if (done.status !== 'SUCCEEDED')
      throw new Error(`${method} ${url}: ${done.status} ${done.error} ${done.cause}`);
    const events = await bp.history(res.body.executionArn);
    return { ms, detail: `${transitions(events)} transitions` };
  };
  try {
    for (let r = 1; r <= rounds; r++) {
      const name = `nap-${r}`;
      const up = await timed('POST', '/environments', benchSpec(name));
      const pause = await timed('POST', `/environments/${name}/pause`);
      const resume = await timed('POST', `/environments/${name}/resume`);
      ups.push(up.ms);
      pauses.push(pause.ms);
      resumes.push(resume.ms);
      rows.push([
        String(r),
        `${fmt(up.ms / 1000, 2)} (${up.detail})`,
        `${fmt(pause.ms / 1000, 2)} (${pause.detail})`,
        `${fmt(resume.ms / 1000, 2)} (${resume.detail})`,
        fmt(resume.ms / up.ms, 3),
      ]);
      await timed('DELETE', `/environments/${name}`);
    }
  } finally {
    await bp.stop();
  }
  const ratio = median(resumes) / median(ups);
  result.figures.push(
    { metric: `fresh up, dedicated EC2 (median of ${rounds})`, value: `${fmt(median(ups) / 1000, 2)} s` },
    { metric: `pause (median of ${rounds})`, value: `${fmt(median(pauses) / 1000, 2)} s` },
    { metric: `resume (median of ${rounds})`, value: `${fmt(median(resumes) / 1000, 2)} s` },
    {
      metric: 'resume ÷ fresh up',
      value: fmt(ratio, 3),
      target: '< 1 (no ALB to provision)',
      pass: ratio < 1,
    },
  );
  result.tables = [
    {
      title: 'Rounds (seconds, from the API request to the execution closing SUCCEEDED)',
      header: ['round', 'fresh up', 'pause', 'resume', 'resume ÷ up'],
      rows,
    },
  ];
  result.notes.push(
    `Profile \`realistic\` × ${factor}: ALB provisioning ${BASE_DELAYS.albProvisioning / 1000} s, instance boot ${BASE_DELAYS.instanceBoot / 1000} s, registration ${BASE_DELAYS.containerInstanceRegistration / 1000} s, image pull ${BASE_DELAYS.imagePull / 1000} s, task start ${BASE_DELAYS.taskStart / 1000} s (AWS-like seconds, scaled); health checks 5 × 30 s (the EnvSpec defaults).`,
    'A fresh up waits for max(ALB provisioning, instances + tasks) and then the health checks; a resume keeps the ALB (its URL answers the same DNS name) and waits for the instances to boot and register, then the tasks and the health checks. Pause: service to 0, tasks drained (the target group deregistration delay), instances terminated.',
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(pauseResume);
}
