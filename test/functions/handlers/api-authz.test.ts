import { beforeEach, describe, expect, it } from 'vitest';
import { type AccessPolicyInput, parseAccessPolicy } from '../../../functions/core/access-policy.ts';
import { makeHandler, type PlannerPort, type PlanRequest } from '../../../functions/handlers/api.ts';
import { cachedPolicy, type PolicySource, policySourceFor } from '../../../functions/handlers/http/access.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const ANA = 'arn:aws:sts::123456789012:assumed-role/Dev/ana';
const BO = 'arn:aws:sts::123456789012:assumed-role/Dev/bo';
const VERA = 'arn:aws:iam::123456789012:user/vera';
const OUTSIDER = 'arn:aws:iam::999999999999:user/eve';

const POLICY: AccessPolicyInput = {
  version: 1,
  bindings: [
    { role: 'deployer', principals: ['arn:aws:sts::123456789012:assumed-role/Dev/*'] },
    { role: 'viewer', principals: [VERA] },
  ],
  images: { allow: ['docker.io/library/nginx', '123456789012.dkr.ecr.*.amazonaws.com/team-*'] },
};

class CountingPlanner implements PlannerPort {
  readonly requests: PlanRequest[] = [];
  async plan(request: PlanRequest) {
    this.requests.push(request);
    return { steps: [] };
  }
}

let registry: FakeRegistry;
let executions: FakeExecutions;
let planner: CountingPlanner;
let denials: Record<string, unknown>[];
let handler: ReturnType<typeof makeHandler>;

const withPolicy = (policy: PolicySource) =>
  makeHandler({
    registry,
    executions,
    planner,
    clock: { now: () => NOW },
    logger: { error: () => {} },
    policy,
    denialLogger: (entry) => denials.push(entry),
  });

beforeEach(() => {
  registry = new FakeRegistry();
  executions = new FakeExecutions();
  planner = new CountingPlanner();
  denials = [];
  const policy = parseAccessPolicy(POLICY);
  handler = withPolicy(async () => policy);
  // bo's environment: ana (a deployer) does not own it.
  registry.environments.set('bos', readyEnv('bos', { owner: BO }));
  registry.environments.set('anas', readyEnv('anas', { owner: ANA }));
});

/** A refused request: 403 with the reason, logged, nothing started, written or planned. */
const expectDenied = async (event: ReturnType<typeof apiEvent>, reason: RegExp) => {
  const result = await handler(event);
  expect(result.statusCode).toBe(403);
  const body = parse(result);
  expect(body['error']).toBe('AccessDeniedError');
  expect(body['message']).toMatch(reason);
  expect(executions.started).toHaveLength(0);
  expect(registry.writes).toBe(0);
  expect(planner.requests).toHaveLength(0);
  expect(denials).toHaveLength(1);
  return body;
};

const ROUTES: [string, string, string, unknown?][] = [
  ['ls', 'GET', '/environments'],
  ['status', 'GET', '/environments/anas'],
  ['up', 'POST', '/environments', { name: 'new', image: 'nginx:1.27' }],
  ['down', 'DELETE', '/environments/anas'],
  ['scale', 'POST', '/environments/anas/scale', { desiredCount: 2 }],
  ['redeploy', 'POST', '/environments/anas/redeploy', {}],
  ['extend', 'POST', '/environments/anas/extend', { hours: 2 }],
  ['up', 'POST', '/environments/anas/plan', { operation: 'up' }],
  ['ls', 'GET', '/nightly/last'],
  ['logs', 'GET', '/environments/anas/logs'],
  ['history', 'GET', '/environments/anas/operations'],
];

