import { beforeEach, describe, expect, it } from 'vitest';
import {
  lambdaPlanner,
  makeHandler,
  type PlannerPort,
  type PlanRequest,
} from '../../../functions/handlers/api.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;

class FakePlanner implements PlannerPort {
  readonly requests: PlanRequest[] = [];
  async plan(request: PlanRequest) {
    this.requests.push(request);
    return {
      steps: [{ stage: 'service', action: 'create' as const, resource: 'berth-demo', reason: 'missing' }],
    };
  }
}

let registry: FakeRegistry;
let executions: FakeExecutions;
let planner: FakePlanner;
let handler: ReturnType<typeof makeHandler>;

beforeEach(() => {
  registry = new FakeRegistry();
  executions = new FakeExecutions();
  planner = new FakePlanner();
  handler = makeHandler({
    registry,
    executions,
    planner,
    clock: { now: () => NOW },
    logger: { error: () => {} },
  });
});

const SPEC = { name: 'demo', image: 'nginx:1.27', owner: 'ana' };

/** Asserts a rejected request: status, error body, and that nothing started or was written. */
const expectRejected = async (
  event: ReturnType<typeof apiEvent>,
  status: number,
  expected: Record<string, unknown>,
) => {
  const result = await handler(event);
  expect(result.statusCode).toBe(status);
  expect(parse(result)).toMatchObject(expected);
  expect(executions.started).toHaveLength(0);
  expect(registry.writes).toBe(0);
  return parse(result);
};

