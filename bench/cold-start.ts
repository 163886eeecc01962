/**
 * Lambda cold start: bundles each handler as the CDK `LifecycleFunction` does (esbuild, minified ESM,
 * node target, the createRequire banner, SDK bundled), reports the minified size, the module
 * initialisation time in a fresh `node` process (median of N), and the @aws-sdk clients in each
 * bundle (from esbuild's metafile).
 *
 *   npx tsx bench/cold-start.ts [--runs 5] [--only api,slack]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import {
  type BenchResult,
  finishResult,
  flag,
  fmt,
  median,
  numberFlag,
  runAsScript,
  startResult,
} from './lib/report.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HANDLERS_DIR = path.join(REPO_ROOT, 'functions/handlers');

/** The banner `infra/constructs/lifecycle-function.ts` gives every ESM bundle. */
const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
/** `BERTH_RUNTIME` is Node.js 24 in the CDK construct; esbuild gets the same target. */
const TARGET = 'node24';

const KIB = 1024;
const TARGETS: Record<string, { initMs: number; sizeKiB: number }> = {
  api: { initMs: 150, sizeKiB: 400 },
  slack: { initMs: 150, sizeKiB: 400 },
};
/**
 * Clients the entry-point handlers need (docs/architecture.md: the api handler invokes `plan`
 * through Lambda so that its bundle stays free of ECS/ELBv2/EC2; slack reads its secret from
 * Secrets Manager).
 */
const ALLOWED_CLIENTS: Record<string, readonly string[]> = {
  api: ['dynamodb', 'sfn', 'lambda'],
  slack: ['dynamodb', 'sfn', 'lambda', 'secrets-manager'],
  nightly: ['dynamodb', 'sfn'],
  notify: ['dynamodb'],
  lock: ['dynamodb'],
  record: ['dynamodb'],
  extend: ['dynamodb'],
  'create-network': ['dynamodb', 'ec2'],
  'create-load-balancer': ['dynamodb', 'ec2', 'elastic-load-balancing-v2'],
  'create-cluster': ['dynamodb', 'ec2', 'ssm', 'auto-scaling', 'ecs'],
  'create-task-definition': ['dynamodb', 'ecs'],
  'create-service': ['dynamodb', 'ecs', 'elastic-load-balancing-v2'],
  verify: ['dynamodb', 'ecs', 'elastic-load-balancing-v2'],
  scale: ['dynamodb', 'ecs', 'auto-scaling'],
  redeploy: ['dynamodb', 'ecs'],
  plan: ['dynamodb', 'ecs', 'elastic-load-balancing-v2', 'auto-scaling', 'ec2', 'ssm'],
  'teardown-service': ['dynamodb', 'ecs'],
  'teardown-capacity': ['dynamodb', 'ecs', 'auto-scaling', 'ec2'],
  'teardown-cluster': ['dynamodb', 'ecs'],
  'teardown-load-balancer': ['dynamodb', 'elastic-load-balancing-v2'],
  'teardown-network': ['dynamodb', 'ec2'],
  'teardown-task-definitions': ['dynamodb', 'ecs'],
};

