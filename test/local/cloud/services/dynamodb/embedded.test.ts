import { CreateTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registryTable } from '../../../../../local/runtime/platform.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

let t: TestCloud;
let doc: DynamoDBDocumentClient;
const TableName = 'berth-registry';

beforeAll(async () => {
  t = await startTestCloud();
  doc = DynamoDBDocumentClient.from(t.clients.dynamodb);
  await t.clients.dynamodb.send(new CreateTableCommand(registryTable(TableName)));
});
afterAll(() => t.stop());

describe('DynamoDB through lib-dynamodb on the cloud port', () => {
  test('puts with a condition, and rejects the same put when the item exists', async () => {
    const item = { pk: 'ENV#demo', sk: 'META', status: 'creating' };
    await doc.send(
      new PutCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    await expectAwsError(
      doc.send(new PutCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })),
      'ConditionalCheckFailedException',
      'The conditional request failed',
    );
    expect((await doc.send(new GetCommand({ TableName, Key: { pk: 'ENV#demo', sk: 'META' } }))).Item).toEqual(
      item,
    );
  });

  test('queries by partition key and scans the table', async () => {
    await doc.send(new PutCommand({ TableName, Item: { pk: 'ENV#q', sk: 'OP#1', n: 1 } }));
    await doc.send(new PutCommand({ TableName, Item: { pk: 'ENV#q', sk: 'OP#2', n: 2 } }));
    const q = await doc.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :op)',
        ExpressionAttributeValues: { ':pk': 'ENV#q', ':op': 'OP#' },
      }),
    );
    expect(q.Items?.map((i) => i.n)).toEqual([1, 2]);
    const s = await doc.send(new ScanCommand({ TableName }));
    expect(s.Count).toBeGreaterThanOrEqual(2);
  });

  test('updates and deletes an item', async () => {
    await doc.send(new PutCommand({ TableName, Item: { pk: 'ENV#u', sk: 'META', status: 'creating' } }));
    const up = await doc.send(
      new UpdateCommand({
        TableName,
        Key: { pk: 'ENV#u', sk: 'META' },
        UpdateExpression: 'SET #s = :ready',
        ConditionExpression: '#s = :creating',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':ready': 'ready', ':creating': 'creating' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(up.Attributes?.status).toBe('ready');
    await doc.send(new DeleteCommand({ TableName, Key: { pk: 'ENV#u', sk: 'META' } }));
    expect(
      (await doc.send(new GetCommand({ TableName, Key: { pk: 'ENV#u', sk: 'META' } }))).Item,
    ).toBeUndefined();
  });

  test('reset drops every table', async () => {
    const other = await startTestCloud();
    try {
      await other.clients.dynamodb.send(
        new CreateTableCommand({
          TableName: 'temp',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      expect((await other.clients.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(['temp']);
      await other.control('/_berth/reset', { method: 'POST' });
      expect((await other.clients.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
