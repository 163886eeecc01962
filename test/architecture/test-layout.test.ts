import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Tests follow the source layout (issue 11 item 7): a test of `local/cloud/core/ids.ts` is
 * `test/local/cloud/core/ids.test.ts`, one of `functions/adapters/ec2.ts` is
 * `test/functions/adapters/ec2[-<aspect>].test.ts`. So a `*.test.ts` outside the cross-cutting suites lives in
 * `test/<dir>`, where `<dir>` is a directory of the source tree, and its name starts with the name of a module
 * (file or directory) in `<dir>`: `ec2-eventual-consistency` → `ec2.ts`, `api-authz` → `api.ts`. A name that is the
 * leading words of a module's name counts too (`network` → `network-stack.ts`). What has no single subject is
 * listed below with the reason.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Suites about the whole platform, not one module: they keep their own directories. */
const CROSS_CUTTING = [
  'test/e2e', // the whole platform on the local cloud, through the API, the CLI and Slack
  'test/chaos', // fault injection and fuzzing across the platform
  'test/architecture', // rules over the whole repository (this file among them)
];

/** Tests whose subject is not one module of their directory; `*` stands for one path segment. */
const ALLOWED: Record<string, string> = {
  'test/local/cloud/services/*/*.test.ts':
    'a service of the local cloud is tested through its API (handlers and backend together, over the wire); the name says the API area',
  'test/local/cloud/aws-network-behaviours.test.ts':
    'EC2, ELBv2 and the data plane together: ALB network interfaces, security-group propagation and enforcement',
  'test/local/cloud/capacity-behaviours.test.ts':
    'ECS capacity providers with Auto Scaling managed scaling and termination protection, across both services',
  'test/local/cloud/cli-flow.test.ts':
    'the AWS CLI against the whole local cloud: a VPC to an ALB-fronted service and back',
  'test/local/cloud/cloud-aws-cli.test.ts': 'the AWS CLI v2 against the local cloud, across services',
  'test/local/cloud/dataplane/flow.test.ts':
    'the data plane end to end through the ECS and ELBv2 APIs: placement, deployments, health checks, draining',
  'test/local/cloud/dataplane/units.test.ts':
    'the small data-plane modules (alb-proxy, clock-like, health-checker, workload) one by one',
  'test/local/cloud/protocol/wire.test.ts':
    "the protocol modules side by side (form params, XML/JSON rendering, error shapes) and the server's routing",
  'test/functions/core/lazy-schemas.test.ts': 'a rule over every schema of core: none is built at import',
  'test/functions/handlers/lifecycle-*.test.ts':
    'the create-* and teardown-* handlers run in the order the lifecycle state machine runs them',
  'test/functions/handlers/operations.test.ts':
    'the small operation handlers (scale, redeploy, record, extend) side by side',
  'test/infra/iam.test.ts':
    "IAM declared per handler end to end: handler-permissions → the stack's policies (function-policies.json's staleness is function-policies.test.ts)",
  'test/infra/handler-bundles.test.ts':
    "every handler's bundle: bundling × handler-catalog × handler-permissions (size budget, SDK clients)",
  'test/statemachine/asl.test.ts':
    'both generated state machines (statemachine/*.asl.json) against the handler catalog',
  'test/dashboard/browser-missing.test.ts':
    "the Chromium launcher of the dashboard's browser test (test/dashboard/browser.ts)",
};

const matches = (pattern: string, path: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`).test(path);

/** Module names of a source directory: file names up to their first dot, directory names; undefined when there is no such directory. */
type ListSource = (dir: string) => string[] | undefined;

const listRepo: ListSource = (dir) => {
  const absolute = join(ROOT, dir);
  if (dir === '' || dir === 'test' || dir.startsWith('test/') || dir.includes('node_modules'))
    return undefined;
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) return undefined;
  return readdirSync(absolute)
    .filter((entry) => !entry.startsWith('.') && entry !== 'README.md')
    .map((entry) => entry.split('.')[0] ?? entry);
};

/** Why a test file is misplaced, or undefined when it is where the layout says. */
function misplaced(test: string, listSource: ListSource = listRepo): string | undefined {
  if (CROSS_CUTTING.some((dir) => test.startsWith(`${dir}/`))) return undefined;
  if (Object.keys(ALLOWED).some((pattern) => matches(pattern, test))) return undefined;
  const dir = relative('test', dirname(test)); // '' for a test directly in test/
  const modules = dir.startsWith('..') ? undefined : listSource(dir);
  if (!modules) return `${test}: ${dirname(test)} mirrors no source directory (${dir || 'the root'})`;
  const name = basename(test, '.test.ts');
  const ok = modules.some(
    (module) => name === module || name.startsWith(`${module}-`) || module.startsWith(`${name}-`),
  );
  return ok ? undefined : `${test}: no module of ${dir}/ is named ${name} or a prefix of it`;
}

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((entry) => {
    const path = `${dir}/${entry}`;
    if (statSync(join(ROOT, path)).isDirectory()) return testFiles(path);
    return entry.endsWith('.test.ts') ? [path] : [];
  });
}

describe('test layout', () => {
  const tests = testFiles('test');

  it('finds the tests', () => {
    expect(tests.length).toBeGreaterThan(150);
    expect(tests).toContain('test/architecture/test-layout.test.ts');
  });

  it('has every test next to the source it tests (test/<source dir>/<module>[-<aspect>].test.ts)', () => {
    expect(tests.flatMap((test) => misplaced(test) ?? [])).toEqual([]);
  });

  it('keeps no stale allow-list entry', () => {
    const unused = Object.keys(ALLOWED).filter((pattern) => !tests.some((test) => matches(pattern, test)));
    expect(unused).toEqual([]);
  });

  it('finds a misplaced test', () => {
    // An adapter test among the core tests, a test under the old layout's test/handlers, a test at the root.
    expect(misplaced('test/functions/core/ec2-eventual-consistency.test.ts')).toMatch(
      /no module of functions\/core\/ is named ec2-eventual-consistency/,
    );
    expect(misplaced('test/handlers/api.test.ts')).toMatch(/mirrors no source directory \(handlers\)/);
    expect(misplaced('test/loose.test.ts')).toMatch(/mirrors no source directory \(the root\)/);
    expect(misplaced('test/functions/adapters/ec2-eventual-consistency.test.ts')).toBeUndefined();
    expect(misplaced('test/infra/network.test.ts')).toBeUndefined();
    expect(misplaced('test/e2e/anything.test.ts')).toBeUndefined();
  });

  it('reads module names from a fake tree', () => {
    const tree: Record<string, string[]> = { 'functions/core': ['plan', 'plan-up'] };
    const list: ListSource = (dir) => tree[dir];
    expect(misplaced('test/functions/core/plan-up-fargate.test.ts', list)).toBeUndefined();
    expect(misplaced('test/functions/core/planner.test.ts', list)).toMatch(/named planner/);
    expect(misplaced('test/functions/cores/plan.test.ts', list)).toMatch(/mirrors no source directory/);
  });
});