describe('api authorization', () => {
  it.each(ROUTES)(
    'refuses %s (%s %s) to an API caller outside the policy with 403',
    async (action, method, path, body) => {
      const denied = await expectDenied(
        apiEvent(method, path, { userArn: OUTSIDER, ...(body === undefined ? {} : { body }) }),
        /no binding of the access policy names this caller/,
      );
      expect(denied['message']).toContain(`API caller ${OUTSIDER} may not ${action}`);
      expect(denials[0]).toMatchObject({ caller: `API caller ${OUTSIDER}`, action });
    },
  );

  it('refuses a deployer tearing down someone else’s environment', async () => {
    await expectDenied(
      apiEvent('DELETE', '/environments/bos', { userArn: ANA }),
      new RegExp(`only an admin may tear down an environment it does not own \\(owner: ${BO}\\)`),
    );
    expect(denials[0]).toMatchObject({ env: 'bos', action: 'down' });
  });

  it('lets a deployer tear down its own environment', async () => {
    const result = await handler(apiEvent('DELETE', '/environments/anas', { userArn: ANA }));
    expect(result.statusCode).toBe(202);
    expect(executions.started).toHaveLength(1);
  });

  it('refuses a deployer scaling, redeploying or planning someone else’s environment', async () => {
    await expectDenied(
      apiEvent('POST', '/environments/bos/scale', { userArn: ANA, body: { desiredCount: 3 } }),
      /belongs to .*Dev\/bo and is not granted/,
    );
  });

  it('refuses an image outside the allowed patterns, listing them', async () => {
    await expectDenied(
      apiEvent('POST', '/environments', {
        userArn: ANA,
        body: { name: 'new', image: 'evil.example/miner:1' },
      }),
      /image evil\.example\/miner:1 is not allowed \(allowed: docker\.io\/library\/nginx, 123456789012\.dkr\.ecr\.\*\.amazonaws\.com\/team-\*\)/,
    );
  });

  it('refuses a wildcard host on the shared load balancer to a deployer (admin-only)', async () => {
    await expectDenied(
      apiEvent('POST', '/environments', {
        userArn: ANA,
        body: { name: 'wild', image: 'nginx:1.27', loadBalancer: { mode: 'shared', host: '*.example.com' } },
      }),
      /the wildcard host \*\.example\.com is admin-only/,
    );
  });

  it('answers 409 naming the holder when a shared-mode host is already claimed, starting nothing', async () => {
    registry.environments.set(
      'shop',
      readyEnv('shop', {
        owner: BO,
        spec: {
          name: 'shop',
          image: 'nginx:1.27',
          loadBalancer: { mode: 'shared', host: 'shop.example.com' },
        },
      }),
    );
    const result = await handler(
      apiEvent('POST', '/environments', {
        userArn: ANA,
        body: {
          name: 'copycat',
          image: 'nginx:1.27',
          loadBalancer: { mode: 'shared', host: 'shop.example.com' },
        },
      }),
    );
    expect(result.statusCode).toBe(409);
    expect(parse(result)).toEqual({
      error: 'RouteConflictError',
      message: `the shared load balancer's host shop.example.com is already claimed by environment "shop" (owner: ${BO})`,
    });
    expect(executions.started).toHaveLength(0);
    expect(registry.writes).toBe(0);
    // Another path on the same host, or the holder re-running its own up, is not a conflict.
    const other = await handler(
      apiEvent('POST', '/environments', {
        userArn: ANA,
        body: {
          name: 'copycat',
          image: 'nginx:1.27',
          loadBalancer: { mode: 'shared', host: 'shop.example.com', pathPrefix: '/api' },
        },
      }),
    );
    expect(other.statusCode).toBe(202);
  });

  it('records the owner from the identity even when the body claims another', async () => {
    const result = await handler(
      apiEvent('POST', '/environments', {
        userArn: ANA,
        body: { name: 'mine', image: 'nginx:1.27', owner: BO },
      }),
    );
    expect(result.statusCode).toBe(202);
    expect(executions.started[0]?.input).toMatchObject({
      requestedBy: ANA,
      entry: 'api',
      spec: { owner: ANA },
    });
  });

  it('refuses a redeploy to an image outside the allowed patterns', async () => {
    await expectDenied(
      apiEvent('POST', '/environments/anas/redeploy', { userArn: ANA, body: { image: 'redis:7' } }),
      /image redis:7 is not allowed/,
    );
  });

  it('lets a deployer create an environment with an allowed image, recording it as owner', async () => {
    const result = await handler(
      apiEvent('POST', '/environments', {
        userArn: ANA,
        body: { name: 'new', image: 'nginx:1.27', owner: 'bo' },
      }),
    );
    expect(result.statusCode).toBe(202);
    expect(executions.started[0]?.input).toMatchObject({ requestedBy: ANA, spec: { owner: ANA } });
  });

  it('lets a viewer read but not change', async () => {
    expect((await handler(apiEvent('GET', '/environments', { userArn: VERA }))).statusCode).toBe(200);
    expect((await handler(apiEvent('GET', '/environments/bos', { userArn: VERA }))).statusCode).toBe(200);
    await expectDenied(
      apiEvent('POST', '/environments/bos/extend', { userArn: VERA, body: { hours: 1 } }),
      /role is viewer/,
    );
  });

  it('fails closed when the policy is malformed: 403, logged with the field, nothing started', async () => {
    handler = withPolicy(
      cachedPolicy(async () => '{"version":1,"bindings":[{"role":"root","principals":["*"]}]}'),
    );
    await expectDenied(
      apiEvent('POST', '/environments', { userArn: ANA, body: { name: 'new', image: 'nginx:1.27' } }),
      /access policy could not be read or is malformed/,
    );
    expect(String(denials[0]?.['reason'])).toContain(
      'policy.bindings.0.role: must be one of viewer, deployer, admin',
    );
  });
});

describe('policy sources', () => {
  it('re-reads a cached policy only after its TTL, and does not cache a failed read', async () => {
    let reads = 0;
    let now = 0;
    let text = '{"version":1,"bindings":[],"images":{"allow":["*"]}}';
    const source = cachedPolicy(
      async () => {
        reads += 1;
        return text;
      },
      1000,
      () => now,
    );
    await source();
    await source();
    expect(reads).toBe(1);
    now = 1500;
    text = 'not json';
    await expect(source()).rejects.toThrow('policy: must be a JSON document');
    await expect(source()).rejects.toThrow('policy: must be a JSON document');
    expect(reads).toBe(3);
  });

  it('chooses file, then SSM parameter, then the development policy locally, else the default deployed policy', async () => {
    const read = async (name: string) =>
      `{"version":1,"description":"from ${name}","bindings":[],"images":{"allow":["*"]}}`;
    expect(policySourceFor({ file: '/x.json', parameter: '/p', local: true }, read).describe).toBe(
      'policy file /x.json',
    );
    const ssm = policySourceFor({ parameter: '/berth/policy', local: false }, read);
    expect((await ssm.source()).description).toBe('from /berth/policy');
    const local = policySourceFor({ local: true }, read);
    expect((await local.source()).bindings[0]?.role).toBe('admin');
    const deployed = await policySourceFor({ apiPrincipals: `${ANA}, ${BO}`, local: false }, read).source();
    expect(deployed.bindings).toContainEqual({ role: 'admin', principals: [ANA, BO] });
  });
});
