/**
 * A Step Functions emulator: runs the ASL files with aws-local-stepfunctions, Task states bound
 * to in-process handlers, and answers the AWS JSON 1.0 API (`X-Amz-Target: AWSStepFunctions.<Op>`)
 * so `@aws-sdk/client-sfn` and the AWS CLI work against it with only the endpoint changed.
 */
import './polyfills.ts';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import {
  type AslDefinition,
  type AslRetrier,
  collectRetryStates,
  collectTaskBindings,
  collectWaitStates,
  selectPath,
  substitute,
  type TaskBinding,
} from './asl.ts';
import { functionArnFor, LOCAL_ACCOUNT_ID, LOCAL_REGION } from './lambda.ts';

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

/** A state machine to host: its name, its ASL (with `${…}` substitutions) and its ARN variable. */
export interface StateMachineSource {
  name: string;
  definition: AslDefinition;
  /** The substitution variable other machines use for this one's ARN, e.g. `LifecycleStateMachineArn`. */
  arnVariable?: string;
}

/** What the emulator calls to run a Lambda-backed Task (throws an Error whose `name` is the error). */
export type InvokeLambda = (handlerFile: string, event: unknown) => Promise<unknown>;

/** Options of {@link StepFunctionsEmulator}. */
export interface StepFunctionsOptions {
  machines: readonly StateMachineSource[];
  invokeLambda: InvokeLambda;
  /** Extra substitution variables (Lambda ARNs and machine ARNs are filled in automatically). */
  substitutions?: Readonly<Record<string, string>>;
  /**
   * Real milliseconds a Wait state pauses; `seconds` is its static `Seconds`, or the number its `SecondsPath`
   * selects in the state's input when the execution reaches it (undefined when it selects no number).
   */
  waitMs?: (stateName: string, seconds: number | undefined) => number;
  /** Real milliseconds before each retry of a retrier; undefined keeps the ASL's own intervals. */
  retryMs?: (stateName: string, retrier: AslRetrier) => number;
  /** How many closed executions to keep (oldest dropped first). Default 500. */
  maxExecutions?: number;
  region?: string;
  accountId?: string;
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

interface HostedMachine {
  name: string;
  arn: string;
  definitionText: string;
  machine: StateMachine;
  bindings: Map<string, TaskBinding>;
  waitOverrides: Record<string, number>;
  /** Wait states with a `SecondsPath`: their real wait is computed when an execution reaches them. */
  dynamicWaits: Map<string, string>;
  retryOverrides: Record<string, number[]>;
  creationDate: Date;
}

interface RunningHandle {
  abort: () => void;
  stopRequested?: { error?: string; cause?: string };
  children: Set<string>;
}

const NAME_RULE = /^[A-Za-z0-9_-]{1,80}$/;

function canonicalJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

function toPascal(name: string): string {
  return name
    .replace(/^berth-/, '')
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Hosts state machines and their executions in memory.
 *
 * @example
 * const sfn = new StepFunctionsEmulator({ machines: [{ name: 'berth-lifecycle', definition, arnVariable: 'LifecycleStateMachineArn' }], invokeLambda });
 * const { executionArn } = sfn.startExecution({ stateMachineArn: sfn.arnOf('berth-lifecycle'), input: '{}' });
 */
export class StepFunctionsEmulator {
  /** Emits `event` (record, HistoryEvent) for each history event and `closed` (record) at the end. */
  readonly events = new EventEmitter();
  private readonly region: string;
  private readonly accountId: string;
  private readonly machines = new Map<string, HostedMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, RunningHandle>();
  private readonly maxExecutions: number;
  private readonly variables: Readonly<Record<string, string>>;

  constructor(private readonly options: StepFunctionsOptions) {
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    this.maxExecutions = options.maxExecutions ?? 500;
    this.events.setMaxListeners(100);
    const variables: Record<string, string> = {};
    for (const source of options.machines) {
      const arn = this.arnOf(source.name);
      variables[source.arnVariable ?? `${toPascal(source.name)}StateMachineArn`] = arn;
    }
    for (const source of options.machines) {
      for (const binding of collectTaskBindings(source.definition)) {
        if (binding.kind === 'lambda') variables[binding.variable] = functionArnFor(binding.handlerFile);
      }
    }
    Object.assign(variables, options.substitutions ?? {});
    this.variables = variables;
    for (const source of options.machines) this.host(source, variables);
  }

  /**
   * Replaces a hosted machine's definition, as UpdateStateMachine does: running executions keep the
   * definition they started with, new executions run the new one. The definition may use the same
   * `${…}` substitution variables as the hosted files.
   */
  updateStateMachine(stateMachineArn: string, definition: AslDefinition): void {
    const hosted = this.machines.get(stateMachineArn);
    if (!hosted) {
      throw new SfnServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    }
    const variables = { ...this.variables };
    for (const binding of collectTaskBindings(definition)) {
      if (binding.kind === 'lambda') variables[binding.variable] = functionArnFor(binding.handlerFile);
    }
    this.host({ name: hosted.name, definition }, variables);
  }

  /** The ARN of a hosted state machine by name. */
  arnOf(machineName: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${machineName}`;
  }

  private host(source: StateMachineSource, variables: Record<string, string>): void {
    const definition = substitute(source.definition, variables);
    const bindings = new Map(collectTaskBindings(source.definition).map((b) => [b.stateName, b]));
    const waitOverrides: Record<string, number> = {};
    const dynamicWaits = new Map<string, string>();
    for (const wait of collectWaitStates(source.definition)) {
      if (!this.options.waitMs) continue;
      if (wait.secondsPath) dynamicWaits.set(wait.stateName, wait.secondsPath);
      else waitOverrides[wait.stateName] = this.options.waitMs(wait.stateName, wait.seconds);
    }
    const retryOverrides: Record<string, number[]> = {};
    const retryMs = this.options.retryMs;
    if (retryMs) {
      for (const { stateName, retriers } of collectRetryStates(source.definition)) {
        retryOverrides[stateName] = retriers.map((retrier) => retryMs(stateName, retrier));
      }
    }
    const machine = new StateMachine(definition as never, {
      validationOptions: { checkArn: true, checkPaths: true },
      awsConfig: {
        region: this.region,
        credentials: { accessKeys: { accessKeyId: 'local', secretAccessKey: 'local' } },
      },
    });
    if (dynamicWaits.size > 0) trackStateInputs(machine);
    const arn = this.arnOf(source.name);
    this.machines.set(arn, {
      name: source.name,
      arn,
      definitionText: JSON.stringify(definition, null, 2),
      machine,
      bindings,
      waitOverrides,
      dynamicWaits,
      retryOverrides,
      creationDate: new Date(),
    });
  }

  /** Every hosted machine (name, ARN). */
  listStateMachines(): Array<{ name: string; stateMachineArn: string; creationDate: Date }> {
    return [...this.machines.values()].map((m) => ({
      name: m.name,
      stateMachineArn: m.arn,
      creationDate: m.creationDate,
    }));
  }

  /** A hosted machine with its substituted definition text. */
  describeStateMachine(arn: string): {
    name: string;
    stateMachineArn: string;
    definition: string;
    creationDate: Date;
  } {
    const machine = this.machines.get(arn);
    if (!machine)
      throw new SfnServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return {
      name: machine.name,
      stateMachineArn: arn,
      definition: machine.definitionText,
      creationDate: machine.creationDate,
    };
  }

  /**
   * Starts an execution. Idempotent by name like a Standard workflow: the same name and input
   * while running returns the running execution; a different input, or a closed execution of
   * that name, is `ExecutionAlreadyExists`.
   */
  startExecution(request: {
    stateMachineArn: string;
    name?: string;
    input?: string;
    parentExecutionArn?: string;
  }): {
    executionArn: string;
    startDate: Date;
  } {
    if (!request.stateMachineArn?.startsWith('arn:')) {
      throw new SfnServiceError('InvalidArn', `Invalid Arn: '${String(request.stateMachineArn)}'`);
    }
    const machine = this.machines.get(request.stateMachineArn);
    if (!machine) {
      throw new SfnServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
    const name = request.name ?? randomUUID();
    if (!NAME_RULE.test(name)) throw new SfnServiceError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = request.input ?? '{}';
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch {
      throw new SfnServiceError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: not valid JSON',
      );
    }
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && canonicalJson(existing.input) === canonicalJson(inputText)) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new SfnServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let resolveDone!: () => void;
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      input: inputText,
      status: 'RUNNING',
      startDate: new Date(),
      events: [],
      activeStates: [],
      done: new Promise<void>((resolve) => {
        resolveDone = resolve;
      }),
    };
    if (request.parentExecutionArn) record.parentExecutionArn = request.parentExecutionArn;
    this.executions.set(executionArn, record);
    this.evict();
    void this.run(machine, record, input).finally(() => resolveDone());
    return { executionArn, startDate: record.startDate };
  }

  private evict(): void {
    if (this.executions.size <= this.maxExecutions) return;
    for (const [arn, record] of this.executions) {
      if (this.executions.size <= this.maxExecutions) break;
      if (record.status !== 'RUNNING') this.executions.delete(arn);
    }
  }

  private push(
    record: ExecutionRecord,
    type: string,
    details: Record<string, unknown> = {},
    at?: number,
  ): void {
    const id = record.events.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp: new Date(at ?? Date.now()),
      type,
      ...details,
    };
    record.events.push(event);
    this.events.emit('event', record, event);
  }

  private overridesFor(
    machine: HostedMachine,
    record: ExecutionRecord,
  ): Record<string, (input: any) => Promise<any>> {
    const handlers: Record<string, (input: any) => Promise<any>> = {};
    for (const binding of machine.bindings.values()) {
      if (binding.kind === 'lambda') {
        handlers[binding.stateName] =
          binding.style === 'direct'
            ? (input) => this.options.invokeLambda(binding.handlerFile, input)
            : async (input: { Payload?: unknown }) => ({
                ExecutedVersion: '$LATEST',
                Payload: await this.options.invokeLambda(binding.handlerFile, input?.Payload ?? {}),
                StatusCode: 200,
              });
      } else {
        handlers[binding.stateName] = (input) => this.runChild(binding.mode, input, record);
      }
    }
    return handlers;
  }

  private async runChild(
    mode: 'sync2' | 'sync' | 'async',
    parameters: { StateMachineArn?: string; Name?: string; Input?: unknown },
    parent: ExecutionRecord,
  ): Promise<unknown> {
    const inputText =
      typeof parameters.Input === 'string' ? parameters.Input : JSON.stringify(parameters.Input ?? {});
    let started: { executionArn: string; startDate: Date };
    try {
      started = this.startExecution({
        stateMachineArn: parameters.StateMachineArn ?? '',
        ...(parameters.Name === undefined ? {} : { name: parameters.Name }),
        input: inputText,
        parentExecutionArn: parent.executionArn,
      });
    } catch (error) {
      if (error instanceof SfnServiceError) {
        const failure = new Error(error.message);
        failure.name = `StepFunctions.${error.code}Exception`;
        throw failure;
      }
      throw error;
    }
    this.running.get(parent.executionArn)?.children.add(started.executionArn);
    if (mode === 'async')
      return { ExecutionArn: started.executionArn, StartDate: started.startDate.getTime() };
    const child = this.executions.get(started.executionArn)!;
    await child.done;
    const parse = (text: string | undefined): unknown => {
      if (text === undefined) return null;
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    };
    const description: Record<string, unknown> = {
      ExecutionArn: child.executionArn,
      Input: mode === 'sync2' ? parse(child.input) : child.input,
      InputDetails: { Included: true },
      Name: child.name,
      RedriveCount: 0,
      RedriveStatus: 'NOT_REDRIVABLE',
      StartDate: child.startDate.getTime(),
      StateMachineArn: child.stateMachineArn,
      Status: child.status,
      StopDate: child.stopDate?.getTime() ?? Date.now(),
    };
    if (child.status === 'SUCCEEDED') {
      description['Output'] = mode === 'sync2' ? parse(child.output) : child.output;
      description['OutputDetails'] = { Included: true };
      return description;
    }
    if (child.error !== undefined) description['Error'] = child.error;
    if (child.cause !== undefined) description['Cause'] = child.cause;
    const failure = new Error(JSON.stringify(description));
    failure.name = 'States.TaskFailed';
    throw failure;
  }

  /**
   * One execution's Wait overrides: the fixed ones, plus a getter per `SecondsPath` Wait that scales the
   * seconds the path selects in the input the execution entered it with (see {@link trackStateInputs}).
   */
  private waitOverridesFor(machine: HostedMachine): Record<string, number> {
    const waitMs = this.options.waitMs;
    if (machine.dynamicWaits.size === 0 || !waitMs) return machine.waitOverrides;
    const overrides = new StateInputWaits(machine.waitOverrides);
    for (const [stateName, secondsPath] of machine.dynamicWaits) {
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

  private async run(machine: HostedMachine, record: ExecutionRecord, input: unknown): Promise<void> {
    const handle: RunningHandle = { abort: () => {}, children: new Set() };
    this.running.set(record.executionArn, handle);
    const started = record.startDate.getTime();
    try {
      const execution = machine.machine.run(input as never, {
        overrides: {
          taskResourceLocalHandlers: this.overridesFor(machine, record),
          waitTimeOverrides: this.waitOverridesFor(machine),
          retryIntervalOverrides: machine.retryOverrides,
        },
        context: {
          Execution: {
            Id: record.executionArn,
            Name: record.name,
            RoleArn: `arn:aws:iam::${this.accountId}:role/berth-local-states`,
            StartTime: record.startDate.toISOString(),
          },
          StateMachine: { Id: machine.arn, Name: machine.name },
        },
      });
      handle.abort = execution.abort;
      const consume = this.consumeEvents(machine, record, execution.eventLogs, started);
      let output: unknown;
      let failure: unknown;
      try {
        output = await execution.result;
      } catch (error) {
        failure = error;
      }
      await consume;
      record.stopDate = new Date();
      record.activeStates = [];
      if (failure === undefined) {
        record.status = 'SUCCEEDED';
        record.output = JSON.stringify(output ?? null);
      } else if (failure instanceof ExecutionAbortedError) {
        record.status = 'ABORTED';
        if (handle.stopRequested?.error !== undefined) record.error = handle.stopRequested.error;
        if (handle.stopRequested?.cause !== undefined) record.cause = handle.stopRequested.cause;
      } else if (failure instanceof ExecutionTimeoutError) {
        record.status = 'TIMED_OUT';
        record.error = 'States.Timeout';
      } else {
        record.status = 'FAILED';
        const last = [...record.events].reverse().find((e) => e.type === 'ExecutionFailed');
        const details = last?.['executionFailedEventDetails'] as
          | { error?: string; cause?: string }
          | undefined;
        const inner = (failure as { cause?: unknown }).cause as Error | undefined;
        record.error = details?.error ?? inner?.name ?? 'States.Runtime';
        record.cause = details?.cause ?? inner?.message ?? String(failure);
      }
    } catch (error) {
      // The definition could not even start (should not happen: it was validated when hosted).
      record.stopDate = new Date();
      record.status = 'FAILED';
      record.error = 'States.Runtime';
      record.cause = error instanceof Error ? error.message : String(error);
      this.push(record, 'ExecutionFailed', {
        executionFailedEventDetails: { error: record.error, cause: record.cause },
      });
    } finally {
      this.running.delete(record.executionArn);
      this.events.emit('closed', record);
    }
  }

  private async consumeEvents(
    machine: HostedMachine,
    record: ExecutionRecord,
    events: AsyncGenerator<any>,
    started: number,
  ): Promise<void> {
    const resourceOf = (stateName: string): { resourceType: string; resource: string } => {
      const binding = machine.bindings.get(stateName);
      if (binding?.kind === 'lambda')
        return { resourceType: 'lambda', resource: functionArnFor(binding.handlerFile) };
      if (binding?.kind === 'start-execution') {
        return {
          resourceType: 'states',
          resource:
            binding.mode === 'async'
              ? 'startExecution'
              : `startExecution.${binding.mode === 'sync2' ? 'sync:2' : 'sync'}`,
        };
      }
      return { resourceType: 'unknown', resource: 'unknown' };
    };
    const json = (value: unknown): string => JSON.stringify(value ?? null);
    const stringCause = (cause: unknown): string => (typeof cause === 'string' ? cause : json(cause));
    for await (const event of events) {
      const at: number = event.timestamp ?? Date.now();
      const state = event.state as
        | { name: string; type: string; input: unknown; output?: unknown }
        | undefined;
      switch (event.type) {
        case 'ExecutionStarted':
          this.push(
            record,
            'ExecutionStarted',
            {
              executionStartedEventDetails: {
                input: json(event.input),
                inputDetails: { truncated: false },
                roleArn: `arn:aws:iam::${this.accountId}:role/berth-local-states`,
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
            record,
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
          if (state.type === 'Task') {
            const resource = resourceOf(state.name);
            this.push(
              record,
              'TaskScheduled',
              {
                taskScheduledEventDetails: {
                  ...resource,
                  region: this.region,
                  parameters: json(state.input),
                },
              },
              at,
            );
            this.push(record, 'TaskStarted', { taskStartedEventDetails: resource }, at);
          }
          break;
        }
        case 'StateExited': {
          if (!state) break;
          const index = record.activeStates.lastIndexOf(state.name);
          if (index >= 0) record.activeStates.splice(index, 1);
          if (state.type === 'Task') {
            this.push(
              record,
              'TaskSucceeded',
              {
                taskSucceededEventDetails: { ...resourceOf(state.name), output: json(state.output) },
              },
              at,
            );
          }
          this.push(
            record,
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
        case 'StateFailed': {
          if (!state) break;
          if (state.type === 'Task') {
            this.push(
              record,
              'TaskFailed',
              {
                taskFailedEventDetails: {
                  ...resourceOf(state.name),
                  error: event.Error,
                  cause: stringCause(event.Cause),
                },
              },
              at,
            );
          }
          break;
        }
        case 'StateRetried': {
          if (state?.type !== 'Task') break;
          const resource = resourceOf(state.name);
          this.push(
            record,
            'TaskScheduled',
            {
              taskScheduledEventDetails: { ...resource, region: this.region, parameters: json(state.input) },
            },
            at,
          );
          this.push(record, 'TaskStarted', { taskStartedEventDetails: resource }, at);
          break;
        }
        case 'StateCaught': {
          if (!state) break;
          const index = record.activeStates.lastIndexOf(state.name);
          if (index >= 0) record.activeStates.splice(index, 1);
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
          this.push(record, event.type, { [key]: details }, at);
          break;
        }
        case 'ExecutionSucceeded':
          this.push(
            record,
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
            record,
            'ExecutionFailed',
            {
              executionFailedEventDetails: { error: event.Error, cause: stringCause(event.Cause) },
            },
            at,
          );
          break;
        case 'ExecutionAborted': {
          const stop = this.running.get(record.executionArn)?.stopRequested ?? {};
          this.push(record, 'ExecutionAborted', { executionAbortedEventDetails: { ...stop } }, at);
          break;
        }
        case 'ExecutionTimeout':
          this.push(
            record,
            'ExecutionTimedOut',
            {
              executionTimedOutEventDetails: { error: 'States.Timeout' },
            },
            at,
          );
          break;
        default:
          break;
      }
    }
  }

  /** The execution record, or `ExecutionDoesNotExist`. */
  getExecution(executionArn: string): ExecutionRecord {
    if (!executionArn?.startsWith('arn:'))
      throw new SfnServiceError('InvalidArn', `Invalid Arn: '${String(executionArn)}'`);
    const record = this.executions.get(executionArn);
    if (!record)
      throw new SfnServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  /** Executions newest first, optionally of one machine and/or one status. */
  listExecutions(
    filter: { stateMachineArn?: string; statusFilter?: ExecutionStatus } = {},
  ): ExecutionRecord[] {
    if (filter.stateMachineArn && !this.machines.has(filter.stateMachineArn)) {
      throw new SfnServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${filter.stateMachineArn}'`,
      );
    }
    return [...this.executions.values()]
      .filter((e) => !filter.stateMachineArn || e.stateMachineArn === filter.stateMachineArn)
      .filter((e) => !filter.statusFilter || e.status === filter.statusFilter)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  /** Stops a running execution (and the child executions it started). */
  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: Date } {
    const record = this.getExecution(executionArn);
    const handle = this.running.get(executionArn);
    if (record.status !== 'RUNNING' || !handle) {
      throw new SfnServiceError('ExecutionNotRunning', `Execution is not running: '${executionArn}'`);
    }
    handle.stopRequested = {
      ...(error === undefined ? {} : { error }),
      ...(cause === undefined ? {} : { cause }),
    };
    for (const child of handle.children) {
      if (this.running.has(child)) this.stopExecution(child, error, cause);
    }
    handle.abort();
    return { stopDate: new Date() };
  }

