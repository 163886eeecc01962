import '../../../../local/runtime/polyfills.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../../local/runtime/asl.ts';
import { StepFunctionsEmulator } from '../../../../local/runtime/step-functions/emulator.ts';

const nightly = JSON.parse(
  readFileSync(new URL('../../../../statemachine/nightly-teardown.asl.json', import.meta.url), 'utf8'),
) as AslDefinition;

/** A lifecycle `down` that fails with a long cause, as a Lambda error with its stack trace does. */
const failingDown: AslDefinition = {
  StartAt: 'Down',
  States: {
    Down: { Type: 'Fail', Error: 'DependencyPendingError', Cause: `still attached: ${'x'.repeat(3000)}` },
  },
};

describe('nightly teardown within the 256 KiB payload quota', () => {
  it('reports a night on which every down fails with a long cause, the state holding each error name only', async () => {
    const envs = Array.from({ length: 150 }, (_, i) => `env-${String(i).padStart(3, '0')}`);
    const sfn = new StepFunctionsEmulator({
      machines: [
        { name: 'berth-nightly-teardown', definition: nightly },
        { name: 'berth-lifecycle', definition: failingDown, arnVariable: 'LifecycleStateMachineArn' },
      ],
      invokeLambda: async (_file, event) =>
        (event as { action?: string }).action === 'list'
          ? {
              candidates: envs.map((env) => ({ env, reason: 'expired', operation: 'down' })),
              skipped: [],
              dryRun: false,
            }
          : { tornDown: [], skipped: [], failed: [], notification: { delivered: false } },
      retryMs: () => 1,
      maxExecutions: 1000,
    });

    const { executionArn } = sfn.startExecution({
      stateMachineArn: sfn.arnOf('berth-nightly-teardown'),
      name: 'night',
      input: JSON.stringify({ maxConcurrency: 40 }),
    });
    await sfn.getExecution(executionArn).done;

    const run = sfn.getExecution(executionArn);
    // Keeping each failed child's cause (its ~3 KiB description) would make the Map's output ~480 KiB:
    // States.DataLimitExceeded, and no report.
    expect(run.status, run.cause).toBe('SUCCEEDED');
    const output = JSON.parse(run.output ?? '{}') as { results: unknown[] };
    expect(output.results).toHaveLength(150);
    expect(output.results[0]).toEqual({
      env: 'env-000',
      operation: 'down',
      status: 'Failed',
      error: 'States.TaskFailed',
    });
  }, 60_000);
});
