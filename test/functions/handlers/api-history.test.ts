import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/handlers/api.ts';
import type { OperationRecord } from '../../../functions/handlers/http/ports.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const ANA = 'arn:aws:sts::123456789012:assumed-role/Dev/ana';

let registry: FakeRegistry;
let executions: FakeExecutions;
let handler: ReturnType<typeof makeHandler>;

const op = (i: number, extra: Partial<OperationRecord> = {}): OperationRecord => ({
  env: 'demo',
  requestId: `op-${String(i).padStart(2, '0')}`,
  operationId: `op-${String(i).padStart(2, '0')}`,
  operation: i % 2 === 0 ? 'scale' : 'redeploy',
  requestedBy: ANA,
  entry: 'api',
  status: 'succeeded',
  startedAt: `2026-01-01T10:${String(i).padStart(2, '0')}:00.000Z`,
  finishedAt: `2026-01-01T10:${String(i).padStart(2, '0')}:30.000Z`,
  steps: [],
  ...extra,
});

beforeEach(() => {
  registry = new FakeRegistry();
  executions = new FakeExecutions();
  handler = makeHandler({
    registry,
    executions,
    planner: { plan: async () => ({ steps: [] }) },
    clock: { now: () => NOW },
    logger: { error: () => {} },
  });
  registry.environments.set('demo', readyEnv('demo', { owner: ANA }));
  // The registry answers newest first; shuffle a little to check the route orders by itself.
  const ops = Array.from({ length: 25 }, (_, i) => op(i));
  registry.operations.set('demo', [...ops.slice(10), ...ops.slice(0, 10)].reverse());
});

describe('GET /environments/{name}/operations', () => {
  it('lists who asked, through which entry point and when, newest first, paged with nextToken', async () => {
    const first = parse(await handler(apiEvent('GET', '/environments/demo/operations', { userArn: ANA })));
    expect(first['env']).toBe('demo');
    expect(first['operations']).toHaveLength(20);
    expect(first['operations'][0]).toEqual({
      operationId: 'op-24',
      operation: 'scale',
      status: 'succeeded',
      requestedBy: ANA,
      entry: 'api',
      executionArn: null,
      startedAt: '2026-01-01T10:24:00.000Z',
      finishedAt: '2026-01-01T10:24:30.000Z',
      steps: [],
      error: null,
    });
    expect(typeof first['nextToken']).toBe('string');
    const second = parse(
      await handler(
        apiEvent('GET', '/environments/demo/operations', {
          userArn: ANA,
          query: { nextToken: first['nextToken'] },
        }),
      ),
    );
    expect(second['operations'].map((o: { operationId: string }) => o.operationId)).toEqual([
      'op-04',
      'op-03',
      'op-02',
      'op-01',
      'op-00',
    ]);
    expect(second['nextToken']).toBeNull();
    const small = parse(
      await handler(
        apiEvent('GET', '/environments/demo/operations', { userArn: ANA, query: { limit: '25' } }),
      ),
    );
    expect(small['operations']).toHaveLength(25);
    expect(small['nextToken']).toBeNull();
  });

  it('shows entry null for operations recorded before entry points were', async () => {
    const { entry: _entry, ...older } = op(1);
    registry.operations.set('demo', [older]);
    const body = parse(await handler(apiEvent('GET', '/environments/demo/operations', { userArn: ANA })));
    expect(body['operations'][0]['entry']).toBeNull();
  });

  it('keeps a deleted environment’s history readable; 404 for one that never existed', async () => {
    registry.environments.set('demo', readyEnv('demo', { owner: ANA, status: 'deleted' }));
    const ok = await handler(apiEvent('GET', '/environments/demo/operations', { userArn: ANA }));
    expect(ok.statusCode).toBe(200);
    const missing = await handler(apiEvent('GET', '/environments/nope/operations', { userArn: ANA }));
    expect(missing.statusCode).toBe(404);
  });

  it.each([
    [{ limit: '0' }, 'query.limit'],
    [{ limit: '101' }, 'query.limit'],
    [{ limit: 'x' }, 'query.limit'],
    [{ nextToken: 'not a token' }, 'query.nextToken'],
    [{ nextToken: Buffer.from('no-hash').toString('base64url') }, 'query.nextToken'],
    [{ since: '1h' }, 'query.since'],
  ])('answers 400 naming the field for %j', async (query, field) => {
    const result = await handler(apiEvent('GET', '/environments/demo/operations', { userArn: ANA, query }));
    expect(result.statusCode).toBe(400);
    expect(parse(result)['message']).toContain(field);
  });

  it('records the entry point with the operation the API starts', async () => {
    const result = await handler(
      apiEvent('POST', '/environments/demo/scale', { userArn: ANA, body: { desiredCount: 2 } }),
    );
    expect(result.statusCode).toBe(202);
    expect(executions.started[0]?.input).toMatchObject({ requestedBy: ANA, entry: 'api' });
  });
});
