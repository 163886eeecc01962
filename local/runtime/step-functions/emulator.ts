/**
 * A Step Functions emulator: hosts state machines (ASL with `${…}` substitutions) and runs their executions
 * with aws-local-stepfunctions, Task states bound to in-process handlers and `startExecution` integrations
 * to child executions. The history is built by `history.ts`, the JSON 1.0 API answered by `wire.ts`.
 */
import '../polyfills.ts';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import {
  type AslDefinition,
  type AslRetrier,
  collectRetryStates,
  collectTaskBindings,
  collectWaitStates,
  substitute,
  type TaskBinding,
  walkStates,
} from '../asl.ts';
import { functionArnFor, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../lambda.ts';
import { type ExecutionRecord, type ExecutionStatus, SfnServiceError } from './execution.ts';
import { ExecutionHistory, type TaskResource } from './history.ts';
import { checkPayload, enforcePayloadQuota } from './quotas.ts';
import { trackStateInputs, waitOverridesFor } from './waits.ts';

export type { ExecutionRecord, ExecutionStatus } from './execution.ts';

/** A state machine to host: its name, its ASL (with `${…}` substitutions) and its ARN variable. */
export interface StateMachineSource {
  name: string;
  definition: AslDefinition;
  /** The substitution variable other machines use for this one's ARN, e.g. `LifecycleStateMachineArn`. */
  arnVariable?: string;
}

/** What the emulator calls to run a Lambda-backed Task (throws an Error whose `name` is the error). */
type InvokeLambda = (handlerFile: string, event: unknown) => Promise<unknown>;

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
    const machine = new StateMachine(withAwsTaskTimeouts(definition) as never, {
      validationOptions: { checkArn: true, checkPaths: true },
      awsConfig: {
        region: this.region,
        credentials: { accessKeys: { accessKeyId: 'local', secretAccessKey: 'local' } },
      },
    });
    if (dynamicWaits.size > 0) trackStateInputs(machine);
    enforcePayloadQuota(machine);
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

  /**
   * The Task states' local handlers: each runs the bound handler (or child execution) and hands what it
   * returned to the history, whose succeeded event carries the task's result.
   */
  private overridesFor(
    machine: HostedMachine,
    record: ExecutionRecord,
    history: ExecutionHistory,
  ): Record<string, (input: any) => Promise<any>> {
    const handlers: Record<string, (input: any) => Promise<any>> = {};
    for (const binding of machine.bindings.values()) {
      let run: (input: any) => Promise<unknown>;
      if (binding.kind === 'lambda') {
        run =
          binding.style === 'direct'
            ? (input) => this.options.invokeLambda(binding.handlerFile, input)
            : async (input: { Payload?: unknown }) => ({
                ExecutedVersion: '$LATEST',
                Payload: await this.options.invokeLambda(binding.handlerFile, input?.Payload ?? {}),
                StatusCode: 200,
              });
      } else {
        run = (input) => this.runChild(binding.mode, input, record);
      }
      handlers[binding.stateName] = async (input) => {
        checkPayload(`input of state ${binding.stateName} after Parameters`, input);
        const output = await run(input);
        checkPayload(`result of task ${binding.stateName}`, output);
        history.taskReturned(binding.stateName, output);
        return output;
      };
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

  private async run(machine: HostedMachine, record: ExecutionRecord, input: unknown): Promise<void> {
    const handle: RunningHandle = { abort: () => {}, children: new Set() };
    this.running.set(record.executionArn, handle);
    const started = record.startDate.getTime();
    const history = new ExecutionHistory(record, {
      region: this.region,
      accountId: this.accountId,
      emitter: this.events,
      resourceOf: (stateName) => resourceOf(machine.bindings.get(stateName)),
      stopRequested: () => handle.stopRequested ?? {},
    });
    try {
      const execution = machine.machine.run(input as never, {
        overrides: {
          taskResourceLocalHandlers: this.overridesFor(machine, record, history),
          waitTimeOverrides: waitOverridesFor(
            machine.waitOverrides,
            machine.dynamicWaits,
            this.options.waitMs,
          ),
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
      const consume = history.consume(execution.eventLogs, started);
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
      history.push('ExecutionFailed', {
        executionFailedEventDetails: { error: record.error, cause: record.cause },
      });
    } finally {
      this.running.delete(record.executionArn);
      this.events.emit('closed', record);
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

/** How a bound Task's resource appears in the history (a Lambda ARN, or a service integration). */
function resourceOf(binding: TaskBinding | undefined): TaskResource | undefined {
  if (binding?.kind === 'lambda') {
    return binding.style === 'direct'
      ? { kind: 'lambda-function', functionArn: functionArnFor(binding.handlerFile) }
      : { kind: 'integration', resourceType: 'lambda', resource: 'invoke' };
  }
  if (binding?.kind === 'start-execution') {
    const resource =
      binding.mode === 'async'
        ? 'startExecution'
        : `startExecution.${binding.mode === 'sync2' ? 'sync:2' : 'sync'}`;
    return { kind: 'integration', resourceType: 'states', resource };
  }
  return undefined;
}

/**
 * The longest timer Node.js keeps (2^31 − 1 ms, about 24.8 days); a longer `setTimeout` fires at once.
 * Step Functions' own default for a Task without `TimeoutSeconds` is 99,999,999 s.
 */
export const NO_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * A copy of `definition` in which every Task without `TimeoutSeconds`/`TimeoutSecondsPath` gets
 * {@link NO_TASK_TIMEOUT_SECONDS}. AWS puts no timeout on such a Task ("By default, the Amazon States
 * Language doesn't specify timeouts … an execution is stuck waiting for a response", Step Functions
 * Developer Guide, "Using timeouts to avoid stuck Step Functions workflow executions"; the Task state's
 * `TimeoutSeconds` defaults to 99999999), while aws-local-stepfunctions fails it with `States.Timeout` after
 * 60 real seconds: a nightly `StartDown` (`.sync:2`) waiting for a `down` queued on a 1/s ECS bucket for
 * longer than that failed although its child succeeded.
 */
export function withAwsTaskTimeouts(definition: AslDefinition): AslDefinition {
  const copy = structuredClone(definition);
  walkStates(copy, (_name, state) => {
    const task = state as { Type?: string; TimeoutSeconds?: number; TimeoutSecondsPath?: string };
    if (task.Type === 'Task' && task.TimeoutSeconds === undefined && task.TimeoutSecondsPath === undefined)
      task.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
  });
  return copy;
}
