import { ValidationError } from '../functions/core/errors.ts';
/** `berth` exit codes (documented in docs/cli.md). */
export enum ExitCode {
  /** Success. */
  Ok = 0,
  /** The operation ran and failed (or the API failed unexpectedly). */
  OperationFailed = 1,
  /** Bad arguments, an invalid spec, or a 400 from the API. */
  Usage = 2,
  /** Unknown environment (404). */
  NotFound = 3,
  /** Another operation is running on the environment (409). */
  Conflict = 4,
  /** The API is unreachable, or rejected the credentials (401/403). */
  Unreachable = 5,
  /** Aborted by the user (confirmation refused, Ctrl-C). */
  Aborted = 130,
}

/** A failure that ends the command with `code`. */
export class CliError extends Error {
  override readonly name = 'CliError' as const;
  constructor(
    readonly code: ExitCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Maps an API status to the exit code. */
export const exitCodeForStatus = (status: number): ExitCode => {
  if (status === 400 || status === 413 || status === 405) return ExitCode.Usage;
  if (status === 404) return ExitCode.NotFound;
  if (status === 409) return ExitCode.Conflict;
  if (status === 401 || status === 403) return ExitCode.Unreachable;
  return ExitCode.OperationFailed;
};

/**
 * Runs a core check of an argument (`checkOperationField`) and turns its `ValidationError` into a usage error
 * that quotes the argument as typed: `count must be an integer from 0 to 100 (got "three")`.
 */
export const usageChecked = <T>(check: () => T, typed: string): T => {
  try {
    return check();
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new CliError(ExitCode.Usage, `${error.field} ${error.rule} (got "${typed}")`);
    }
    throw error;
  }
};
