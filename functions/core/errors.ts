/**
 * Berth's error hierarchy. Each error's `name` is a literal: it is the contract with the
 * state machines' `Retry`/`Catch` `ErrorEquals` (see statemachine/README.md) and with the
 * HTTP/Slack edges' status table.
 */
export abstract class BerthError extends Error {
  abstract override readonly name: BerthErrorName;
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** A JSON-safe summary, small enough for a Step Functions payload. */
  toJSON(): { name: string; message: string; retryable: boolean } {
    return { name: this.name, message: this.message, retryable: this.retryable };
  }
}

export type BerthErrorName =
  | 'ValidationError'
  | 'NotFoundError'
  | 'OwnershipConflictError'
  | 'RouteConflictError'
  | 'OperationInProgressError'
  | 'InvalidStateError'
  | 'ThrottlingError'
  | 'TransientAwsError'
  | 'DependencyPendingError'
  | 'DependencyTimeoutError'
  | 'ResourceNotReadyError'
  | 'InsufficientCapacityError'
  | 'UnhealthyError'
  | 'DeploymentRolledBackError'
  | 'VerifyTimeoutError'
  | 'AwsRequestError'
  | 'ConfigError';

/** Invalid input. `field` is a dotted path (`healthCheck.path`), `rule` says what was expected. */
export class ValidationError extends BerthError {
  override readonly name = 'ValidationError' as const;
  readonly retryable = false;
  constructor(
    readonly field: string,
    readonly rule: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${rule}`, options);
  }
}

export class NotFoundError extends BerthError {
  override readonly name = 'NotFoundError' as const;
  readonly retryable = false;
}

/** A resource with Berth's name for this environment exists but does not carry its ownership tags. */
export class OwnershipConflictError extends BerthError {
  override readonly name = 'OwnershipConflictError' as const;
  readonly retryable = false;
  constructor(
    readonly resource: string,
    readonly env: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${resource} exists but is not tagged as belonging to environment "${env}" (berth:env/berth:managed-by); Berth will neither adopt nor delete it`,
      options,
    );
  }
}

/**
 * The shared ALB's host/path is already claimed by another environment (or by a rule Berth does not manage):
 * two environments never share a route. The message names the holder and its owner.
 */
export class RouteConflictError extends BerthError {
  override readonly name = 'RouteConflictError' as const;
  readonly retryable = false;
}

export class OperationInProgressError extends BerthError {
  override readonly name = 'OperationInProgressError' as const;
  readonly retryable = false;
}

/**
 * The environment is not in a state the operation applies to: `resume` of an environment that is not
 * paused, `scale`/`redeploy` of a paused one. Final: nothing was changed.
 */
export class InvalidStateError extends BerthError {
  override readonly name = 'InvalidStateError' as const;
  readonly retryable = false;
}

export class ThrottlingError extends BerthError {
  override readonly name = 'ThrottlingError' as const;
  readonly retryable = true;
}

export class TransientAwsError extends BerthError {
  override readonly name = 'TransientAwsError' as const;
  readonly retryable = true;
}

export class DependencyPendingError extends BerthError {
  override readonly name = 'DependencyPendingError' as const;
  readonly retryable = true;
}

/**
 * A dependency AWS releases asynchronously was still there after the bound that matches AWS (e.g. a
 * security group's network interfaces after 20 minutes). Final: the message says what still holds it.
 */
export class DependencyTimeoutError extends BerthError {
  override readonly name = 'DependencyTimeoutError' as const;
  readonly retryable = false;
}

/**
 * AWS has not yet made a just-created resource usable: a capacity provider not ACTIVE yet, the
 * ECS service-linked role of a new account still propagating, a stale capacity provider still
 * being deleted. Retried by the state machine (bounded), never slept on.
 */
export class ResourceNotReadyError extends BerthError {
  override readonly name = 'ResourceNotReadyError' as const;
  readonly retryable = true;
}

export class InsufficientCapacityError extends BerthError {
  override readonly name = 'InsufficientCapacityError' as const;
  readonly retryable = false;
}

class UnhealthyError extends BerthError {
  override readonly name = 'UnhealthyError' as const;
  readonly retryable = false;
}

class DeploymentRolledBackError extends BerthError {
  override readonly name = 'DeploymentRolledBackError' as const;
  readonly retryable = false;
}

export class VerifyTimeoutError extends BerthError {
  override readonly name = 'VerifyTimeoutError' as const;
  readonly retryable = false;
}

/** Any other AWS error. `code` is the AWS error code; the SDK exception is kept as `cause`. */
export class AwsRequestError extends BerthError {
  override readonly name = 'AwsRequestError' as const;
  readonly retryable = false;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

export class ConfigError extends BerthError {
  override readonly name = 'ConfigError' as const;
  readonly retryable = false;
}

export const isBerthError = (error: unknown): error is BerthError => error instanceof BerthError;

/**
 * Rebuilds a Berth error from its `name` and `message`, as they travel through a Lambda error
 * payload (`errorType`/`errorMessage`) or a Step Functions `Error`/`Cause`. Unknown names give
 * `undefined` so the caller can keep the original failure.
 *
 * @example restoreError('NotFoundError', 'environment "demo" not found') // → NotFoundError
 */
export function restoreError(name: string, message: string): BerthError | undefined {
  switch (name) {
    case 'ValidationError': {
      const at = message.indexOf(': ');
      return at > 0
        ? new ValidationError(message.slice(0, at), message.slice(at + 2))
        : new ValidationError('input', message);
    }
    case 'NotFoundError':
      return new NotFoundError(message);
    case 'OperationInProgressError':
      return new OperationInProgressError(message);
    case 'InvalidStateError':
      return new InvalidStateError(message);
    case 'ThrottlingError':
      return new ThrottlingError(message);
    case 'TransientAwsError':
      return new TransientAwsError(message);
    case 'DependencyPendingError':
      return new DependencyPendingError(message);
    case 'DependencyTimeoutError':
      return new DependencyTimeoutError(message);
    case 'ResourceNotReadyError':
      return new ResourceNotReadyError(message);
    case 'InsufficientCapacityError':
      return new InsufficientCapacityError(message);
    case 'UnhealthyError':
      return new UnhealthyError(message);
    case 'DeploymentRolledBackError':
      return new DeploymentRolledBackError(message);
    case 'VerifyTimeoutError':
      return new VerifyTimeoutError(message);
    case 'ConfigError':
      return new ConfigError(message);
    default:
      return undefined;
  }
}