describe('api POST /environments', () => {
  it('starts an up execution and answers 202 with the operation', async () => {
    const result = await handler(
      apiEvent('POST', '/environments', { body: SPEC, userArn: 'arn:aws:iam::1:user/ana' }),
    );
    expect(result.statusCode).toBe(202);
    expect(parse(result)).toEqual({
      operationId: 'gw-req-1',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:berth-lifecycle:up-demo-gw-req-1',
      env: 'demo',
      operation: 'up',
      statusUrl: '/environments/demo',
    });
    expect(result.headers?.['location']).toBe('/environments/demo');
    expect(executions.started).toHaveLength(1);
    const input = executions.started[0]?.input;
    expect(input).toMatchObject({
      operation: 'up',
      env: 'demo',
      requestId: 'gw-req-1',
      requestedBy: 'arn:aws:iam::1:user/ana',
    });
    expect(input?.spec).toMatchObject({ name: 'demo', image: 'nginx:1.27', cpu: 256, desiredCount: 1 });
  });

  it('uses the Idempotency-Key header as the operation id', async () => {
    const result = await handler(
      apiEvent('POST', '/environments', { body: SPEC, headers: { 'Idempotency-Key': 'key-1' } }),
    );
    expect(parse(result)['operationId']).toBe('key-1');
    expect(executions.started[0]?.name).toBe('up-demo-key-1');
  });

  it('uses the body requestId when there is no header', async () => {
    const result = await handler(
      apiEvent('POST', '/environments', { body: { ...SPEC, requestId: 'body-7' } }),
    );
    expect(parse(result)['operationId']).toBe('body-7');
    expect(executions.started[0]?.input).not.toHaveProperty('spec.requestId');
  });

  it('returns the same operation for a retried request and starts once', async () => {
    const event = apiEvent('POST', '/environments', { body: SPEC, headers: { 'idempotency-key': 'same' } });
    const first = await handler(event);
    registry.environments.set('demo', readyEnv('demo', { status: 'creating' }));
    registry.locks.set('demo', {
      token: 'lock-same',
      operationId: 'same',
      operation: 'up',
      expiresAt: NOW_S + 600,
    });
    const second = await handler(event);
    expect(second.statusCode).toBe(202);
    expect(second.body).toBe(first.body);
    expect(executions.started).toHaveLength(1);
  });

  it('takes the owner from the IAM caller when the spec has none', async () => {
    const { owner: _owner, ...noOwner } = SPEC;
    await handler(apiEvent('POST', '/environments', { body: noOwner, userArn: 'arn:aws:iam::1:user/bo' }));
    expect(executions.started[0]?.input.spec).toMatchObject({ owner: 'arn:aws:iam::1:user/bo' });
  });

  it('records the owner from the IAM identity even when the body claims another', async () => {
    const result = await handler(
      apiEvent('POST', '/environments', {
        body: { ...SPEC, owner: 'mallory' },
        userArn: 'arn:aws:iam::1:user/bo',
      }),
    );
    expect(result.statusCode).toBe(202);
    expect(executions.started[0]?.input).toMatchObject({
      requestedBy: 'arn:aws:iam::1:user/bo',
      spec: { owner: 'arn:aws:iam::1:user/bo' },
    });
  });

  it('keeps the recorded owner when another caller re-ups an existing environment', async () => {
    registry.environments.set('demo', readyEnv('demo', { owner: 'arn:aws:iam::1:user/ana' }));
    await handler(apiEvent('POST', '/environments', { body: SPEC, userArn: 'arn:aws:iam::1:user/admin' }));
    expect(executions.started[0]?.input).toMatchObject({
      requestedBy: 'arn:aws:iam::1:user/admin',
      spec: { owner: 'arn:aws:iam::1:user/ana' },
    });
  });

  it('refuses a request without a verified identity (403), starting nothing', async () => {
    await expectRejected(apiEvent('POST', '/environments', { body: SPEC, userArn: null }), 403, {
      error: 'AccessDeniedError',
    });
  });

  it('rejects an invalid spec with the field and rule', async () => {
    await expectRejected(apiEvent('POST', '/environments', { body: { ...SPEC, name: 'Bad_Name' } }), 400, {
      error: 'ValidationError',
      field: 'name',
      rule: 'must be a DNS label of 2–20 lowercase letters, digits or hyphens',
      message: 'name: must be a DNS label of 2–20 lowercase letters, digits or hyphens',
    });
  });

  it('rejects a spec field of the wrong type', async () => {
    await expectRejected(apiEvent('POST', '/environments', { body: { ...SPEC, desiredCount: '2' } }), 400, {
      error: 'ValidationError',
      field: 'desiredCount',
      rule: 'must be an integer from 0 to 100',
    });
  });

  it('rejects unknown spec keys', async () => {
    await expectRejected(apiEvent('POST', '/environments', { body: { ...SPEC, colour: 'red' } }), 400, {
      error: 'ValidationError',
      field: 'colour',
      rule: 'is not a known field',
    });
  });

  it('rejects malformed JSON', async () => {
    await expectRejected(apiEvent('POST', '/environments', { rawBody: '{"name":' }), 400, {
      error: 'ValidationError',
      field: 'body',
      rule: 'must be valid JSON',
      message: 'body: must be valid JSON',
    });
  });

  it('rejects a JSON array body', async () => {
    await expectRejected(apiEvent('POST', '/environments', { rawBody: '[1]' }), 400, {
      field: 'body',
      rule: 'must be a JSON object',
    });
  });

  it('rejects an empty body', async () => {
    await expectRejected(apiEvent('POST', '/environments', { rawBody: '' }), 400, {
      field: 'body',
      rule: 'a JSON object is required',
    });
  });

  it('rejects an Idempotency-Key with unsafe characters', async () => {
    await expectRejected(
      apiEvent('POST', '/environments', { body: SPEC, headers: { 'Idempotency-Key': 'a b/c' } }),
      400,
      { field: 'Idempotency-Key', rule: 'must be 1-64 characters of letters, digits, "-" or "_"' },
    );
  });

  it('rejects a body requestId that differs from the Idempotency-Key', async () => {
    await expectRejected(
      apiEvent('POST', '/environments', {
        body: { ...SPEC, requestId: 'b' },
        headers: { 'Idempotency-Key': 'a' },
      }),
      400,
      { field: 'requestId', rule: 'must equal the Idempotency-Key header when both are given' },
    );
  });

  it('rejects a key already used for another environment', async () => {
    registry.requests.set('k', {
      requestId: 'k',
      operationId: 'k',
      executionArn: 'arn:x',
      env: 'other',
      operation: 'down',
    });
    await expectRejected(
      apiEvent('POST', '/environments', { body: SPEC, headers: { 'Idempotency-Key': 'k' } }),
      400,
      { field: 'Idempotency-Key', rule: 'was already used for down of environment "other"; use a new key' },
    );
  });

  it('answers 413 for a body over 64 KiB', async () => {
    await expectRejected(
      apiEvent('POST', '/environments', { rawBody: JSON.stringify({ ...SPEC, pad: 'x'.repeat(70_000) }) }),
      413,
      { error: 'PayloadTooLargeError', message: expect.stringMatching(/limit is 65536 bytes$/) },
    );
  });

  it('answers 413 for a base64 body over 64 KiB', async () => {
    await expectRejected(
      apiEvent('POST', '/environments', { rawBody: 'x'.repeat(66_000), base64: true }),
      413,
      { error: 'PayloadTooLargeError' },
    );
  });

  it('accepts a base64-encoded body', async () => {
    const result = await handler(apiEvent('POST', '/environments', { body: SPEC, base64: true }));
    expect(result.statusCode).toBe(202);
  });

  it('answers 409 when another operation holds the lock', async () => {
    registry.environments.set('demo', readyEnv('demo'));
    registry.locks.set('demo', {
      token: 'lock-op-9',
      operationId: 'op-9',
      operation: 'scale',
      expiresAt: NOW_S + 60,
    });
    await expectRejected(apiEvent('POST', '/environments', { body: SPEC }), 409, {
      error: 'OperationInProgressError',
      message: 'environment "demo" is busy: scale op-9 is running',
    });
  });

  it('ignores an expired lock', async () => {
    registry.locks.set('demo', {
      token: 'lock-op-9',
      operationId: 'op-9',
      operation: 'scale',
      expiresAt: NOW_S - 1,
    });
    const result = await handler(apiEvent('POST', '/environments', { body: SPEC }));
    expect(result.statusCode).toBe(202);
  });

  it('answers 409 when the record shows a current operation and no lock', async () => {
    registry.environments.set(
      'demo',
      readyEnv('demo', {
        currentOperation: {
          operationId: 'op-3',
          operation: 'redeploy',
          startedAt: '2026-01-01T11:59:00.000Z',
        },
      }),
    );
    await expectRejected(apiEvent('POST', '/environments', { body: SPEC }), 409, {
      error: 'OperationInProgressError',
      message: 'environment "demo" is busy: redeploy op-3 is running',
    });
  });
});

