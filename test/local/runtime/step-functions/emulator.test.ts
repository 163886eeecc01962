import '../../../../local/runtime/polyfills.ts';
import { readFileSync } from 'node:fs';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../../local/runtime/asl.ts';
import { HandlerRegistry, type LambdaHandler } from '../../../../local/runtime/lambda.ts';
import { type RunningRuntimeServer, startRuntimeServer } from '../../../../local/runtime/runtime-server.ts';
import { StepFunctionsEmulator } from '../../../../local/runtime/step-functions/emulator.ts';

/** A `${Name}` substitution reference, as the ASL files write them. */
const sub = (name: string): string => `$${'{'}${name}}`;

const retryOnThrottling = [{ ErrorEquals: ['ThrottlingError'], IntervalSeconds: 1, MaxAttempts: 3 }];

const child: AslDefinition = {
  StartAt: 'Lock',
  States: {
    Lock: {
      Type: 'Task',
      Resource: sub('LockFunctionArn'),
      ResultPath: '$.lock',
      Retry: retryOnThrottling,
      Next: 'Build',
    },
    Build: {
      Type: 'Parallel',
      ResultPath: '$.built',
      Branches: [
        {
          StartAt: 'CreateNetwork',
          States: { CreateNetwork: { Type: 'Task', Resource: sub('CreateNetworkFunctionArn'), End: true } },
        },
        {
          StartAt: 'CreateCluster',
          States: { CreateCluster: { Type: 'Task', Resource: sub('CreateClusterFunctionArn'), End: true } },
        },
      ],
      Catch: [{ ErrorEquals: ['UnhealthyError'], ResultPath: '$.caught', Next: 'Caught' }],
      Next: 'Pause',
    },
    Pause: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Caught: { Type: 'Pass', Result: { caught: true }, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

const parent: AslDefinition = {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemSelector: { 'env.$': '$$.Map.Item.Value', 'run.$': '$$.Execution.Name' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'StartChild',
        States: {
          StartChild: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution.sync:2',
            Parameters: {
              StateMachineArn: sub('ChildStateMachineArn'),
              'Name.$': "States.Format('{}-{}', $.run, $.env)",
              Input: { 'env.$': '$.env' },
            },
            ResultSelector: { 'output.$': '$.Output', 'status.$': '$.Status' },
            Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failed', Next: 'ChildFailed' }],
            End: true,
          },
          ChildFailed: {
            Type: 'Pass',
            Parameters: { 'env.$': '$.env', 'error.$': '$.failed.Error' },
            End: true,
          },
        },
      },
      End: true,
    },
  },
};

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('Step Functions emulator', () => {
  const calls: string[] = [];
  let throttleOnce = true;
  const handlers: Record<string, LambdaHandler> = {
    lock: (event: { env?: string }) => {
      calls.push(`lock:${event.env}`);
      if (event.env === 'throttled' && throttleOnce) {
        throttleOnce = false;
        throw named('ThrottlingError', 'Rate exceeded');
      }
      if (event.env === 'broken') throw named('OperationInProgressError', 'the lock is held');
      return { token: 't-1' };
    },
    'create-network': (event: { env?: string }) => {
      if (event.env === 'sick') throw named('UnhealthyError', 'Target.ResponseCodeMismatch');
      return { albSecurityGroupId: 'sg-1' };
    },
    'create-cluster': () => ({ clusterArn: 'arn:cluster' }),
    plan: (event: { operation?: string }) => {
      if (event.operation === 'boom') throw named('ValidationError', 'operation: unknown');
      return { steps: [{ action: 'create', resource: 'cluster' }] };
    },
  };
  let sfn: StepFunctionsEmulator;
  let server: RunningRuntimeServer;
  let client: SFNClient;

  beforeAll(async () => {
    const registry = new HandlerRegistry(handlers);
    sfn = new StepFunctionsEmulator({
      machines: [
        { name: 'berth-child', definition: child, arnVariable: 'ChildStateMachineArn' },
        { name: 'berth-parent', definition: parent },
      ],
      invokeLambda: (file, event) => registry.invoke(file, event),
      // Pause lasts long enough for /_berth/executions to be polled while it runs, even on a loaded machine.
      waitMs: (name) => (name === 'Pause' ? 500 : 1),
      retryMs: () => 1,
    });
    server = await startRuntimeServer({ sfn, handlers: registry, port: 0 });
    client = new SFNClient({ endpoint: server.url, region: 'us-east-1', maxAttempts: 1 });
  });

  afterAll(async () => {
    sfn.stopAll();
    await sfn.idle(5000);
    client.destroy();
    await server.stop();
  });

  async function waitClosed(executionArn: string): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') return described.status ?? 'UNKNOWN';
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${executionArn} still running`);
  }

  async function eventuallyRunningIn(executionArn: string, state: string): Promise<unknown> {
    for (let i = 0; i < 200; i++) {
      const listed = (await (await fetch(`${server.url}/_berth/executions?status=RUNNING`)).json()) as {
        executions: Array<{ executionArn: string; currentState?: string }>;
      };
      const found = listed.executions.find((e) => e.executionArn === executionArn);
      if (found?.currentState === state) return found;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`${executionArn} never reached ${state}`);
  }

  const childArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:berth-child';

  it('runs an execution to SUCCEEDED and describes its output', async () => {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: childArn,
        name: 'ok-1',
        input: JSON.stringify({ env: 'demo' }),
      }),
    );
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:berth-child:ok-1');
    expect(await waitClosed(started.executionArn!)).toBe('SUCCEEDED');
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(JSON.parse(described.output!)).toMatchObject({
      env: 'demo',
      lock: { token: 't-1' },
      built: [{ albSecurityGroupId: 'sg-1' }, { clusterArn: 'arn:cluster' }],
    });
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
  });

  it('returns the running execution for the same name and input', async () => {
    const input = JSON.stringify({ env: 'same' });
    const first = await client.send(
      new StartExecutionCommand({ stateMachineArn: childArn, name: 'same-1', input }),
    );
    const second = await client.send(
      new StartExecutionCommand({ stateMachineArn: childArn, name: 'same-1', input }),
    );
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate).toEqual(first.startDate);
    await waitClosed(first.executionArn!);
  });

  it('rejects the same name with a different input as ExecutionAlreadyExists', async () => {
    await client.send(
      new StartExecutionCommand({
        stateMachineArn: childArn,
        name: 'diff-1',
        input: JSON.stringify({ env: 'a' }),
      }),
    );
    const error = await client
      .send(
        new StartExecutionCommand({
          stateMachineArn: childArn,
          name: 'diff-1',
          input: JSON.stringify({ env: 'b' }),
        }),
      )
      .catch((e: Error) => e);
    expect((error as Error).name).toBe('ExecutionAlreadyExists');
    expect((error as Error).message).toContain('execution:berth-child:diff-1');
  });

  it('rejects an unknown state machine with StateMachineDoesNotExist', async () => {
    const error = await client
      .send(new StartExecutionCommand({ stateMachineArn: `${childArn}-nope`, input: '{}' }))
      .catch((e: Error) => e);
    expect((error as Error).name).toBe('StateMachineDoesNotExist');
    expect((error as Error).message).toContain('berth-child-nope');
  });

  it('rejects a malformed state machine ARN with InvalidArn', async () => {
    const error = await client
      .send(new StartExecutionCommand({ stateMachineArn: 'berth-child', input: '{}' }))
      .catch((e: Error) => e);
    expect((error as Error).name).toBe('InvalidArn');
    expect((error as Error).message).toBe("Invalid Arn: 'berth-child'");
  });

  it('retries a handler error by its name and records the failure in the history', async () => {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: childArn,
        name: 'retry-1',
        input: JSON.stringify({ env: 'throttled' }),
      }),
    );
    expect(await waitClosed(started.executionArn!)).toBe('SUCCEEDED');
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
    const types = history.events!.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    // A Task whose Resource is a Lambda function ARN records LambdaFunction* events, not Task* ones.
    expect(types).not.toContain('TaskFailed');
    const failed = history.events!.find((e) => e.type === 'LambdaFunctionFailed');
    expect(failed?.lambdaFunctionFailedEventDetails?.error).toBe('ThrottlingError');
    expect(JSON.parse(failed!.lambdaFunctionFailedEventDetails!.cause!)).toMatchObject({
      errorType: 'ThrottlingError',
      errorMessage: 'Rate exceeded',
    });
    const entered = history
      .events!.filter((e) => e.type === 'TaskStateEntered')
      .map((e) => e.stateEnteredEventDetails?.name);
    expect(entered).toEqual(expect.arrayContaining(['Lock', 'CreateNetwork', 'CreateCluster']));
    expect(history.events!.every((e) => e.timestamp instanceof Date)).toBe(true);
  });

  it("records a Lambda task's own result as LambdaFunctionSucceeded output, not the state's output", async () => {
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: childArn, name: 'result-1', input: '{"env":"calm"}' }),
    );
    expect(await waitClosed(started.executionArn!)).toBe('SUCCEEDED');
    const { events } = await client.send(
      new GetExecutionHistoryCommand({ executionArn: started.executionArn }),
    );
    const lockAt = events!.findIndex((e) => e.stateEnteredEventDetails?.name === 'Lock');
    expect(events!.slice(lockAt, lockAt + 5).map((e) => e.type)).toEqual([
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
    ]);
    expect(events![lockAt + 1]?.lambdaFunctionScheduledEventDetails?.resource).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:berth-lock',
    );
    // The function returned { token }; ResultPath put it at $.lock of the state's output.
    expect(JSON.parse(events![lockAt + 3]!.lambdaFunctionSucceededEventDetails!.output!)).toEqual({
      token: 't-1',
    });
    expect(JSON.parse(events![lockAt + 4]!.stateExitedEventDetails!.output!)).toEqual({
      env: 'calm',
      lock: { token: 't-1' },
    });
  });

  it('catches a handler error by its name inside a Parallel branch', async () => {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: childArn,
        name: 'catch-1',
        input: JSON.stringify({ env: 'sick' }),
      }),
    );
    expect(await waitClosed(started.executionArn!)).toBe('SUCCEEDED');
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(JSON.parse(described.output!)).toEqual({ caught: true });
  });

  it('fails the execution with the handler error name and Lambda-style cause', async () => {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: childArn,
        name: 'fail-1',
        input: JSON.stringify({ env: 'broken' }),
      }),
    );
    expect(await waitClosed(started.executionArn!)).toBe('FAILED');
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described.error).toBe('OperationInProgressError');
    expect(JSON.parse(described.cause!).errorMessage).toBe('the lock is held');
  });

  it('lists executions filtered by status', async () => {
    const failed = await client.send(
      new ListExecutionsCommand({ stateMachineArn: childArn, statusFilter: 'FAILED' }),
    );
    expect(failed.executions!.map((e) => e.name)).toContain('fail-1');
    expect(failed.executions!.every((e) => e.status === 'FAILED')).toBe(true);
  });

  it('stops a running execution as ABORTED', async () => {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: childArn,
        name: 'stop-1',
        input: JSON.stringify({ env: 'slow' }),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    await client.send(
      new StopExecutionCommand({ executionArn: started.executionArn, error: 'Manual', cause: 'test' }),
    );
    expect(await waitClosed(started.executionArn!)).toBe('ABORTED');
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described.error).toBe('Manual');
  });

  it('runs startExecution.sync:2 children from a Map and reports failed children as States.TaskFailed', async () => {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:berth-parent',
        name: 'night',
        input: JSON.stringify({ items: ['one', 'broken'] }),
      }),
    );
    expect(await waitClosed(started.executionArn!)).toBe('SUCCEEDED');
    const described = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    const output = JSON.parse(described.output!);
    expect(output[0]).toMatchObject({ status: 'SUCCEEDED', output: { env: 'one', lock: { token: 't-1' } } });
    expect(output[1]).toEqual({ env: 'broken', error: 'States.TaskFailed' });
    const childRun = await client.send(
      new DescribeExecutionCommand({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:berth-child:night-one',
      }),
    );
    expect(childRun.status).toBe('SUCCEEDED');
  });

  it('records a startExecution.sync:2 task as TaskSucceeded with the child description, and no success for a caught one', async () => {
    const parentArn = 'arn:aws:states:us-east-1:000000000000:execution:berth-parent:night';
    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn: parentArn }));
    const succeeded = events!.filter((e) => e.type === 'TaskSucceeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]?.taskSucceededEventDetails).toMatchObject({
      resourceType: 'states',
      resource: 'startExecution.sync:2',
    });
    // The task's result is the DescribeExecution-like description, before the ResultSelector.
    expect(JSON.parse(succeeded[0]!.taskSucceededEventDetails!.output!)).toMatchObject({
      ExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:berth-child:night-one',
      Status: 'SUCCEEDED',
      Output: { env: 'one', lock: { token: 't-1' } },
    });
    const failed = events!.filter((e) => e.type === 'TaskFailed');
    expect(failed.map((e) => e.taskFailedEventDetails?.error)).toEqual(['States.TaskFailed']);
  });

  it('shows a running execution and the state it is in at /_berth/executions', async () => {
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: childArn,
        name: 'progress-1',
        input: JSON.stringify({ env: 'p' }),
      }),
    );
    const running = await eventuallyRunningIn(started.executionArn!, 'Pause');
    expect(running).toMatchObject({
      name: 'progress-1',
      status: 'RUNNING',
      currentState: 'Pause',
      activeStates: ['Pause'],
    });
    await waitClosed(started.executionArn!);
  });

  it('lists and describes the hosted state machines with substituted definitions', async () => {
    const listed = await client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines!.map((m) => m.name).sort()).toEqual(['berth-child', 'berth-parent']);
    const described = await client.send(
      new DescribeStateMachineCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:berth-parent',
      }),
    );
    expect(described.definition).toContain(childArn);
    expect(described.definition).not.toContain(sub('ChildStateMachineArn'));
  });

  it('hosts the real lifecycle and nightly-teardown ASL files', () => {
    const load = (file: string) =>
      JSON.parse(readFileSync(new URL(`../../../../statemachine/${file}`, import.meta.url), 'utf8'));
    const hosted = new StepFunctionsEmulator({
      machines: [
        {
          name: 'berth-lifecycle',
          definition: load('lifecycle.asl.json'),
          arnVariable: 'LifecycleStateMachineArn',
        },
        { name: 'berth-nightly-teardown', definition: load('nightly-teardown.asl.json') },
      ],
      invokeLambda: async () => ({}),
    });
    expect(hosted.describeStateMachine(hosted.arnOf('berth-nightly-teardown')).definition).toContain(
      'stateMachine:berth-lifecycle',
    );
  });
});
