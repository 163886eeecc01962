import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ProxyEvent,
  type RunningApiServer,
  startApiServer,
  targetFor,
  toProxyEvent,
} from '../../../local/runtime/api-server.ts';

describe('toProxyEvent', () => {
  it('fills path parameters from the resource template', () => {
    const event = toProxyEvent({
      method: 'POST',
      url: '/environments/demo/scale',
      headers: {},
      body: Buffer.from('{}'),
    });
    expect(event.resource).toBe('/environments/{name}/scale');
    expect(event.pathParameters).toEqual({ name: 'demo' });
    expect(event.body).toBe('{}');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('keeps single and multi-value query parameters', () => {
    const event = toProxyEvent({
      method: 'GET',
      url: '/environments?status=ready&tag=a&tag=b',
      headers: {},
      body: Buffer.alloc(0),
    });
    expect(event.queryStringParameters).toEqual({ status: 'ready', tag: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ status: ['ready'], tag: ['a', 'b'] });
    expect(event.body).toBeNull();
    expect(event.pathParameters).toBeNull();
  });

  it('base64-encodes a body that is not valid UTF-8', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const event = toProxyEvent({ method: 'POST', url: '/slack/commands', headers: {}, body: bytes });
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
  });

  it('gives each request its own request id', () => {
    const a = toProxyEvent({ method: 'GET', url: '/environments', headers: {}, body: Buffer.alloc(0) });
    const b = toProxyEvent({ method: 'GET', url: '/environments', headers: {}, body: Buffer.alloc(0) });
    expect(a.requestContext.requestId).not.toBe(b.requestContext.requestId);
    expect(a.requestContext['stage']).toBe('local');
  });
});

describe('startApiServer', () => {
  const seen: Array<{ target: string; event: ProxyEvent }> = [];
  let server: RunningApiServer;

  beforeAll(async () => {
    server = await startApiServer({
      port: 0,
      resolveHandler: async (target) => async (event: ProxyEvent) => {
        seen.push({ target, event });
        if (event.path === '/environments/broken') return undefined;
        return {
          statusCode: 202,
          headers: { 'x-handler': target },
          multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
          body: JSON.stringify({ ok: true }),
        };
      },
    });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('routes /environments to the api handler and writes its result back', async () => {
    const response = await fetch(`${server.url}/environments/demo`, {
      method: 'DELETE',
      headers: { 'Idempotency-Key': 'k-1' },
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-handler')).toBe('api');
    expect(await response.json()).toEqual({ ok: true });
    const last = seen.at(-1)!;
    expect(last.event.httpMethod).toBe('DELETE');
    expect(last.event.headers['idempotency-key']).toBe('k-1');
  });

  it('routes the dry runs, settings changes and logs to the api-aux handler, as API Gateway integrates them', async () => {
    const plan = await fetch(`${server.url}/environments/demo/plan`, { method: 'POST', body: '{}' });
    expect(plan.headers.get('x-handler')).toBe('api-aux');
    const logs = await fetch(`${server.url}/environments/demo/logs?since=5m`);
    expect(logs.headers.get('x-handler')).toBe('api-aux');
    expect(seen.at(-1)?.event.queryStringParameters).toEqual({ since: '5m' });
    const operations = await fetch(`${server.url}/environments/demo/operations`);
    expect(operations.headers.get('x-handler')).toBe('api');
    const nightly = await fetch(`${server.url}/nightly/last`);
    expect(nightly.headers.get('x-handler')).toBe('api');
    // By method, as API Gateway integrates each method; a method or resource the API lacks reaches no function.
    expect(targetFor('/environments/demo/logs', 'GET')).toBe('api-aux');
    expect(targetFor('/environments/demo', 'PATCH')).toBe('api-aux');
    expect(targetFor('/environments/demo', 'GET')).toBe('api');
    expect(targetFor('/environments/demo', 'DELETE')).toBe('api');
    expect(targetFor('/environments/demo/logs', 'DELETE')).toBeUndefined();
    expect(targetFor('/environments/demo/unknown', 'GET')).toBeUndefined();
    expect(targetFor('/slack/commands', 'GET')).toBeUndefined();
  });

  it('answers 403 Missing Authentication Token for a method the resource does not define, running no function', async () => {
    const before = seen.length;
    for (const [method, path] of [
      ['PUT', '/environments/demo'],
      ['DELETE', '/environments'],
      ['GET', '/environments/demo/scale'],
      ['GET', '/slack/commands'],
      ['POST', '/environments/demo/unknown'],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
    }
    expect(seen.length).toBe(before);
  });

  it('routes /slack/commands to the slack handler with the raw body', async () => {
    const body = 'command=%2Fberth&text=status+demo';
    const response = await fetch(`${server.url}/slack/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(response.headers.get('x-handler')).toBe('slack');
    expect(seen.at(-1)?.event.body).toBe(body);
  });

  it('answers 403 Missing Authentication Token for an unknown resource, as API Gateway does', async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('answers 502 when the handler returns no proxy result', async () => {
    const response = await fetch(`${server.url}/environments/broken`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Internal server error' });
  });
});