describe('api GET /environments', () => {
  beforeEach(() => {
    registry.environments.set('b-env', readyEnv('b-env'));
    registry.environments.set('a-env', readyEnv('a-env', { status: 'failed', keep: true }));
    registry.environments.set('gone', readyEnv('gone', { status: 'deleted' }));
  });

  it('lists environments by name without deleted ones', async () => {
    const result = await handler(apiEvent('GET', '/environments'));
    expect(result.statusCode).toBe(200);
    const body = parse(result);
    expect(body['environments'].map((e: { name: string }) => e.name)).toEqual(['a-env', 'b-env']);
    expect(body['environments'][0]).toEqual({
      name: 'a-env',
      status: 'failed',
      url: 'http://berth-a-env-alb-1.us-east-1.elb.localhost',
      owner: 'ana',
      expiresAt: '2026-01-02T00:00:00.000Z',
      keep: true,
      currentOperation: null,
      // Never seen running (no usage recorded): no estimate.
      cost: null,
      // No sleep/wake schedule in its spec.
      schedule: null,
    });
    expect(body['nextToken']).toBeNull();
  });

  it('prices what an environment was seen running since then', async () => {
    registry.environments.set(
      'priced',
      readyEnv('priced', {
        usage: {
          resources: {
            region: 'us-east-1',
            instances: [{ type: 't3.small', count: 2 }],
            loadBalancer: { mode: 'shared', environments: 4 },
          },
          observedAt: '2026-01-01T10:00:00.000Z',
          accruedUsd: 0.5,
        },
      }),
    );
    const body = parse(await handler(apiEvent('GET', '/environments/priced')));
    // 2 × 0.0208 + 2 × 30 × 0.08 / 730 + 0.0225 / 4 = 0.0416 + 0.0065753… + 0.005625 = 0.0538003… per hour;
    // seen at 10:00, now 12:00: 0.5 accrued before + 2 h × 0.0538003… = 0.6076007 → 0.607601
    expect(body['cost']).toMatchObject({
      hourlyUsd: 0.0538,
      sinceCreatedUsd: 0.607601,
      currency: 'USD',
      observedAt: '2026-01-01T10:00:00.000Z',
      lines: [
        { item: '2 × t3.small', hourlyUsd: 0.0416 },
        { item: '2 × 30 GiB gp3', hourlyUsd: 0.006575 },
        { item: '1/4 of the shared Application Load Balancer', hourlyUsd: 0.005625 },
      ],
    });
  });

  it('filters by status', async () => {
    const body = parse(await handler(apiEvent('GET', '/environments', { query: { status: 'deleted' } })));
    expect(body['environments'].map((e: { name: string }) => e.name)).toEqual(['gone']);
  });

  it('pages with limit and nextToken', async () => {
    const first = parse(await handler(apiEvent('GET', '/environments', { query: { limit: '1' } })));
    expect(first['environments'].map((e: { name: string }) => e.name)).toEqual(['a-env']);
    const second = parse(
      await handler(
        apiEvent('GET', '/environments', { query: { limit: '1', nextToken: first['nextToken'] } }),
      ),
    );
    expect(second['environments'].map((e: { name: string }) => e.name)).toEqual(['b-env']);
    expect(second['nextToken']).toBeNull();
  });

  it.each([
    [{ status: 'sleeping' }, 'query.status', /^must be one of creating, ready/],
    [{ limit: '0' }, 'query.limit', /^must be an integer from 1 to 100$/],
    [{ limit: 'ten' }, 'query.limit', /^must be an integer from 1 to 100$/],
    [{ nextToken: '!!' }, 'query.nextToken', /^must be a nextToken returned by a previous page$/],
    [{ sort: 'name' }, 'query.sort', /^unknown query parameter$/],
  ])('rejects query %j', async (query, field, rule) => {
    await expectRejected(apiEvent('GET', '/environments', { query }), 400, {
      error: 'ValidationError',
      field,
      rule: expect.stringMatching(rule),
    });
  });
});

