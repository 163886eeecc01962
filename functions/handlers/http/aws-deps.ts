/**
 * Adapts the real adapters (DynamoDB registry, Step Functions) to the entry points' ports.
 * Everything is built lazily on first use: importing a handler touches no environment variable
 * and no network.
 */
import { sfnClient } from '../../adapters/aws/clients.ts';
import { dynamoDocumentClient } from '../../adapters/aws/dynamodb-document.ts';
import { DynamoRegistry } from '../../adapters/registry.ts';
import { AwsSfnAdapter } from '../../adapters/sfn.ts';
import type { RequestRecord } from '../../core/records.ts';
import { type Config, requireConfig } from '../config.ts';
import type {
  ExecutionsPort,
  NightlyExecution,
  OperationStep,
  RegistryPort,
  StartedRequest,
} from './ports.ts';

/** How long idempotency records live (DynamoDB TTL). */
const REQUEST_TTL_SECONDS = 7 * 86_400;

/** A request record as the port returns it: one without an execution ARN is a start that did not finish. */
const startedRequest = (record: RequestRecord | undefined): StartedRequest | undefined => {
  // Start again (idempotent by the execution's name).
  if (record?.executionArn === undefined) return undefined;
  return { ...record, executionArn: record.executionArn };
};

/**
 * The registry port over {@link DynamoRegistry}.
 *
 * @example const registry = registryPort(new DynamoRegistry(doc, 'berth-registry'));
 */
export function registryPort(
  registry: DynamoRegistry,
  now: () => Date = () => new Date(),
): RegistryPort & Required<Pick<RegistryPort, 'getStartReads'>> {
  return {
    getEnvironment: (name) => registry.getEnvironment(name),
    listEnvironments: async () => ({ items: await registry.listEnvironments() }),
    listOperations: async (name, limit) => (await registry.listOperations(name)).slice(0, limit),
    getLock: (name) => registry.getLock(name),
    getRequest: async (requestId) => startedRequest(await registry.getRequest(requestId)),
    async getStartReads(env, requestId) {
      const { environment, lock, request } = await registry.getStartReads(env, requestId);
      return { environment, lock, request: startedRequest(request) };
    },
    async putRequest(record: StartedRequest) {
      const ttl = Math.floor(now().getTime() / 1000) + REQUEST_TTL_SECONDS;
      const { created, record: stored } = await registry.putRequest({ ...record, ttl });
      if (created) return record;
      if (stored.executionArn === undefined) {
        await registry.setRequestExecution(record.requestId, record.executionArn);
        return record;
      }
      return { ...stored, executionArn: stored.executionArn };
    },
    setIdleAfter: (name, idleAfter) => registry.setIdleAfter(name, idleAfter),
  };
}

/** The nightly machine's newest execution, with its output once it has succeeded. */
async function lastNightlyExecution(
  sfn: AwsSfnAdapter,
  nightlyStateMachineArn: string,
): Promise<NightlyExecution | undefined> {
  const latest = await sfn.latestExecution(nightlyStateMachineArn);
  if (latest === undefined) return undefined;
  const described = await sfn.describeExecution(latest.executionArn);
  let output: unknown;
  if (described.output !== undefined) {
    try {
      output = JSON.parse(described.output);
    } catch {
      output = undefined;
    }
  }
  const startedAt = described.startDate ?? latest.startDate;
  const stoppedAt = described.stopDate ?? latest.stopDate;
  return {
    executionArn: latest.executionArn,
    status: described.status ?? latest.status,
    startedAt: (startedAt ?? new Date(0)).toISOString(),
    ...(stoppedAt ? { stoppedAt: stoppedAt.toISOString() } : {}),
    ...(output === undefined ? {} : { output }),
    ...(described.error ? { error: described.error } : {}),
    ...(described.cause ? { cause: described.cause } : {}),
  };
}

/** Starts lifecycle executions on `stateMachineArn` (idempotent by execution name). */
export function executionsPort(
  sfn: AwsSfnAdapter,
  stateMachineArn: string,
  nightlyStateMachineArn?: string,
): ExecutionsPort {
  return {
    async startExecution({ name, input }) {
      const started = await sfn.startExecution({ stateMachineArn, name, input });
      return { executionArn: started.executionArn };
    },
    async progress(executionArn) {
      return taskSteps(await sfn.getExecutionHistory(executionArn, { maxEvents: 1000 }));
    },
    async lastNightly() {
      return nightlyStateMachineArn === undefined
        ? undefined
        : lastNightlyExecution(sfn, nightlyStateMachineArn);
    },
  };
}

/**
 * The registry port of the handler's `BERTH_TABLE_NAME` (lazy: the client is built on first use). Apart from
 * {@link awsEntryPorts} so that a handler needing only the registry bundles no Step Functions client.
 */
