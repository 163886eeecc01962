import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../../functions/adapters/aws/dynamodb-document.ts';
import { DynamoRegistry } from '../../../functions/adapters/registry.ts';
import { makeHandler } from '../../../functions/handlers/api.ts';
import { registryPort } from '../../../functions/handlers/http/aws-deps.ts';
import { registryTable } from '../../../local/runtime/platform.ts';
import { apiEvent, FakeExecutions, parse } from './entry-fakes.ts';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

const NOW = new Date('2026-01-01T12:00:00.000Z');
let server: Server;
let registry: DynamoRegistry;
let executions: FakeExecutions;
let handler: ReturnType<typeof makeHandler>;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const raw = new DynamoDBClient({ endpoint, region: 'us-east-1', maxAttempts: 1 });
  await raw.send(new CreateTableCommand(registryTable('berth')));
  raw.destroy();
  registry = new DynamoRegistry(
    dynamoDocumentClient({ endpoint, region: 'us-east-1', maxAttempts: 1 }),
    'berth',
    () => NOW,
  );
  executions = new FakeExecutions();
  handler = makeHandler({
    registry: registryPort(registry, () => NOW),
    executions,
    planner: { plan: async () => ({ steps: [] }) },
    clock: { now: () => NOW },
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const SPEC = { name: 'dyn', image: 'nginx:1.27', owner: 'ana' };

describe('api over the DynamoDB registry', () => {
  it('stores the idempotency record and answers a retry with the same operation', async () => {
    const event = apiEvent('POST', '/environments', { body: SPEC, headers: { 'Idempotency-Key': 'dyn-1' } });
    const first = await handler(event);
    const second = await handler(event);
    expect(first.statusCode).toBe(202);
    expect(second.body).toBe(first.body);
    expect(executions.started).toHaveLength(1);
    expect(await registry.getRequest('dyn-1')).toMatchObject({
      operationId: 'dyn-1',
      env: 'dyn',
      operation: 'up',
      executionArn: parse(first)['executionArn'],
      ttl: NOW.getTime() / 1000 + 7 * 86_400,
    });
  });

  it('answers 409 while the registry lock is held by another operation', async () => {
    await registry.putEnvironment({
      name: 'busy',
      status: 'creating',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    await registry.acquireLock('busy', {
      token: 't',
      operationId: 'op-x',
      operation: 'up',
      nowSeconds: NOW.getTime() / 1000,
      ttlSeconds: 600,
    });
    const result = await handler(apiEvent('POST', '/environments/busy/scale', { body: { desiredCount: 2 } }));
    expect(result.statusCode).toBe(409);
    expect(parse(result)).toEqual({
      error: 'OperationInProgressError',
      message: 'environment "busy" is busy: up op-x is running',
    });
  });

  it('describes an environment with its recorded operations', async () => {
    await registry.putEnvironment({
      name: 'seen',
      status: 'ready',
      url: 'http://seen',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    await registry.recordOperation({
      env: 'seen',
      operationId: 'op-1',
      operation: 'up',
      requestId: 'op-1',
      requestedBy: 'ana',
      status: 'succeeded',
      steps: [{ step: 'ready', status: 'ready', at: NOW.toISOString() }],
      startedAt: NOW.toISOString(),
    });
    const body = parse(await handler(apiEvent('GET', '/environments/seen')));
    expect(body).toMatchObject({ name: 'seen', status: 'ready', url: 'http://seen' });
    expect(body['operations']).toEqual([
      expect.objectContaining({
        operationId: 'op-1',
        steps: [{ step: 'ready', status: 'ready', at: NOW.toISOString() }],
      }),
    ]);
  });

  it('finishes a start whose request record has no execution yet', async () => {
    await registry.putRequest({
      requestId: 'half-1',
      operationId: 'half-1',
      env: 'dyn',
      operation: 'up',
      ttl: 1,
    });
    const result = await handler(
      apiEvent('POST', '/environments', { body: SPEC, headers: { 'Idempotency-Key': 'half-1' } }),
    );
    expect(result.statusCode).toBe(202);
    expect((await registry.getRequest('half-1'))?.executionArn).toBe(parse(result)['executionArn']);
  });
});