describe('api GET /environments/{name}', () => {
  it('describes the environment with its current operation, last failure and history', async () => {
    registry.environments.set(
      'demo',
      readyEnv('demo', {
        status: 'scaling',
        currentOperation: {
          operationId: 'op-2',
          operation: 'scale',
          executionArn: 'arn:exec:2',
          step: 'verify',
          startedAt: '2026-01-01T11:00:00.000Z',
        },
        lastFailure: {
          operation: 'redeploy',
          step: 'verify',
          error: 'DeploymentRolledBackError',
          reason: 'circuit breaker',
          at: '2026-01-01T10:00:00.000Z',
        },
      }),
    );
    registry.operations.set('demo', [
      {
        env: 'demo',
        operationId: 'op-2',
        operation: 'scale',
        requestId: 'op-2',
        requestedBy: 'ana',
        status: 'running',
        startedAt: '2026-01-01T11:00:00.000Z',
        steps: [{ step: 'scale', status: 'succeeded', at: '2026-01-01T11:00:05.000Z' }],
      },
    ]);
    const result = await handler(apiEvent('GET', '/environments/demo'));
    expect(result.statusCode).toBe(200);
    const body = parse(result);
    expect(body).toMatchObject({
      name: 'demo',
      status: 'scaling',
      currentOperation: { operationId: 'op-2', step: 'verify', executionArn: 'arn:exec:2' },
      lastFailure: { step: 'verify', reason: 'circuit breaker' },
      spec: { image: 'nginx:1.27' },
    });
    expect(body['operations'][0]).toMatchObject({ operationId: 'op-2', steps: [{ step: 'scale' }] });
  });

  it('answers 404 for an unknown environment', async () => {
    await expectRejected(apiEvent('GET', '/environments/nope'), 404, {
      error: 'NotFoundError',
      message: 'environment "nope" does not exist',
    });
  });

  it('rejects an invalid name in the path', async () => {
    await expectRejected(apiEvent('GET', '/environments/NO_PE'), 400, {
      error: 'ValidationError',
      field: 'name',
      rule: 'must be a DNS label of 2–20 lowercase letters, digits or hyphens',
    });
  });
});

