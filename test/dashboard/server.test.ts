import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertLoopbackHost,
  type ForwardRequest,
  type RunningDashboard,
  startDashboard,
  TOKEN_HEADER,
} from '../../dashboard/server.ts';
import { startPlatform } from '../../local/runtime/platform.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** A raw HTTP request (so that Host, Origin and Sec-Fetch-Site can be set as a browser would). */
const send = (
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });

describe('dashboard server', () => {
  const forwarded: ForwardRequest[] = [];
  let failNext = false;
  let dashboard: RunningDashboard;
  const token = 'test-token-0123456789';

  beforeAll(async () => {
    dashboard = await startDashboard({
      port: 0,
      token,
      info: { api: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod', consoleRegion: 'eu-west-1' },
      forward: async (req) => {
        if (failNext) {
          failNext = false;
          throw new Error('connect ECONNREFUSED');
        }
        forwarded.push(req);
        return {
          status: req.method === 'POST' ? 202 : 200,
          contentType: 'application/json',
          body: '{"ok":true}',
        };
      },
    });
  });

  afterAll(async () => {
    await dashboard?.stop();
  });

  it('listens on loopback and prints a URL with its port', () => {
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
  });

  it('serves the page with its token and a strict content security policy', async () => {
    const page = await send(dashboard.port, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain(`<meta name="berth-token" content="${token}">`);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const script = await send(dashboard.port, 'GET', '/app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.text).toContain("from './format.js'");
  });

  it('tells the page where it is connected', async () => {
    const config = await send(dashboard.port, 'GET', '/config.json');
    expect(config.json).toEqual({
      api: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
      consoleRegion: 'eu-west-1',
      pollMs: 2000,
    });
  });

  it('refuses an API call without the token and forwards nothing', async () => {
    forwarded.length = 0;
    const answer = await send(dashboard.port, 'GET', '/api/environments');
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({
      error: 'Forbidden',
      message: `missing or wrong ${TOKEN_HEADER}: reload the dashboard page`,
    });
    const wrong = await send(dashboard.port, 'GET', '/api/environments', { [TOKEN_HEADER]: 'guess' });
    expect(wrong.status).toBe(403);
    expect(forwarded).toEqual([]);
  });

  it('refuses a request addressed to another host name (DNS rebinding)', async () => {
    const answer = await send(dashboard.port, 'GET', '/', { host: `evil.example:${dashboard.port}` });
    expect(answer.status).toBe(421);
    expect(answer.json.error).toBe('MisdirectedRequest');
    expect(answer.json.message).toContain(`not to Host "evil.example:${dashboard.port}"`);
  });

  it('refuses a state-changing call from another origin or site', async () => {
    forwarded.length = 0;
    const crossOrigin = await send(dashboard.port, 'DELETE', '/api/environments/demo', {
      [TOKEN_HEADER]: token,
      origin: 'http://evil.example',
    });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.json.message).toBe('cross-origin request from http://evil.example refused');
    const crossSite = await send(dashboard.port, 'DELETE', '/api/environments/demo', {
      [TOKEN_HEADER]: token,
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json.message).toBe('cross-site request (cross-site) refused');
    expect(forwarded).toEqual([]);
  });

  it('forwards a same-origin call with its body, content type and idempotency key only', async () => {
    forwarded.length = 0;
    const answer = await send(
      dashboard.port,
      'POST',
      '/api/environments/demo/extend?x=1',
      {
        [TOKEN_HEADER]: token,
        origin: `http://127.0.0.1:${dashboard.port}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
        'idempotency-key': 'key-1',
        cookie: 'session=secret',
        authorization: 'Bearer secret',
      },
      '{"hours":8}',
    );
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ ok: true });
    expect(forwarded).toEqual([
      {
        method: 'POST',
        path: '/environments/demo/extend?x=1',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          'idempotency-key': 'key-1',
        },
        body: '{"hours":8}',
      },
    ]);
  });

  it('forwards only the API routes the page uses', async () => {
    forwarded.length = 0;
    for (const path of ['/api/_berth/state', '/api/slack/commands', '/api/environments/a/b/c']) {
      const answer = await send(dashboard.port, 'GET', path, { [TOKEN_HEADER]: token });
      expect(answer.status, path).toBe(404);
      expect(answer.json.error).toBe('NotFound');
    }
    const put = await send(dashboard.port, 'PUT', '/api/environments/demo', { [TOKEN_HEADER]: token });
    expect(put.status).toBe(404);
    expect(forwarded).toEqual([]);
  });

  it('answers 502 naming the API when it cannot be reached', async () => {
    failNext = true;
    const answer = await send(dashboard.port, 'GET', '/api/environments', { [TOKEN_HEADER]: token });
    expect(answer.status).toBe(502);
    expect(answer.json).toEqual({
      error: 'ApiUnreachable',
      message:
        'cannot reach the Berth API at https://abc.execute-api.eu-west-1.amazonaws.com/prod: connect ECONNREFUSED',
    });
  });

  it('refuses to listen on a non-loopback address', () => {
    expect(() => assertLoopbackHost('0.0.0.0')).toThrow(
      'the dashboard only listens on a loopback address (127.0.0.1, ::1, localhost), not "0.0.0.0"',
    );
    expect(() => assertLoopbackHost('192.168.1.10')).toThrow(/loopback/);
    expect(() => assertLoopbackHost('::1')).not.toThrow();
    expect(() => assertLoopbackHost('127.0.0.1')).not.toThrow();
  });
});

describe('local platform with the dashboard', () => {
  it('serves the dashboard next to the API and forwards to it', async () => {
    const platform = await startPlatform({
      profile: 'instant',
      logLevel: 'ERROR',
      ports: { cloud: 0, sfn: 0, api: 0, dashboard: 0 },
    });
    try {
      const port = platform.ports.dashboard!;
      expect(platform.urls.dashboard).toBe(`http://127.0.0.1:${port}/`);
      const page = await send(port, 'GET', '/');
      const token = /name="berth-token" content="([^"]+)"/.exec(page.text)?.[1];
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const list = await send(port, 'GET', '/api/environments', { [TOKEN_HEADER]: token! });
      expect(list.status).toBe(200);
      expect(list.json).toEqual({ environments: [], nextToken: null });
      const config = await send(port, 'GET', '/config.json');
      expect(config.json).toEqual({ api: platform.urls.api, consoleRegion: null, pollMs: 2000 });
    } finally {
      await platform.stop();
    }
  });
});
