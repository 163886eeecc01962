import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../../functions/adapters/aws/dynamodb-document.ts';
import { BATCH_GET_ATTEMPTS, DynamoRegistry } from '../../../functions/adapters/registry.ts';

const doc = dynamoDocumentClient({ region: 'us-east-1', maxAttempts: 1 });
const ddb = mockClient(doc);
const registry = new DynamoRegistry(doc, 'berth', () => new Date('2026-11-25T12:00:00Z'));
const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => ddb.reset());

describe('DynamoRegistry locks', () => {
  it('acquires the lock with a conditional put (free, expired or same token)', async () => {
    ddb.on(PutCommand).resolves({});
    const lock = await registry.acquireLock('demo', {
      token: 'exec-1',
      operationId: 'req-1',
      operation: 'up',
      nowSeconds: 1000,
      ttlSeconds: 7200,
    });
    expect(lock).toEqual({ token: 'exec-1', operationId: 'req-1', operation: 'up', expiresAt: 8200 });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'berth',
      Item: {
        pk: 'ENV#demo',
        sk: 'LOCK',
        token: 'exec-1',
        operationId: 'req-1',
        operation: 'up',
        expiresAt: 8200,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #token = :token',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: { ':now': 1000, ':token': 'exec-1' },
    });
  });

  it('throws OperationInProgressError naming the holder when the lock is busy', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'ENV#demo',
        sk: 'LOCK',
        token: 'exec-0',
        operationId: 'req-0',
        operation: 'down',
        expiresAt: 2000,
      },
    });
    const attempt = registry.acquireLock('demo', {
      token: 'exec-1',
      operationId: 'req-1',
      operation: 'up',
      nowSeconds: 1000,
      ttlSeconds: 60,
    });
    await expect(attempt).rejects.toMatchObject({
      name: 'OperationInProgressError',
      message:
        'environment "demo" is busy: down (operation req-0, lock expires at 1970-01-01T00:33:20.000Z) is running',
    });
  });

  it('takes over an expired lock because the condition compares expiresAt with now', async () => {
    // The emulated condition: the stored lock expired at 900 < now 1000, so DynamoDB accepts the put.
    ddb.on(PutCommand).callsFake((input: { ExpressionAttributeValues: Record<string, number> }) => {
      const stored = { expiresAt: 900 };
      if (!(stored.expiresAt < (input.ExpressionAttributeValues[':now'] ?? 0))) throw conditionFailed();
      return {};
    });
    const lock = await registry.acquireLock('demo', {
      token: 'exec-2',
      operationId: 'req-2',
      operation: 'scale',
      nowSeconds: 1000,
      ttlSeconds: 60,
    });
    expect(lock.expiresAt).toBe(1060);
  });

  it('releases the lock only with its token', async () => {
    ddb.on(DeleteCommand).resolves({});
    await expect(registry.releaseLock('demo', 'exec-1')).resolves.toEqual({ released: true });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: 'berth',
      Key: { pk: 'ENV#demo', sk: 'LOCK' },
      ConditionExpression: '#token = :token',
      ExpressionAttributeValues: { ':token': 'exec-1' },
    });
  });

  it('reports released: false when the lock is already gone or held by another token', async () => {
    ddb.on(DeleteCommand).rejects(conditionFailed());
    await expect(registry.releaseLock('demo', 'exec-1')).resolves.toEqual({ released: false });
  });
});