describe('api mutations on an existing environment', () => {
  beforeEach(() => {
    registry.environments.set('demo', readyEnv('demo'));
  });

  it('DELETE starts down', async () => {
    const result = await handler(apiEvent('DELETE', '/environments/demo'));
    expect(result.statusCode).toBe(202);
    expect(executions.started[0]?.input).toMatchObject({ operation: 'down', env: 'demo' });
  });

  it('scale starts scale with the desired count', async () => {
    const result = await handler(apiEvent('POST', '/environments/demo/scale', { body: { desiredCount: 3 } }));
    expect(result.statusCode).toBe(202);
    expect(executions.started[0]?.input).toMatchObject({ operation: 'scale', desiredCount: 3 });
  });

  it('redeploy starts redeploy with a new image', async () => {
    await handler(apiEvent('POST', '/environments/demo/redeploy', { body: { image: 'nginx:1.28' } }));
    expect(executions.started[0]?.input).toMatchObject({ operation: 'redeploy', image: 'nginx:1.28' });
  });

  it('redeploy without a body re-pulls the same image', async () => {
    const result = await handler(apiEvent('POST', '/environments/demo/redeploy'));
    expect(result.statusCode).toBe(202);
    expect(executions.started[0]?.input).not.toHaveProperty('image');
  });

  it('extend takes hours', async () => {
    await handler(apiEvent('POST', '/environments/demo/extend', { body: { hours: 8 } }));
    expect(executions.started[0]?.input).toMatchObject({ operation: 'extend', hours: 8 });
  });

  it('extend takes a ttl duration', async () => {
    await handler(apiEvent('POST', '/environments/demo/extend', { body: { ttl: '2d' } }));
    expect(executions.started[0]?.input).toMatchObject({ operation: 'extend', hours: 48 });
  });

  it.each([
    ['DELETE', '/environments/nope', undefined],
    ['POST', '/environments/nope/scale', { desiredCount: 1 }],
    ['POST', '/environments/nope/redeploy', {}],
    ['POST', '/environments/nope/extend', { hours: 1 }],
  ])('%s %s answers 404 for an unknown environment', async (method, path, body) => {
    await expectRejected(apiEvent(method, path, { body }), 404, {
      error: 'NotFoundError',
      message: 'environment "nope" does not exist',
    });
  });

  it('DELETE of a deleted environment answers 404', async () => {
    registry.environments.set('old', readyEnv('old', { status: 'deleted' }));
    await expectRejected(apiEvent('DELETE', '/environments/old'), 404, {
      error: 'NotFoundError',
      message: 'environment "old" was deleted',
    });
  });

  it.each([
    ['/environments/demo/scale', {}, 'desiredCount', 'is required'],
    ['/environments/demo/scale', { desiredCount: 1.5 }, 'desiredCount', 'must be an integer from 0 to 100'],
    ['/environments/demo/scale', { desiredCount: 101 }, 'desiredCount', 'must be an integer from 0 to 100'],
    ['/environments/demo/scale', { desiredCount: 1, extra: 1 }, 'extra', 'unknown field'],
    ['/environments/demo/redeploy', { image: 'has space' }, 'image', /^must be a container image reference/],
    ['/environments/demo/redeploy', { image: 7 }, 'image', /^must be a container image reference/],
    ['/environments/demo/extend', {}, 'hours', 'give exactly one of hours or ttl'],
    ['/environments/demo/extend', { hours: 1, ttl: '1h' }, 'hours', 'give exactly one of hours or ttl'],
    ['/environments/demo/extend', { hours: 0 }, 'hours', 'must be an integer from 1 to 720'],
    ['/environments/demo/extend', { ttl: 'soon' }, 'ttl', /^must be a duration like 30m, 8h or 2d/],
    ['/environments/demo/extend', { ttl: '90m' }, 'ttl', 'must be a whole number of hours, like 8h or 2d'],
  ])('POST %s %j answers 400 naming %s', async (path, body, field, rule) => {
    await expectRejected(apiEvent('POST', path, { body }), 400, {
      error: 'ValidationError',
      field,
      rule: typeof rule === 'string' ? rule : expect.stringMatching(rule),
    });
  });

  it('DELETE rejects unknown body keys', async () => {
    await expectRejected(apiEvent('DELETE', '/environments/demo', { body: { force: true } }), 400, {
      field: 'force',
      rule: 'unknown field',
    });
  });

  it('answers 409 for a mutation while another operation holds the lock', async () => {
    registry.locks.set('demo', {
      token: 'lock-op-1',
      operationId: 'op-1',
      operation: 'up',
      expiresAt: NOW_S + 60,
    });
    await expectRejected(apiEvent('POST', '/environments/demo/scale', { body: { desiredCount: 2 } }), 409, {
      error: 'OperationInProgressError',
      message: 'environment "demo" is busy: up op-1 is running',
    });
  });
});

