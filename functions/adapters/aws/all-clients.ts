/**
 * Every client Berth uses in one lazy bag (scripts and tests; a handler imports only the factories its step
 * needs, see functions/handlers/wiring.ts).
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type AwsClientOptions,
  autoScalingClient,
  ec2Client,
  ecsClient,
  elbv2Client,
  lambdaClient,
  secretsClient,
  sfnClient,
  ssmClient,
} from './clients.ts';
import { dynamoDocumentClient } from './dynamodb-document.ts';

/** Every client Berth uses; each is constructed on first access only. */
export interface AwsClients {
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly dynamodb: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  readonly secrets: SecretsManagerClient;
  readonly lambda: LambdaClient;
}

/**
 * Returns a lazy bag of clients: a client is constructed the first time its property is read, so a
 * caller that only touches `ecs` never builds the others.
 *
 * @example
 * const clients = createAwsClients({ maxAttempts: 3 });
 * await clients.ecs.send(new DescribeClustersCommand({ clusters: ['berth-demo'] }));
 */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const factories: { [K in keyof AwsClients]: () => AwsClients[K] } = {
    ecs: () => ecsClient(options),
    elbv2: () => elbv2Client(options),
    autoScaling: () => autoScalingClient(options),
    ec2: () => ec2Client(options),
    ssm: () => ssmClient(options),
    dynamodb: () => dynamoDocumentClient(options),
    sfn: () => sfnClient(options),
    secrets: () => secretsClient(options),
    lambda: () => lambdaClient(options),
  };
  const cache: Partial<Record<keyof AwsClients, unknown>> = {};
  const clients = {} as AwsClients;
  for (const key of Object.keys(factories) as (keyof AwsClients)[]) {
    Object.defineProperty(clients, key, {
      enumerable: true,
      get() {
        if (!(key in cache)) cache[key] = factories[key]();
        return cache[key];
      },
    });
  }
  return clients;
}
