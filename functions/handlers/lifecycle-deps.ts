/**
 * Shared plumbing of the lifecycle handlers: the execution state they receive, lazy default
 * dependencies, the spec lookup and structured logging. Not a Lambda itself.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { AwsApplicationAutoScalingAdapter } from '../adapters/application-autoscaling.ts';
import type { AwsAutoScalingAdapter } from '../adapters/autoscaling.ts';
import type { AwsEc2Adapter } from '../adapters/ec2.ts';
import type { AwsEcsAdapter } from '../adapters/ecs.ts';
import type { AwsElbv2Adapter } from '../adapters/elbv2.ts';
import { probeHttp } from '../adapters/http-probe.ts';
import type { AwsLogsAdapter } from '../adapters/logs.ts';
import type { DynamoRegistry } from '../adapters/registry.ts';
import type { AwsSchedulerAdapter } from '../adapters/scheduler.ts';
import { type EnvSpec, parseEnvSpec } from '../core/env-spec.ts';
import { ConfigError, isBerthError, NotFoundError, ValidationError } from '../core/errors.ts';
import { type Config, type HandlerConfig, loadHandlerConfig } from './config.ts';
import type { HandlerFile } from './settings.ts';

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
  /** The Auto Scaling group's CreatedTime (ISO): verify sizes its first wait for instances from it. */
  readonly autoScalingGroupCreatedTime?: string;
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

/** What shared code may read of a handler's config: any field, each possibly absent (not declared). */
export type SomeConfig = Readonly<Partial<Config>>;

/**
 * Every dependency a lifecycle handler may take; each handler picks what it needs, with its own config type
 * (`HandlerDeps<HandlerConfig<'lock'>>`: reading a setting the handler did not declare is a type error).
 */
export interface HandlerDeps<C extends SomeConfig = Readonly<Config>> {
  readonly config: C;
  readonly ecs: AwsEcsAdapter;
  readonly elbv2: AwsElbv2Adapter;
  readonly autoScaling: AwsAutoScalingAdapter;
  readonly ec2: AwsEc2Adapter;
  readonly logs: AwsLogsAdapter;
  /** Sleep/wake schedules: only the handlers that converge or delete them are wired with Scheduler. */
  readonly scheduler?: AwsSchedulerAdapter;
  readonly registry: DynamoRegistry;
  /** Application Auto Scaling (pause and resume): absent when the handler is not wired with it. */
  readonly scaling?: AwsApplicationAutoScalingAdapter;
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
function lazyObject<T extends object>(factories: { [K in keyof T]: () => T[K] }): T {
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
 * The AWS adapters a handler's step calls; see `wiring.ts` for the production factories. Each is built from the
 * handler's parsed config (the registry's table name).
 */
export interface AdapterFactories {
  readonly ecs?: () => AwsEcsAdapter;
  readonly elbv2?: () => AwsElbv2Adapter;
  readonly autoScaling?: () => AwsAutoScalingAdapter;
  readonly ec2?: () => AwsEc2Adapter;
  readonly logs?: () => AwsLogsAdapter;
  readonly registry?: (config: SomeConfig) => DynamoRegistry;
  readonly scaling?: () => AwsApplicationAutoScalingAdapter;
  /** Sleep/wake schedules in Berth's group (`BERTH_SCHEDULE_GROUP`). */
  readonly scheduler?: (config: SomeConfig) => AwsSchedulerAdapter;
}

/**
 * Production dependencies for handler `file`: its config (the variables it declares in `settings.ts`, parsed
 * once, on first use — importing a handler reads no environment), the adapters its step calls (built on first
 * use; naming only those keeps the other SDK clients out of its bundle), the Node HTTP probe, the system clock
 * and a Powertools logger. Reading an adapter the handler was not given fails with `ConfigError`.
 *
 * @example export const handler = makeHandler(defaultDeps('create-network', { ec2: ec2Adapter }));
 */
export function defaultDeps<F extends HandlerFile>(
  file: F,
  adapters: AdapterFactories = {},
): HandlerDeps<HandlerConfig<F>> {
  let config: HandlerConfig<F> | undefined;
  const getConfig = (): HandlerConfig<F> => {
    config ??= loadHandlerConfig(file, process.env);
    return config;
  };
  const missing = (name: keyof AdapterFactories) => (): never => {
    throw new ConfigError(`this handler is not wired with the ${name} adapter`);
  };
  const registry = adapters.registry;
  const scheduler = adapters.scheduler;
  return lazyObject<HandlerDeps<HandlerConfig<F>>>({
    config: getConfig,
    ecs: adapters.ecs ?? missing('ecs'),
    elbv2: adapters.elbv2 ?? missing('elbv2'),
    autoScaling: adapters.autoScaling ?? missing('autoScaling'),
    ec2: adapters.ec2 ?? missing('ec2'),
    logs: adapters.logs ?? missing('logs'),
    registry: registry ? () => registry(getConfig()) : missing('registry'),
    scaling: adapters.scaling ?? (() => undefined),
    ...(scheduler === undefined ? {} : { scheduler: () => scheduler(getConfig()) }),
    probe: () => probeHttp,
    now: () => () => new Date(),
    logger: () => new Logger({ serviceName: 'berth' }),
  });
}

/**
 * The seconds the state machine waited after a polled step's result: what the result asked for (`asked`, its
 * `waitSeconds`: adaptive polling); with fixed polling (`timing.polling: 'fixed'`) or when it asked for nothing,
 * the timing's `interval` (else `fallback`), the Wait's SecondsPath then.
 */
export function machineWaited(
  state: LifecycleState,
  asked: number | undefined,
  interval: 'drainIntervalSeconds' | 'deleteIntervalSeconds',
  fallback: number,
): number {
  const timing = state['timing'] as Record<string, unknown> | undefined;
  if (typeof asked === 'number' && timing?.['polling'] !== 'fixed') return asked;
  const seconds = timing?.[interval];
  return typeof seconds === 'number' ? seconds : fallback;
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
