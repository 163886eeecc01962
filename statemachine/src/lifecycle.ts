/**
 * The lifecycle state machine: one operation (`up`, `down`, `scale`, `redeploy`, `extend`, `pause`, `resume`) on
 * one environment,
 * under its lock. `npm run asl` writes it to `statemachine/lifecycle.asl.json`; statemachine/README.md
 * describes its input, output, states and errors.
 */
import { OPERATIONS, REQUIRED_INPUT } from '../../functions/core/operation.ts';
import {
  choice,
  END,
  is,
  join,
  type Machine,
  machine,
  pass,
  type Retrier,
  type Step,
  sequence,
  when,
} from './asl.ts';
import {
  catchInto,
  FAILURE,
  fail,
  fork,
  ignoreError,
  lambda,
  lockAcquire,
  lockRelease,
  markFailedStep,
  notify,
  type Polling,
  parallel,
  pollUntilDone,
  propagate,
  RETRY_RESOURCE_NOT_READY,
  RETRY_THROTTLED,
  RETRY_TRANSIENT,
  record,
  succeed,
  type TeardownStage,
  teardownChain,
  verifyLoop,
} from './blocks.ts';

/** Every failure after the lock goes here: roll back a failed `up`, or record the failure. */
const FAILED = 'ShouldRollBack';
const failed = markFailedStep(FAILED);

/**
 * Defaults of `timing` (seconds), each overridable on its own in the input. Adaptive polling: the verify
 * step, resume and the teardown stages size their own waits (`$.verify.waitSeconds`, `$.resume.waitSeconds`,
 * `$.teardown.<stage>.waitSeconds`: core `nextCheck` and `teardownWait`), so one poll usually suffices;
 * `drainIntervalSeconds` paces pause. `fixed`: the policy before, every wait 15 s (`polling: 'fixed'` tells the
 * handlers so).
 */
const DEFAULT_TIMING: Readonly<Record<Polling, Readonly<Record<string, number | string>>>> = {
  adaptive: { verifyMaxAttempts: 40, drainIntervalSeconds: 35, deleteIntervalSeconds: 35 },
  fixed: {
    // Tells the teardown stages that the Waits are these intervals, not the `waitSeconds` they ask for.
    polling: 'fixed',
    verifyIntervalSeconds: 15,
    verifyMaxAttempts: 40,
    drainIntervalSeconds: 15,
    deleteIntervalSeconds: 15,
  },
};

// --- input: defaults, then validation before anything is locked --------------------------------------------

/**
 * The fields each operation needs, from core's operation input (`REQUIRED_INPUT`), so this check and the entry
 * points' `parseOperationInput` cannot disagree; one `Invalid<Field>` state per field.
 */
const REQUIRED = OPERATIONS.flatMap((operation) =>
  REQUIRED_INPUT[operation].map(({ field, unless }) => ({
    operation,
    field,
    unless,
    state: `Invalid${field[0]?.toUpperCase()}${field.slice(1)}`,
  })),
);

const mergeTiming = pass('MergeTiming', {
  Comment: 'Fields given in input.timing override the defaults one by one.',
  Parameters: { 'timing.$': 'States.JsonMerge($.defaults.timing, $.input.timing, false)' },
  ResultPath: '$.resolved',
})('MergeDefaults');

