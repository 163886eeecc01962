import '../../../../local/runtime/polyfills.ts';
import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../../local/runtime/asl.ts';
import { StepFunctionsEmulator } from '../../../../local/runtime/step-functions/emulator.ts';

/** Waits twice, each time for the seconds the state holds when it reaches the Wait (SecondsPath). */
const definition: AslDefinition = {
  StartAt: 'First',
  States: {
    First: { Type: 'Pass', Result: { seconds: 150, round: 1 }, ResultPath: '$.verify', Next: 'Pause' },
    Pause: { Type: 'Wait', SecondsPath: '$.verify.seconds', Next: 'Again' },
    Again: {
      Type: 'Choice',
      Choices: [{ Variable: '$.verify.round', NumericEquals: 1, Next: 'Second' }],
      Default: 'Static',
    },
    Second: { Type: 'Pass', Result: { seconds: 7, round: 2 }, ResultPath: '$.verify', Next: 'Pause' },
    Static: { Type: 'Wait', Seconds: 30, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

describe('StepFunctionsEmulator Wait states', () => {
  it('sizes a SecondsPath wait from the execution data each time it is entered, and a Seconds wait once', async () => {
    const asked: Array<[string, number | undefined]> = [];
    const sfn = new StepFunctionsEmulator({
      machines: [{ name: 'waits', definition }],
      invokeLambda: async () => ({}),
      waitMs: (stateName, seconds) => {
        asked.push([stateName, seconds]);
        return 1;
      },
    });

    const { executionArn } = sfn.startExecution({ stateMachineArn: sfn.arnOf('waits'), input: '{}' });
    await sfn.getExecution(executionArn).done;

    expect(sfn.getExecution(executionArn).status).toBe('SUCCEEDED');
    expect(asked).toEqual([
      ['Static', 30],
      ['Pause', 150],
      ['Pause', 7],
    ]);
  });
});

describe('StepFunctionsEmulator.updateStateMachine', () => {
  const answer = (value: string): AslDefinition => ({
    StartAt: 'Answer',
    States: { Answer: { Type: 'Pass', Result: { value }, End: true } },
  });

  it('runs new executions with the new definition, as UpdateStateMachine does', async () => {
    const sfn = new StepFunctionsEmulator({
      machines: [{ name: 'm', definition: answer('before') }],
      invokeLambda: async () => ({}),
    });
    const run = async (): Promise<unknown> => {
      const { executionArn } = sfn.startExecution({ stateMachineArn: sfn.arnOf('m'), input: '{}' });
      await sfn.getExecution(executionArn).done;
      return JSON.parse(sfn.getExecution(executionArn).output ?? 'null');
    };

    const before = await run();
    sfn.updateStateMachine(sfn.arnOf('m'), answer('after'));
    const after = await run();

    expect([before, after]).toEqual([{ value: 'before' }, { value: 'after' }]);
  });

  it('rejects an unknown state machine with StateMachineDoesNotExist', () => {
    const sfn = new StepFunctionsEmulator({ machines: [], invokeLambda: async () => ({}) });

    expect(() => sfn.updateStateMachine(sfn.arnOf('nope'), answer('x'))).toThrow(
      expect.objectContaining({ code: 'StateMachineDoesNotExist' }),
    );
  });
});
