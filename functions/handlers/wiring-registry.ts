/**
 * The registry adapter factory, apart from `wiring.ts`: `@aws-sdk/lib-dynamodb` runs code at module load, so a
 * bundle that imports it keeps the DynamoDB client; only the handlers whose step reads or writes the registry
 * import this module.
 */
import { dynamoDocumentClient } from '../adapters/aws/dynamodb-document.ts';
import { DynamoRegistry } from '../adapters/registry.ts';
import { type Config, requireConfig } from './config.ts';

/** The registry table named by the handler's `BERTH_TABLE_NAME`. */
export const registryAdapter = (config: Pick<Config, 'tableName'>): DynamoRegistry =>
  new DynamoRegistry(dynamoDocumentClient(), requireConfig(config.tableName, 'BERTH_TABLE_NAME'));
