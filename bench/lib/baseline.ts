/**
 * A baseline checkout for side-by-side benchmarks: a commit's sources extracted with `git archive` into a
 * temporary directory that resolves packages from this checkout's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './report.ts';

/** The last commit on main before issue 14's cold-start and API-latency work: the "before" of both. */
export const DEFAULT_BASELINE = 'a6c40fb';

/** A baseline's directory and how to remove it. */
export interface Baseline {
  readonly ref: string;
  readonly root: string;
  remove(): void;
}

/** Extracts `ref`'s `functions/`, `infra/` and `package.json` (what a handler imports). */
export function extractBaseline(ref: string): Baseline {
  const root = mkdtempSync(path.join(tmpdir(), 'berth-bench-baseline-'));
  const tar = execFileSync('git', ['archive', '--format=tar', ref, 'functions', 'infra', 'package.json'], {
    cwd: REPO_ROOT,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', root], { input: tar });
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return { ref, root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