  /** Resolves when every running execution has closed (or after `timeoutMs`). */
  async idle(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      if (Date.now() > deadline) return false;
      await Promise.race([
        ...[...this.running.keys()].map((arn) => this.executions.get(arn)?.done),
        new Promise((resolve) => setTimeout(resolve, 50)),
      ]);
    }
    return true;
  }

  /** Aborts every running execution (used on shutdown). */
  stopAll(): void {
    for (const arn of [...this.running.keys()]) {
      try {
        this.stopExecution(arn, 'Runtime.Shutdown', 'the local runtime is stopping');
      } catch {
        // already closed
      }
    }
  }
}

type Json = Record<string, unknown>;

const toEpochSeconds = (date: Date | undefined): number | undefined =>
  date === undefined ? undefined : date.getTime() / 1000;

function summary(record: ExecutionRecord): Json {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: toEpochSeconds(record.startDate),
    stopDate: toEpochSeconds(record.stopDate),
  };
}

function page<T>(items: T[], params: Json): { items: T[]; nextToken?: string } {
  const max =
    typeof params['maxResults'] === 'number' && params['maxResults'] > 0 ? params['maxResults'] : 1000;
  const start = typeof params['nextToken'] === 'string' ? Number.parseInt(params['nextToken'], 10) || 0 : 0;
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { items: slice, nextToken: String(start + max) } : { items: slice };
}