const input = (polling: Polling): Step =>
  sequence(
    pass('SetDefaults', {
      Comment: 'Default values for optional input fields (timing in seconds).',
      Parameters: {
        defaults: { keepOnFailure: false, entry: 'unknown', timing: DEFAULT_TIMING[polling] },
        resolved: {},
        'input.$': '$',
      },
    }),
    // States.JsonMerge is shallow (and only shallow in aws-local-stepfunctions): a partial input.timing is
    // merged with the default timing on its own, only when one is given.
    fork('HasTiming', [when(is.present('$.input.timing'), 'MergeTiming')], [mergeTiming]),
    pass('MergeDefaults', {
      Parameters: {
        'state.$': 'States.JsonMerge(States.JsonMerge($.defaults, $.input, false), $.resolved, false)',
      },
      OutputPath: '$.state',
    }),
    fork(
      'ValidateInput',
      [
        when(is.not(is.or(...OPERATIONS.map((op) => is.string('$.operation', op)))), 'InvalidOperation'),
        when(
          is.or(is.absent('$.env'), is.absent('$.requestId'), is.absent('$.requestedBy')),
          'InvalidRequiredFields',
        ),
        ...REQUIRED.map(({ operation, field, unless, state }) =>
          when(
            is.and(
              is.string('$.operation', operation),
              is.absent(`$.${field}`),
              ...(unless === undefined ? [] : [is.absent(`$.${unless}`)]),
            ),
            state,
          ),
        ),
      ],
      [
        fail('InvalidOperation', {
          error: 'ValidationError',
          cause: `operation: must be one of ${OPERATIONS.join(', ')}`,
        }),
        fail('InvalidRequiredFields', {
          error: 'ValidationError',
          cause: 'env, requestId, requestedBy: required',
        }),
        ...REQUIRED.map(({ operation, field, unless, state }) =>
          fail(state, {
            error: 'ValidationError',
            cause: `${field}: required for operation ${operation}${unless === undefined ? '' : ` (unless ${unless} is true)`}`,
          }),
        ),
      ],
      'Rejects input the later Parameters would not resolve, before anything is locked or changed.',
    ),
    lockAcquire({
      busy: 'NotifyBusy',
      onError: markFailedStep(
        'NotifyFailure',
        'No lock is held: skip recording and releasing, tell the requester.',
      ),
    }),
  );

const busy = sequence(
  notify('NotifyBusy', 'busy'),
  pass('OperationInProgressResult', {
    Parameters: {
      status: 'OperationInProgress',
      'env.$': '$.env',
      'operation.$': '$.operation',
      'requestId.$': '$.requestId',
      'reason.$': '$.error.Cause',
    },
  }),
  succeed(
    'OperationInProgress',
    'Another operation holds the lock; nothing was changed (see README: lock busy).',
  ),
);

// --- teardown: six idempotent stages, so re-running down resumes ---------------------------------------------

/**
 * The load balancer goes right after the service (docs/decisions/0009-teardown-order.md): the release of
 * its network interfaces, minutes after it is gone, is the teardown's longest wait and now overlaps the
 * capacity's; the network stage waits on those interfaces, so the load-balancer stage never waits.
 */
const TEARDOWN: readonly TeardownStage[] = [
  { fn: 'TeardownService', result: 'service', pollEvery: '$.timing.drainIntervalSeconds' },
  { fn: 'TeardownLoadBalancer', result: 'loadBalancer' },
  { fn: 'TeardownCapacity', result: 'capacity', pollEvery: '$.timing.drainIntervalSeconds' },
  { fn: 'TeardownCluster', result: 'cluster' },
  { fn: 'TeardownNetwork', result: 'network', pollEvery: '$.timing.deleteIntervalSeconds' },
  { fn: 'TeardownTaskDefinitions', result: 'taskDefinitions' },
];

/** The teardown chain, states suffixed `Down` (down) or `Rollback` (a failed up): one shape, two uses. */
const teardown = (suffix: 'Down' | 'Rollback', polling: Polling, onError = failed): Step =>
  teardownChain(TEARDOWN, suffix, onError, polling);

// --- the operations ------------------------------------------------------------------------------------------

const up = (polling: Polling): Step =>
  sequence(
    record('RecordCreating', {
      status: 'creating',
      step: 'up',
      fields: { 'spec.$': '$.spec' },
      onError: failed,
    }),
    lambda('CreateNetwork', { fn: 'CreateNetwork', resultPath: '$.resources.network', onError: failed }),
    parallel('ProvisionInParallel', {
      comment:
        'The load balancer provisions while the instances boot; all three need the network (security groups).',
      branches: [
        lambda('CreateLoadBalancer', {
          fn: 'CreateLoadBalancer',
          resultPath: '$.resources.loadBalancer',
          onError: propagate,
        }),
        lambda('CreateCluster', {
          fn: 'CreateCluster',
          resultPath: '$.resources.cluster',
          // CreateCluster, CreateCapacityProvider and PutClusterCapacityProviders: 1/s each.
          retry: [RETRY_THROTTLED, RETRY_RESOURCE_NOT_READY, RETRY_TRANSIENT],
          onError: propagate,
        }),
        lambda('CreateTaskDefinition', {
          fn: 'CreateTaskDefinition',
          resultPath: '$.resources.taskDefinition',
          // RegisterTaskDefinition: 1/s.
          retry: [RETRY_THROTTLED, RETRY_TRANSIENT],
          onError: propagate,
        }),
      ],
      resultSelector: {
        'network.$': '$[0].resources.network',
        'loadBalancer.$': '$[0].resources.loadBalancer',
        'cluster.$': '$[1].resources.cluster',
        'taskDefinition.$': '$[2].resources.taskDefinition',
      },
      resultPath: '$.resources',
      onError: failed,
    }),
    lambda('CreateService', {
      fn: 'CreateService',
      resultPath: '$.resources.service',
      // A service of the same name still DRAINING from an earlier down or rollback (ResourceNotReadyError).
      retry: [RETRY_RESOURCE_NOT_READY, RETRY_TRANSIENT],
      onError: failed,
    }),
    verifyLoop('Up', FAILED, polling),
    record('RecordReady', {
      status: 'ready',
      step: 'up',
      fields: { 'resources.$': '$.resources', 'url.$': '$.verify.url', 'verified.$': '$.verify' },
      onError: failed,
    }),
  );

