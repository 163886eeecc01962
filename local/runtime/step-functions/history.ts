/**
 * An execution's history as GetExecutionHistory returns it, built from aws-local-stepfunctions' event log.
 *
 * A Task whose `Resource` is a Lambda function ARN records `LambdaFunctionScheduled` / `LambdaFunctionStarted`
 * / `LambdaFunctionSucceeded` / `LambdaFunctionFailed`; a Task on a service integration
 * (`arn:aws:states:::lambda:invoke`, `arn:aws:states:::states:startExecution.sync:2`) records `TaskScheduled` /
 * `TaskStarted` / `TaskSucceeded` / `TaskFailed` (Step Functions API reference, HistoryEvent). The succeeded
 * event's `output` is what the task returned — the function's result, the integration's response — not the
 * state's output after `ResultSelector`/`ResultPath` (that one is `…StateExited.output`).
 */
import type { EventEmitter } from 'node:events';
import type { ExecutionRecord, HistoryEvent } from './execution.ts';

/** How a Task state's resource appears in the history. */
export type TaskResource =
  | { readonly kind: 'lambda-function'; readonly functionArn: string }
  | { readonly kind: 'integration'; readonly resourceType: string; readonly resource: string };

/** What the history needs to know beyond the library's events. */
export interface HistoryContext {
  readonly region: string;
  readonly accountId: string;
  /** Receives `event` (record, HistoryEvent) for each event pushed. */
  readonly emitter: EventEmitter;
  readonly resourceOf: (stateName: string) => TaskResource | undefined;
  /** The error and cause StopExecution was given, for `ExecutionAborted`. */
  readonly stopRequested: () => { error?: string; cause?: string };
}

interface LibraryState {
  name: string;
  type: string;
  input: unknown;
  output?: unknown;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const stringCause = (cause: unknown): string => (typeof cause === 'string' ? cause : json(cause));

/**
 * Records one execution's history.
 *
 * @example
 * const history = new ExecutionHistory(record, context);
 * // the Task's local handler: const out = await invoke(...); history.taskReturned('Verify', out);
 * await history.consume(execution.eventLogs, record.startDate.getTime());
 */
export class ExecutionHistory {
  /** Results of Tasks that returned and whose `StateExited` has not been consumed yet, per state name. */
  private readonly results = new Map<string, unknown[]>();
  /** Tasks (state name and Map iteration) whose error a `Catch` took: their exit is no success. */
  private readonly caught = new Set<string>();

  constructor(
    private readonly record: ExecutionRecord,
    private readonly context: HistoryContext,
  ) {}

  /** Appends an event (ids from 1, each pointing at the previous one). */
  push(type: string, details: Record<string, unknown> = {}, at?: number): void {
    const id = this.record.events.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp: new Date(at ?? Date.now()),
      type,
      ...details,
    };
    this.record.events.push(event);
    this.context.emitter.emit('event', this.record, event);
  }

  /**
   * A Task's local handler returned `output`: it becomes that Task's succeeded event's output. The library
   * reports the state's exit after this call, in the order the tasks returned (results are matched to exits
   * per state name, first in first out).
   */
  taskReturned(stateName: string, output: unknown): void {
    const queue = this.results.get(stateName);
    if (queue) queue.push(output);
    else this.results.set(stateName, [output]);
  }

  private scheduled(state: LibraryState, at: number): void {
    const resource = this.context.resourceOf(state.name);
    if (resource?.kind === 'lambda-function') {
      this.push(
        'LambdaFunctionScheduled',
        {
          lambdaFunctionScheduledEventDetails: {
            resource: resource.functionArn,
            input: json(state.input),
            inputDetails: { truncated: false },
          },
        },
        at,
      );
      this.push('LambdaFunctionStarted', {}, at);
      return;
    }
    const names = integrationNames(resource);
    this.push(
      'TaskScheduled',
      { taskScheduledEventDetails: { ...names, region: this.context.region, parameters: json(state.input) } },
      at,
    );
    this.push('TaskStarted', { taskStartedEventDetails: names }, at);
  }

