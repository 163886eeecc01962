import {
  BatchGetItemCommand,
  CreateTableCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../../../../functions/adapters/aws/dynamodb-document.ts';
import { DynamoRegistry } from '../../../../../functions/adapters/registry.ts';
import { splitBatchGet } from '../../../../../local/cloud/services/dynamodb/embedded.ts';
import { registryTable } from '../../../../../local/runtime/platform.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

const TableName = 'berth';
const THROUGHPUT_MESSAGE =
  'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.';
const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });

describe('splitBatchGet', () => {
  it('reads the first half of the keys and returns the rest with their read options', () => {
    const body = JSON.stringify({
      RequestItems: {
        a: {
          Keys: [1, 2, 3],
          ConsistentRead: true,
          ProjectionExpression: '#n',
          ExpressionAttributeNames: { '#n': 'n' },
        },
        b: { Keys: [4] },
      },
      ReturnConsumedCapacity: 'TOTAL',
    });
    const split = splitBatchGet(body);
    expect(split?.processed).toEqual({
      a: {
        Keys: [1, 2],
        ConsistentRead: true,
        ProjectionExpression: '#n',
        ExpressionAttributeNames: { '#n': 'n' },
      },
    });
    expect(split?.unprocessed).toEqual({
      a: {
        Keys: [3],
        ConsistentRead: true,
        ProjectionExpression: '#n',
        ExpressionAttributeNames: { '#n': 'n' },
      },
      b: { Keys: [4] },
    });
    expect(split?.request['ReturnConsumedCapacity']).toBe('TOTAL');
  });

  it('has nothing to split for one key or a body that is not a request', () => {
    expect(splitBatchGet(JSON.stringify({ RequestItems: { a: { Keys: [1] } } }))).toBeUndefined();
    expect(splitBatchGet('{not json')).toBeUndefined();
    expect(splitBatchGet(JSON.stringify({ Keys: [1, 2] }))).toBeUndefined();
  });
});

describe('DynamoDB out of throughput (injected)', () => {
  let t: TestCloud;

  beforeAll(async () => {
    t = await startTestCloud();
    await t.clients.dynamodb.send(new CreateTableCommand(registryTable(TableName)));
    for (const [pk, sk] of [
      ['ENV#demo', 'META'],
      ['ENV#demo', 'LOCK'],
      ['REQ#k-1', 'META'],
    ] as const) {
      await t.clients.dynamodb.send(
        new PutItemCommand({ TableName, Item: { ...key(pk, sk), note: { S: `${pk} ${sk}` } } }),
      );
    }
  });
  afterAll(() => t.stop());

  const throttle = (rate: number, action: string, seed = 7) =>
    t.control('/_berth/faults', {
      method: 'POST',
      body: { random: { seed, throttleRate: rate, serverErrorRate: 0, actions: [`dynamodb:${action}`] } },
    });

  it('answers a throttled item read with ProvisionedThroughputExceededException, not ThrottlingException', async () => {
    await throttle(1, 'GetItem');
    await expectAwsError(
      t.clients.dynamodb.send(new GetItemCommand({ TableName, Key: key('ENV#demo', 'META') })),
      'ProvisionedThroughputExceededException',
      THROUGHPUT_MESSAGE,
    );
    await throttle(0, 'GetItem');
  });

  it('completes a multi-key BatchGetItem with part of the items and the rest under UnprocessedKeys', async () => {
    await throttle(1, 'BatchGetItem');
    const before = (await t.control('/_berth/faults')).injected as Record<string, number>;
    const out = await t.clients.dynamodb.send(
      new BatchGetItemCommand({
        RequestItems: {
          [TableName]: {
            Keys: [key('ENV#demo', 'META'), key('ENV#demo', 'LOCK'), key('REQ#k-1', 'META')],
            ConsistentRead: true,
          },
        },
      }),
    );
    expect(out.Responses?.[TableName]?.map((item) => item['sk']?.S)).toEqual(['META']);
    expect(out.UnprocessedKeys).toEqual({
      [TableName]: { Keys: [key('ENV#demo', 'LOCK'), key('REQ#k-1', 'META')], ConsistentRead: true },
    });
    const after = (await t.control('/_berth/faults')).injected as Record<string, number>;
    const fired = 'ProvisionedThroughputExceededException dynamodb:BatchGetItem';
    expect((after[fired] ?? 0) - (before[fired] ?? 0)).toBe(1);

    // One key left: nothing can be processed, so the whole call is throttled.
    await expectAwsError(
      t.clients.dynamodb.send(
        new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: [key('REQ#k-1', 'META')] } } }),
      ),
      'ProvisionedThroughputExceededException',
      THROUGHPUT_MESSAGE,
    );
    await throttle(0, 'BatchGetItem');
  });

  it("gives the registry's start reads all three records while BatchGetItem answers in parts", async () => {
    const NOW = new Date('2026-01-01T12:00:00.000Z');
    const registry = new DynamoRegistry(
      dynamoDocumentClient({ endpoint: t.url, region: 'us-east-1', maxAttempts: 5 }),
      TableName,
      () => NOW,
    );
    await registry.putEnvironment({
      name: 'reg',
      status: 'ready',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    await registry.acquireLock('reg', {
      token: 't',
      operationId: 'op-1',
      operation: 'scale',
      nowSeconds: NOW.getTime() / 1000,
      ttlSeconds: 600,
    });
    await registry.putRequest({
      requestId: 'req-1',
      operationId: 'op-1',
      env: 'reg',
      operation: 'scale',
      ttl: 1,
    });
    const unthrottled = await registry.getStartReads('reg', 'req-1');
    expect(unthrottled.environment?.name).toBe('reg');
    expect(unthrottled.lock?.operationId).toBe('op-1');
    expect(unthrottled.request?.requestId).toBe('req-1');

    await throttle(0.3, 'BatchGetItem', 3);
    const before = (await t.control('/_berth/faults')).injected as Record<string, number>;
    for (let i = 0; i < 5; i++) expect(await registry.getStartReads('reg', 'req-1')).toEqual(unthrottled);
    const after = (await t.control('/_berth/faults')).injected as Record<string, number>;
    const fired = 'ProvisionedThroughputExceededException dynamodb:BatchGetItem';
    expect((after[fired] ?? 0) - (before[fired] ?? 0)).toBeGreaterThan(0);
    await throttle(0, 'BatchGetItem');
  });
});