const down = (polling: Polling): Step =>
  sequence(
    record('RecordTearingDown', { status: 'tearing-down', step: 'down', onError: failed }),
    teardown('Down', polling),
    record('RecordDeleted', { status: 'deleted', step: 'down', onError: failed }),
  );

/**
 * A change to a running environment: record its status, run its one handler, verify, record it ready.
 * `scale` and `redeploy` (and the operations to come) are this shape with their own names and fields.
 */
const verifiedChange = (
  polling: Polling,
  change: {
    /** Handler and verify-loop suffix: `Scale` → `Scale`, `VerifyScale…`. */
    fn: string;
    step: string;
    status: string;
    record: { readonly started: `Record${string}`; readonly done: `Record${string}` };
    startedFields?: Record<string, string>;
    doneFields: Record<string, string>;
    /** The handler's retriers (default: the generic transient one). */
    retry?: Retrier[];
  },
): Step =>
  sequence(
    record(change.record.started, {
      status: change.status,
      step: change.step,
      ...(change.startedFields ? { fields: change.startedFields } : {}),
      onError: failed,
    }),
    lambda(change.fn, {
      fn: change.fn,
      resultPath: `$.${change.step}`,
      ...(change.retry ? { retry: change.retry } : {}),
      onError: failed,
    }),
    verifyLoop(change.fn, FAILED, polling),
    record(change.record.done, {
      status: 'ready',
      step: change.step,
      fields: { ...change.doneFields, 'url.$': '$.verify.url', 'verified.$': '$.verify' },
      onError: failed,
    }),
  );

const scale = (polling: Polling): Step =>
  verifiedChange(polling, {
    fn: 'Scale',
    step: 'scale',
    status: 'scaling',
    record: { started: 'RecordScaling', done: 'RecordScaled' },
    startedFields: { 'desiredCount.$': '$.desiredCount' },
    doneFields: { 'desiredCount.$': '$.desiredCount' },
  });

const redeploy = (polling: Polling): Step =>
  verifiedChange(polling, {
    fn: 'Redeploy',
    step: 'redeploy',
    status: 'redeploying',
    record: { started: 'RecordRedeploying', done: 'RecordRedeployed' },
    doneFields: { 'taskDefinitionArn.$': '$.redeploy.taskDefinitionArn' },
    // RegisterTaskDefinition: 1/s.
    retry: [RETRY_THROTTLED, RETRY_TRANSIENT],
  });

/**
 * `pause`: remember the counts, service → 0, tasks drained, Auto Scaling group → 0, instances gone (the
 * `Pause` handler, polled); nothing is deleted, so the URL stays.
 */
const pause = sequence(
  record('RecordPausing', { status: 'pausing', step: 'pause', onError: failed }),
  pollUntilDone({
    fn: 'Pause',
    resultPath: '$.pause',
    pollEvery: '$.timing.drainIntervalSeconds',
    onError: failed,
  }),
  record('RecordPaused', { status: 'paused', step: 'pause', onError: failed }),
);

/**
 * `resume`: restore the remembered counts (the `Resume` handler, polled while the restored instances
 * register), then verify as `up` does.
 */
