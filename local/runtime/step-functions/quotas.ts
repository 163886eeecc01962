/**
 * Step Functions' payload quota: a state's input or output, and a task's result, may be at most 256 KiB
 * (UTF-8 bytes of the JSON). Past it the execution fails with `States.DataLimitExceeded`, a terminal error that
 * neither `Retry` nor a `Catch` on `States.ALL` handles (Step Functions developer guide, "Error handling":
 * States.DataLimitExceeded; "Step Functions service quotas": 256 KiB of input or output).
 */
import type { StateMachine } from 'aws-local-stepfunctions';

/** 256 KiB. */
const PAYLOAD_LIMIT_BYTES = 262_144;

/** The bytes of `value` as JSON text, as Step Functions counts them. */
const payloadBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');

/**
 * `States.DataLimitExceeded`: not retried, not caught (aws-local-stepfunctions reads `isRetryable` and
 * `isCatchable` of the errors it handles).
 */
class DataLimitExceededError extends Error {
  override readonly name = 'States.DataLimitExceeded';
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(what: string, bytes: number) {
    super(`The ${what} (${bytes} bytes) exceeds the maximum payload size of ${PAYLOAD_LIMIT_BYTES} bytes`);
  }
}

/** Throws {@link DataLimitExceededError} when `value` is over the quota. */
export function checkPayload(what: string, value: unknown): void {
  const bytes = payloadBytes(value);
  if (bytes > PAYLOAD_LIMIT_BYTES) throw new DataLimitExceededError(what, bytes);
}

interface EventLoggerLike {
  dispatchStateEnteredEvent(stateName: string, stateType: string, input: unknown): void;
  dispatchStateExitedEvent(stateName: string, stateType: string, input: unknown, output: unknown): void;
}

/**
 * Fails an execution whose top-level states exceed the quota: the run's event logger is told of each state's
 * input and output synchronously, from inside the library's run loop (`StateMachine.execute`, private in
 * 3.0.0), where an error thrown fails the execution with that error. A Map's or Parallel's aggregated output
 * is checked there; inside iterations and branches the Task handlers check their own input and result.
 */
export function enforcePayloadQuota(machine: StateMachine): void {
  const inner = machine as unknown as {
    execute: (
      input: unknown,
      options: { eventLogger?: EventLoggerLike },
      cleanup: () => void,
    ) => Promise<unknown>;
  };
  if (typeof inner.execute !== 'function') {
    throw new Error(
      'aws-local-stepfunctions: StateMachine.execute not found; the payload quota cannot be checked',
    );
  }
  const execute = inner.execute.bind(machine);
  inner.execute = (input, options, cleanup) => {
    const logger = options.eventLogger;
    if (logger) {
      const entered = logger.dispatchStateEnteredEvent.bind(logger);
      const exited = logger.dispatchStateExitedEvent.bind(logger);
      logger.dispatchStateEnteredEvent = (stateName, stateType, stateInput) => {
        entered(stateName, stateType, stateInput);
        checkPayload(`input of state ${stateName}`, stateInput);
      };
      logger.dispatchStateExitedEvent = (stateName, stateType, stateInput, output) => {
        checkPayload(`output of state ${stateName}`, output);
        exited(stateName, stateType, stateInput, output);
      };
    }
    return execute(input, options, cleanup);
  };
}
