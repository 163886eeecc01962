/**
 * The HTTP API is served by two functions (docs/decisions/0006-lambda-credentials-and-zod-mini.md, decision 10): `api-aux` answers the
 * dry runs, settings changes (PATCH) and logs, `api` every other route; each answers only its own routes, with the same handler.
 */
import { describe, expect, it } from 'vitest';
import { API_ROUTES, defaultDeps as apiDeps, makeHandler } from '../../../functions/handlers/api.ts';
import { defaultDeps as auxDeps, makeAuxHandler } from '../../../functions/handlers/api-aux.ts';
import type { LogsPort } from '../../../functions/handlers/http/ports.ts';
import { AUX_ROUTES, functionOfRoute, ROUTES } from '../../../functions/handlers/http/routes.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const logs: LogsPort = {
  readLines: async () => ({
    lines: [{ timestamp: Date.parse('2026-01-01T11:59:00.000Z'), stream: 'app/app/0123abcd', message: 'hi' }],
  }),
};

function deps() {
  const registry = new FakeRegistry();
  registry.environments.set('demo', readyEnv('demo'));
  const executions = new FakeExecutions();
  const errors: { message: string; details: Record<string, unknown> }[] = [];
  return {
    registry,
    executions,
    errors,
    deps: {
      registry,
      executions,
      planner: { plan: async () => ({ steps: [{ step: 'DeleteService' }] }) },
      logs,
      clock: { now: () => new Date('2026-01-01T12:00:00.000Z') },
      logger: {
        error: (message: string, details: Record<string, unknown>) => errors.push({ message, details }),
      },
    },
  };
}

describe('which function serves a route (http/routes.ts)', () => {
  it('gives the dry runs, settings changes and logs to api-aux and every other route to api', () => {
    expect([...AUX_ROUTES].sort()).toEqual(['environmentLogs', 'planEnvironment', 'updateEnvironment']);
    for (const route of ROUTES) {
      expect(functionOfRoute(route.name), route.name).toBe(
        AUX_ROUTES.includes(route.name) ? 'api-aux' : 'api',
      );
    }
    expect([...API_ROUTES, ...AUX_ROUTES].sort()).toEqual(ROUTES.map((r) => r.name).sort());
  });
});

describe('the api-aux handler', () => {
  it('answers the dry runs and the logs as the api handler did', async () => {
    const { deps: d } = deps();
    const handler = makeAuxHandler(d);
    const planned = await handler(
      apiEvent('POST', '/environments/demo/plan', { body: { operation: 'down' } }),
    );
    expect(planned.statusCode, planned.body).toBe(200);
    expect(parse(planned)).toEqual({ operation: 'down', env: 'demo', steps: [{ step: 'DeleteService' }] });
    const read = await handler(apiEvent('GET', '/environments/demo/logs'));
    expect(read.statusCode, read.body).toBe(200);
    expect(parse(read).lines).toEqual([
      {
        timestamp: '2026-01-01T11:59:00.000Z',
        taskId: '0123abcd',
        stream: 'app/app/0123abcd',
        message: 'hi',
      },
    ]);
  });

  it('refuses every other route with a 500 naming the api function, before reading or starting anything', async () => {
    const { deps: d, executions, errors } = deps();
    const handler = makeAuxHandler(d);
    const created = await handler(apiEvent('DELETE', '/environments/demo', { requestId: 'r-1' }));
    expect(created.statusCode).toBe(500);
    expect(parse(created)).toEqual({ error: 'InternalError', requestId: 'r-1' });
    expect(executions.started).toEqual([]);
    expect(JSON.stringify(errors)).toContain('route deleteEnvironment is served by the api function');
  });

  it('still answers 404/405 for paths and methods no function serves', async () => {
    const handler = makeAuxHandler(deps().deps);
    expect((await handler(apiEvent('GET', '/nope'))).statusCode).toBe(404);
    expect((await handler(apiEvent('GET', '/environments/demo/plan'))).statusCode).toBe(405);
  });

  it('reads the registry, the plan function and the policy settings, and starts no execution', async () => {
    expect(() => auxDeps({ BERTH_TABLE_NAME: 'berth' })).toThrow(/BERTH_PLAN_FUNCTION_NAME/);
    const built = auxDeps({ BERTH_TABLE_NAME: 'berth', BERTH_PLAN_FUNCTION_NAME: 'berth-plan' });
    expect(built.planner).toBeDefined();
    expect(built.logs).toBeDefined();
    await expect(built.executions.startExecution({ name: 'x', input: {} as never })).rejects.toThrow(
      /starts no execution/,
    );
  });
});

describe('the api handler', () => {
  it('refuses the dry runs, settings changes and logs with a 500 naming api-aux', async () => {
    const { deps: d, errors } = deps();
    const handler = makeHandler(d, { serves: API_ROUTES });
    const planned = await handler(
      apiEvent('POST', '/environments/demo/plan', { body: { operation: 'down' } }),
    );
    expect(planned.statusCode).toBe(500);
    const read = await handler(apiEvent('GET', '/environments/demo/logs'));
    expect(read.statusCode).toBe(500);
    expect(errors.map((e) => JSON.stringify(e.details))).toEqual([
      expect.stringContaining('route planEnvironment is served by the api-aux function'),
      expect.stringContaining('route environmentLogs is served by the api-aux function'),
    ]);
    const described = await handler(apiEvent('GET', '/environments/demo'));
    expect(described.statusCode, described.body).toBe(200);
  });

  it('is configured without the plan function and builds neither a planner nor a logs reader', () => {
    const built = apiDeps({
      BERTH_TABLE_NAME: 'berth',
      BERTH_LIFECYCLE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:berth-lifecycle',
    });
    expect(built.planner).toBeUndefined();
    expect(built.logs).toBeUndefined();
  });
});
