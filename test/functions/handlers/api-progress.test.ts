import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/handlers/api.ts';
import { taskSteps } from '../../../functions/handlers/http/aws-deps.ts';
import type { OperationStep } from '../../../functions/handlers/http/ports.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 11, 0, s));

describe('taskSteps', () => {
  it('lists finished Task states in order, failed ones as failed, and skips Wait and Choice states', () => {
    const steps = taskSteps([
      { type: 'ExecutionStarted', timestamp: at(0) },
      { type: 'TaskStateEntered', timestamp: at(1), stateEnteredEventDetails: { name: 'CreateNetwork' } },
      { type: 'TaskStateExited', timestamp: at(2), stateExitedEventDetails: { name: 'CreateNetwork' } },
      { type: 'WaitStateEntered', timestamp: at(3), stateEnteredEventDetails: { name: 'VerifyWaitUp' } },
      { type: 'WaitStateExited', timestamp: at(4), stateExitedEventDetails: { name: 'VerifyWaitUp' } },
      { type: 'TaskStateEntered', timestamp: at(5), stateEnteredEventDetails: { name: 'CreateService' } },
      { type: 'TaskFailed', timestamp: at(6) },
      { type: 'TaskStateEntered', timestamp: at(7), stateEnteredEventDetails: { name: 'VerifyUp' } },
    ]);

    expect(steps).toEqual([
      { step: 'CreateNetwork', status: 'ok', at: at(2).toISOString() },
      { step: 'CreateService', status: 'failed', at: at(6).toISOString() },
    ]);
  });
});

describe('taskSteps details', () => {
  it("gives each verify poll its verdict and a failed task its error's name", () => {
    const verify = (s: number, output: unknown) => [
      { type: 'TaskStateEntered', timestamp: at(s), stateEnteredEventDetails: { name: 'VerifyUp' } },
      {
        type: 'TaskSucceeded',
        timestamp: at(s),
        taskSucceededEventDetails: { output: JSON.stringify(output) },
      },
      { type: 'TaskStateExited', timestamp: at(s + 1), stateExitedEventDetails: { name: 'VerifyUp' } },
    ];
    const steps = taskSteps([
      { type: 'TaskStateEntered', timestamp: at(0), stateEnteredEventDetails: { name: 'CreateService' } },
      { type: 'TaskFailed', timestamp: at(1), taskFailedEventDetails: { error: 'ThrottlingError' } },
      {
        type: 'TaskSucceeded',
        timestamp: at(2),
        taskSucceededEventDetails: { output: '{"serviceArn":"x"}' },
      },
      { type: 'TaskStateExited', timestamp: at(3), stateExitedEventDetails: { name: 'CreateService' } },
      ...verify(4, { health: 'Pending', reason: '0 of 1 targets healthy', url: '' }),
      ...verify(6, { health: 'Healthy', reason: '1 of 1 targets healthy; HTTP 200' }),
    ]);
    // A Task on a Lambda function ARN records LambdaFunction* events instead of Task* ones.
    const direct = taskSteps([
      { type: 'TaskStateEntered', timestamp: at(0), stateEnteredEventDetails: { name: 'VerifyUp' } },
      {
        type: 'LambdaFunctionFailed',
        timestamp: at(1),
        lambdaFunctionFailedEventDetails: { error: 'TransientAwsError' },
      },
      {
        type: 'LambdaFunctionSucceeded',
        timestamp: at(2),
        lambdaFunctionSucceededEventDetails: { output: '{"health":"Pending","reason":"ALB provisioning"}' },
      },
      { type: 'TaskStateExited', timestamp: at(3), stateExitedEventDetails: { name: 'VerifyUp' } },
    ]);
    expect(direct).toEqual([
      { step: 'VerifyUp', status: 'failed', at: at(1).toISOString(), detail: 'TransientAwsError' },
      { step: 'VerifyUp', status: 'ok', at: at(3).toISOString(), detail: 'Pending: ALB provisioning' },
    ]);
    expect(steps).toEqual([
      { step: 'CreateService', status: 'failed', at: at(1).toISOString(), detail: 'ThrottlingError' },
      { step: 'CreateService', status: 'ok', at: at(3).toISOString() },
      { step: 'VerifyUp', status: 'ok', at: at(5).toISOString(), detail: 'Pending: 0 of 1 targets healthy' },
      {
        step: 'VerifyUp',
        status: 'ok',
        at: at(7).toISOString(),
        detail: 'Healthy: 1 of 1 targets healthy; HTTP 200',
      },
    ]);
  });
});

class ProgressExecutions extends FakeExecutions {
  readonly asked: string[] = [];
  constructor(private readonly steps: readonly OperationStep[] | Error) {
    super();
  }
  async progress(executionArn: string) {
    this.asked.push(executionArn);
    if (this.steps instanceof Error) throw this.steps;
    return this.steps;
  }
}

function runningScale(registry: FakeRegistry): void {
  registry.environments.set(
    'demo',
    readyEnv('demo', {
      status: 'scaling',
      currentOperation: {
        operationId: 'op-2',
        operation: 'scale',
        executionArn: 'arn:exec:2',
        step: 'RecordScaling',
        startedAt: at(0).toISOString(),
      },
    }),
  );
  registry.operations.set('demo', [
    {
      env: 'demo',
      operationId: 'op-2',
      operation: 'scale',
      requestId: 'op-2',
      requestedBy: 'ana',
      status: 'running',
      startedAt: at(0).toISOString(),
      steps: [{ step: 'RecordScaling', status: 'scaling', at: at(1).toISOString() }],
    },
  ]);
}

describe('api GET /environments/{name} progress', () => {
  it("adds the running execution's finished Task states to its operation, in time order", async () => {
    const registry = new FakeRegistry();
    runningScale(registry);
    const executions = new ProgressExecutions([
      { step: 'LockAcquire', status: 'ok', at: at(0).toISOString() },
      { step: 'RecordScaling', status: 'ok', at: at(1).toISOString() },
      { step: 'Scale', status: 'ok', at: at(2).toISOString() },
    ]);
    const handler = makeHandler({ registry, executions, planner: { plan: async () => ({ steps: [] }) } });

    const body = parse(await handler(apiEvent('GET', '/environments/demo')));

    expect(executions.asked).toEqual(['arn:exec:2']);
    expect(body['operations'][0].steps.map((s: OperationStep) => s.step)).toEqual([
      'LockAcquire',
      'RecordScaling',
      'Scale',
    ]);
  });

  it('shows the recorded steps alone when the history cannot be read', async () => {
    const registry = new FakeRegistry();
    runningScale(registry);
    const executions = new ProgressExecutions(new Error('ThrottlingException'));
    const handler = makeHandler({ registry, executions, planner: { plan: async () => ({ steps: [] }) } });

    const result = await handler(apiEvent('GET', '/environments/demo'));

    expect(result.statusCode).toBe(200);
    expect(parse(result)['operations'][0].steps).toEqual([
      { step: 'RecordScaling', status: 'scaling', at: at(1).toISOString() },
    ]);
  });
});
