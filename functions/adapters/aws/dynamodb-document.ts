/**
 * The registry's DynamoDB document client, apart from `clients.ts`: `@aws-sdk/lib-dynamodb` runs code at module
 * load (its paginators), so every bundle importing it keeps the DynamoDB client; only the handlers that use the
 * registry import this module (checked by test/infra/handler-bundles.test.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsClientOptions, baseConfig } from './clients.ts';

/** A DynamoDB document client (native JS values, `undefined` attributes removed). */
export const dynamoDocumentClient = (options: AwsClientOptions = {}): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(baseConfig(options)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