describe('api POST /environments/{name}/plan', () => {
  it('returns the planner steps for up with a spec', async () => {
    const result = await handler(
      apiEvent('POST', '/environments/demo/plan', { body: { operation: 'up', spec: SPEC } }),
    );
    expect(result.statusCode).toBe(200);
    expect(parse(result)['steps']).toHaveLength(1);
    expect(planner.requests[0]).toMatchObject({ operation: 'up', env: 'demo', spec: { name: 'demo' } });
    expect(executions.started).toHaveLength(0);
  });

  it('passes the stored spec and desired count for scale', async () => {
    registry.environments.set('demo', readyEnv('demo'));
    await handler(
      apiEvent('POST', '/environments/demo/plan', { body: { operation: 'scale', desiredCount: 4 } }),
    );
    expect(planner.requests[0]).toMatchObject({
      operation: 'scale',
      desiredCount: 4,
      spec: { image: 'nginx:1.27' },
    });
  });

  it('answers 404 when planning down of an unknown environment', async () => {
    await expectRejected(apiEvent('POST', '/environments/nope/plan', { body: { operation: 'down' } }), 404, {
      error: 'NotFoundError',
    });
    expect(planner.requests).toHaveLength(0);
  });

  it.each([
    [{ operation: 'explode' }, 'operation', 'must be one of up, down, scale, redeploy, pause, resume'],
    [
      { operation: 'up', spec: { ...SPEC, name: 'other' } },
      'spec.name',
      'must equal the environment name "demo"',
    ],
    [{ operation: 'down', image: 'x' }, 'image', 'is only allowed for redeploy'],
    [{ operation: 'up', desiredCount: 1 }, 'desiredCount', 'is only allowed for scale'],
    [{ operation: 'scale' }, 'desiredCount', 'is required'],
    [{ operation: 'down', dryRun: true }, 'dryRun', 'unknown field'],
  ])('rejects %j', async (body, field, rule) => {
    registry.environments.set('demo', readyEnv('demo'));
    await expectRejected(apiEvent('POST', '/environments/demo/plan', { body }), 400, { field, rule });
    expect(planner.requests).toHaveLength(0);
  });

  it('requires a spec to plan up of an environment without a stored spec', async () => {
    await expectRejected(apiEvent('POST', '/environments/demo/plan', { body: { operation: 'up' } }), 400, {
      field: 'spec',
      rule: 'is required: environment "demo" has no stored spec',
    });
  });
});

