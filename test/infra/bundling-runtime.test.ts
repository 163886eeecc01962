/**
 * A program bundled with the Lambda settings (infra/bundling.ts: the SDK schema tree shaking and the environment
 * credential provider) still speaks to AWS: in a separate `node` process it sends requests over the three wire
 * protocols Berth uses (EC2 query, JSON 1.1, query/XML) to the local cloud, reads the replies, and gets AWS errors
 * back by name: over the query protocol as their modeled SDK classes (the error schemas the bundle keeps), over JSON as
 * the client's base exception with the error's name (the modeled error classes of JSON clients are left out), which
 * is how Berth tells errors apart — no Lambda code imports an SDK exception class (checked here too). A client with
 * event-stream operations (CloudWatch Logs) works with the refusing marshaller the bundles give it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_OPTIONS,
  literalSchemaKeys,
  NO_ADAPTIVE_RETRY_MESSAGE,
  NO_EVENT_STREAMS_MESSAGE,
  withoutModeledErrors,
} from '../../infra/bundling.ts';
import { type RunningCloud, startCloud } from '../../local/cloud/server.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'berth-bundle-runtime-'));
let cloud: RunningCloud;

beforeAll(async () => {
  cloud = await startCloud({ port: 0 });
});
afterAll(async () => {
  await cloud.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PROGRAM = `
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ClusterNotFoundException, CreateClusterCommand, DeleteServiceCommand, ECSClient, ECSServiceException, ListClustersCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, ElasticLoadBalancingV2ServiceException, TargetGroupNotFoundException } from '@aws-sdk/client-elastic-load-balancing-v2';
const out = {};
const ec2 = new EC2Client({ maxAttempts: 1 });
const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'bundle-check', Description: 'bundle check' }));
// EC2 is eventually consistent: a just-created group can answer InvalidGroup.NotFound for a moment (as the
// local cloud models), so the program asks again, as a real client must.
const describeGroup = async (tries) => {
  try { return await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId] })); }
  catch (e) {
    if (e.name !== 'InvalidGroup.NotFound' || tries <= 1) throw e;
    await new Promise((r) => setTimeout(r, 200));
    return describeGroup(tries - 1);
  }
};
const described = await describeGroup(50);
out.group = described.SecurityGroups?.map((g) => ({ id: g.GroupId === GroupId, name: g.GroupName }));
const ecs = new ECSClient({ maxAttempts: 1 });
// The create's own reply (the local cloud, like ECS, may not describe a just-created cluster yet).
const created = await ecs.send(new CreateClusterCommand({ clusterName: 'bundle-check', tags: [{ key: 'k', value: 'v' }] }));
out.cluster = [created.cluster].map((c) => ({ name: c?.clusterName, status: c?.status, tags: c?.tags }));
const errorOf = async (p, modeled, base) => {
  try { await p; return 'no error'; }
  catch (e) { return { name: e.name, modeled: e instanceof modeled, base: e instanceof base, fault: e.$fault, status: e.$metadata?.httpStatusCode, message: typeof e.message === 'string' && e.message.length > 0 }; }
};
out.ecsError = await errorOf(ecs.send(new DeleteServiceCommand({ cluster: 'bundle-absent', service: 'x' })), ClusterNotFoundException, ECSServiceException);
const elb = new ElasticLoadBalancingV2Client({ maxAttempts: 1 });
out.elbError = await errorOf(elb.send(new DescribeTargetGroupsCommand({ Names: ['bundle-absent'] })), TargetGroupNotFoundException, ElasticLoadBalancingV2ServiceException);
// CloudWatch Logs has event-stream operations: its client is built with the bundle's refusing marshaller and
// still sends and reads JSON 1.1 requests; the marshaller refuses with a message naming the choice.
const logs = new CloudWatchLogsClient({ maxAttempts: 1 });
await logs.send(new CreateLogGroupCommand({ logGroupName: 'bundle-check' }));
const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'bundle-check' }));
out.logGroups = groups.logGroups?.map((g) => g.logGroupName);
try { logs.config.eventStreamMarshaller.serialize({}, {}); out.eventStreams = 'served'; }
catch (e) { out.eventStreams = e.message; }
// The retry mode Berth never uses refuses; without AWS_REGION the SDK says the region is missing (no instance
// metadata lookup, and the profile file's region is not read).
const ecsErrorMessage = async (config) => {
  try { await new ECSClient({ maxAttempts: 1, ...config }).send(new ListClustersCommand({})); return 'sent'; }
  catch (e) { return e.message; }
};
out.adaptive = await ecsErrorMessage({ retryMode: 'adaptive' });
delete process.env.AWS_REGION;
out.noRegion = await ecsErrorMessage({});
process.stdout.write(JSON.stringify(out));
`;

/** The TypeScript sources of the Lambda code (`functions/`). */
function lambdaSources(dir = path.join(REPO_ROOT, 'functions')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return lambdaSources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}
/** `import { A, type B, C as D } from '@aws-sdk/client-x'` */
const SDK_IMPORT = /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g;
const importedNames = (list: string): string[] =>
  list
    .split(',')
    .map(
      (raw) =>
        raw
          .replace(/^\s*type\s+/, '')
          .split(' as ')[0]
          ?.trim() ?? '',
    )
    .filter((name) => name !== '');