describe('DynamoRegistry environments and requests', () => {
  const T0 = '2026-01-01T00:00:00.000Z';

  it('checks an item read back against core/records.ts and names the field it breaks', async () => {
    ddb.on(GetCommand).resolves({
      Item: { pk: 'ENV#a', sk: 'META', name: 'a', status: 'sleeping', createdAt: T0, updatedAt: T0 },
    });
    await expect(registry.getEnvironment('a')).rejects.toThrow(
      /^registry item environment\.status: Invalid option: expected one of "creating"\|/,
    );
  });

  it('keeps attributes of an item that records.ts does not list', async () => {
    ddb.on(GetCommand).resolves({
      Item: { pk: 'ENV#a', sk: 'META', name: 'a', status: 'ready', createdAt: T0, updatedAt: T0, extra: 1 },
    });
    await expect(registry.getEnvironment('a')).resolves.toEqual({
      name: 'a',
      status: 'ready',
      createdAt: T0,
      updatedAt: T0,
      extra: 1,
    });
  });

  it('lists environments across scan pages', async () => {
    ddb
      .on(ScanCommand)
      .resolvesOnce({
        Items: [{ pk: 'ENV#a', sk: 'META', name: 'a', status: 'ready', createdAt: T0, updatedAt: T0 }],
        LastEvaluatedKey: { pk: 'ENV#a', sk: 'META' },
      })
      .resolvesOnce({
        Items: [{ pk: 'ENV#b', sk: 'META', name: 'b', status: 'failed', createdAt: T0, updatedAt: T0 }],
      });
    const list = await registry.listEnvironments();
    expect(list.map((e) => e.name)).toEqual(['a', 'b']);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 2);
    expect(ddb).toHaveReceivedNthCommandWith(ScanCommand, 2, {
      FilterExpression: 'sk = :meta',
      ExclusiveStartKey: { pk: 'ENV#a', sk: 'META' },
    });
  });

  it('returns the existing request record on a duplicate request id', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    const existing = {
      requestId: 'r1',
      operationId: 'r1',
      executionArn: 'arn:x',
      env: 'demo',
      operation: 'up',
      ttl: 5,
    };
    ddb.on(GetCommand).resolves({ Item: { pk: 'REQ#r1', sk: 'REQ', ...existing } });
    const result = await registry.putRequest({ ...existing, executionArn: 'arn:y' });
    expect(result).toEqual({ created: false, record: existing });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('maps a throttled DynamoDB call to ThrottlingError', async () => {
    ddb.on(GetCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: {},
      }),
    );
    await expect(registry.getEnvironment('demo')).rejects.toMatchObject({
      name: 'ThrottlingError',
      message: 'dynamodb.GetItem demo: Rate exceeded',
    });
  });
});

describe('DynamoRegistry.getStartReads', () => {
  const ENV = {
    pk: 'ENV#demo',
    sk: 'META',
    name: 'demo',
    status: 'ready',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
  };
  const LOCK = {
    pk: 'ENV#demo',
    sk: 'LOCK',
    token: 't',
    operationId: 'op-0',
    operation: 'down',
    expiresAt: 9,
  };
  const REQ = {
    pk: 'REQ#k-1',
    sk: 'REQ',
    requestId: 'k-1',
    operationId: 'k-1',
    env: 'demo',
    operation: 'up',
    ttl: 99,
  };
  const KEYS = [
    { pk: 'ENV#demo', sk: 'META' },
    { pk: 'ENV#demo', sk: 'LOCK' },
    { pk: 'REQ#k-1', sk: 'REQ' },
  ];

  it('reads the environment, its lock and the request record in one consistent BatchGetItem', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { berth: [REQ, ENV] } });
    const reads = await registry.getStartReads('demo', 'k-1');
    expect(reads).toEqual({
      environment: { name: 'demo', status: 'ready', createdAt: ENV.createdAt, updatedAt: ENV.updatedAt },
      lock: undefined,
      request: { requestId: 'k-1', operationId: 'k-1', env: 'demo', operation: 'up', ttl: 99 },
    });
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: { berth: { Keys: KEYS, ConsistentRead: true } },
    });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('asks again for the keys DynamoDB left unprocessed', async () => {
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { berth: [ENV] },
        UnprocessedKeys: { berth: { Keys: KEYS.slice(1), ConsistentRead: true } },
      })
      .resolvesOnce({ Responses: { berth: [LOCK, REQ] } });
    const reads = await registry.getStartReads('demo', 'k-1');
    expect(reads.environment?.name).toBe('demo');
    expect(reads.lock).toEqual({ token: 't', operationId: 'op-0', operation: 'down', expiresAt: 9 });
    expect(reads.request?.requestId).toBe('k-1');
    const calls = ddb.commandCalls(BatchGetCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems).toEqual({
      berth: { Keys: KEYS.slice(1), ConsistentRead: true },
    });
  });

  it('gives up with a retryable TransientAwsError when keys stay unprocessed', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: { berth: [] },
      UnprocessedKeys: { berth: { Keys: KEYS, ConsistentRead: true } },
    });
    await expect(registry.getStartReads('demo', 'k-1')).rejects.toMatchObject({
      name: 'TransientAwsError',
      retryable: true,
      message: `dynamodb.BatchGetItem demo request k-1: 3 keys still unprocessed after ${BATCH_GET_ATTEMPTS} requests`,
    });
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(BATCH_GET_ATTEMPTS);
  });
});
