/**
 * Shared plumbing of the lifecycle handlers: the execution state they receive, lazy default
 * dependencies, the spec lookup and structured logging. Not a Lambda itself.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { AwsAutoScalingAdapter } from '../adapters/autoscaling.ts';
import { createAwsClients } from '../adapters/aws/clients.ts';
import { AwsEc2Adapter } from '../adapters/ec2.ts';
import { AwsEcsAdapter } from '../adapters/ecs.ts';
import { AwsElbv2Adapter } from '../adapters/elbv2.ts';
import { probeHttp } from '../adapters/http-probe.ts';
import { DynamoRegistry } from '../adapters/registry.ts';
import { type EnvSpec, parseEnvSpec } from '../core/env-spec.ts';
import { isBerthError, NotFoundError, ValidationError } from '../core/errors.ts';
import { type Config, type ConfigVariable, loadConfig } from './config.ts';

/** Results the create handlers add under `$.resources` (docs/architecture.md handler table). */
export interface NetworkResult {
  readonly albSecurityGroupId: string;
  readonly instanceSecurityGroupId: string;
}
export interface LoadBalancerResult {
  readonly targetGroupArn: string;
  readonly loadBalancerArn?: string;
  readonly listenerArn?: string;
  readonly ruleArn?: string;
  readonly dnsName: string;
  readonly url: string;
}
export interface ClusterResult {
  readonly clusterArn: string;
  readonly autoScalingGroupName?: string;
  readonly capacityProviderName?: string;
}
export interface TaskDefinitionResult {
  readonly taskDefinitionArn: string;
}
export interface ServiceResult {
  readonly serviceArn: string;
}

/** The lifecycle state machine's execution state as a Task state passes it (whole state). */
export interface LifecycleState {
  readonly operation: string;
  readonly env: string;
  readonly spec?: unknown;
  readonly requestId?: string;
  readonly requestedBy?: string;
  readonly lock?: { readonly token?: string };
  readonly resources?: {
    readonly network?: NetworkResult;
    readonly loadBalancer?: LoadBalancerResult;
    readonly cluster?: ClusterResult;
    readonly taskDefinition?: TaskDefinitionResult;
    readonly service?: ServiceResult;
  };
  readonly desiredCount?: number;
  readonly image?: string;
  readonly hours?: number;
  readonly redeploy?: { readonly taskDefinitionArn?: string };
  readonly scale?: { readonly desiredCount?: number };
  readonly [key: string]: unknown;
}

/** The logging surface handlers use (Powertools Logger satisfies it). */
export interface LogPort {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Every dependency a lifecycle handler may take; each handler picks what it needs. */
export interface HandlerDeps {
  readonly config: Readonly<Config>;
  readonly ecs: AwsEcsAdapter;
  readonly elbv2: AwsElbv2Adapter;
  readonly autoScaling: AwsAutoScalingAdapter;
  readonly ec2: AwsEc2Adapter;
  readonly registry: DynamoRegistry;
  readonly probe: typeof probeHttp;
  readonly now: () => Date;
  readonly logger: LogPort;
}

/** A logger that drops everything (tests). */
export const silentLogger: LogPort = { info() {}, warn() {}, error() {} };

/**
 * An object whose properties are built on first read and then kept (defaultDeps must not touch
 * the environment or the network at import time).
 */
export function lazyObject<T extends object>(factories: { [K in keyof T]: () => T[K] }): T {
  const cache = new Map<PropertyKey, unknown>();
  const target = {} as T;
  for (const key of Object.keys(factories) as (keyof T & string)[]) {
    Object.defineProperty(target, key, {
      enumerable: true,
      get() {
        if (!cache.has(key)) cache.set(key, factories[key]());
        return cache.get(key);
      },
    });
  }
  return target;
}

/**
 * Production dependencies for a handler: config (with `required` variables), adapters over lazily
 * built SDK clients, the Node HTTP probe, the system clock and a Powertools logger.
 */
export function defaultDeps(required: readonly ConfigVariable[] = []): HandlerDeps {
  const clients = createAwsClients();
  let config: Readonly<Config> | undefined;
  const getConfig = () => {
    config ??= loadConfig(process.env, required);
    return config;
  };
  return lazyObject<HandlerDeps>({
    config: getConfig,
    ecs: () => new AwsEcsAdapter(clients.ecs),
    elbv2: () => new AwsElbv2Adapter(clients.elbv2),
    autoScaling: () => new AwsAutoScalingAdapter(clients.autoScaling),
    ec2: () => new AwsEc2Adapter(clients.ec2, clients.ssm),
    registry: () => {
      const c = loadConfig(process.env, ['BERTH_TABLE_NAME']);
      return new DynamoRegistry(clients.dynamodb, c.tableName);
    },
    probe: () => probeHttp,
    now: () => () => new Date(),
    logger: () => new Logger({ serviceName: 'berth' }),
  });
}

/** The env name of a state, validated as present. */
export function envOf(state: LifecycleState): string {
  if (typeof state?.env !== 'string' || state.env === '') {
    throw new ValidationError('env', 'is required');
  }
  return state.env;
}

/**
 * The spec from the state (`up`) or, for other operations, from the registry. `registry` is a thunk so
 * the (lazy) registry and its `BERTH_TABLE_NAME` are only needed when the state has no spec.
 */
export async function specOf(
  state: LifecycleState,
  registry: () => Pick<DynamoRegistry, 'getEnvironment'>,
): Promise<EnvSpec> {
  if (state.spec !== undefined && state.spec !== null) return parseEnvSpec(state.spec);
  const env = envOf(state);
  const record = await registry().getEnvironment(env);
  if (record?.spec === undefined) {
    throw new NotFoundError(`environment "${env}" has no stored spec; run up first`);
  }
  return parseEnvSpec(record.spec);
}

/**
 * Runs one handler step with `step`/`env` log keys; logs the outcome and rethrows errors as they
 * are (BerthError names are the contract with the state machine's Retry/Catch).
 */
export async function runStep<T>(
  logger: LogPort,
  step: string,
  state: LifecycleState,
  fn: () => Promise<T>,
): Promise<T> {
  const keys = { step, env: state?.env, operation: state?.operation };
  try {
    const result = await fn();
    logger.info(`${step} done`, { ...keys, result });
    return result;
  } catch (err) {
    const error = isBerthError(err)
      ? err.toJSON()
      : { name: (err as Error)?.name ?? 'Error', message: String((err as Error)?.message ?? err) };
    logger.error(`${step} failed`, { ...keys, error });
    throw err;
  }
}
