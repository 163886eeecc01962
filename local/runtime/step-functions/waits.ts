/**
 * Wait states scaled by the local platform's time profile, including `SecondsPath` waits whose length
 * depends on the execution's data.
 */
import type { StateMachine } from 'aws-local-stepfunctions';
import { selectPath } from '../asl.ts';

/**
 * One execution's Wait overrides: the fixed ones, plus a getter per `SecondsPath` Wait that scales the
 * seconds the path selects in the input the execution entered it with (see {@link trackStateInputs}).
 */
export function waitOverridesFor(
  fixed: Readonly<Record<string, number>>,
  dynamicWaits: ReadonlyMap<string, string>,
  waitMs: ((stateName: string, seconds: number | undefined) => number) | undefined,
): Record<string, number> {
  if (dynamicWaits.size === 0 || !waitMs) return { ...fixed };
  const overrides = new StateInputWaits(fixed);
  for (const [stateName, secondsPath] of dynamicWaits) {
    Object.defineProperty(overrides, stateName, {
      enumerable: true,
      get: () => {
        const seconds = selectPath(overrides.inputs.get(stateName), secondsPath);
        return waitMs(stateName, typeof seconds === 'number' ? seconds : undefined);
      },
    });
  }
  return overrides as unknown as Record<string, number>;
}

/** An execution's Wait overrides that also remember the input each state was last entered with. */
class StateInputWaits {
  readonly inputs = new Map<string, unknown>();
  constructor(fixed: Readonly<Record<string, number>>) {
    Object.assign(this, fixed);
  }
}

interface EventLoggerLike {
  dispatchStateEnteredEvent(stateName: string, stateType: string, input: unknown): void;
}
interface ExecuteOptions {
  eventLogger?: EventLoggerLike;
  runOptions?: { overrides?: { waitTimeOverrides?: unknown } };
}

/**
 * aws-local-stepfunctions 3.0.0 waits a `SecondsPath` Wait for the selected number of real seconds, or for a
 * fixed override per state name. The local platform scales time by its profile, so a Wait whose length
 * depends on the execution's data (`SecondsPath`, as Step Functions evaluates it) needs that data: this
 * records the input of every state entered, from the run's event logger, which the library calls
 * synchronously just before it runs the state (`StateMachine.execute`, private in 3.0.0: the runtime pins
 * that version, and test/local/runtime/step-functions/emulator.test.ts fails if the hook stops working).
 */
export function trackStateInputs(machine: StateMachine): void {
  const inner = machine as unknown as {
    execute: (input: unknown, options: ExecuteOptions, cleanup: () => void) => Promise<unknown>;
  };
  if (typeof inner.execute !== 'function') {
    throw new Error(
      'aws-local-stepfunctions: StateMachine.execute not found; SecondsPath waits cannot be scaled',
    );
  }
  const execute = inner.execute.bind(machine);
  inner.execute = (input, options, cleanup) => {
    const waits = options.runOptions?.overrides?.waitTimeOverrides;
    const logger = options.eventLogger;
    if (waits instanceof StateInputWaits && logger) {
      const dispatch = logger.dispatchStateEnteredEvent.bind(logger);
      logger.dispatchStateEnteredEvent = (stateName, stateType, stateInput) => {
        waits.inputs.set(stateName, stateInput);
        dispatch(stateName, stateType, stateInput);
      };
    }
    return execute(input, options, cleanup);
  };
}
