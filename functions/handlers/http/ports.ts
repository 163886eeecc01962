import type { OperationInput } from '../../core/operation.ts';
import type {
  EnvironmentRecord,
  LockRecord,
  OperationRecord,
  OperationStep,
  RequestRecord,
} from '../../core/records.ts';

/**
 * The small ports the entry-point handlers (api, slack, nightly) need from the registry and
 * Step Functions. `defaultDeps()` in each handler adapts the real adapters to them; tests
 * pass in-memory fakes.
 */

/** The registry's items: one declaration in core (`functions/core/records.ts`), shared with the DynamoDB adapter. */
export type {
  EnvironmentRecord,
  LockRecord,
  OperationRecord,
  OperationStep,
} from '../../core/records.ts';
export { ENVIRONMENT_STATUSES } from '../../core/status.ts';

/** The idempotency record of one request once its execution has started (`pk=REQ#<requestId>`, without its TTL). */
export type StartedRequest = Omit<RequestRecord, 'ttl' | 'executionArn'> & { readonly executionArn: string };

/** What starting an operation reads: the environment, its lock and the request id's record (each may be absent). */
export interface StartReads {
  readonly environment: EnvironmentRecord | undefined;
  readonly lock: LockRecord | undefined;
  readonly request: StartedRequest | undefined;
}

interface ListEnvironmentsQuery {
  readonly status?: string;
  readonly limit?: number;
  readonly nextToken?: string;
}

export interface ListEnvironmentsPage {
  readonly items: readonly EnvironmentRecord[];
  readonly nextToken?: string;
}

/** What the entry points read and write in the registry. */
export interface RegistryPort {
  getEnvironment(name: string): Promise<EnvironmentRecord | undefined>;
  listEnvironments(query: ListEnvironmentsQuery): Promise<ListEnvironmentsPage>;
  /** Most recent first. */
  listOperations(name: string, limit: number): Promise<readonly OperationRecord[]>;
  getLock(name: string): Promise<LockRecord | undefined>;
  getRequest(requestId: string): Promise<StartedRequest | undefined>;
  /**
   * The three reads of {@link getEnvironment}, {@link getLock} and {@link getRequest} in one round trip (the
   * DynamoDB registry: one BatchGetItem). Optional: without it they are read one by one.
   */
  getStartReads?(env: string, requestId: string): Promise<StartReads>;
  /** Stores the record unless one exists; returns whichever record is stored. */
  putRequest(record: StartedRequest): Promise<StartedRequest>;
  /**
   * Sets (or, with null, removes) the stored spec's `idleAfter` (idle sleep) of an existing environment; returns
   * the record's new `updatedAt`. Throws `NotFoundError` when the environment has no stored spec.
   */
  setIdleAfter(name: string, idleAfter: string | null): Promise<{ updatedAt: string }>;
}

/**
 * The lifecycle state machine's input as an entry point builds it: core's operation input
 * (`functions/core/operation.ts`), with the spec not parsed yet (a stored spec is passed as read).
 */
export type LifecycleInput = Omit<OperationInput, 'spec'> & { readonly spec?: unknown };

/** The newest execution of the nightly teardown state machine. */
export interface NightlyExecution {
  readonly executionArn: string;
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED. */
  readonly status: string;
  readonly startedAt: string;
  readonly stoppedAt?: string;
  /** The execution's output once it has succeeded (the `NightlyResult` state). */
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** Starts lifecycle executions; the same name and input must not start a second execution. */
export interface ExecutionsPort {
  startExecution(request: { name: string; input: LifecycleInput }): Promise<{ executionArn: string }>;
  /** The Task states an execution has finished so far (ok or failed), oldest first. */
  progress?(executionArn: string): Promise<readonly OperationStep[]>;
  /** The nightly teardown's newest execution, or undefined when it never ran (or is not configured). */
  lastNightly?(): Promise<NightlyExecution | undefined>;
}

/** One line of a workload's output, as the logs route returns it. */
interface WorkloadLogLine {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** `<prefix>/<container>/<task id>`. */
  readonly stream: string;
  readonly message: string;
  readonly eventId?: string;
}

/** Reads an environment's log group (CloudWatch Logs FilterLogEvents). */
export interface LogsPort {
  readLines(query: {
    readonly group: string;
    readonly streamPrefix?: string;
    readonly startTime?: number;
    readonly filterPattern?: string;
    readonly nextToken?: string;
    readonly limit?: number;
  }): Promise<{ lines: readonly WorkloadLogLine[]; nextToken?: string }>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
