/**
 * The one table from error `name` to HTTP status, shared by the `api` and `slack` handlers.
 * Anything not listed (including `ConfigError` and `AwsRequestError`) is a server fault:
 * 500 `InternalError`, without details.
 */
const ERROR_STATUS: Readonly<Record<string, number>> = Object.freeze({
  ValidationError: 400,
  UnauthorizedError: 401,
  AccessDeniedError: 403,
  NotFoundError: 404,
  RouteNotFoundError: 404,
  MethodNotAllowedError: 405,
  OperationInProgressError: 409,
  InvalidStateError: 409,
  OwnershipConflictError: 409,
  RouteConflictError: 409,
  PayloadTooLargeError: 413,
  ThrottlingError: 503,
  TransientAwsError: 503,
  DependencyPendingError: 503,
  ResourceNotReadyError: 503,
});

/** Errors whose message is safe to show a client (they describe the request, not the server). */
const CLIENT_VISIBLE = new Set(Object.keys(ERROR_STATUS));

export interface ErrorStatus {
  readonly status: number;
  /** The `error` field of the response body. */
  readonly error: string;
  /** Whether `message` (and extra fields) may be returned to the client. */
  readonly exposeDetails: boolean;
}

/**
 * Maps any thrown value to its HTTP status.
 *
 * @example statusForError(new NotFoundError('no environment "x"')) // { status: 404, error: 'NotFoundError', exposeDetails: true }
 */
export const statusForError = (error: unknown): ErrorStatus => {
  const name = error instanceof Error ? error.name : undefined;
  if (name !== undefined && CLIENT_VISIBLE.has(name)) {
    const status = ERROR_STATUS[name] ?? 500;
    return { status, error: name, exposeDetails: true };
  }
  return { status: 500, error: 'InternalError', exposeDetails: false };
};
