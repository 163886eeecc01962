/**
 * Bundles one Lambda handler with the house settings (infra/bundling.ts), for the CDK construct's local bundling
 * (infra/constructs/lifecycle-function.ts runs this file in a child process: esbuild plugins need the
 * asynchronous API, and CDK's local bundling hook is synchronous).
 *
 *   node --import tsx infra/bundle-handler.ts <entry.ts> <output directory>
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from './bundling.ts';

/** The repository root (this file is in infra/). */
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Writes `<outputDir>/index.mjs`, the bundle of `entry`. */
export async function bundleHandler(entry: string, outputDir: string): Promise<void> {
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [entry],
    absWorkingDir: REPO_ROOT,
    outfile: path.join(outputDir, 'index.mjs'),
    logLevel: 'warning',
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, outputDir] = process.argv.slice(2);
  if (entry === undefined || outputDir === undefined) {
    process.stderr.write('usage: node --import tsx infra/bundle-handler.ts <entry.ts> <output directory>\n');
    process.exit(2);
  }
  await bundleHandler(entry, outputDir);
}
