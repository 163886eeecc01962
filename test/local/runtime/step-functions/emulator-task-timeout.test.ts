import '../../../../local/runtime/polyfills.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AslDefinition } from '../../../../local/runtime/asl.ts';
import {
  NO_TASK_TIMEOUT_SECONDS,
  StepFunctionsEmulator,
  withAwsTaskTimeouts,
} from '../../../../local/runtime/step-functions/emulator.ts';

/** A `${Name}` substitution reference, as the ASL files write them. */
const sub = (name: string): string => `$${'{'}${name}}`;

const definition: AslDefinition = {
  StartAt: 'Slow',
  States: {
    Slow: { Type: 'Task', Resource: sub('SlowFunctionArn'), ResultPath: '$.slow', Next: 'Bounded' },
    Bounded: { Type: 'Task', Resource: sub('SlowFunctionArn'), TimeoutSeconds: 90, End: true },
  },
};

afterEach(() => {
  vi.useRealTimers();
});

describe('Task timeouts as Step Functions applies them', () => {
  it('gives a Task without TimeoutSeconds no timeout, keeps an explicit one, and leaves the source alone', () => {
    const withMap: AslDefinition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'Inner', States: { Inner: { Type: 'Task', Resource: 'x', End: true } } },
          End: true,
        },
      },
    };
    const out = withAwsTaskTimeouts({ ...definition, States: { ...definition.States, ...withMap.States } });
    expect(out.States.Slow?.TimeoutSeconds).toBe(NO_TASK_TIMEOUT_SECONDS);
    expect(out.States.Bounded?.TimeoutSeconds).toBe(90);
    expect(out.States.Each?.ItemProcessor?.States.Inner?.TimeoutSeconds).toBe(NO_TASK_TIMEOUT_SECONDS);
    expect(definition.States.Slow?.TimeoutSeconds).toBeUndefined();
    // Within what a Node.js timer can hold (a longer one would fire at once).
    expect(NO_TASK_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it('lets a Task without TimeoutSeconds run past 60 s (aws-local-stepfunctions fails it with States.Timeout)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const sfn = new StepFunctionsEmulator({
      machines: [{ name: 'berth-slow', definition }],
      invokeLambda: () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 75_000)),
    });
    const { executionArn } = sfn.startExecution({
      stateMachineArn: sfn.arnOf('berth-slow'),
      name: 'slow-1',
      input: '{}',
    });
    // Slow takes 75 s (no timeout), Bounded 75 s within its own 90 s.
    for (let i = 0; i < 40; i++) await vi.advanceTimersByTimeAsync(5_000);
    const described = sfn.getExecution(executionArn);
    expect(described.status, `${described.error} ${described.cause}`).toBe('SUCCEEDED');
  });
});
