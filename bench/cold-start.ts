/**
 * Lambda cold start: bundles every handler of the stack's catalog (infra/handler-catalog.ts) as the CDK
 * `LifecycleFunction` does (infra/bundling.ts: esbuild, minified ESM, node24, banner, SDK bundled, credential
 * alias), reports the minified size, the module initialisation time in a fresh `node` process (median of N) and
 * the @aws-sdk clients in each bundle against those its IAM declaration calls (infra/handler-permissions.ts).
 *
 * Side by side: the same handlers are bundled from a baseline commit (`--baseline <git ref>`, default the commit
 * before the cold-start work; `--baseline none` to skip), extracted with `git archive` into a temporary directory
 * that uses this checkout's node_modules; init samples of the two bundles alternate.
 *
 * `--external-sdk` compares instead the deployed bundles ("before") with the same handlers bundled with the AWS SDK
 * left out (`@aws-sdk/*`, `@smithy/*` external, loaded from node_modules at import as from the Lambda runtime's
 * copy): the trade-off of docs/decisions/0005-bundle-the-sdk.md.
 *
 *   npx tsx bench/cold-start.ts [--runs 5] [--only api,slack] [--baseline a6c40fb] [--external-sdk]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import {
  BUNDLE_OPTIONS,
  bundledClients,
  clientsAllowedBy,
  GRANTED_BESIDE_DECLARATION,
} from '../infra/bundling.ts';
import { ALL_HANDLERS } from '../infra/handler-catalog.ts';
import { HANDLER_PERMISSIONS } from '../infra/handler-permissions.ts';
import { type Baseline, DEFAULT_BASELINE, extractBaseline } from './lib/baseline.ts';
import {
  type BenchResult,
  finishResult,
  flag,
  fmt,
  median,
  numberFlag,
  REPO_ROOT,
  runAsScript,
  startResult,
} from './lib/report.ts';

const KIB = 1024;
/** Issue 14's targets. */
const EDGE_TARGET = { initMs: 100, sizeKiB: 300 };
const EDGE_HANDLERS = ['api', 'slack'];
const OTHER_MAX_KIB = 500;
/**
 * Behind the HTTP API too, but not one of issue 14's two: the dry runs, settings changes and logs, split from `api`
 * (docs/decisions/0006-lambda-credentials-and-zod-mini.md, decision 10). Held to the other handlers' size bound;
 * its figures are reported beside the edge handlers' so that the split is seen whole.
 */
const SPLIT_FROM_API = ['api-aux'];

/**
 * The options a checkout bundles with: its own `infra/bundling.ts` when it has one, otherwise the settings its
 * `LifecycleFunction` used before that file existed (the same, without the credential alias and the schema plugin).
 */
async function bundleOptionsOf(root: string): Promise<BuildOptions> {
  if (root === REPO_ROOT) return { ...BUNDLE_OPTIONS };
  const file = path.join(root, 'infra/bundling.ts');
  if (existsSync(file)) {
    const mod = (await import(pathToFileURL(file).href)) as { BUNDLE_OPTIONS: BuildOptions };
    return { ...mod.BUNDLE_OPTIONS };
  }
  const { alias: _alias, plugins: _plugins, ...legacy } = BUNDLE_OPTIONS;
  return { ...legacy };
}

interface BundleInfo {
  file: string;
  bytes: number;
  clients: string[];
}