describe('a bundle built with the Lambda settings', () => {
  it('rewrites computed schema keys into the literals they equal, nothing else', () => {
    const source = [
      'const _h = "http";',
      'const _xN = "xmlName";',
      'export var A$ = [9, n0, _A, { [_h]: ["POST", "/", 200] }, 0, () => B$];',
      'export var B$ = [3, n0, _B, { [_xN]: "b" }, [_C], [0]];',
      'const x = { [other]: 1 };',
    ].join('\n');
    const { source: out, rewritten } = literalSchemaKeys(source);
    expect(rewritten).toBe(2);
    expect(out).toContain('{ "http": ["POST", "/", 200] }');
    expect(out).toContain('{ "xmlName": "b" }');
    expect(out).toContain('{ [other]: 1 }');
  });

  it('removes the registrations of modeled errors, not the base exception or anything else', () => {
    const source = [
      'const _s_registry = new TypeRegistry(_s);',
      '_s_registry.registerError(SSMServiceException$, SSMServiceException);',
      'const n0_registry = new TypeRegistry(n0);',
      'export var ParameterNotFound$ = [-3, n0, _PNF, { "error": "client" }, [_M], [0]];',
      'n0_registry.registerError(ParameterNotFound$, ParameterNotFound);',
      'n1_registry.registerError(Other$, Other);',
      'export const errorTypeRegistries = [_s_registry, n0_registry];',
    ].join('\n');
    const { source: out, removed } = withoutModeledErrors(source);
    expect(removed).toBe(2);
    expect(out).not.toMatch(/n\d_registry\.registerError/);
    expect(out).toContain('_s_registry.registerError(SSMServiceException$, SSMServiceException);');
    expect(out).toContain('export var ParameterNotFound$');
    expect(out).toContain('export const errorTypeRegistries = [_s_registry, n0_registry];');
  });

  it('Lambda code imports no SDK exception class (errors are told apart by name)', async () => {
    const offending: string[] = [];
    let checked = 0;
    for (const file of lambdaSources()) {
      for (const [, names = '', pkg = ''] of readFileSync(file, 'utf8').matchAll(SDK_IMPORT)) {
        const client = (await import(pkg)) as Record<string, unknown>;
        for (const name of importedNames(names)) {
          checked++;
          const value = client[name];
          if (typeof value === 'function' && value.prototype instanceof Error) {
            offending.push(`${path.relative(REPO_ROOT, file)}: ${name}`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  }, 60_000);

  it('Lambda code sends no command with an event stream (the bundles leave event streams out)', async () => {
    const { NormalizedSchema } = await import('@smithy/core/schema');
    const commands: string[] = [];
    const streaming: string[] = [];
    for (const file of lambdaSources()) {
      for (const [, names = '', pkg = ''] of readFileSync(file, 'utf8').matchAll(SDK_IMPORT)) {
        const client = (await import(pkg)) as Record<string, unknown>;
        for (const name of importedNames(names).filter((n) => n.endsWith('Command'))) {
          const Command = client[name] as new (input: object) => { schema: unknown[] };
          const op = new Command({}).schema;
          commands.push(name);
          for (const shape of [op[4], op[5]]) {
            if (NormalizedSchema.of(shape as never).getEventStreamMember() !== '')
              streaming.push(`${pkg} ${name}`);
          }
        }
      }
    }
    expect(commands.length).toBeGreaterThan(20);
    expect(streaming).toEqual([]);
  }, 60_000);

  it('sends EC2, ECS and ELBv2 requests and reads their replies and modeled errors', async () => {
    const entry = path.join(dir, 'program.mjs');
    writeFileSync(entry, PROGRAM);
    const outfile = path.join(dir, 'out', 'index.mjs');
    const result = await build({
      ...BUNDLE_OPTIONS,
      entryPoints: [entry],
      absWorkingDir: REPO_ROOT,
      nodePaths: [path.join(REPO_ROOT, 'node_modules')],
      outfile,
      metafile: true,
      logLevel: 'silent',
    });
    // The schema tree shaking took effect: most of the EC2 client's schema module is gone.
    const inputs = Object.entries(Object.values(result.metafile?.outputs ?? {})[0]?.inputs ?? {});
    const ec2Schemas = inputs.find(([file]) => /client-ec2\/dist-es\/schemas\/schemas_0\.js$/.test(file));
    expect(ec2Schemas?.[1].bytesInOutput).toBeLessThan(100 * 1024);

    const configFile = path.join(dir, 'aws-config');
    writeFileSync(configFile, '[default]\nregion = eu-west-3\n');
    const { stdout } = await run(process.execPath, [outfile], {
      env: {
        PATH: process.env['PATH'] ?? '',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: cloud.url,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // A profile file that names a region: the bundles do not read shared config files (Lambda has none).
        AWS_CONFIG_FILE: configFile,
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
      },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      group: [{ id: true, name: 'bundle-check' }],
      cluster: [{ name: 'bundle-check', status: 'ACTIVE', tags: [{ key: 'k', value: 'v' }] }],
      // JSON 1.1: the modeled class is left out of the bundle; the client's base exception carries the name.
      ecsError: {
        name: 'ClusterNotFoundException',
        modeled: false,
        base: true,
        fault: 'client',
        status: 400,
        message: true,
      },
      // Query: the wire code (TargetGroupNotFound) maps to the modeled class through the registry, kept.
      elbError: {
        name: 'TargetGroupNotFoundException',
        modeled: true,
        base: true,
        fault: 'client',
        status: 400,
        message: true,
      },
      logGroups: ['bundle-check'],
      eventStreams: NO_EVENT_STREAMS_MESSAGE,
      adaptive: NO_ADAPTIVE_RETRY_MESSAGE,
      noRegion: 'Region is missing',
    });
  }, 60_000);
});