function serializeEvent(event: HistoryEvent, includeData: boolean): Json {
  const out: Json = { ...event, timestamp: toEpochSeconds(event.timestamp) };
  if (!includeData) {
    for (const [key, value] of Object.entries(out)) {
      if (key.endsWith('EventDetails') && value && typeof value === 'object') {
        const copy: Json = { ...(value as Json) };
        delete copy['input'];
        delete copy['output'];
        out[key] = copy;
      }
    }
  }
  return out;
}

/**
 * Answers one AWS JSON 1.0 Step Functions operation (`op` from `X-Amz-Target: AWSStepFunctions.<op>`).
 * Returns the JSON body; throws {@link SfnServiceError} for API errors.
 */
export function handleStepFunctionsOperation(sfn: StepFunctionsEmulator, op: string, params: Json): Json {
  switch (op) {
    case 'StartExecution': {
      const started = sfn.startExecution({
        stateMachineArn: String(params['stateMachineArn'] ?? ''),
        ...(typeof params['name'] === 'string' ? { name: params['name'] } : {}),
        ...(typeof params['input'] === 'string' ? { input: params['input'] } : {}),
      });
      return { executionArn: started.executionArn, startDate: toEpochSeconds(started.startDate) };
    }
    case 'DescribeExecution': {
      const record = sfn.getExecution(String(params['executionArn'] ?? ''));
      const out: Json = {
        ...summary(record),
        input: record.input,
        inputDetails: { included: true },
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      };
      if (record.output !== undefined) {
        out['output'] = record.output;
        out['outputDetails'] = { included: true };
      }
      if (record.error !== undefined) out['error'] = record.error;
      if (record.cause !== undefined) out['cause'] = record.cause;
      if (record.parentExecutionArn) out['parentExecutionArn'] = record.parentExecutionArn;
      return out;
    }
    case 'ListExecutions': {
      const statusFilter = typeof params['statusFilter'] === 'string' ? params['statusFilter'] : undefined;
      const validStatuses = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
      if (statusFilter !== undefined && !validStatuses.includes(statusFilter)) {
        throw new SfnServiceError(
          'ValidationException',
          `statusFilter must be one of ${validStatuses.join(', ')}`,
        );
      }
      const records = sfn.listExecutions({
        ...(typeof params['stateMachineArn'] === 'string'
          ? { stateMachineArn: params['stateMachineArn'] }
          : {}),
        ...(statusFilter ? { statusFilter: statusFilter as ExecutionStatus } : {}),
      });
      const { items, nextToken } = page(records.map(summary), params);
      return nextToken ? { executions: items, nextToken } : { executions: items };
    }
    case 'GetExecutionHistory': {
      const record = sfn.getExecution(String(params['executionArn'] ?? ''));
      const includeData = params['includeExecutionData'] !== false;
      const ordered = params['reverseOrder'] === true ? [...record.events].reverse() : [...record.events];
      const { items, nextToken } = page(
        ordered.map((e) => serializeEvent(e, includeData)),
        params,
      );
      return nextToken ? { events: items, nextToken } : { events: items };
    }
    case 'StopExecution': {
      const { stopDate } = sfn.stopExecution(
        String(params['executionArn'] ?? ''),
        typeof params['error'] === 'string' ? params['error'] : undefined,
        typeof params['cause'] === 'string' ? params['cause'] : undefined,
      );
      return { stopDate: toEpochSeconds(stopDate) };
    }
    case 'ListStateMachines': {
      const machines = sfn.listStateMachines().map((m) => ({
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        type: 'STANDARD',
        creationDate: toEpochSeconds(m.creationDate),
      }));
      const { items, nextToken } = page(machines, params);
      return nextToken ? { stateMachines: items, nextToken } : { stateMachines: items };
    }
    case 'DescribeStateMachine': {
      const machine = sfn.describeStateMachine(String(params['stateMachineArn'] ?? ''));
      return {
        stateMachineArn: machine.stateMachineArn,
        name: machine.name,
        status: 'ACTIVE',
        definition: machine.definition,
        roleArn: 'arn:aws:iam::000000000000:role/berth-local-states',
        type: 'STANDARD',
        creationDate: toEpochSeconds(machine.creationDate),
      };
    }
    default:
      throw new SfnServiceError('UnknownOperationException', `Unknown operation ${op}`);
  }
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
 * that version, and test/runtime/step-functions.test.ts fails if the hook stops working).
 */
function trackStateInputs(machine: StateMachine): void {
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
