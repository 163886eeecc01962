/**
 * Errors that exist only at the HTTP edge (the domain errors live in `functions/core/errors.ts`).
 * Each sets a literal `name`, which `error-status.ts` maps to a status code.
 */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError' as const;
  constructor(
    readonly limitBytes: number,
    readonly actualBytes: number,
  ) {
    super(`request body is ${actualBytes} bytes; the limit is ${limitBytes} bytes`);
  }
}

export class RouteNotFoundError extends Error {
  override readonly name = 'RouteNotFoundError' as const;
  constructor(
    readonly method: string,
    readonly path: string,
  ) {
    super(`no route for ${method} ${path}`);
  }
}

export class MethodNotAllowedError extends Error {
  override readonly name = 'MethodNotAllowedError' as const;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly allowed: readonly string[],
  ) {
    super(`${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
  }
}

/** Slack request authentication failed (missing, forged, stale or replayed signature). */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError' as const;
}

/** The access policy refuses the request (docs/security.md); the message is the decision's reason. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError' as const;
}
