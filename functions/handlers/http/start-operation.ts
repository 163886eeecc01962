import {
  InvalidStateError,
  NotFoundError,
  OperationInProgressError,
  ValidationError,
} from '../../core/errors.ts';
import { DEFAULT_LOCK_TTL_SECONDS } from '../../core/limits.ts';
import { executionName } from '../../core/names.ts';
import { checkRequestId, parseOperationInput } from '../../core/operation.ts';
import type {
  Clock,
  EnvironmentRecord,
  ExecutionsPort,
  LifecycleInput,
  LockRecord,
  RegistryPort,
  StartedRequest,
  StartReads,
} from './ports.ts';

export interface StartOperationDeps {
  readonly registry: RegistryPort;
  readonly executions: ExecutionsPort;
  readonly clock: Clock;
  /** How long a `currentOperation` without a lock item still counts as running (seconds). */
  readonly lockTtlSeconds?: number;
  /**
   * The environment's record as this request already read it (the API and Slack read it to authorize): not
   * read again. Absent: read here.
   */
  readonly environment?: { readonly record: EnvironmentRecord | undefined };
  /**
   * The environment, its lock and this request id's record as the caller already read them together
   * (`RegistryPort.getStartReads`, for this environment and request id): nothing is read again.
   */
  readonly reads?: StartReads;
}

/**
 * The start dependencies of an entry point (API, Slack, the scheduled jobs, wake): its registry, executions and
 * configured lock TTL, with `clock`.
 */
export function startDeps(
  entry: Pick<StartOperationDeps, 'registry' | 'executions'> & {
    readonly lockTtlSeconds?: number | undefined;
  },
  clock: Clock,
): StartOperationDeps {
  return {
    registry: entry.registry,
    executions: entry.executions,
    clock,
    ...(entry.lockTtlSeconds === undefined ? {} : { lockTtlSeconds: entry.lockTtlSeconds }),
  };
}

export interface StartedOperation {
  readonly operationId: string;
  readonly executionArn: string;
  readonly env: string;
  readonly operation: string;
  /** True when this request id was seen before and nothing new was started. */
  readonly replayed: boolean;
}

/** Checks a request id (core's rule, `checkRequestId`). Throws `ValidationError(field, rule)`. */
export const assertRequestId = checkRequestId;

/**
 * Returns the request record for this id when it belongs to the same (env, operation). `requestRead` is the
 * record's read when the caller started it already (default: read now).
 */
const findReplay = async (
  registry: RegistryPort,
  input: Pick<LifecycleInput, 'requestId' | 'env' | 'operation'>,
  field: string,
  requestRead: Promise<StartedRequest | undefined> = registry.getRequest(input.requestId),
): Promise<StartedOperation | undefined> => {
  const existing = await requestRead;
  if (existing === undefined) return undefined;
  if (existing.env !== input.env || existing.operation !== input.operation) {
    throw new ValidationError(
      field,
      `was already used for ${existing.operation} of environment "${existing.env}"; use a new key`,
    );
  }
  return {
    operationId: existing.operationId,
    executionArn: existing.executionArn,
    env: existing.env,
    operation: existing.operation,
    replayed: true,
  };
};

/**
 * Throws `OperationInProgressError` when another operation holds the environment. `lockRead` is the lock item's
 * read when the caller started it already (default: read now).
 */
export const assertNotBusy = async (
  deps: StartOperationDeps,
  env: string,
  requestId: string,
  record: EnvironmentRecord | undefined,
  lockRead: Promise<LockRecord | undefined> = deps.registry.getLock(env),
): Promise<void> => {
  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  const lock = await lockRead;
  if (lock !== undefined && lock.expiresAt > nowSeconds && lock.operationId !== requestId) {
    throw new OperationInProgressError(
      `environment "${env}" is busy: ${lock.operation ?? 'an operation'} ${lock.operationId} is running`,
    );
  }
  const current = record?.currentOperation;
  if (lock === undefined && current !== undefined && current.operationId !== requestId) {
    const started = current.startedAt === undefined ? Number.NaN : Date.parse(current.startedAt) / 1000;
    const ttl = deps.lockTtlSeconds ?? DEFAULT_LOCK_TTL_SECONDS;
    if (Number.isNaN(started) || started + ttl > nowSeconds) {
      throw new OperationInProgressError(
        `environment "${env}" is busy: ${current.operation} ${current.operationId} is running`,
      );
    }
  }
};

