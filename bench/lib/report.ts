/**
 * Result shape shared by every benchmark, plus the statistics and rendering helpers `bench/run.ts`
 * uses to write `docs/benchmarks.md`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One measured figure. `target` and `pass` are set when the brief gives a target. */
interface Figure {
  metric: string;
  value: string;
  target?: string;
  pass?: boolean;
}

/** A table printed after a benchmark's figures. */
export interface BenchTable {
  title: string;
  header: string[];
  rows: string[][];
}

/** What one benchmark returns. */
export interface BenchResult {
  /** Flag name, e.g. `cold-start`. */
  name: string;
  title: string;
  /** The command that produced the figures. */
  command: string;
  startedAt: string;
  durationMs: number;
  /** Load average (1, 5, 15 min) when the benchmark started. */
  loadBefore: number[];
  figures: Figure[];
  /** Optional extra tables (e.g. per-handler rows). */
  tables?: BenchTable[];
  notes: string[];
  /** Set when the benchmark could not run to completion: why. */
  error?: string;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Formats a number with a fixed count of decimals. */
export function fmt(value: number, decimals = 2): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : String(value);
}

/** One-line description of this machine. */
export function machineLine(): string {
  const list = cpus();
  const model = list[0]?.model.trim() ?? 'unknown CPU';
  return `${list.length} cores (${model}), Node ${process.versions.node}, ${process.platform}/${process.arch}`;
}

/** The current load average, rounded. */
export function loadNow(): number[] {
  return loadavg().map((v) => Math.round(v * 100) / 100);
}

/** A timer for a benchmark: `finish()` fills the timing fields of a result. */
export function startResult(name: string, title: string, command: string): BenchResult {
  return {
    name,
    title,
    command,
    startedAt: new Date().toISOString(),
    durationMs: performance.now(),
    loadBefore: loadNow(),
    figures: [],
    notes: [],
  };
}

/** Closes a result started with {@link startResult}. */
export function finishResult(result: BenchResult): BenchResult {
  result.durationMs = Math.round(performance.now() - result.durationMs);
  return result;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Renders one benchmark result as a Markdown section. */
export function renderResult(result: BenchResult): string {
  const lines: string[] = [];
  lines.push(`## ${result.title}`, '');
  lines.push(`- command: \`${result.command}\``);
  lines.push(`- date: ${result.startedAt}, took ${(result.durationMs / 1000).toFixed(1)} s`);
  lines.push(`- load average before (1/5/15 min): ${result.loadBefore.join(' / ')}`);
  lines.push('');
  if (result.error) lines.push(`**Did not complete:** ${result.error}`, '');
  if (result.figures.length > 0) {
    lines.push('| figure | value | target | met |', '| --- | --- | --- | --- |');
    for (const f of result.figures) {
      const met = f.pass === undefined ? '' : f.pass ? 'yes' : '**no**';
      lines.push(`| ${cell(f.metric)} | ${cell(f.value)} | ${cell(f.target ?? '')} | ${met} |`);
    }
    lines.push('');
  }
  for (const table of result.tables ?? []) {
    lines.push(`**${table.title}**`, '');
    lines.push(`| ${table.header.map(cell).join(' | ')} |`);
    lines.push(`| ${table.header.map(() => '---').join(' | ')} |`);
    for (const row of table.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
    lines.push('');
  }
  for (const note of result.notes) lines.push(`- ${note}`);
  if (result.notes.length > 0) lines.push('');
  return lines.join('\n');
}

/** Prints a result as the last line of stdout (`BENCH_RESULT <json>`), for `bench/run.ts`. */
function emitResult(result: BenchResult): void {
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
}

/** Reads `--name value` / `--name=value` from argv. */
export function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

/** Reads a numeric flag with a default. */
export function numberFlag(argv: readonly string[], name: string, fallback: number): number {
  const raw = flag(argv, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new RangeError(`--${name} must be a number, got ${raw}`);
  return n;
}

/** Runs a benchmark as a script: prints the Markdown section and the machine-readable line. */
export async function runAsScript(bench: (argv: string[]) => Promise<BenchResult>): Promise<void> {
  const argv = process.argv.slice(2);
  try {
    const result = await bench(argv);
    process.stdout.write(`${renderResult(result)}\n`);
    emitResult(result);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}

/**
 * The figures of a benchmark's section as last committed (`git show HEAD:docs/benchmarks.md`, else the file),
 * as a table to print beside the new ones: "the previous figure beside the new one". Undefined when the
 * section has no figures yet.
 */
export function previousFigures(name: string, repoRoot: string): BenchTable | undefined {
  let text: string;
  try {
    text = execFileSync('git', ['show', 'HEAD:docs/benchmarks.md'], { cwd: repoRoot, encoding: 'utf8' });
  } catch {
    try {
      text = readFileSync(`${repoRoot}/docs/benchmarks.md`, 'utf8');
    } catch {
      return undefined;
    }
  }
  const section = new RegExp(`<!-- bench:${name} -->\\n([\\s\\S]*?)<!-- /bench:${name} -->`).exec(text)?.[1];
  if (!section) return undefined;
  const date = /^- date: ([^,\n]+)/m.exec(section)?.[1] ?? 'unknown date';
  const command = /^- command: `([^`]*)`/m.exec(section)?.[1] ?? '';
  const rows: string[][] = [];
  const lines = section.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| figure | value |'));
  if (start < 0) return undefined;
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    rows.push(cells.slice(0, 4));
  }
  return {
    title: `Previous figures (run of ${date}: ${command || 'command unknown'})`,
    header: ['figure', 'value', 'target', 'met'],
    rows,
  };
}
