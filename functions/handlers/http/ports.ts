import type { RecordedUsage } from '../../core/environment-cost.ts';
import type { OperationName } from '../../core/operation.ts';

/**
 * The small ports the entry-point handlers (api, slack, nightly) need from the registry and
 * Step Functions. `defaultDeps()` in each handler adapts the real adapters to them; tests
 * pass in-memory fakes.
 */

/** Operations a caller can start. */
export { OPERATIONS, type OperationName } from '../../core/operation.ts';

export { ENVIRONMENT_STATUSES, type EnvironmentStatus } from '../../core/status.ts';

export interface CurrentOperation {
  readonly operationId: string;
  readonly operation: string;
  readonly executionArn?: string;
  readonly step?: string;
  readonly startedAt?: string;
}

export interface LastFailure {
  readonly operation?: string;
  readonly step?: string;
  readonly error?: string;
  readonly reason?: string;
  readonly at?: string;
}

/** The registry's environment item (docs/architecture.md, "Registry"). */
export interface EnvironmentRecord {
  readonly name: string;
  readonly status: string;
  readonly spec?: unknown;
  readonly url?: string;
  readonly owner?: string;
  readonly keep?: boolean;
  readonly expiresAt?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly currentOperation?: CurrentOperation;
  readonly lastFailure?: LastFailure;
  /** What it runs, since when, and the cost accrued before (docs/cost.md). */
  readonly usage?: RecordedUsage;
  /** The expiry last warned about in Slack, and when (docs/slack.md). */
  readonly expiryWarning?: { readonly expiresAt: string; readonly at: string };
}

/** One step of an operation as the record handler writes it. */
export interface OperationStep {
  readonly step: string;
  /** e.g. started | succeeded | failed | pending */
  readonly status: string;
  /** ISO time of this status. */
  readonly at: string;
  readonly detail?: string;
}

export interface OperationRecord {
  readonly operationId: string;
  readonly operation: string;
  readonly requestId?: string;
  readonly requestedBy?: string;
  readonly executionArn?: string;
  readonly status: string;
  readonly steps?: readonly OperationStep[];
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly error?: unknown;
}

export interface LockRecord {
  readonly operationId: string;
  readonly operation?: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** The idempotency record of one request (`pk=REQ#<requestId>`). */
export interface RequestRecord {
  readonly requestId: string;
  readonly operationId: string;
  readonly executionArn: string;
  readonly env: string;
  readonly operation: string;
}

export interface ListEnvironmentsQuery {
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
  getRequest(requestId: string): Promise<RequestRecord | undefined>;
  /** Stores the record unless one exists; returns whichever record is stored. */
  putRequest(record: RequestRecord): Promise<RequestRecord>;
}

/** The lifecycle state machine's input (docs/architecture.md). */
export interface LifecycleInput {
  readonly operation: OperationName;
  readonly env: string;
  readonly spec?: unknown;
  readonly desiredCount?: number;
  readonly image?: string;
  readonly hours?: number;
  readonly requestId: string;
  readonly requestedBy: string;
  readonly responseUrl?: string;
  /** `extend` only: set the keep flag (the Slack Keep button); `hours` may then be left out. */
  readonly keep?: boolean;
  /** `replace`: results replace the Slack message whose button started the operation (`replace_original`). */
  readonly slackMessage?: 'replace';
}

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
export interface WorkloadLogLine {
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
