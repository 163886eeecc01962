/**
 * The one place Berth constructs AWS SDK service clients (the DynamoDB document client is built in
 * `dynamodb-document.ts`, next to this file: `@aws-sdk/lib-dynamodb` has module-level side effects, so a
 * bundle that imports it keeps the DynamoDB client even when unused; keeping it out of this module keeps
 * it out of the handlers that never touch the registry).
 *
 * Configuration comes from the SDK's standard sources (region from `AWS_REGION`, credentials from the
 * default chain, endpoints from `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>`), so the same code
 * runs against AWS, the local cloud, or LocalStack. An explicit `endpoint` option wins over the
 * environment.
 *
 * Retries: the SDK's `standard` retry mode with `maxAttempts` from the SDK's own standard setting
 * (`AWS_MAX_ATTEMPTS`, else the shared config file's `max_attempts`, else 3) unless a caller passes it — the
 * chaos tests set `AWS_MAX_ATTEMPTS=1` so that only the state machines' `Retry` can absorb a throttle. Berth's Step Functions
 * `Retry` blocks already back off on `ThrottlingError`/`TransientAwsError` between Lambda invocations;
 * `adaptive` mode would add a client-side rate limiter whose token bucket lives only as long as one
 * warm Lambda container and can delay a call past the Lambda timeout, so the cheaper, predictable
 * `standard` mode (exponential backoff with jitter, capped attempts) is used inside one invocation.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';

/** Options shared by every client factory. */
export interface AwsClientOptions {
  /** AWS region; defaults to the SDK's own resolution (`AWS_REGION`, profile). */
  readonly region?: string;
  /** Explicit endpoint for every client; wins over `AWS_ENDPOINT_URL*`. */
  readonly endpoint?: string;
  /** Total attempts per call including the first (default: the SDK's, `AWS_MAX_ATTEMPTS` or 3). */
  readonly maxAttempts?: number;
}

/** Retry mode used by every client; see the module comment for why `standard`. */
const RETRY_MODE = 'standard';

interface BaseConfig {
  region?: string;
  endpoint?: string;
  maxAttempts?: number;
  retryMode: string;
}

/** Builds the common SDK configuration. Exported for tests. */
export function baseConfig(options: AwsClientOptions = {}): BaseConfig {
  const config: BaseConfig = { retryMode: RETRY_MODE };
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  if (options.region !== undefined) config.region = options.region;
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  return config;
}

/** @example const ecs = ecsClient({ endpoint: 'http://127.0.0.1:4566' }); */
export const ecsClient = (options: AwsClientOptions = {}): ECSClient => new ECSClient(baseConfig(options));
export const elbv2Client = (options: AwsClientOptions = {}): ElasticLoadBalancingV2Client =>
  new ElasticLoadBalancingV2Client(baseConfig(options));
export const autoScalingClient = (options: AwsClientOptions = {}): AutoScalingClient =>
  new AutoScalingClient(baseConfig(options));
export const ec2Client = (options: AwsClientOptions = {}): EC2Client => new EC2Client(baseConfig(options));
export const logsClient = (options: AwsClientOptions = {}): CloudWatchLogsClient =>
  new CloudWatchLogsClient(baseConfig(options));
export const cloudWatchClient = (options: AwsClientOptions = {}): CloudWatchClient =>
  new CloudWatchClient(baseConfig(options));
export const ssmClient = (options: AwsClientOptions = {}): SSMClient => new SSMClient(baseConfig(options));
export const sfnClient = (options: AwsClientOptions = {}): SFNClient => new SFNClient(baseConfig(options));
export const schedulerClient = (options: AwsClientOptions = {}): SchedulerClient =>
  new SchedulerClient(baseConfig(options));
export const secretsClient = (options: AwsClientOptions = {}): SecretsManagerClient =>
  new SecretsManagerClient(baseConfig(options));
export const lambdaClient = (options: AwsClientOptions = {}): LambdaClient =>
  new LambdaClient(baseConfig(options));
/** Application Auto Scaling: the scalable target a user may have registered on an environment's service. */
export const applicationAutoScalingClient = (options: AwsClientOptions = {}): ApplicationAutoScalingClient =>
  new ApplicationAutoScalingClient(baseConfig(options));
