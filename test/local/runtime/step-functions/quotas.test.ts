import '../../../../local/runtime/polyfills.ts';
import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../../local/runtime/asl.ts';
import { StepFunctionsEmulator } from '../../../../local/runtime/step-functions/emulator.ts';

/** A `${Name}` substitution reference, as the ASL files write them. */
const sub = (name: string): string => `$${'{'}${name}}`;

/** A task whose result is `size` characters, retried and caught on everything. */
const bigResult: AslDefinition = {
  StartAt: 'Record',
  States: {
    Record: {
      Type: 'Task',
      Resource: sub('RecordFunctionArn'),
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
      End: true,
    },
    Caught: { Type: 'Pass', End: true },
  },
};

/** A Map whose items are small but whose collected results are not. */
const bigMap: AslDefinition = {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Record',
        States: { Record: { Type: 'Task', Resource: sub('RecordFunctionArn'), End: true } },
      },
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
      End: true,
    },
    Caught: { Type: 'Pass', End: true },
  },
};

const run = async (definition: AslDefinition, input: unknown, size: number) => {
  const sfn = new StepFunctionsEmulator({
    machines: [{ name: 'm', definition }],
    invokeLambda: async () => ({ blob: 'x'.repeat(size) }),
    retryMs: () => 1,
  });
  const { executionArn } = sfn.startExecution({
    stateMachineArn: sfn.arnOf('m'),
    input: JSON.stringify(input),
  });
  await sfn.getExecution(executionArn).done;
  return sfn.getExecution(executionArn);
};

describe('Step Functions payload quota (256 KiB)', () => {
  it('fails the execution with States.DataLimitExceeded when a task returns more, past Retry and Catch', async () => {
    const record = await run(bigResult, {}, 300_000);

    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.DataLimitExceeded');
    expect(record.cause).toMatch(
      /^The result of task Record \(300\d+ bytes\) exceeds the maximum payload size of 262144 bytes/,
    );
    expect(record.events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1);
  });

  it("fails it when a Map's collected results exceed the quota though each item's is small", async () => {
    const record = await run(bigMap, { items: Array.from({ length: 30 }, (_, i) => i) }, 10_000);

    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.DataLimitExceeded');
    expect(record.cause).toMatch(/^The output of state Each \(\d+ bytes\)/);
  });

  it('lets a payload just under the quota through', async () => {
    const record = await run(bigResult, {}, 200_000);

    expect(record.status).toBe('SUCCEEDED');
  });
});
