import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { sfnClient } from '../../../functions/adapters/aws/clients.ts';
import { AwsSfnAdapter, executionArnFor } from '../../../functions/adapters/sfn.ts';

const sfn = mockClient(SFNClient);
const adapter = new AwsSfnAdapter(sfnClient({ region: 'us-east-1', maxAttempts: 1 }));
const machine = 'arn:aws:states:us-east-1:123456789012:stateMachine:berth-lifecycle';

beforeEach(() => sfn.reset());

describe('AwsSfnAdapter.startExecution', () => {
  it('starts an execution with the JSON input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:1', startDate: new Date(0) });
    const started = await adapter.startExecution({
      stateMachineArn: machine,
      name: 'up-demo-r1',
      input: { env: 'demo' },
    });
    expect(started).toEqual({ executionArn: 'arn:exec:1', startDate: new Date(0), started: true });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: machine,
      name: 'up-demo-r1',
      input: '{"env":"demo"}',
    });
  });

  it('returns the existing execution when the name is taken', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: executionArnFor(machine, 'up-demo-r1'),
      startDate: new Date(5),
    });
    const started = await adapter.startExecution({ stateMachineArn: machine, name: 'up-demo-r1', input: {} });
    expect(started).toEqual({
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:berth-lifecycle:up-demo-r1',
      startDate: new Date(5),
      started: false,
    });
  });

  it('maps other failures', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    await expect(
      adapter.startExecution({ stateMachineArn: machine, name: 'n', input: {} }),
    ).rejects.toMatchObject({
      name: 'ThrottlingError',
      message: 'sfn.StartExecution n: Rate exceeded',
    });
  });
});