const resume = (polling: Polling): Step =>
  sequence(
    record('RecordResuming', { status: 'resuming', step: 'resume', onError: failed }),
    pollUntilDone({
      fn: 'Resume',
      resultPath: '$.resume',
      // Adaptive: the Wait the handler sized to what it waits for (instances, then health checks).
      pollEvery: polling === 'adaptive' ? '$.resume.waitSeconds' : '$.timing.drainIntervalSeconds',
      onError: failed,
    }),
    pass('ResumeCount', {
      Comment: 'The verify loop waits for the restored desired count.',
      InputPath: '$.resume.desiredCount',
      ResultPath: '$.desiredCount',
    }),
    verifyLoop('Resume', FAILED, polling),
    record('RecordResumed', {
      status: 'ready',
      step: 'resume',
      fields: { 'url.$': '$.verify.url' },
      onError: failed,
    }),
  );

const extend = lambda('Extend', { fn: 'Extend', resultPath: '$.extend', onError: failed });

const succeeded = sequence(
  lockRelease('LockReleaseOnSuccess'),
  notify('NotifySuccess', 'succeeded'),
  pass('Succeeded', {
    Comment: 'Ends the execution with a compact result (the nightly machine collects one per environment).',
    Parameters: {
      status: 'Succeeded',
      'env.$': '$.env',
      'operation.$': '$.operation',
      'requestId.$': '$.requestId',
    },
  }),
);

// --- failure: roll back a failed up, record, release the lock, notify, fail with the original error ----------

const recordFailure = (name: `Record${string}`, status: string, step: string, failure = FAILURE): Step =>
  record(name, { status, step, fields: { failure }, onError: ignoreError('$.recordError') });

const rollback = (polling: Polling): Step =>
  sequence(
    recordFailure('RecordRollingBack', 'rolling-back', 'rollback'),
    teardown('Rollback', polling, catchInto('$.rollbackError', 'RecordRollbackFailed')),
    recordFailure('RecordRolledBack', 'failed', 'rollback'),
  );

const rollbackFailed = recordFailure('RecordRollbackFailed', 'failed', 'rollback', {
  ...FAILURE,
  'cause.$':
    "States.Format('{} (rollback failed: {}: {})', $.error.Cause, $.rollbackError.Error, $.rollbackError.Cause)",
});

const failedEnd = sequence(lockRelease('LockReleaseOnFailure'), notify('NotifyFailure', 'failed'), () =>
  fail(
    'Failed',
    { errorPath: '$.error.Error', causePath: '$.error.Cause' },
    'Fails with the original error of the failing step.',
  ),
);

/** The lifecycle machine; `polling: 'fixed'` builds the fixed-interval variant the benchmarks compare with. */
export const lifecycle = ({ polling = 'adaptive' }: { polling?: Polling } = {}): Machine => {
  const operations = {
    up: up(polling)('LockReleaseOnSuccess'),
    down: down(polling)('LockReleaseOnSuccess'),
    scale: scale(polling)('LockReleaseOnSuccess'),
    redeploy: redeploy(polling)('LockReleaseOnSuccess'),
    extend: extend('LockReleaseOnSuccess'),
    pause: pause('LockReleaseOnSuccess'),
    resume: resume(polling)('LockReleaseOnSuccess'),
  };
  const rollingBack = rollback(polling)('LockReleaseOnFailure');
  const recordFailed = recordFailure('RecordFailed', 'failed', 'failed')('LockReleaseOnFailure');
  return machine(
    {
      start: 'SetDefaults',
      states: join(
        input(polling)('RouteOperation'),
        busy(END),
        choice(
          'RouteOperation',
          (['up', 'down', 'scale', 'redeploy', 'pause', 'resume'] as const).map((op) =>
            when(is.string('$.operation', op), operations[op].start),
          ),
          operations.extend.start,
        ),
        ...Object.values(operations),
        succeeded(END),
        choice(
          FAILED,
          [
            when(
              is.and(is.string('$.operation', 'up'), is.boolean('$.keepOnFailure', false)),
              rollingBack.start,
            ),
          ],
          recordFailed.start,
          'Only a failed up is rolled back, and only without keepOnFailure.',
        ),
        recordFailed,
        rollingBack,
        rollbackFailed('LockReleaseOnFailure'),
        failedEnd(END),
      ),
    },
    {
      comment:
        'Berth lifecycle: up, down, scale, redeploy, extend, pause, resume of one ephemeral ECS environment, under a per-environment lock. See statemachine/README.md.',
      timeoutSeconds: 7200,
    },
  );
};
