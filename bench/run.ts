/**
 * `npm run bench`: runs every benchmark (or the ones named with `--only a,b`), each in its own
 * process (one platform per process), and rewrites docs/benchmarks.md with their tables.
 * `--no-write` prints without rewriting the file; flags after `--` are passed to each benchmark.
 *
 *   npm run bench
 *   npm run bench -- --only cold-start,local-cloud
 *   npm run bench -- --only time-to-ready --no-write -- --factor 0.01
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BenchResult, flag, loadNow, machineLine, REPO_ROOT, renderResult } from './lib/report.ts';

const DOC = path.join(REPO_ROOT, 'docs/benchmarks.md');

/** Benchmarks in the order they run, with a time budget each (ms; the process is killed after it). */
const BENCHMARKS: ReadonlyArray<{ name: string; file: string; budgetMs: number }> = [
  { name: 'cold-start', file: 'cold-start.ts', budgetMs: 600_000 },
  { name: 'local-cloud', file: 'local-cloud.ts', budgetMs: 120_000 },
  { name: 'api-latency', file: 'api-latency.ts', budgetMs: 240_000 },
  { name: 'sfn-cost', file: 'sfn-cost.ts', budgetMs: 420_000 },
  { name: 'time-to-ready', file: 'time-to-ready.ts', budgetMs: 2_400_000 },
  { name: 'fleet-teardown', file: 'fleet-teardown.ts', budgetMs: 3_600_000 },
  { name: 'night-savings', file: 'night-savings.ts', budgetMs: 180_000 },
  { name: 'pause-resume', file: 'pause-resume.ts', budgetMs: 420_000 },
];

function runOne(
  file: string,
  args: string[],
  budgetMs: number,
): Promise<{ result?: BenchResult; log: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench', file), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      const text = c.toString('utf8');
      err += text;
      // Progress lines (`<bench>: …`) show live; the handlers' JSON logs stay in the tail kept on failure.
      for (const line of text.split('\n')) if (/^[a-z-]+: /.test(line)) process.stdout.write(`  ${line}\n`);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), budgetMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      const log = `${out}\n${err}`;
      if (!line) {
        resolve({ log, code });
        return;
      }
      resolve({ result: JSON.parse(line.slice('BENCH_RESULT '.length)) as BenchResult, log, code });
    });
  });
}

/** Keeps the sections of benchmarks not run this time from the previous docs/benchmarks.md. */
function previousSections(): Map<string, string> {
  const sections = new Map<string, string>();
  if (!existsSync(DOC)) return sections;
  const text = readFileSync(DOC, 'utf8');
  for (const m of text.matchAll(/<!-- bench:([a-z-]+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g)) {
    sections.set(m[1] as string, m[2] as string);
  }
  return sections;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dashdash = argv.indexOf('--');
  const own = dashdash < 0 ? argv : argv.slice(0, dashdash);
  const passed = dashdash < 0 ? [] : argv.slice(dashdash + 1);
  const only = flag(own, 'only')?.split(',');
  const write = !own.includes('--no-write');
  const unknown = only?.filter((n) => !BENCHMARKS.some((b) => b.name === n)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`,
    );
    process.exit(2);
  }
  const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));
  const sections = previousSections();
  const loadStart = loadNow();
  const started = new Date();
  let failed = 0;
  for (const bench of selected) {
    process.stdout.write(`▶ ${bench.name} … `);
    const t0 = performance.now();
    const { result, log, code } = await runOne(bench.file, passed, bench.budgetMs);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (result) {
      process.stdout.write(`done in ${secs} s\n${renderResult(result)}\n`);
      sections.set(bench.name, renderResult(result));
    } else {
      failed++;
      const tail = log.trim().split('\n').slice(-15).join('\n');
      process.stdout.write(`FAILED (exit ${code}) after ${secs} s\n${tail}\n`);
      sections.set(
        bench.name,
        `## ${bench.name}\n\n**Did not complete** in the run of ${started.toISOString()} (exit ${code}, budget ${bench.budgetMs / 1000} s). Last output:\n\n\`\`\`\n${tail}\n\`\`\`\n`,
      );
    }
  }
  if (write) {
    const body = [
      '# Benchmarks',
      '',
      'Written by `npm run bench` (bench/run.ts); do not edit by hand. Benchmarks are not tests: they measure,',
      'and every figure that has a target is a ratio or a bound measured side by side in one run, because',
      'this machine is shared and noisy. All traffic goes to 127.0.0.1. Pick one with',
      '`npm run bench -- --only <name>` (names: ' + BENCHMARKS.map((b) => `\`${b.name}\``).join(', ') + ').',
      '',
      `- last run: ${started.toISOString()}, ${selected.map((b) => b.name).join(', ')}`,
      `- machine: ${machineLine()}`,
      `- load average at the start of the last run (1/5/15 min): ${loadStart.join(' / ')}; at its end: ${loadNow().join(' / ')}`,
      '',
      ...BENCHMARKS.filter((b) => sections.has(b.name)).map(
        (b) =>
          `<!-- bench:${b.name} -->\n${(sections.get(b.name) as string).trim()}\n<!-- /bench:${b.name} -->\n`,
      ),
    ].join('\n');
    writeFileSync(DOC, body);
    process.stdout.write(`wrote ${path.relative(REPO_ROOT, DOC)}\n`);
  }
  process.exit(failed > 0 ? 1 : 0);
}

await main();
