import { describe, expect, it } from 'vitest';
import { type FakeHandler, handlerError, happyHandlers, runMachine } from './harness.ts';

interface Scenario {
  candidates: string[];
  skipped?: Array<{ env: string; reason: string }>;
  startDown?: FakeHandler;
  report?: FakeHandler;
}

const run = (scenario: Scenario, input: Record<string, unknown> = {}) =>
  runMachine(
    'nightly-teardown',
    input,
    {
      ...happyHandlers(),
      Nightly: (payload, call) => {
        if (payload.action === 'list') {
          return {
            // An env named sleepy-* has the nightly policy pause; the others are torn down.
            candidates: scenario.candidates.map((env) => ({
              env,
              operation: env.startsWith('sleepy') ? 'pause' : 'down',
            })),
            skipped: scenario.skipped ?? [],
          };
        }
        return scenario.report
          ? scenario.report(payload, call)
          : { tornDown: [], skipped: [], failed: [], notification: { delivered: true } };
      },
    },
    {
      executionName: 'nightly-run-1',
      tasks: {
        StartDown:
          scenario.startDown ??
          ((payload) => ({
            Status: 'SUCCEEDED',
            ExecutionArn: `arn:exec:${payload.Name}`,
            Output: { status: 'Succeeded', env: payload.Input.env },
          })),
      },
    },
  );

describe('nightly teardown', () => {
  it('runs lifecycle down for each candidate, continues past a failure and reports torn down, skipped and failed', async () => {
    const result = await run({
      candidates: ['expired-a', 'broken-b', 'stale-c'],
      skipped: [{ env: 'kept-d', reason: 'keep flag set' }],
      startDown: (payload) => {
        if (payload.Input.env === 'broken-b') {
          throw handlerError('States.TaskFailed', 'lifecycle down failed: DependencyPendingError');
        }
        return {
          Status: 'SUCCEEDED',
          ExecutionArn: `arn:exec:${payload.Name}`,
          Output: { status: 'Succeeded', env: payload.Input.env },
        };
      },
    });

    expect(result.error).toBeUndefined();
    const starts = result.calls.filter((c) => c.state === 'StartDown').map((c) => c.input);
    expect(starts.map((s) => s.Input.env).sort()).toEqual(['broken-b', 'expired-a', 'stale-c']);
    expect(starts.find((s) => s.Input.env === 'expired-a')).toMatchObject({
      StateMachineArn: expect.stringContaining(':stateMachine:berth-test-lifecycle'),
      Name: 'nightly-expired-a-nightly-run-1',
      Input: {
        operation: 'down',
        env: 'expired-a',
        requestId: 'nightly-expired-a-nightly-run-1',
        requestedBy: 'nightly',
      },
    });
    const expectedResults = [
      {
        env: 'expired-a',
        operation: 'down',
        status: 'Succeeded',
        executionArn: 'arn:exec:nightly-expired-a-nightly-run-1',
      },
      // The error's name only: a failed child's cause (its whole description) would grow the state by
      // kilobytes per environment; the report reads the reason from the registry.
      { env: 'broken-b', operation: 'down', status: 'Failed', error: 'States.TaskFailed' },
      {
        env: 'stale-c',
        operation: 'down',
        status: 'Succeeded',
        executionArn: 'arn:exec:nightly-stale-c-nightly-run-1',
      },
    ];
    const report = result.calls.find((c) => c.state === 'NightlyReport');
    expect(report?.input).toEqual({
      action: 'report',
      candidates: [
        { env: 'expired-a', operation: 'down' },
        { env: 'broken-b', operation: 'down' },
        { env: 'stale-c', operation: 'down' },
      ],
      skipped: [{ env: 'kept-d', reason: 'keep flag set' }],
      results: expectedResults,
    });
    expect(result.output).toEqual({
      dryRun: false,
      candidates: [
        { env: 'expired-a', operation: 'down' },
        { env: 'broken-b', operation: 'down' },
        { env: 'stale-c', operation: 'down' },
      ],
      skipped: [{ env: 'kept-d', reason: 'keep flag set' }],
      results: expectedResults,
    });
  });

  it('runs lifecycle pause for a candidate whose nightly policy is pause', async () => {
    const result = await run({ candidates: ['expired-a', 'sleepy-b'] });

    const starts = result.calls.filter((c) => c.state === 'StartDown').map((c) => c.input.Input);
    expect(starts.find((s) => s.env === 'sleepy-b')).toMatchObject({
      operation: 'pause',
      requestedBy: 'nightly',
    });
    expect(starts.find((s) => s.env === 'expired-a')).toMatchObject({ operation: 'down' });
    expect(result.output.results).toContainEqual(
      expect.objectContaining({ env: 'sleepy-b', operation: 'pause', status: 'Succeeded' }),
    );
  });

  it('reports an environment whose lock is busy with the OperationInProgress status', async () => {
    const result = await run({
      candidates: ['busy-a'],
      startDown: (payload) => ({
        Status: 'SUCCEEDED',
        ExecutionArn: `arn:exec:${payload.Name}`,
        Output: { status: 'OperationInProgress', env: 'busy-a', reason: 'locked' },
      }),
    });

    expect(result.output.results).toEqual([
      {
        env: 'busy-a',
        operation: 'down',
        status: 'OperationInProgress',
        executionArn: 'arn:exec:nightly-busy-a-nightly-run-1',
      },
    ]);
  });

  it('returns the candidates without tearing anything down on a dry run', async () => {
    const result = await run(
      { candidates: ['expired-a'], skipped: [{ env: 'kept-d', reason: 'keep flag set' }] },
      { dryRun: true, now: '2026-11-25T20:00:00Z' },
    );

    expect(result.output).toEqual({
      dryRun: true,
      candidates: [{ env: 'expired-a', operation: 'down' }],
      skipped: [{ env: 'kept-d', reason: 'keep flag set' }],
    });
    expect(result.order).toEqual(['Nightly']);
    expect(result.calls[0]?.input).toEqual({
      action: 'list',
      dryRun: true,
      maxConcurrency: 10,
      now: '2026-11-25T20:00:00Z',
    });
  });

  it('keeps at most maxConcurrency teardowns running at once', async () => {
    let running = 0;
    let peak = 0;
    const result = await run(
      {
        candidates: Array.from({ length: 6 }, (_, i) => `env-${i}`),
        startDown: async (payload) => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 10));
          running -= 1;
          return {
            Status: 'SUCCEEDED',
            ExecutionArn: `arn:exec:${payload.Name}`,
            Output: { status: 'Succeeded' },
          };
        },
      },
      { maxConcurrency: 2 },
    );

    expect(result.output.results).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('runs up to ten teardowns at once by default', async () => {
    let running = 0;
    let peak = 0;
    await run({
      candidates: Array.from({ length: 14 }, (_, i) => `env-${i}`),
      startDown: async (payload) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running -= 1;
        return {
          Status: 'SUCCEEDED',
          ExecutionArn: `arn:exec:${payload.Name}`,
          Output: { status: 'Succeeded' },
        };
      },
    });

    expect(peak).toBe(10);
  });

  it('succeeds with the results when posting the report fails', async () => {
    const result = await run({
      candidates: ['expired-a'],
      report: () => {
        throw handlerError('AwsRequestError', 'webhook answered 500');
      },
    });

    expect(result.error).toBeUndefined();
    expect(result.output.results).toEqual([
      {
        env: 'expired-a',
        operation: 'down',
        status: 'Succeeded',
        executionArn: 'arn:exec:nightly-expired-a-nightly-run-1',
      },
    ]);
  });
});