/**
 * Throws `InvalidStateError` when the operation does not apply to the environment's state: `resume` needs
 * counts a `pause` remembered; a paused environment is not paused again, and `up`, `scale`, `redeploy` wait
 * for `resume` (its Auto Scaling group is at max 0: no task could be placed).
 */
export const assertApplies = (operation: string, record: EnvironmentRecord): void => {
  if (record.status === 'deleted') return;
  const paused = record.status === 'paused';
  if (operation === 'resume' && record.paused === undefined) {
    throw new InvalidStateError(
      `environment "${record.name}" is not paused (status ${record.status}); nothing to resume`,
    );
  }
  if (operation === 'pause' && paused) {
    throw new InvalidStateError(`environment "${record.name}" is already paused`);
  }
  if ((operation === 'up' || operation === 'scale' || operation === 'redeploy') && paused) {
    throw new InvalidStateError(
      `environment "${record.name}" is paused; resume it first (berth resume ${record.name})`,
    );
  }
};

/**
 * The three reads a start decides on. They are independent: issued together (one round trip of latency), in one
 * request when the registry can (`getStartReads`: one BatchGetItem instead of three GetItems), then decided on
 * in the order the rules are written. A replay wastes two reads; replays are rare.
 */
function startReads(
  deps: StartOperationDeps,
  env: string,
  requestId: string,
): {
  environmentRead: Promise<EnvironmentRecord | undefined>;
  lockRead: Promise<LockRecord | undefined>;
  requestRead: Promise<StartedRequest | undefined>;
} {
  const { registry, reads, environment } = deps;
  if (reads !== undefined) {
    return {
      environmentRead: Promise.resolve(environment?.record ?? reads.environment),
      lockRead: Promise.resolve(reads.lock),
      requestRead: Promise.resolve(reads.request),
    };
  }
  const batch =
    environment === undefined && registry.getStartReads !== undefined
      ? registry.getStartReads(env, requestId)
      : undefined;
  const environmentRead =
    batch !== undefined
      ? batch.then((r) => r.environment)
      : environment === undefined
        ? registry.getEnvironment(env)
        : Promise.resolve(environment.record);
  const lockRead = batch !== undefined ? batch.then((r) => r.lock) : registry.getLock(env);
  const requestRead = batch !== undefined ? batch.then((r) => r.request) : registry.getRequest(requestId);
  // Their failures surface when awaited; a replay or a refusal before that leaves them unobserved.
  environmentRead.catch(() => undefined);
  lockRead.catch(() => undefined);
  return { environmentRead, lockRead, requestRead };
}

/**
 * Starts a lifecycle execution, idempotently. The input is checked against core's operation input schema
 * (`parseOperationInput`: what the state machine accepts) before anything is read, so the API and Slack cannot
 * start an execution the schema would refuse; the parsed input (spec defaults applied) is what is started.
 * A known request id returns the stored operation and starts nothing; otherwise the
 * environment must exist (except for `up`) and be free, the execution is started under the
 * deterministic name `executionName(operation, env, requestId)`, then the request is recorded.
 *
 * @param idField the name the caller used for the request id (for validation messages).
 */
export const startOperation = async (
  deps: StartOperationDeps,
  requested: LifecycleInput,
  idField = 'Idempotency-Key',
): Promise<StartedOperation> => {
  const input = parseOperationInput(requested);
  const { environmentRead, lockRead, requestRead } = startReads(deps, input.env, input.requestId);
  const replay = await findReplay(deps.registry, input, idField, requestRead);
  if (replay !== undefined) return replay;

  const record = await environmentRead;
  if (input.operation !== 'up' && (record === undefined || record.status === 'deleted')) {
    throw new NotFoundError(
      record === undefined
        ? `environment "${input.env}" does not exist`
        : `environment "${input.env}" was deleted`,
    );
  }
  if (record !== undefined) assertApplies(input.operation, record);
  await assertNotBusy(deps, input.env, input.requestId, record, lockRead);

  const name = executionName(input.operation, input.env, input.requestId);
  const { executionArn } = await deps.executions.startExecution({ name, input });
  const stored = await deps.registry.putRequest({
    requestId: input.requestId,
    operationId: input.requestId,
    executionArn,
    env: input.env,
    operation: input.operation,
  });
  return {
    operationId: stored.operationId,
    executionArn: stored.executionArn,
    env: stored.env,
    operation: stored.operation,
    replayed: stored.executionArn !== executionArn,
  };
};
