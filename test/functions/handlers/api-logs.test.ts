import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/handlers/api.ts';
import type { LogsPort } from '../../../functions/handlers/http/ports.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-01-01T12:00:00.000Z');

class FakeLogs implements LogsPort {
  readonly queries: Parameters<LogsPort['readLines']>[0][] = [];
  async readLines(query: Parameters<LogsPort['readLines']>[0]) {
    this.queries.push(query);
    return {
      lines: [
        {
          timestamp: Date.parse('2026-01-01T11:59:00.000Z'),
          stream: 'app/app/0123abcd',
          message: 'GET /orders 200 3ms',
          eventId: '1',
        },
      ],
      nextToken: 'next-1',
    };
  }
}

let registry: FakeRegistry;
let logs: FakeLogs;
let handler: ReturnType<typeof makeHandler>;

beforeEach(() => {
  registry = new FakeRegistry();
  registry.environments.set('demo', readyEnv('demo'));
  logs = new FakeLogs();
  handler = makeHandler({
    registry,
    executions: new FakeExecutions(),
    planner: { plan: async () => ({ steps: [] }) },
    logs,
    clock: { now: () => NOW },
    logger: { error: () => {} },
  });
});

describe('api GET /environments/{name}/logs', () => {
  it('reads the last 10 minutes of /berth/<name> by default and names each line’s task', async () => {
    const result = await handler(apiEvent('GET', '/environments/demo/logs'));
    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({
      env: 'demo',
      group: '/berth/demo',
      lines: [
        {
          timestamp: '2026-01-01T11:59:00.000Z',
          taskId: '0123abcd',
          stream: 'app/app/0123abcd',
          message: 'GET /orders 200 3ms',
          eventId: '1',
        },
      ],
      nextToken: 'next-1',
    });
    expect(logs.queries).toEqual([
      { group: '/berth/demo', startTime: Date.parse('2026-01-01T11:50:00.000Z'), limit: 100 },
    ]);
  });

  it('passes since, task, a literal filter, limit and nextToken through', async () => {
    await handler(
      apiEvent('GET', '/environments/demo/logs', {
        query: { since: '2h', task: '0123abcd', filter: 'say "hi"', limit: '5', nextToken: 'next-1' },
      }),
    );
    expect(logs.queries).toEqual([
      {
        group: '/berth/demo',
        startTime: Date.parse('2026-01-01T10:00:00.000Z'),
        limit: 5,
        streamPrefix: 'app/app/0123abcd',
        filterPattern: '"say \\"hi\\""',
        nextToken: 'next-1',
      },
    ]);
  });

  it.each([
    [{ since: 'yesterday' }, 'query.since'],
    [{ task: '../x' }, 'query.task'],
    [{ filter: ' ' }, 'query.filter'],
    [{ limit: '0' }, 'query.limit'],
    [{ tail: '1' }, 'query.tail'],
  ])('answers 400 naming the field for %j', async (query, field) => {
    const result = await handler(apiEvent('GET', '/environments/demo/logs', { query }));
    expect(result.statusCode).toBe(400);
    expect(JSON.stringify(parse(result))).toContain(field);
    expect(logs.queries).toEqual([]);
  });

  it('answers 404 for an unknown environment', async () => {
    const result = await handler(apiEvent('GET', '/environments/nope/logs'));
    expect(result.statusCode).toBe(404);
    expect(logs.queries).toEqual([]);
  });

  it('still reads the kept logs of a deleted environment', async () => {
    registry.environments.set('gone', readyEnv('gone', { status: 'deleted' }));
    const result = await handler(apiEvent('GET', '/environments/gone/logs'));
    expect(result.statusCode).toBe(200);
    expect(logs.queries[0]?.group).toBe('/berth/gone');
  });
});
