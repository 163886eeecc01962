/**
 * The AWS calls one API request makes, pinned: the api handler over the real adapters (the DynamoDB registry on
 * an in-process dynalite, the Step Functions adapter with its client mocked), every command counted as the
 * SDK sends it. bench/api-latency.ts measures the same on the local platform (calls per request, p50/p99).
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoRegistry } from '../../../functions/adapters/registry.ts';
import { AwsSfnAdapter } from '../../../functions/adapters/sfn.ts';
import { makeHandler } from '../../../functions/handlers/api.ts';
import { executionsPort, registryPort } from '../../../functions/handlers/http/aws-deps.ts';
import { registryTable } from '../../../local/runtime/platform.ts';
import { apiEvent } from './entry-fakes.ts';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

const NOW = new Date('2026-01-01T12:00:00.000Z');
const LIFECYCLE = 'arn:aws:states:us-east-1:123456789012:stateMachine:berth-lifecycle';
const USER = 'arn:aws:iam::123456789012:user/ana';

let server: Server;
let raw: DynamoDBClient;
let handler: ReturnType<typeof makeHandler>;
/** Every command sent, as `service:Action`, in order. */
const calls: string[] = [];
const sfnMock = mockClient(SFNClient);

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  raw = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await raw.send(new CreateTableCommand(registryTable('berth')));
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(`dynamodb:${String(context.commandName).replace(/Command$/, '')}`);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  const sfn = new SFNClient({ region: 'us-east-1' });
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => {
    calls.push('states:StartExecution');
    return {
      executionArn: `${LIFECYCLE.replace(':stateMachine:', ':execution:')}:${input.name}`,
      startDate: NOW,
    };
  });
  handler = makeHandler({
    registry: registryPort(
      new DynamoRegistry(DynamoDBDocumentClient.from(raw), 'berth', () => NOW),
      () => NOW,
    ),
    executions: executionsPort(new AwsSfnAdapter(sfn), LIFECYCLE),
    planner: { plan: async () => ({ steps: [] }) },
    clock: { now: () => NOW },
    logger: { error: () => {} },
  });
});

afterAll(async () => {
  raw.destroy();
  sfnMock.restore();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  calls.length = 0;
});

describe('the AWS calls of one API request', () => {
  it('a create makes three: one BatchGetItem, StartExecution, one PutItem of the request record', async () => {
    const result = await handler(
      apiEvent('POST', '/environments', {
        body: { name: 'calls', image: 'nginx:1.27' },
        headers: { 'Idempotency-Key': 'calls-1' },
        userArn: USER,
      }),
    );
    expect(result.statusCode).toBe(202);
    expect(calls).toEqual(['dynamodb:BatchGetItem', 'states:StartExecution', 'dynamodb:PutItem']);
  });

  it('a replay of the same request makes one, the BatchGetItem, and starts nothing', async () => {
    const event = apiEvent('POST', '/environments', {
      body: { name: 'replayed', image: 'nginx:1.27' },
      headers: { 'Idempotency-Key': 'calls-2' },
      userArn: USER,
    });
    const first = await handler(event);
    calls.length = 0;
    const second = await handler(event);
    expect(second.statusCode).toBe(202);
    expect(second.body).toBe(first.body);
    expect(calls).toEqual(['dynamodb:BatchGetItem']);
  });
});