  private succeeded(state: LibraryState, index: number | undefined, at: number): void {
    const key = caughtKey(state.name, index);
    if (this.caught.delete(key)) return;
    const output = json(this.results.get(state.name)?.shift());
    const resource = this.context.resourceOf(state.name);
    if (resource?.kind === 'lambda-function') {
      this.push(
        'LambdaFunctionSucceeded',
        { lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } } },
        at,
      );
      return;
    }
    this.push(
      'TaskSucceeded',
      {
        taskSucceededEventDetails: {
          ...integrationNames(resource),
          output,
          outputDetails: { truncated: false },
        },
      },
      at,
    );
  }

  private failed(state: LibraryState, error: unknown, cause: unknown, at: number): void {
    const resource = this.context.resourceOf(state.name);
    if (resource?.kind === 'lambda-function') {
      this.push(
        'LambdaFunctionFailed',
        { lambdaFunctionFailedEventDetails: { error, cause: stringCause(cause) } },
        at,
      );
      return;
    }
    this.push(
      'TaskFailed',
      { taskFailedEventDetails: { ...integrationNames(resource), error, cause: stringCause(cause) } },
      at,
    );
  }

  /** Turns the library's event log into history events until the execution closes. */
  async consume(events: AsyncGenerator<any>, started: number): Promise<void> {
    const record = this.record;
    for await (const event of events) {
      const at: number = event.timestamp ?? Date.now();
      const state = event.state as LibraryState | undefined;
      const index = typeof event.index === 'number' ? event.index : undefined;
      switch (event.type) {
        case 'ExecutionStarted':
          this.push(
            'ExecutionStarted',
            {
              executionStartedEventDetails: {
                input: json(event.input),
                inputDetails: { truncated: false },
                roleArn: `arn:aws:iam::${this.context.accountId}:role/berth-local-states`,
              },
            },
            Math.min(at, started),
          );
          break;
        case 'StateEntered': {
          if (!state) break;
          record.activeStates.push(state.name);
          record.currentState = state.name;
          this.push(
            `${state.type}StateEntered`,
            {
              stateEnteredEventDetails: {
                name: state.name,
                input: json(state.input),
                inputDetails: { truncated: false },
              },
            },
            at,
          );
          if (state.type === 'Task') this.scheduled(state, at);
          break;
        }
        case 'StateExited': {
          if (!state) break;
          const position = record.activeStates.lastIndexOf(state.name);
          if (position >= 0) record.activeStates.splice(position, 1);
          if (state.type === 'Task') this.succeeded(state, index, at);
          this.push(
            `${state.type}StateExited`,
            {
              stateExitedEventDetails: {
                name: state.name,
                output: json(state.output),
                outputDetails: { truncated: false },
              },
            },
            at,
          );
          break;
        }
        case 'StateFailed':
          if (state?.type === 'Task') this.failed(state, event.Error, event.Cause, at);
          break;
        case 'StateRetried':
          if (state?.type === 'Task') this.scheduled(state, at);
          break;
        case 'StateCaught': {
          if (!state) break;
          // The library reports a caught state's exit next: it is not a success of the task.
          if (state.type === 'Task') this.caught.add(caughtKey(state.name, index));
          const position = record.activeStates.lastIndexOf(state.name);
          if (position >= 0) record.activeStates.splice(position, 1);
          break;
        }
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed': {
          const key = `${event.type[0].toLowerCase()}${event.type.slice(1)}EventDetails`;
          const details: Record<string, unknown> = { name: event.parentState?.name, index: event.index };
          if (event.type === 'MapIterationFailed') {
            details['error'] = event.Error;
            details['cause'] = stringCause(event.Cause);
          }
          this.push(event.type, { [key]: details }, at);
          break;
        }
        case 'ExecutionSucceeded':
          this.push(
            'ExecutionSucceeded',
            {
              executionSucceededEventDetails: {
                output: json(event.output),
                outputDetails: { truncated: false },
              },
            },
            at,
          );
          break;
        case 'ExecutionFailed':
          this.push(
            'ExecutionFailed',
            { executionFailedEventDetails: { error: event.Error, cause: stringCause(event.Cause) } },
            at,
          );
          break;
        case 'ExecutionAborted':
          this.push(
            'ExecutionAborted',
            { executionAbortedEventDetails: { ...this.context.stopRequested() } },
            at,
          );
          break;
        case 'ExecutionTimeout':
          this.push('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } }, at);
          break;
        default:
          break;
      }
    }
  }
}

const caughtKey = (stateName: string, index: number | undefined): string => `${stateName}#${index ?? ''}`;

function integrationNames(resource: TaskResource | undefined): { resourceType: string; resource: string } {
  return resource?.kind === 'integration'
    ? { resourceType: resource.resourceType, resource: resource.resource }
    : { resourceType: 'unknown', resource: 'unknown' };
}
