import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp } from '../../../functions/adapters/http-probe.ts';

let server: Server;
let base: string;
const seen: { host: string | undefined; path: string | undefined; loadBalancer: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const loadBalancer = req.headers['x-berth-load-balancer'];
    seen.push({
      host: req.headers.host,
      path: req.url,
      loadBalancer: typeof loadBalancer === 'string' ? loadBalancer : undefined,
    });
    if (req.url === '/slow') return; // never answers
    const status = req.headers.host === 'berth-demo-alb-1.us-east-1.elb.localhost' ? 200 : 404;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(`host=${req.headers.host} path=${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('probeHttp', () => {
  it('connects to connectTo and sends the URL host as Host header', async () => {
    const probe = await probeHttp({
      url: 'http://berth-demo-alb-1.us-east-1.elb.localhost:80/health?x=1',
      connectTo: base,
      timeoutMs: 2000,
    });
    expect(probe).toEqual({
      url: 'http://berth-demo-alb-1.us-east-1.elb.localhost:80/health?x=1',
      status: 200,
      body: 'host=berth-demo-alb-1.us-east-1.elb.localhost path=/health?x=1',
    });
  });

  it('names the load balancer in x-berth-load-balancer and sends the environment host as Host via connectTo', async () => {
    const probe = await probeHttp({
      url: 'http://berth-shared-alb-1.us-east-1.elb.localhost:80/health',
      hostHeader: 'demo.berth.internal',
      connectTo: base,
      timeoutMs: 2000,
    });
    expect(probe.status).toBe(404);
    expect(seen.at(-1)).toEqual({
      host: 'demo.berth.internal',
      path: '/health',
      loadBalancer: 'berth-shared-alb-1.us-east-1.elb.localhost',
    });
  });

  it('sends no x-berth-load-balancer header when it connects to the URL itself', async () => {
    await probeHttp({ url: `${base}/health`, hostHeader: 'demo.berth.internal', timeoutMs: 2000 });
    expect(seen.at(-1)).toEqual({ host: 'demo.berth.internal', path: '/health', loadBalancer: undefined });
  });

  it('honours an explicit hostHeader', async () => {
    const probe = await probeHttp({
      url: `${base}/`,
      hostHeader: 'berth-demo-alb-1.us-east-1.elb.localhost',
      timeoutMs: 2000,
    });
    expect(probe.status).toBe(200);
    expect(seen.at(-1)?.host).toBe('berth-demo-alb-1.us-east-1.elb.localhost');
  });

  it('reports a non-2xx status without throwing', async () => {
    const probe = await probeHttp({ url: `${base}/nope`, timeoutMs: 2000 });
    expect(probe.status).toBe(404);
  });

  it('reports a timeout as an error', async () => {
    const probe = await probeHttp({ url: `${base}/slow`, timeoutMs: 100 });
    expect(probe.status).toBeUndefined();
    expect(probe.error).toBe('timeout after 100 ms');
  });

  it('reports a refused connection as an error with its code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const probe = await probeHttp({ url: `http://127.0.0.1:${port}/`, timeoutMs: 1000 });
    expect(probe.error).toMatch(/^ECONNREFUSED: /);
  });
});
