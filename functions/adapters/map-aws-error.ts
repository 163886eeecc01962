import {
  AwsRequestError,
  type BerthError,
  DependencyPendingError,
  InsufficientCapacityError,
  isBerthError,
  ThrottlingError,
  TransientAwsError,
} from '../core/errors.ts';

const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const DEPENDENCY_CODES = new Set([
  'DependencyViolation',
  'ResourceInUse',
  'ResourceInUseException',
  'ResourceInUseFault',
  'ScalingActivityInProgress',
  'ScalingActivityInProgressFault',
  'ClusterContainsContainerInstancesException',
  'ClusterContainsServicesException',
  'ClusterContainsTasksException',
  'ClusterContainsCapacityProviderException',
]);

const CAPACITY_CODES = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
]);

const CAPACITY_MESSAGE = /insufficient (instance )?capacity|not have sufficient capacity/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The AWS error code of an SDK exception (`name`, or `code`/`Code` for network and legacy shapes). */
export function awsErrorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'UnknownError';
  const e = err as ErrorLike;
  for (const candidate of [e.Code, e.code, e.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return 'UnknownError';
}

function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const m = (err as ErrorLike).message;
    if (typeof m === 'string' && m !== '') return m;
  }
  return String(err);
}

/**
 * Turns any error thrown by an AWS SDK call into Berth's domain error, keeping the original as
 * `cause`. `context` names the call (`"ecs.CreateService berth-demo"`) and prefixes the message.
 * A value that already is a `BerthError` is returned unchanged.
 *
 * @example
 * try { await ecs.send(cmd) } catch (err) { throw mapAwsError(err, 'ecs.CreateCluster berth-demo') }
 */
export function mapAwsError(err: unknown, context: string): BerthError {
  if (isBerthError(err)) return err;
  const code = awsErrorCode(err);
  const message = `${context}: ${messageOf(err)}`;
  const options = { cause: err };
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorLike;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : 0;

  if (THROTTLING_CODES.has(code) || status === 429) return new ThrottlingError(message, options);
  if (CAPACITY_CODES.has(code) || CAPACITY_MESSAGE.test(messageOf(err))) {
    return new InsufficientCapacityError(message, options);
  }
  if (DEPENDENCY_CODES.has(code)) return new DependencyPendingError(message, options);
  if (NETWORK_CODES.has(code) || e.$fault === 'server' || status >= 500) {
    return new TransientAwsError(message, options);
  }
  return new AwsRequestError(code, message, options);
}

/** True when `err` carries one of the given AWS error codes (or a message matching `pattern`). */
export function hasAwsCode(err: unknown, codes: readonly string[], pattern?: RegExp): boolean {
  if (codes.includes(awsErrorCode(err))) return true;
  return pattern?.test(messageOf(err)) ?? false;
}

/** How AWS answers a call on a resource that is already gone: its error codes, or a message pattern. */
export interface GoneAnswer {
  readonly codes?: readonly string[];
  readonly message?: RegExp;
}

/**
 * Runs one idempotent removal (a delete, a deregister, a detach): `true` when the call succeeded, `false` when AWS
 * answered that the resource is already gone (`gone`); any other error is mapped with {@link mapAwsError}.
 *
 * @example return deleteUnlessGone(`logs.DeleteLogGroup ${name}`, { codes: ['ResourceNotFoundException'] }, () =>
 *   client.send(new DeleteLogGroupCommand({ logGroupName: name })));
 */
export async function deleteUnlessGone(
  context: string,
  gone: GoneAnswer,
  send: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (err) {
    if (hasAwsCode(err, gone.codes ?? [], gone.message)) return false;
    throw mapAwsError(err, context);
  }
}
