/**
 * Berth's recurring state-machine shapes: a Lambda task with the standard retry policy and an error policy,
 * record / lock / notify steps, a verify loop (`Verify → Choice → Wait → count → deadline`) and a poll-until-done
 * teardown stage. `lifecycle.ts` and `nightly-teardown.ts` are written with these.
 */
import {
  type Catcher,
  type ChoiceRule,
  catchAll,
  choice,
  END,
  type Fragment,
  is,
  join,
  machine,
  type NextState,
  type Path,
  type Payload,
  pass,
  type Retrier,
  retryOn,
  type State,
  type States,
  type Step,
  sequence,
  single,
  substitution,
  transition,
  wait,
  when,
} from './asl.ts';

/**
 * Errors worth retrying on any Lambda task: the handlers' `ThrottlingError`/`TransientAwsError`, and the
 * Lambda service errors Step Functions recommends retrying ("Handle transient Lambda service exceptions" in
 * the Step Functions developer guide).
 */
const TRANSIENT_ERRORS = [
  'ThrottlingError',
  'TransientAwsError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** 2 s, ×2, 6 attempts, at most 30 s apart, full jitter (spreads retries of throttled calls). */
export const RETRY_TRANSIENT: Retrier = retryOn(TRANSIENT_ERRORS, {
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 6,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
});

/**
 * The dedicated retrier for steps that call ECS actions AWS limits to 1 request/s (capacity providers,
 * `PutClusterCapacityProviders`, `Create`/`DeleteCluster`, `Register`/`DeregisterTaskDefinition`: "Request
 * throttling for the Amazon ECS API", a token bucket of burst 10–20 refilled at 1/s). It goes BEFORE
 * {@link RETRY_TRANSIENT}, so a `ThrottlingError` of these steps never uses up the generic budget
 * (docs/decisions/0010-throttling-retry.md). Sizing: with `THROTTLE_SIZING.concurrency` nightly teardowns
 * queued on one 1/s bucket a caller's turn comes after about concurrency ÷ rate = 20 s, so the cap is that
 * (full jitter: 10 s between attempts on average), and the attempts cover about 12 such turns (AWS: ≈ 375 s
 * on average; the budget grows with `MaxAttempts`, the load on the bucket does not).
 */
const THROTTLE_SIZING = {
  /** The nightly Map's concurrency the retrier is sized for (the default is 10, the benchmark runs 20). */
  concurrency: 20,
  /** The tightest ECS sustained rate a teardown or up step meets (requests per second). */
  perSecond: 1,
} as const;

export const RETRY_THROTTLED: Retrier = retryOn(['ThrottlingError'], {
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 40,
  MaxDelaySeconds: THROTTLE_SIZING.concurrency / THROTTLE_SIZING.perSecond,
  JitterStrategy: 'FULL',
});

/** Teardown stages throw `DependencyPendingError` while something still depends on what they delete (ENIs). */
const RETRY_DEPENDENCY_PENDING: Retrier = retryOn(['DependencyPendingError'], {
  IntervalSeconds: 10,
  BackoffRate: 1.5,
  MaxAttempts: 12,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
});

/**
 * `create-cluster` throws `ResourceNotReadyError` while AWS has not made a just-created resource usable: a
 * capacity provider still PROVISIONING, the ECS service-linked role of a new account still propagating, a
 * stale capacity provider still being deleted (docs/aws-behaviours.md). 5 s, ×1.5, 10 attempts, at most 30 s
 * apart: about 3.5 minutes in all.
 */
export const RETRY_RESOURCE_NOT_READY: Retrier = retryOn(['ResourceNotReadyError'], {
  IntervalSeconds: 5,
  BackoffRate: 1.5,
  MaxAttempts: 10,
  MaxDelaySeconds: 30,
});

/** What a Task does with an error its retries did not absorb: the `Catch` list and any states it adds. */
export type OnError = (task: string, next: NextState) => { catchers: Catcher[]; states: States };

/** The error fails the execution (no `Catch`); inside a Parallel branch the Parallel's own Catch applies. */
export const propagate: OnError = () => ({ catchers: [], states: {} });

/**
 * The error goes to `target` as `$.error = { step, Error, Cause }`, through a `FailedAt<Task>` Pass state that
 * names the failing step.
 */
export const markFailedStep =
  (target: string, comment?: string): OnError =>
  (task) => {
    const failedAt = `FailedAt${task}`;
    const marker: State = {
      Type: 'Pass',
      Comment: comment ?? `Marks ${task} as the failing step.`,
      Parameters: { step: task, 'Error.$': '$.caught.Error', 'Cause.$': '$.caught.Cause' },
      ResultPath: '$.error',
      Next: target,
    };
    return { catchers: [catchAll('$.caught', failedAt)], states: { [failedAt]: marker } };
  };

/** The error is kept at `resultPath` and the machine goes on as if the task had succeeded. */
export const ignoreError =
  (resultPath: Path): OnError =>
  (task, next) => {
    if (next === END) throw new Error(`${task}: an ignored error needs a next state`);
    return { catchers: [catchAll(resultPath, next)], states: {} };
  };

/** The error is kept at `resultPath` and the machine goes to `target`. */
export const catchInto =
  (resultPath: Path, target: string): OnError =>
  () => ({ catchers: [catchAll(resultPath, target)], states: {} });

export interface LambdaTask {
  /** The handler: the Task calls `${<fn>FunctionArn}`, and the task's name starts with `fn`. */
  readonly fn: string;
  readonly resultPath: Path;
  readonly onError: OnError;
  readonly comment?: string;
  /** Without Parameters the handler receives the whole state. */
  readonly parameters?: Payload;
  readonly resultSelector?: Payload;
  /** Defaults to {@link RETRY_TRANSIENT}. */
  readonly retry?: readonly Retrier[];
  /** Catchers tried before the one `onError` adds. */
  readonly catch?: readonly Catcher[];
}

/** A Task calling a Berth Lambda through its substitution variable (direct ARN, so error names pass through). */
export const lambda =
  (name: string, task: LambdaTask): Step =>
  (next) => {
    if (!name.startsWith(task.fn)) throw new Error(`${name}: a task name starts with its handler ${task.fn}`);
    const onError = task.onError(name, next);
    const catchers = [...(task.catch ?? []), ...onError.catchers];
    const state: State = {
      Type: 'Task',
      Resource: substitution(`${task.fn}FunctionArn`),
      ...(task.comment ? { Comment: task.comment } : {}),
      ...(task.parameters ? { Parameters: task.parameters } : {}),
      ...(task.resultSelector ? { ResultSelector: task.resultSelector } : {}),
      ResultPath: task.resultPath,
      Retry: task.retry ?? [RETRY_TRANSIENT],
      ...(catchers.length > 0 ? { Catch: catchers } : {}),
      ...transition(next),
    };
    return { start: name, states: join(single(name, state), { start: name, states: onError.states }) };
  };

/** A Parallel state: each branch is a step ending its branch; the results are `$[i]` in `resultSelector`. */
export const parallel =
  (
    name: string,
    options: {
      branches: readonly Step[];
      resultSelector: Payload;
      resultPath: Path;
      onError: OnError;
      comment?: string;
    },
  ): Step =>
  (next) => {
    const onError = options.onError(name, next);
    const state: State = {
      Type: 'Parallel',
      ...(options.comment ? { Comment: options.comment } : {}),
      Branches: options.branches.map((branch) => machine(branch(END))),
      ResultSelector: options.resultSelector,
      ResultPath: options.resultPath,
      Catch: onError.catchers,
      ...transition(next),
    };
    return { start: name, states: join(single(name, state), { start: name, states: onError.states }) };
  };

/** A Choice that continues at `next` by default; `rules` lead elsewhere, `extra` are states only it leads to. */
export const fork =
  (name: string, rules: readonly ChoiceRule[], extra: readonly Fragment[] = [], comment?: string): Step =>
  (next) => {
    if (next === END) throw new Error(`${name}: a Choice needs a default next state`);
    return { start: name, states: join(choice(name, rules, next, comment), ...extra) };
  };

/** A terminal state: `next` is ignored. */
export const succeed =
  (name: string, comment?: string): Step =>
  () =>
    single(name, { Type: 'Succeed', ...(comment ? { Comment: comment } : {}) });

export const fail = (
  name: string,
  fields: { error: string; cause: string } | { errorPath: Path; causePath: Path },
  comment?: string,
): Fragment =>
  single(name, {
    Type: 'Fail',
    ...(comment ? { Comment: comment } : {}),
    ...('error' in fields
      ? { Error: fields.error, Cause: fields.cause }
      : { ErrorPath: fields.errorPath, CausePath: fields.causePath }),
  });

// --- lifecycle steps ---------------------------------------------------------------------------------------

/** Who asked for what: every record, every lock call names the operation it belongs to. */
const OPERATION_FIELDS: Payload = {
  'env.$': '$.env',
  'operation.$': '$.operation',
  'requestId.$': '$.requestId',
  'requestedBy.$': '$.requestedBy',
  // Through which entry point (api, slack, cli-local, nightly, …); SetDefaults supplies one when absent.
  'entry.$': '$.entry',
  'executionArn.$': '$$.Execution.Id',
};

/** `failure` as the record handler stores it, from `$.error = { step, Error, Cause }`. */
export const FAILURE: Payload = {
  'step.$': '$.error.step',
  'error.$': '$.error.Error',
  'cause.$': '$.error.Cause',
};

/** Writes the environment's record: `status`, the operation's `step`, and `fields` (`spec`, `url`, …). */
export const record = (
  name: `Record${string}`,
  options: { status: string; step: string; fields?: Payload; onError: OnError },
): Step =>
  lambda(name, {
    fn: 'Record',
    parameters: { ...OPERATION_FIELDS, status: options.status, step: options.step, ...options.fields },
    resultPath: '$.record',
    onError: options.onError,
  });

export const lockAcquire = (options: { onError: OnError; busy: string }): Step =>
  lambda('LockAcquire', {
    fn: 'Lock',
    parameters: {
      action: 'acquire',
      'env.$': '$.env',
      'operation.$': '$.operation',
      'requestId.$': '$.requestId',
      'requestedBy.$': '$.requestedBy',
      'executionArn.$': '$$.Execution.Id',
    },
    resultPath: '$.lock',
    catch: [{ ErrorEquals: ['OperationInProgressError'], ResultPath: '$.error', Next: options.busy }],
    onError: options.onError,
  });

/** Releases the lock; a failed release is kept at `$.unlockError` (the lock expires after its TTL). */
export const lockRelease = (name: `LockRelease${string}`): Step =>
  lambda(name, {
    fn: 'Lock',
    parameters: {
      action: 'release',
      'env.$': '$.env',
      'token.$': '$.lock.token',
      'executionArn.$': '$$.Execution.Id',
    },
    resultPath: '$.unlock',
    onError: ignoreError('$.unlockError'),
  });

/** Tells the requester; a failed notification never changes the outcome. */
export const notify = (name: `Notify${string}`, outcome: 'succeeded' | 'failed' | 'busy'): Step =>
  lambda(name, {
    fn: 'Notify',
    parameters: { outcome, 'executionArn.$': '$$.Execution.Id', 'state.$': '$' },
    resultPath: '$.notify',
    onError: ignoreError('$.notifyError'),
  });

/**
 * How the verify loop waits between checks: `adaptive` waits what the verify step says the awaited thing
 * needs (`$.verify.waitSeconds`, core `nextCheckSeconds`); `fixed` waits `timing.verifyIntervalSeconds`
 * every time (the policy before adaptive polling, kept to measure against: `bench/sfn-cost.ts`).
 */
export type Polling = 'adaptive' | 'fixed';

/**
 * Polls `Verify<suffix>` until the service is `Healthy` (→ next), `Unhealthy` (→ `failed` with
 * `UnhealthyError`) or still `Pending` after `timing.verifyMaxAttempts` checks (→ `failed` with
 * `VerifyTimeoutError`). The waits are `Wait` states: no Lambda sleeps. Adaptive, each poll costs three
 * state transitions (`VerifyWait…`, `Verify…`, `VerifyHealth…`): the verify step counts its checks itself.
 */
export const verifyLoop =
  (suffix: string, failed: string, polling: Polling = 'adaptive'): Step =>
  (next) => {
    if (next === END) throw new Error('a verify loop needs a next state');
    const state = (part: string): string => `Verify${part}${suffix}`;
    const verify = state('');
    const unhealthy = pass(state('Unhealthy'), {
      Parameters: { step: verify, Error: 'UnhealthyError', 'Cause.$': '$.verify.reason' },
      ResultPath: '$.error',
    })(failed);
    const timeout = (checks: Path): Fragment =>
      pass(state('Timeout'), {
        Parameters: {
          step: verify,
          Error: 'VerifyTimeoutError',
          'Cause.$': `States.Format('still pending after {} checks: {}', ${checks}, $.verify.reason)`,
        },
        ResultPath: '$.error',
      })(failed);
    const check = lambda(verify, { fn: 'Verify', resultPath: '$.verify', onError: markFailedStep(failed) })(
      state('Health'),
    );
    const healthy = when(is.string('$.verify.health', 'Healthy'), next);
    const pending = is.string('$.verify.health', 'Pending');
    if (polling === 'adaptive') {
      return {
        start: verify,
        states: join(
          check,
          choice(
            state('Health'),
            [
              healthy,
              when(
                is.and(pending, is.atLeastPath('$.verify.checks', '$.timing.verifyMaxAttempts')),
                state('Timeout'),
              ),
              when(pending, state('Wait')),
            ],
            state('Unhealthy'),
          ),
          unhealthy,
          wait(state('Wait'), { SecondsPath: '$.verify.waitSeconds' })(verify),
          timeout('$.verify.checks'),
        ),
      };
    }
    return {
      start: state('Init'),
      states: join(
        pass(state('Init'), { Result: { attempts: 0 }, ResultPath: '$.verification' })(verify),
        check,
        choice(state('Health'), [healthy, when(pending, state('Wait'))], state('Unhealthy')),
        unhealthy,
        wait(state('Wait'), { SecondsPath: '$.timing.verifyIntervalSeconds' })(state('Count')),
        pass(state('Count'), {
          Parameters: { 'attempts.$': 'States.MathAdd($.verification.attempts, 1)' },
          ResultPath: '$.verification',
        })(state('Deadline')),
        choice(
          state('Deadline'),
          [when(is.atLeastPath('$.verification.attempts', '$.timing.verifyMaxAttempts'), state('Timeout'))],
          verify,
        ),
        timeout('$.verification.attempts'),
      ),
    };
  };

export interface TeardownStage {
  /** The handler, `Teardown<Stage>`. */
  readonly fn: `Teardown${string}`;
  /** Its result lands at `$.teardown.<result>`. */
  readonly result: string;
  /**
   * The stage can answer `{ done: false }`: wait and call it again. Adaptive polling waits what the
   * result asks for (`$.teardown.<result>.waitSeconds`, sized by core `teardownWait` to what the stage
   * waits for); fixed polling waits this path into `$.timing` every time.
   */
  readonly pollEvery?: Path;
}

/**
 * One teardown stage (`<fn><suffix>`): retries `ThrottlingError` with {@link RETRY_THROTTLED} (the stages call
 * the 1/s ECS actions), `DependencyPendingError`, and polls until done if it waits
 * (a poll costs three transitions: `<fn>Wait<suffix>`, `<fn><suffix>`, `<fn>Done<suffix>`).
 */
const teardownStage =
  (stage: TeardownStage, suffix: string, onError: OnError, polling: Polling = 'adaptive'): Step =>
  (next) => {
    const name = `${stage.fn}${suffix}`;
    const result: Path = `$.teardown.${stage.result}`;
    const call = (after: NextState): Fragment =>
      lambda(name, {
        fn: stage.fn,
        resultPath: result,
        retry: [RETRY_THROTTLED, RETRY_DEPENDENCY_PENDING, RETRY_TRANSIENT],
        onError,
      })(after);
    if (!stage.pollEvery) return call(next);
    if (next === END) throw new Error(`${name}: a polled stage needs a next state`);
    const done = `${stage.fn}Done${suffix}`;
    const pause = `${stage.fn}Wait${suffix}`;
    const seconds: Path = polling === 'adaptive' ? `${result}.waitSeconds` : stage.pollEvery;
    return {
      start: name,
      states: join(
        call(done),
        choice(done, [when(is.boolean(`${result}.done`, true), next)], pause),
        wait(pause, { SecondsPath: seconds })(name),
      ),
    };
  };

/**
 * A teardown chain: its stages in order, each state named `<fn><suffix>` (`TeardownServiceDown`,
 * `TeardownServiceRollback`), so `down` and the rollback of a failed `up` are one shape.
 */
export const teardownChain = (
  stages: readonly TeardownStage[],
  suffix: string,
  onError: OnError,
  polling: Polling = 'adaptive',
): Step => sequence(...stages.map((stage) => teardownStage(stage, suffix, onError, polling)));

/**
 * A Task (`<fn><suffix>`) called again after a Wait of `pollEvery` while its result says `done: false` (the
 * handler never sleeps): `pause` polls the drain of the tasks and the termination of the instances so.
 */
export const pollUntilDone =
  (options: { fn: string; suffix?: string; resultPath: Path; pollEvery: Path; onError: OnError }): Step =>
  (next) => {
    const suffix = options.suffix ?? '';
    const name = `${options.fn}${suffix}`;
    if (next === END) throw new Error(`${name}: a polled task needs a next state`);
    const done = `${options.fn}Done${suffix}`;
    const pause = `${options.fn}Wait${suffix}`;
    return {
      start: name,
      states: join(
        lambda(name, {
          fn: options.fn,
          resultPath: options.resultPath,
          retry: [RETRY_DEPENDENCY_PENDING, RETRY_TRANSIENT],
          onError: options.onError,
        })(done),
        choice(done, [when(is.boolean(`${options.resultPath}.done`, true), next)], pause),
        wait(pause, { SecondsPath: options.pollEvery })(name),
      ),
    };
  };
