import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/handlers/api.ts';
import type { NightlyExecution } from '../../../functions/handlers/http/ports.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const handlerWith = (last: NightlyExecution | undefined, registry = new FakeRegistry()) => {
  const executions = Object.assign(new FakeExecutions(), { lastNightly: async () => last });
  return makeHandler({
    registry,
    executions,
    planner: { plan: async () => ({ steps: [] }) },
    logger: { error: () => {} },
  });
};

const ARN = 'arn:aws:states:us-east-1:000000000000:execution:berth-nightly-teardown:nightly-2026-01-01';

describe('api GET /nightly/last', () => {
  it("reads a failure's reason from the registry when the run's result has only the error name", async () => {
    const registry = new FakeRegistry();
    registry.environments.set(
      'b',
      readyEnv('b', {
        status: 'failed',
        lastFailure: {
          operation: 'down',
          step: 'teardown-cluster',
          error: 'TransientAwsError',
          reason: 'boom',
          at: '2026-01-01T02:05:00.000Z',
        },
      }),
    );
    const handler = handlerWith(
      {
        executionArn: ARN,
        status: 'SUCCEEDED',
        startedAt: '2026-01-01T02:00:00.000Z',
        output: {
          dryRun: false,
          candidates: [{ env: 'b' }],
          skipped: [],
          results: [{ env: 'b', status: 'Failed', error: 'States.TaskFailed' }],
        },
      },
      registry,
    );

    const result = await handler(apiEvent('GET', '/nightly/last'));

    expect(parse(result).failed).toEqual([
      { env: 'b', error: 'States.TaskFailed: teardown-cluster: TransientAwsError: boom' },
    ]);
  });

  it('summarises the newest nightly run: torn down, skipped and failed with the reason', async () => {
    const handler = handlerWith({
      executionArn: ARN,
      status: 'SUCCEEDED',
      startedAt: '2026-01-01T02:00:00.000Z',
      stoppedAt: '2026-01-01T02:09:00.000Z',
      output: {
        dryRun: false,
        candidates: [
          { env: 'a', reason: 'expired' },
          { env: 'b', reason: 'not kept' },
        ],
        skipped: [{ env: 'k', reason: 'kept (keep=true)' }],
        results: [
          { env: 'a', status: 'Succeeded', executionArn: 'arn:down-a' },
          {
            env: 'b',
            status: 'Failed',
            error: 'States.TaskFailed',
            cause:
              '{"errorType":"TransientAwsError","errorMessage":"ecs.DeleteCluster berth-b: internal error"}',
          },
        ],
      },
    });
    const result = await handler(apiEvent('GET', '/nightly/last'));
    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({
      executionArn: ARN,
      status: 'SUCCEEDED',
      startedAt: '2026-01-01T02:00:00.000Z',
      finishedAt: '2026-01-01T02:09:00.000Z',
      dryRun: false,
      candidates: [
        { env: 'a', reason: 'expired' },
        { env: 'b', reason: 'not kept' },
      ],
      tornDown: [{ env: 'a', executionArn: 'arn:down-a' }],
      skipped: [{ env: 'k', reason: 'kept (keep=true)' }],
      failed: [{ env: 'b', error: 'States.TaskFailed: ecs.DeleteCluster berth-b: internal error' }],
      error: null,
    });
  });

  it('shows a running run with nothing done yet, and a failed run with its error', async () => {
    const running = parse(
      await handlerWith({ executionArn: ARN, status: 'RUNNING', startedAt: '2026-01-01T02:00:00.000Z' })(
        apiEvent('GET', '/nightly/last'),
      ),
    );
    expect(running).toMatchObject({
      status: 'RUNNING',
      finishedAt: null,
      tornDown: [],
      failed: [],
      error: null,
    });
    const failed = parse(
      await handlerWith({
        executionArn: ARN,
        status: 'FAILED',
        startedAt: '2026-01-01T02:00:00.000Z',
        stoppedAt: '2026-01-01T02:01:00.000Z',
        error: 'States.Runtime',
        cause: 'bad path',
      })(apiEvent('GET', '/nightly/last')),
    );
    expect(failed).toMatchObject({ status: 'FAILED', error: 'States.Runtime: bad path' });
  });

  it('answers 404 when no nightly run has happened yet', async () => {
    const result = await handlerWith(undefined)(apiEvent('GET', '/nightly/last'));
    expect(result.statusCode).toBe(404);
    expect(parse(result)).toEqual({ error: 'NotFoundError', message: 'no nightly teardown has run yet' });
  });

  it('rejects query parameters it does not know', async () => {
    const result = await handlerWith(undefined)(apiEvent('GET', '/nightly/last', { query: { x: '1' } }));
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({
      error: 'ValidationError',
      message: 'query.x: unknown query parameter',
    });
  });
});