async function bundle(
  root: string,
  handler: string,
  outDir: string,
  options: BuildOptions,
): Promise<BundleInfo> {
  const outfile = path.join(outDir, handler, 'index.mjs');
  mkdirSync(path.dirname(outfile), { recursive: true });
  const result = await build({
    ...options,
    entryPoints: [path.join(root, 'functions/handlers', `${handler}.ts`)],
    absWorkingDir: root,
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values((result.metafile as Metafile).outputs)[0];
  return {
    file: outfile,
    bytes: readFileSync(outfile).byteLength,
    clients: output ? bundledClients(output) : [],
  };
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
  const url = JSON.stringify(pathToFileURL(file).href);
  const script = `const t=performance.now();const m=await import(${url});if(typeof m.handler!=='function')throw new Error('no handler export');process.stdout.write(String(performance.now()-t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env['PATH'] ?? '', ...IMPORT_ENV },
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return Number(out.trim());
}

const firstLine = (error: unknown): string =>
  String(error instanceof Error ? error.message : error)
    .split('\n')
    .filter((l) => /Error|error/.test(l))
    .slice(0, 1)
    .join(' ')
    .slice(0, 160);

interface Measured {
  info?: BundleInfo;
  samples: number[];
  error?: string;
}

const kibOf = (m: Measured | undefined): number => (m?.info ? m.info.bytes / KIB : Number.NaN);
const initOf = (m: Measured | undefined): number =>
  m && m.samples.length > 0 && !m.error ? median(m.samples) : Number.NaN;
const beside = (before: number, after: number, digits: number): string =>
  Number.isFinite(before) ? `${fmt(before, digits)} → ${fmt(after, digits)}` : fmt(after, digits);

/** Runs the benchmark. Flags: `--runs N` (default 5), `--only a,b`, `--baseline <ref>|none`. */
async function coldStart(argv: string[]): Promise<BenchResult> {
  const runs = Math.max(5, numberFlag(argv, 'runs', 5));
  const only = flag(argv, 'only')?.split(',');
  const externalSdk = argv.includes('--external-sdk');
  const baselineRef = externalSdk ? 'HEAD (SDK bundled)' : (flag(argv, 'baseline') ?? DEFAULT_BASELINE);
  const withBaseline = externalSdk || baselineRef !== 'none';
  const result = startResult(
    'cold-start',
    '4. Lambda cold start (bundle size, module initialisation, SDK clients)',
    `npm run bench -- --only cold-start  (npx tsx bench/cold-start.ts --runs ${runs} ${externalSdk ? '--external-sdk' : `--baseline ${baselineRef}`})`,
  );
  // External packages resolve from this checkout's node_modules when the bundles sit inside it.
  const outDir = externalSdk
    ? mkdtempSync(path.join(REPO_ROOT, 'node_modules', '.berth-bench-'))
    : mkdtempSync(path.join(tmpdir(), 'berth-bench-bundles-'));
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}');
  const baseline: Baseline | undefined =
    !externalSdk && withBaseline ? extractBaseline(baselineRef) : undefined;
  const baseRoot = externalSdk ? REPO_ROOT : baseline?.root;
  try {
    const handlers = ALL_HANDLERS.filter((h) => !only || only.includes(h.file));
    const options: BuildOptions = externalSdk
      ? { ...BUNDLE_OPTIONS, external: ['@aws-sdk/*', '@smithy/*', '@aws-crypto/*'], plugins: [] }
      : await bundleOptionsOf(REPO_ROOT);
    const baseOptions = baseRoot ? await bundleOptionsOf(baseRoot) : undefined;
    const rows: string[][] = [];
    let flagged = 0;
    let oversize = 0;
    for (const entry of handlers) {
      const now: Measured = { samples: [] };
      const before: Measured | undefined = baseRoot ? { samples: [] } : undefined;
      try {
        now.info = await bundle(REPO_ROOT, entry.file, path.join(outDir, 'now'), options);
      } catch (error) {
        now.error = `bundle failed: ${firstLine(error)}`;
      }
      if (before && baseRoot && baseOptions) {
        if (!existsSync(path.join(baseRoot, 'functions/handlers', `${entry.file}.ts`))) {
          before.error = 'absent at baseline';
        } else {
          try {
            before.info = await bundle(baseRoot, entry.file, path.join(outDir, 'before'), baseOptions);
          } catch (error) {
            before.error = `bundle failed: ${firstLine(error)}`;
          }
        }
      }
      // Alternate the two bundles' samples so that load changes hit both alike.
      for (let i = 0; i < runs; i++) {
        for (const m of [before, now]) {
          if (!m?.info || m.error) continue;
          try {
            m.samples.push(initMs(m.info.file));
          } catch (error) {
            m.error = `init failed: ${firstLine(error)}`;
          }
        }
      }
      const allowed = clientsAllowedBy([
        ...(HANDLER_PERMISSIONS[entry.id] ?? []),
        ...(GRANTED_BESIDE_DECLARATION[entry.id] ?? []),
      ]);
      const clients = now.info?.clients ?? [];
      const extra = clients.filter((c) => !allowed.includes(c));
      if (extra.length > 0) flagged++;
      const kib = kibOf(now);
      const init = initOf(now);
      const isEdge = EDGE_HANDLERS.includes(entry.file);
      if (!isEdge && !(kib <= OTHER_MAX_KIB)) oversize++;
      rows.push([
        entry.file,
        beside(kibOf(before), kib, 1),
        now.error ?? beside(initOf(before), init, 1),
        now.samples.map((s) => fmt(s, 0)).join(' '),
        before?.error ?? (before?.info?.clients.join(', ') || (before ? 'none' : '')),
        clients.join(', ') || 'none',
        extra.length === 0 ? 'yes' : `**no**: ${extra.join(', ')}`,
      ]);
      /** The edge handlers and those split from api answer requests: their init has a target. */
      const initFigure = {
        metric: `${entry.file}: module init (median of ${runs})`,
        value: now.error ?? `${beside(initOf(before), init, 1)} ms`,
        target: `≤ ${EDGE_TARGET.initMs} ms`,
        pass: !now.error && init <= EDGE_TARGET.initMs,
      };
      if (SPLIT_FROM_API.includes(entry.file)) {
        result.figures.push({
          metric: `${entry.file} (dry runs, settings changes and logs, split from api): minified bundle`,
          value: `${beside(kibOf(before), kib, 1)} KiB`,
          target: `≤ ${OTHER_MAX_KIB} KiB`,
          pass: kib <= OTHER_MAX_KIB,
        });
        result.figures.push(initFigure);
      }
      if (isEdge) {
        result.figures.push({
          metric: `${entry.file}: minified bundle`,
          value: `${beside(kibOf(before), kib, 1)} KiB`,
          target: `≤ ${EDGE_TARGET.sizeKiB} KiB`,
          pass: kib <= EDGE_TARGET.sizeKiB,
        });
        result.figures.push(initFigure);
      }
    }
    result.figures.push({
      metric: `other handlers over ${OTHER_MAX_KIB} KiB`,
      value: `${oversize} of ${handlers.filter((h) => !EDGE_HANDLERS.includes(h.file)).length}`,
      target: '0',
      pass: oversize === 0,
    });
    result.figures.push({
      metric: 'handlers bundling @aws-sdk clients their IAM declaration does not call',
      value: `${flagged} of ${handlers.length}`,
      target: '0',
      pass: flagged === 0,
    });
    result.tables = [
      {
        title: `Every handler of the catalog (esbuild ${String(options.target)}, ESM, minified, banner; before → after; init = median of ${runs} fresh processes, ms)`,
        header: [
          'handler',
          'KiB',
          'init ms (median)',
          'samples ms (after)',
          '@aws-sdk clients before',
          '@aws-sdk clients after',
          'only what its IAM calls',
        ],
        rows,
      },
    ];
    result.notes.push(
      externalSdk
        ? '"before" = the deployed bundles (SDK bundled); "after" = the same handlers with `@aws-sdk/*`, `@smithy/*` and `@aws-crypto/*` external, loaded from node_modules at import; init samples alternate.'
        : withBaseline
          ? `"before" = the handlers of commit \`${baselineRef}\` bundled with that commit's settings, in the same run, init samples alternating with "after" (the working tree).`
          : 'No baseline in this run (`--baseline none`).',
      'Init time = `import()` of the bundle in a fresh `node` process, measured inside it (Node start-up excluded); this machine runs Node 20, Lambda runs Node 24 on ARM64, so absolute times differ from AWS — compare bundles with each other.',
      `Handlers: the ${ALL_HANDLERS.length} entries of infra/handler-catalog.ts (what the stack deploys).`,
      '"Only what its IAM calls": a client is expected when the handler\'s declaration in infra/handler-permissions.ts names an action of its service (test/infra/handler-bundles.test.ts fails otherwise).',
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    baseline?.remove();
  }
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(coldStart);
}
