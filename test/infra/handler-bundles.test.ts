/**
 * Each Lambda bundle holds only the AWS SDK clients its step calls. "What its step calls" is the handler's IAM
 * declaration (infra/handler-permissions.ts, checked against real calls by test/e2e/iam-usage.test.ts); the bundle
 * is built as the CDK construct builds it (infra/bundling.ts) and read from esbuild's metafile. No timing here: the
 * sizes and start-up times are the cold-start benchmark's (bench/cold-start.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_OPTIONS,
  type BundleOutput,
  bundledClients,
  clientsAllowedBy,
  GRANTED_BESIDE_DECLARATION,
  handlerEntryPath,
  unexpectedClients,
} from '../../infra/bundling.ts';
import { ALL_HANDLERS } from '../../infra/handler-catalog.ts';
import { HANDLER_PERMISSIONS, type Permission } from '../../infra/handler-permissions.ts';
import { synthesize } from './helpers.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HANDLERS_DIR = path.join(REPO_ROOT, 'functions/handlers');
const outdir = mkdtempSync(path.join(tmpdir(), 'berth-bundle-check-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Bundles entries in one esbuild run (nothing written); returns each entry's output by entry path. */
async function bundleMeta(entryPoints: Record<string, string>): Promise<Metafile> {
  const result = await build({
    ...BUNDLE_OPTIONS,
    // Tree shaking decides what is in a bundle; minifying does not change it and only costs time here.
    minify: false,
    entryPoints,
    absWorkingDir: REPO_ROOT,
    outdir,
    outExtension: { '.js': '.mjs' },
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  if (result.metafile === undefined) throw new Error('esbuild returned no metafile');
  return result.metafile;
}

const outputOf = (meta: Metafile, name: string): BundleOutput => {
  const key = Object.keys(meta.outputs).find((k) => path.basename(k) === `${name}.mjs`);
  if (key === undefined) throw new Error(`no bundle output for ${name}`);
  return meta.outputs[key] as BundleOutput;
};

describe('the checker', () => {
  const lock: readonly Permission[] = [{ sid: 'Lock', actions: ['dynamodb:GetItem'], resources: ['*'] }];

  it('maps IAM service prefixes to client packages; iam:PassRole needs no client', () => {
    expect(
      clientsAllowedBy([
        { sid: 'A', actions: ['states:StartExecution', 'logs:FilterLogEvents'], resources: ['*'] },
        { sid: 'B', actions: ['elasticloadbalancing:DescribeRules', 'iam:PassRole'], resources: ['*'] },
      ]),
    ).toEqual(['cloudwatch-logs', 'elastic-load-balancing-v2', 'sfn']);
    expect(() => clientsAllowedBy([{ sid: 'X', actions: ['s3:GetObject'], resources: ['*'] }])).toThrow(
      /no AWS SDK client is known for the IAM service "s3"/,
    );
  });

  it('counts a client only when its code is in the output (tree-shaken inputs have 0 bytes)', () => {
    const synthetic: BundleOutput = {
      inputs: {
        'functions/handlers/lock.ts': { bytesInOutput: 900 },
        'node_modules/@aws-sdk/client-dynamodb/dist-es/DynamoDBClient.js': { bytesInOutput: 700 },
        'node_modules/@aws-sdk/client-ecs/dist-es/ECSClient.js': { bytesInOutput: 0 },
        'node_modules/@aws-sdk/client-ec2/dist-es/schemas/schemas_0.js': { bytesInOutput: 12 },
      },
    };
    expect(bundledClients(synthetic)).toEqual(['dynamodb', 'ec2']);
    expect(unexpectedClients(synthetic, lock)).toEqual(['ec2']);
  });

  it('flags a real bundle whose handler imports an adapter its permissions do not cover', async () => {
    // A lock-like handler that also builds the ECS adapter: the deliberate bad import.
    const bad = path.join(outdir, 'bad-lock.ts');
    writeFileSync(
      bad,
      [
        `import { defaultDeps } from ${JSON.stringify(path.join(HANDLERS_DIR, 'lifecycle-deps.ts'))};`,
        `import { ecsAdapter } from ${JSON.stringify(path.join(HANDLERS_DIR, 'wiring.ts'))};`,
        `import { registryAdapter } from ${JSON.stringify(path.join(HANDLERS_DIR, 'wiring-registry.ts'))};`,
        "const deps = defaultDeps('lock', { registry: registryAdapter, ecs: ecsAdapter });",
        'export const handler = async () => deps.registry;',
      ].join('\n'),
    );
    const good = path.join(outdir, 'good-lock.ts');
    writeFileSync(
      good,
      [
        `import { defaultDeps } from ${JSON.stringify(path.join(HANDLERS_DIR, 'lifecycle-deps.ts'))};`,
        `import { registryAdapter } from ${JSON.stringify(path.join(HANDLERS_DIR, 'wiring-registry.ts'))};`,
        "const deps = defaultDeps('lock', { registry: registryAdapter });",
        'export const handler = async () => deps.registry;',
      ].join('\n'),
    );
    const meta = await bundleMeta({ 'bad-lock': bad, 'good-lock': good });
    expect(unexpectedClients(outputOf(meta, 'bad-lock'), lock)).toEqual(['ecs']);
    expect(unexpectedClients(outputOf(meta, 'good-lock'), lock)).toEqual([]);
  }, 60_000);
});

describe('every handler in the catalog', () => {
  let meta: Metafile;
  beforeAll(async () => {
    meta = await bundleMeta(Object.fromEntries(ALL_HANDLERS.map((h) => [h.file, handlerEntryPath(h.file)])));
  }, 120_000);

  it.each(ALL_HANDLERS.map((h) => [h.id, h.file] as const))(
    '%s bundles only the SDK clients its IAM declaration calls',
    (id, file) => {
      const declared = HANDLER_PERMISSIONS[id];
      expect(declared, `${id} has no entry in infra/handler-permissions.ts`).toBeDefined();
      const permissions = [...(declared ?? []), ...(GRANTED_BESIDE_DECLARATION[id] ?? [])];
      const output = outputOf(meta, file);
      expect(
        unexpectedClients(output, permissions),
        `${file}: bundled ${bundledClients(output).join(', ')}; allowed ${clientsAllowedBy(permissions).join(', ')}`,
      ).toEqual([]);
    },
  );

  it('bundles no credential provider beyond the environment one (Lambda passes credentials in env)', () => {
    for (const handler of ALL_HANDLERS) {
      const live = Object.entries(outputOf(meta, handler.file).inputs)
        .filter(([file, input]) => input.bytesInOutput > 0 && /credential-provider|nested-clients/.test(file))
        .map(([file]) => file.replace(/^.*node_modules\//, '').split('/dist-')[0]);
      expect(
        [...new Set(live)].filter(
          (p) => p !== '@aws-sdk/credential-provider-env' && p !== '@aws-sdk/credential-providers',
        ),
        handler.file,
      ).toEqual([]);
    }
  });

  it('bundles zod mini, not zod classic (functions/core/zod.ts; ~70 KiB less per bundle)', () => {
    let withZod = 0;
    for (const handler of ALL_HANDLERS) {
      const live = Object.entries(outputOf(meta, handler.file).inputs).filter(
        ([file, input]) => input.bytesInOutput > 0 && /node_modules\/zod\//.test(file),
      );
      if (live.length > 0) withZod++;
      expect(
        live.map(([file]) => file).filter((file) => /zod\/v4\/(classic|locales\/(?!en\.js))/.test(file)),
        handler.file,
      ).toEqual([]);
    }
    expect(withZod).toBeGreaterThan(0);
  });

  it('leaves out the event-stream codec and the JavaScript SHA-256 (infra/bundling.ts; no Berth command streams)', () => {
    let withLogsOrLambda = 0;
    for (const handler of ALL_HANDLERS) {
      const output = outputOf(meta, handler.file);
      if (bundledClients(output).some((c) => c === 'cloudwatch-logs' || c === 'lambda')) withLogsOrLambda++;
      const live = Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([file]) => file.replace(/^.*node_modules\//, ''));
      expect(
        live.filter((file) =>
          /event-streams\/(eventstream-codec|eventstream-serde)\/|sha256\/Sha256Js\.js$/.test(file),
        ),
        handler.file,
      ).toEqual([]);
    }
    // The clients whose runtime config imports the marshaller are in some bundles, so the check bites.
    expect(withLogsOrLambda).toBeGreaterThan(0);
  });

  it('leaves out the adaptive retry strategy, the instance metadata region lookup, the shared config files and S3 endpoint rules (infra/bundling.ts)', () => {
    for (const handler of ALL_HANDLERS) {
      const bytesOf = (pattern: RegExp): number =>
        Object.entries(outputOf(meta, handler.file).inputs)
          .filter(([file]) => pattern.test(file))
          .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
      expect(
        bytesOf(/retry\/util-retry\/(AdaptiveRetryStrategy|DefaultRateLimiter)\.js$/),
        handler.file,
      ).toBe(0);
      // Nor the shared config files' reader, nor S3's endpoint rules.
      expect(bytesOf(/shared-ini-file-loader\/(parseIni|getHomeDir|readFile)\.js$/), handler.file).toBe(0);
      expect(bytesOf(/service-customizations\/s3\.js$/), handler.file).toBe(0);
      // What is left of the lookup is `async () => undefined` (unminified here; the lookup itself is ~2.5 KiB).
      expect(bytesOf(/regionConfig\/getInstanceMetadataRegion\.js$/), handler.file).toBeLessThan(512);
    }
  });

  it('keeps the api and slack bundles within 300 KiB minified (issue 14; bench/cold-start.ts measures them)', async () => {
    // Built as deployed (minified): the size a cold start loads. A feature that grows them past the bound must
    // find the room first (docs/decisions/0006-lambda-credentials-and-zod-mini.md).
    const result = await build({
      ...BUNDLE_OPTIONS,
      entryPoints: { api: handlerEntryPath('api'), slack: handlerEntryPath('slack') },
      absWorkingDir: REPO_ROOT,
      outdir,
      outExtension: { '.js': '.mjs' },
      write: false,
      logLevel: 'silent',
    });
    const kib = Object.fromEntries(
      result.outputFiles.map((file) => [path.basename(file.path, '.mjs'), file.contents.byteLength / 1024]),
    );
    expect(Object.keys(kib).sort()).toEqual(['api', 'slack']);
    expect(kib['api'], 'api KiB').toBeLessThanOrEqual(300);
    expect(kib['slack'], 'slack KiB').toBeLessThanOrEqual(300);
  }, 60_000);

  it('leaves out the modeled error classes of JSON clients and all but the version of their package.json', () => {
    const api = outputOf(meta, 'api').inputs;
    const bytesOf = (pattern: RegExp): number =>
      Object.entries(api)
        .filter(([file]) => pattern.test(file))
        .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    // SSM models 141 errors (~30 KiB of classes); the API sends one GetParameter.
    expect(bytesOf(/client-ssm\/dist-es\/models\/errors\.js$/)).toBeLessThan(1024);
    expect(bytesOf(/client-ssm\/dist-es\/models\/SSMServiceException\.js$/)).toBeGreaterThan(0);
    expect(bytesOf(/client-ssm\/package\.json$/)).toBeLessThan(64);
  });

  it('grants beside the declaration are ones the stack makes', () => {
    const { orchestrator } = synthesize({ accessPolicyParameter: '/berth/access-policy' });
    const roles = orchestrator.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const actionsOf = (catalogId: string): string[] =>
      Object.values(roles)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${catalogId}FunctionServiceRole`))
        .flatMap((r) => r.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat()));
    for (const [id, permissions] of Object.entries(GRANTED_BESIDE_DECLARATION)) {
      for (const action of permissions.flatMap((p) => p.actions)) expect(actionsOf(id), id).toContain(action);
    }
  }, 60_000);
});