export function awsRegistryPort(config: Pick<Config, 'tableName'>): RegistryPort {
  let registry: ReturnType<typeof registryPort> | undefined;
  const getRegistry = (): ReturnType<typeof registryPort> => {
    registry ??= registryPort(
      new DynamoRegistry(dynamoDocumentClient(), requireConfig(config.tableName, 'BERTH_TABLE_NAME')),
    );
    return registry;
  };
  return {
    getEnvironment: (n) => getRegistry().getEnvironment(n),
    listEnvironments: (q) => getRegistry().listEnvironments(q),
    listOperations: (n, l) => getRegistry().listOperations(n, l),
    getLock: (n) => getRegistry().getLock(n),
    getRequest: (r) => getRegistry().getRequest(r),
    getStartReads: (n, r) => getRegistry().getStartReads(n, r),
    putRequest: (r) => getRegistry().putRequest(r),
    setIdleAfter: (n, i) => getRegistry().setIdleAfter(n, i),
  };
}

/** Registry and lifecycle executions from the handler configuration (clients built on first use). */
export function awsEntryPorts(
  config: Pick<
    Config,
    'tableName' | 'lifecycleStateMachineArn' | 'nightlyStateMachineArn' | 'lockTtlSeconds'
  >,
): {
  registry: RegistryPort;
  executions: ExecutionsPort;
  lockTtlSeconds: () => number;
} {
  const registry = awsRegistryPort(config);
  let executions: ExecutionsPort | undefined;
  const getExecutions = (): ExecutionsPort => {
    executions ??= executionsPort(
      new AwsSfnAdapter(sfnClient()),
      requireConfig(config.lifecycleStateMachineArn, 'BERTH_LIFECYCLE_STATE_MACHINE_ARN'),
      config.nightlyStateMachineArn,
    );
    return executions;
  };
  return {
    registry,
    executions: {
      startExecution: (r) => getExecutions().startExecution(r),
      progress: (arn) => getExecutions().progress?.(arn) ?? Promise.resolve([]),
      lastNightly: () => getExecutions().lastNightly?.() ?? Promise.resolve(undefined),
    },
    lockTtlSeconds: () => config.lockTtlSeconds,
  };
}

/** The fields of a Step Functions history event that progress needs. */
export interface ProgressEvent {
  readonly type?: string | undefined;
  readonly timestamp?: Date | undefined;
  readonly stateEnteredEventDetails?: { readonly name?: string | undefined } | undefined;
  readonly stateExitedEventDetails?: { readonly name?: string | undefined } | undefined;
  readonly taskSucceededEventDetails?: { readonly output?: string | undefined } | undefined;
  readonly taskFailedEventDetails?: { readonly error?: string | undefined } | undefined;
  readonly lambdaFunctionSucceededEventDetails?: { readonly output?: string | undefined } | undefined;
  readonly lambdaFunctionFailedEventDetails?: { readonly error?: string | undefined } | undefined;
}

/** `Pending: 1 of 2 targets healthy` from a verify task's result (its `health` and `reason`), if it has them. */
const verdictOf = (output: string | undefined): string | undefined => {
  if (output === undefined || output.length > 16_384) return undefined;
  try {
    const parsed = JSON.parse(output) as { health?: unknown; reason?: unknown } | null;
    if (typeof parsed?.health !== 'string') return undefined;
    return typeof parsed.reason === 'string' && parsed.reason !== ''
      ? `${parsed.health}: ${parsed.reason}`
      : parsed.health;
  } catch {
    return undefined;
  }
};

/**
 * Finished Task states of an execution history, oldest first: `ok` when the state exited, `failed`
 * (retried or caught) when its task failed, with the error name as detail. Non-Task states (Wait,
 * Choice, Pass) are left out. A verify poll (`Verify…`) carries its verdict as detail
 * (`Pending: 0 of 1 targets healthy`), read from the task's result. A Task whose `Resource` is a Lambda
 * function ARN records `LambdaFunctionSucceeded`/`LambdaFunctionFailed`, one using the
 * `lambda:invoke` integration `TaskSucceeded`/`TaskFailed` (Step Functions API reference,
 * HistoryEvent): both are read.
 *
 * @example taskSteps(events) // [{ step: 'CreateNetwork', status: 'ok', at: '2026-…' }, …]
 */
export function taskSteps(events: readonly ProgressEvent[]): OperationStep[] {
  const steps: OperationStep[] = [];
  let current: string | undefined;
  let result: string | undefined;
  for (const event of events) {
    const at = (event.timestamp ?? new Date(0)).toISOString();
    if (event.type === 'TaskStateEntered') {
      current = event.stateEnteredEventDetails?.name;
      result = undefined;
    } else if (event.type === 'TaskSucceeded') result = event.taskSucceededEventDetails?.output;
    else if (event.type === 'LambdaFunctionSucceeded')
      result = event.lambdaFunctionSucceededEventDetails?.output;
    else if (
      (event.type === 'TaskFailed' || event.type === 'LambdaFunctionFailed') &&
      current !== undefined
    ) {
      const error = event.taskFailedEventDetails?.error ?? event.lambdaFunctionFailedEventDetails?.error;
      steps.push({ step: current, status: 'failed', at, ...(error ? { detail: error } : {}) });
    } else if (event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name !== undefined) {
      const name = event.stateExitedEventDetails.name;
      const detail = name.startsWith('Verify') ? verdictOf(result) : undefined;
      steps.push({ step: name, status: 'ok', at, ...(detail ? { detail } : {}) });
      current = undefined;
    }
  }
  return steps;
}