describe('api routing and failures', () => {
  it('answers 405 with the allowed methods', async () => {
    const result = await handler(apiEvent('PUT', '/environments/demo'));
    expect(result.statusCode).toBe(405);
    expect(result.headers?.['allow']).toBe('GET, DELETE, PATCH');
    expect(parse(result)).toEqual({
      error: 'MethodNotAllowedError',
      message: 'PUT is not allowed on /environments/demo; allowed: GET, DELETE, PATCH',
      allowed: ['GET', 'DELETE', 'PATCH'],
    });
  });

  it('answers 404 for an unknown route', async () => {
    const result = await handler(apiEvent('GET', '/nothing/here'));
    expect(result.statusCode).toBe(404);
    expect(parse(result)).toEqual({ error: 'RouteNotFoundError', message: 'no route for GET /nothing/here' });
  });

  it('answers 500 without details when a port fails unexpectedly', async () => {
    const logged: unknown[] = [];
    const failing = makeHandler({
      registry: Object.assign(new FakeRegistry(), {
        getEnvironment: async () => {
          throw new Error('socket hang up at 10.0.0.1');
        },
      }),
      executions,
      planner,
      logger: { error: (_m, d) => logged.push(d) },
    });
    const result = await failing(apiEvent('GET', '/environments/demo', { requestId: 'r-500' }));
    expect(result.statusCode).toBe(500);
    expect(parse(result)).toEqual({ error: 'InternalError', requestId: 'r-500' });
    expect(result.body).not.toContain('socket');
    expect(logged).toHaveLength(1);
  });
});

describe('lambdaPlanner', () => {
  it('invokes the plan function with the request and returns its steps', async () => {
    const calls: unknown[] = [];
    const planner = lambdaPlanner(async (name, payload) => {
      calls.push([name, payload]);
      return { steps: [{ stage: 'service' }] };
    }, 'berth-plan');
    expect(await planner.plan({ operation: 'down', env: 'demo' })).toEqual({ steps: [{ stage: 'service' }] });
    expect(calls).toEqual([['berth-plan', { operation: 'down', env: 'demo' }]]);
  });

  it('maps a named error of the plan function to its status', async () => {
    const failing = makeHandler({
      registry,
      executions,
      planner: lambdaPlanner(async () => {
        throw Object.assign(new Error('sg berth-demo-alb is foreign'), { name: 'OwnershipConflictError' });
      }, 'berth-plan'),
      clock: { now: () => NOW },
    });
    registry.environments.set('demo', readyEnv('demo'));
    const result = await failing(
      apiEvent('POST', '/environments/demo/plan', { body: { operation: 'down' } }),
    );
    expect(result.statusCode).toBe(409);
    expect(parse(result)).toEqual({
      error: 'OwnershipConflictError',
      message: 'sg berth-demo-alb is foreign',
    });
  });

  it('rejects an answer without steps', async () => {
    await expect(
      lambdaPlanner(async () => ({}), 'berth-plan').plan({ operation: 'down', env: 'demo' }),
    ).rejects.toThrow('plan function berth-plan returned no steps');
  });
});