/** Handler files: every `functions/handlers/*.ts` that exports `handler`. */
export function handlerFiles(): string[] {
  return readdirSync(HANDLERS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => /export const handler\b/.test(readFileSync(path.join(HANDLERS_DIR, f), 'utf8')))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

interface BundleInfo {
  handler: string;
  file: string;
  bytes: number;
  clients: Map<string, Set<string>>;
}

const CLIENT_RE = /node_modules\/@aws-sdk\/client-([a-z0-9-]+)\//;

/** Bundled @aws-sdk clients → the Berth modules (under functions/) that import them. */
function clientsOf(meta: Metafile): Map<string, Set<string>> {
  const output = Object.values(meta.outputs)[0];
  const live = new Set(
    Object.entries(output?.inputs ?? {})
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([k]) => k),
  );
  const clients = new Map<string, Set<string>>();
  for (const file of live) {
    const m = CLIENT_RE.exec(file);
    if (m) clients.set(m[1] as string, clients.get(m[1] as string) ?? new Set());
  }
  for (const [file, input] of Object.entries(meta.inputs)) {
    if (!file.startsWith('functions/')) continue;
    for (const imp of input.imports) {
      const m = CLIENT_RE.exec(imp.path);
      if (m && clients.has(m[1] as string))
        clients.get(m[1] as string)?.add(file.replace(/^functions\//, ''));
    }
  }
  return clients;
}

async function bundle(handler: string, outDir: string): Promise<BundleInfo> {
  const outfile = path.join(outDir, handler, 'index.mjs');
  mkdirSync(path.dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [path.join(HANDLERS_DIR, `${handler}.ts`)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    minify: true,
    sourcemap: false,
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = readFileSync(outfile).byteLength;
  return { handler, file: outfile, bytes, clients: clientsOf(result.metafile) };
}

/** Environment a handler module may read at import (dummy values; nothing is called). */
const IMPORT_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  BERTH_TABLE_NAME: 'berth-registry',
  BERTH_VPC_ID: 'vpc-00000000',
  BERTH_PUBLIC_SUBNETS: 'subnet-a,subnet-b',
  BERTH_PRIVATE_SUBNETS: 'subnet-c,subnet-d',
  BERTH_INSTANCE_PROFILE_ARN: 'arn:aws:iam::000000000000:instance-profile/x',
  BERTH_EXECUTION_ROLE_ARN: 'arn:aws:iam::000000000000:role/x',
  BERTH_LIFECYCLE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:berth-lifecycle',
  BERTH_NIGHTLY_STATE_MACHINE_ARN:
    'arn:aws:states:us-east-1:000000000000:stateMachine:berth-nightly-teardown',
  BERTH_SLACK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
  BERTH_PLAN_FUNCTION_NAME: 'berth-plan',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/**
 * Module initialisation time: a fresh `node` process imports the bundle and prints how long the
 * `import()` took (process start-up itself is excluded, as in Lambda's Init phase it is the
 * runtime's, not the function's).
 */
function initMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});const h=(await import(${JSON.stringify(`file://${file}`)})).handler;if(typeof h!=='function')throw new Error('no handler export');process.stdout.write(String(performance.now()-t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env['PATH'] ?? '', ...IMPORT_ENV },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return Number(out.trim());
}

/** Runs the benchmark. Flags: `--runs N` (default 7), `--only a,b`. */
export async function coldStart(argv: string[]): Promise<BenchResult> {
  const runs = Math.max(5, numberFlag(argv, 'runs', 5));
  const only = flag(argv, 'only')?.split(',');
  const result = startResult(
    'cold-start',
    '4. Lambda cold start (bundle size, module initialisation, SDK clients)',
    `npm run bench -- --only cold-start  (npx tsx bench/cold-start.ts --runs ${runs})`,
  );
  const outDir = mkdtempSync(path.join(tmpdir(), 'berth-bench-bundles-'));
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}');
  try {
    const handlers = handlerFiles().filter((h) => !only || only.includes(h));
    const rows: string[][] = [];
    let withExtra = 0;
    for (const handler of handlers) {
      let info: BundleInfo;
      try {
        info = await bundle(handler, outDir);
      } catch (error) {
        rows.push([handler, 'bundle failed', '', '', String(error).split('\n')[0] ?? '', '', '']);
        result.figures.push({ metric: `${handler}: bundle`, value: 'failed', pass: false });
        continue;
      }
      const samples: number[] = [];
      let initError: string | undefined;
      for (let i = 0; i < runs; i++) {
        try {
          samples.push(initMs(info.file));
        } catch (error) {
          initError = String(error instanceof Error ? error.message : error)
            .split('\n')
            .slice(0, 3)
            .join(' ');
          break;
        }
      }
      const kib = info.bytes / KIB;
      const init = samples.length > 0 ? median(samples) : Number.NaN;
      const clients = [...info.clients.keys()].sort();
      const allowed = ALLOWED_CLIENTS[handler];
      const extra = allowed ? clients.filter((c) => !allowed.includes(c)) : [];
      if (extra.length > 0) withExtra++;
      rows.push([
        handler,
        fmt(kib, 1),
        initError ? `failed: ${initError}` : fmt(init, 1),
        samples.map((s) => fmt(s, 0)).join(' '),
        clients.join(', '),
        [...new Set(clients.flatMap((c) => [...(info.clients.get(c) ?? [])]))].sort().join(', '),
        allowed ? (extra.length === 0 ? 'yes' : `**no**: ${extra.join(', ')}`) : '',
      ]);
      const target = TARGETS[handler];
      if (target) {
        result.figures.push({
          metric: `${handler}: minified bundle`,
          value: `${fmt(kib, 1)} KiB`,
          target: `≤ ${target.sizeKiB} KiB`,
          pass: kib <= target.sizeKiB,
        });
        result.figures.push({
          metric: `${handler}: module init (median of ${samples.length})`,
          value: initError ? `failed: ${initError}` : `${fmt(init, 1)} ms`,
          target: `≤ ${target.initMs} ms`,
          pass: !initError && init <= target.initMs,
        });
        result.figures.push({
          metric: `${handler}: bundled @aws-sdk clients`,
          value: clients.join(', ') || 'none',
          target: `only ${allowed?.join(', ')}`,
          pass: extra.length === 0,
        });
      }
    }
    result.figures.push({
      metric: 'handlers bundling @aws-sdk clients their step does not need',
      value: `${withExtra} of ${handlers.length}`,
      target: '0',
      pass: withExtra === 0,
    });
    result.tables = [
      {
        title: `Every handler (esbuild ${TARGET}, ESM, minified, banner; init = median of ${runs} fresh processes, ms)`,
        header: [
          'handler',
          'KiB',
          'init ms (median)',
          'samples ms',
          '@aws-sdk clients (imported by)',
          'only its own clients',
        ],
        rows,
      },
    ];
    result.notes.push(
      'Init time = `import()` of the bundle in a fresh `node` process, measured inside it (Node start-up excluded); this machine runs Node 20, Lambda runs Node 24 on ARM64, so absolute times differ from AWS — compare bundles with each other.',
      `Handlers found: ${handlers.length} files under functions/handlers/ that export \`handler\`.`,
      '"Only the clients its step needs": the expected set per handler is this benchmark\'s reading of docs/architecture.md (which AWS service each step calls; DynamoDB allowed everywhere for the registry). A client outside it is dead weight in that bundle.',
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(coldStart);
}
