import '../../../../local/runtime/polyfills.ts';
import { describe, expect, it } from 'vitest';
import { taskSteps } from '../../../../functions/handlers/http/aws-deps.ts';
import type { AslDefinition } from '../../../../local/runtime/asl.ts';
import { StepFunctionsEmulator } from '../../../../local/runtime/step-functions/emulator.ts';

/** A `${Name}` substitution reference, as the ASL files write them. */
const sub = (name: string): string => `$${'{'}${name}}`;

/** Two verify polls, their verdicts stored at $.verify as the lifecycle does. */
const verifyTwice: AslDefinition = {
  StartAt: 'VerifyUp',
  States: {
    VerifyUp: { Type: 'Task', Resource: sub('VerifyFunctionArn'), ResultPath: '$.verify', Next: 'IsHealthy' },
    IsHealthy: {
      Type: 'Choice',
      Choices: [{ Variable: '$.verify.health', StringEquals: 'Healthy', Next: 'Done' }],
      Default: 'VerifyUp',
    },
    Done: { Type: 'Succeed' },
  },
};

/** Each item through a Task that answers with its own item, several at a time. */
const mapEach: AslDefinition = {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 5,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Echo',
        States: {
          Echo: { Type: 'Task', Resource: sub('RecordFunctionArn'), ResultPath: '$.echo', End: true },
        },
      },
      End: true,
    },
  },
};

describe('Step Functions emulator history', () => {
  it("lets the API's progress read each verify poll's verdict from the task's result", async () => {
    let polls = 0;
    const sfn = new StepFunctionsEmulator({
      machines: [{ name: 'verify', definition: verifyTwice }],
      invokeLambda: async () =>
        ++polls === 1
          ? { health: 'Pending', reason: '0 of 1 targets healthy' }
          : { health: 'Healthy', reason: '1 of 1 targets healthy; HTTP 200' },
    });

    const { executionArn } = sfn.startExecution({ stateMachineArn: sfn.arnOf('verify'), input: '{}' });
    await sfn.getExecution(executionArn).done;

    expect(taskSteps(sfn.getExecution(executionArn).events).map((s) => s.detail)).toEqual([
      'Pending: 0 of 1 targets healthy',
      'Healthy: 1 of 1 targets healthy; HTTP 200',
    ]);
  });

  it("pairs each concurrent Map iteration's exit with the result of its own task", async () => {
    const sfn = new StepFunctionsEmulator({
      machines: [{ name: 'each', definition: mapEach }],
      invokeLambda: async (_file, event) => {
        const item = (event as { n: number }).n;
        await new Promise((resolve) => setTimeout(resolve, (item * 7) % 11));
        return { n: item };
      },
    });
    const items = Array.from({ length: 20 }, (_, n) => ({ n }));

    const { executionArn } = sfn.startExecution({
      stateMachineArn: sfn.arnOf('each'),
      input: JSON.stringify({ items }),
    });
    await sfn.getExecution(executionArn).done;

    const events = sfn.getExecution(executionArn).events;
    const results = events
      .filter((e) => e.type === 'LambdaFunctionSucceeded')
      .map((e) => JSON.parse((e['lambdaFunctionSucceededEventDetails'] as { output: string }).output).n);
    const exits = events
      .filter((e) => e.type === 'TaskStateExited')
      .map((e) => JSON.parse((e['stateExitedEventDetails'] as { output: string }).output).echo.n);
    expect(results).toHaveLength(20);
    expect(results).toEqual(exits);
  });
});
