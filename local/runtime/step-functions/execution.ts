/**
 * What the Step Functions emulator keeps of an execution, and the error its API answers with.
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One event of an execution's history, in the API's shape (timestamps as Dates). */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

/** An execution kept in memory. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEvent[];
  /** States entered and not yet exited (several while a Parallel or Map runs). */
  activeStates: string[];
  /** The last state entered. */
  currentState?: string;
  parentExecutionArn?: string;
  /** Resolves when the execution has closed. */
  done: Promise<void>;
}

/** An error of the Step Functions API, rendered as `{ __type, message }` with status 400. */
export class SfnServiceError extends Error {
  override readonly name = 'SfnServiceError' as const;
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
