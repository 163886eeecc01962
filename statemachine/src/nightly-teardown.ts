/**
 * The nightly teardown state machine: lists the environments to tear down (or pause, per their `nightly`
 * policy), runs lifecycle `down` (or `pause`) for each within a concurrency limit, reports. `npm run asl` writes it to `statemachine/nightly-teardown.asl.json`.
 */
import {
  catchAll,
  END,
  is,
  type Machine,
  machine,
  pass,
  retryOn,
  type Step,
  sequence,
  stateStep,
  substitution,
  transition,
  when,
} from './asl.ts';
import { fork, ignoreError, lambda, propagate, succeed } from './blocks.ts';

/** `nightly-<env>-<nightly execution name>`: a retried StartDown of the same night reuses the name. */
const CHILD_NAME = "States.Format('nightly-{}-{}', $.env, $.runName)";

/**
 * Starts the candidate's lifecycle operation (`down`, or `pause` per its nightly policy) and waits for it (`.sync:2`: the output is JSON). Retries the Step Functions
 * service errors a StartExecution can answer with when busy.
 */
const startDown: Step = stateStep('StartDown', (next) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::states:startExecution.sync:2',
  Parameters: {
    StateMachineArn: substitution('LifecycleStateMachineArn'),
    'Name.$': CHILD_NAME,
    Input: {
      'operation.$': '$.operation',
      'env.$': '$.env',
      'requestId.$': CHILD_NAME,
      requestedBy: 'nightly',
      entry: 'nightly',
      'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
    },
  },
  ResultSelector: { 'status.$': '$.Output.status', 'executionArn.$': '$.ExecutionArn' },
  ResultPath: '$.down',
  Retry: [
    retryOn(
      [
        'StepFunctions.ExecutionLimitExceededException',
        'StepFunctions.SdkClientException',
        'StepFunctions.AWSStepFunctionsException',
      ],
      { IntervalSeconds: 5, BackoffRate: 2, MaxAttempts: 5, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
    ),
  ],
  // One failing environment does not stop the others.
  Catch: [catchAll('$.error', 'DownFailed')],
  ...transition(next),
}));

const downEach = (() => {
  const processor = {
    start: 'StartDown',
    states: {
      ...startDown('DownDone').states,
      ...pass('DownDone', {
        Parameters: {
          'env.$': '$.env',
          'operation.$': '$.operation',
          'status.$': '$.down.status',
          'executionArn.$': '$.down.executionArn',
        },
      })(END).states,
      // The error's name only: the cause of a failed child is its whole DescribeExecution description
      // (input, error, Lambda stack trace), kilobytes each, and the Map's results live in the state, which
      // Step Functions caps at 256 KiB. The reason is in the registry (`lastFailure`, written by the child's
      // own failure path); the report reads it there.
      ...pass('DownFailed', {
        Parameters: {
          'env.$': '$.env',
          'operation.$': '$.operation',
          status: 'Failed',
          'error.$': '$.error.Error',
        },
      })(END).states,
    },
  };
  return stateStep('TeardownEach', (next) => ({
    Type: 'Map',
    Comment: 'One lifecycle down per candidate, MaxConcurrency at a time (ECS API rate limits: see README).',
    ItemsPath: '$.list.candidates',
    MaxConcurrencyPath: '$.maxConcurrency',
    ItemSelector: {
      'env.$': '$$.Map.Item.Value.env',
      // `down`, or `pause` for an environment whose nightly policy is pause (the Nightly list says which).
      'operation.$': '$$.Map.Item.Value.operation',
      'runName.$': '$$.Execution.Name',
    },
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...machine(processor) },
    ResultPath: '$.results',
    ...transition(next),
  }));
})();

const REPORT = { 'candidates.$': '$.list.candidates', 'skipped.$': '$.list.skipped' };

const dryRun = sequence(
  pass('DryRunReport', { Parameters: { dryRun: true, ...REPORT } }),
  succeed('DryRunDone'),
)(END);

export const nightlyTeardown = (): Machine =>
  machine(
    sequence(
      pass('NightlySetDefaults', {
        Parameters: { defaults: { action: 'list', dryRun: false, maxConcurrency: 10 }, 'input.$': '$' },
      }),
      pass('NightlyMergeDefaults', {
        Parameters: { 'state.$': 'States.JsonMerge($.defaults, $.input, false)' },
        OutputPath: '$.state',
      }),
      lambda('Nightly', {
        fn: 'Nightly',
        comment: 'Lists the environments to tear down ({ candidates, skipped }).',
        resultPath: '$.list',
        onError: propagate,
      }),
      fork('IsDryRun', [when(is.boolean('$.dryRun', true), dryRun.start)], [dryRun]),
      downEach,
      lambda('NightlyReport', {
        fn: 'Nightly',
        comment:
          'Posts the report (torn down, skipped and why, failed); a failed post does not fail the run.',
        parameters: { action: 'report', ...REPORT, 'results.$': '$.results' },
        // Only whether it was delivered: the report's lists repeat the results, and the state must stay
        // within Step Functions' 256 KiB (the whole report is the task's result in the history).
        resultSelector: { 'notification.$': '$.notification' },
        resultPath: '$.report',
        onError: ignoreError('$.reportError'),
      }),
      pass('NightlyResult', { Parameters: { dryRun: false, ...REPORT, 'results.$': '$.results' } }),
      succeed('NightlyDone'),
    )(END),
    {
      comment:
        'Berth nightly teardown: list expired or unkept environments, run lifecycle down for each within a concurrency limit, report. See statemachine/README.md.',
      timeoutSeconds: 43200,
    },
  );
