import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AlbListenerProxy } from '../../../../local/cloud/dataplane/alb-proxy.ts';
import type { ClockLike } from '../../../../local/cloud/dataplane/clock-like.ts';
import {
  type HealthCheckSettings,
  matchesHttpCode,
  TargetHealthTracker,
} from '../../../../local/cloud/dataplane/health-checker.ts';
import {
  type RunningWorkload,
  startWorkload,
  workloadFaultFor,
} from '../../../../local/cloud/dataplane/workload.ts';

/** A real-time clock scaled down 1000× (30 s of AWS time = 30 ms). */
function scaledClock(factor = 0.001): ClockLike & { cancelAll(): void } {
  const timers = new Set<NodeJS.Timeout>();
  return {
    now: () => new Date(),
    ms: (awsMs) => awsMs * factor,
    timer(awsMs, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, awsMs * factor);
      timers.add(t);
      return () => {
        clearTimeout(t);
        timers.delete(t);
      };
    },
    cancelAll() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

const info = {
  cluster: 'c1',
  service: 's1',
  taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/c1/abc',
  taskId: 'abc',
  image: 'nginx:latest',
  revision: 3,
  family: 'web',
};

const settings = (over: Partial<HealthCheckSettings> = {}): HealthCheckSettings => ({
  path: '/health',
  port: 'traffic-port',
  intervalSeconds: 5,
  timeoutSeconds: 2,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  matcher: '200',
  enabled: true,
  ...over,
});

async function until<T>(fn: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** GET with an explicit Host header (fetch cannot set one). */
function httpGet(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const opened: RunningWorkload[] = [];
const clocks: { cancelAll(): void }[] = [];
const trackers: TargetHealthTracker[] = [];
const proxies: AlbListenerProxy[] = [];

afterEach(async () => {
  for (const t of trackers.splice(0)) t.stop();
  for (const c of clocks.splice(0)) c.cancelAll();
  await Promise.all(opened.splice(0).map((w) => w.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function workload(fault: Parameters<typeof startWorkload>[0]['fault'] = 'none', env?: string) {
  const w = await startWorkload({
    port: 0,
    healthPaths: ['/health'],
    fault,
    info: { ...info, ...(env ? { env } : {}) },
  });
  opened.push(w);
  return w;
}

describe('workload', () => {
  it('answers its identity as JSON on any path', async () => {
    const w = await workload('none', 'pr-42');
    const res = await fetch(`http://127.0.0.1:${w.port}/some/path?x=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      env: 'pr-42',
      cluster: 'c1',
      service: 's1',
      taskArn: info.taskArn,
      taskId: 'abc',
      image: 'nginx:latest',
      revision: 3,
      family: 'web',
      path: '/some/path',
      host: `127.0.0.1:${w.port}`,
    });
  });

  it('answers 500 on the health path when unhealthy and 200 elsewhere', async () => {
    const w = await workload('unhealthy');
    expect((await fetch(`http://127.0.0.1:${w.port}/health`)).status).toBe(500);
    expect((await fetch(`http://127.0.0.1:${w.port}/`)).status).toBe(200);
  });

  it('answers 500 on every path with the http-500 fault', async () => {
    const w = await workload('http-500');
    expect((await fetch(`http://127.0.0.1:${w.port}/`)).status).toBe(500);
    expect((await fetch(`http://127.0.0.1:${w.port}/health`)).status).toBe(500);
  });

  it('derives faults from the image reference and the configured lists', () => {
    expect(workloadFaultFor('demo/crash:1')).toBe('crash');
    expect(workloadFaultFor('demo/unhealthy:1')).toBe('unhealthy');
    expect(workloadFaultFor('demo/http-500')).toBe('http-500');
    expect(workloadFaultFor('nginx:1', { errorImages: ['nginx:1'] })).toBe('http-500');
    expect(workloadFaultFor('nginx:1')).toBe('none');
  });

  it('rejects a port that is already in use', async () => {
    const w = await workload();
    await expect(startWorkload({ port: w.port, healthPaths: [], fault: 'none', info })).rejects.toMatchObject(
      {
        code: 'EADDRINUSE',
      },
    );
  });
});

describe('health checker', () => {
  it('matches ELBv2 matcher syntax', () => {
    expect(matchesHttpCode('200', 200)).toBe(true);
    expect(matchesHttpCode('200-299', 204)).toBe(true);
    expect(matchesHttpCode('200,302', 302)).toBe(true);
    expect(matchesHttpCode('200,302', 500)).toBe(false);
  });

  it('moves a passing target from initial to healthy', async () => {
    const clock = scaledClock();
    clocks.push(clock);
    const w = await workload();
    const tracker = new TargetHealthTracker(
      clock,
      () => settings(),
      () => true,
    );
    trackers.push(tracker);
    tracker.register({ id: 'i-0123', port: w.port, address: '127.0.0.1' });
    expect(tracker.health('i-0123', w.port)).toEqual({
      state: 'initial',
      reason: 'Elb.RegistrationInProgress',
      description: 'Target registration is in progress',
    });
    await until(() => tracker.health('i-0123', w.port)?.state === 'healthy');
    expect(tracker.healthyTargets().map((t) => t.port)).toEqual([w.port]);
  });

  it('reports the response codes of a failing target', async () => {
    const clock = scaledClock();
    clocks.push(clock);
    const w = await workload('unhealthy');
    const tracker = new TargetHealthTracker(
      clock,
      () => settings(),
      () => true,
    );
    trackers.push(tracker);
    tracker.register({ id: 'i-0123', port: w.port, address: '127.0.0.1' });
    await until(() => tracker.health('i-0123', w.port)?.state === 'unhealthy');
    expect(tracker.health('i-0123', w.port)).toEqual({
      state: 'unhealthy',
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [500]',
    });
  });

  it('reports failed health checks when nothing listens', async () => {
    const clock = scaledClock();
    clocks.push(clock);
    const w = await workload();
    const port = w.port;
    await opened.pop()?.close();
    const tracker = new TargetHealthTracker(
      clock,
      () => settings(),
      () => true,
    );
    trackers.push(tracker);
    tracker.register({ id: 'i-0123', port, address: '127.0.0.1' });
    await until(() => tracker.health('i-0123', port)?.state === 'unhealthy');
    expect(tracker.health('i-0123', port)?.reason).toBe('Target.FailedHealthChecks');
  });

  it('reports Target.Timeout when the target never answers', async () => {
    const clock = scaledClock();
    clocks.push(clock);
    const sockets: Socket[] = [];
    const silent = createServer().on('connection', (s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as AddressInfo).port;
    try {
      const tracker = new TargetHealthTracker(
        clock,
        () => settings(),
        () => true,
      );
      trackers.push(tracker);
      tracker.register({ id: 'i-0123', port, address: '127.0.0.1' });
      await until(() => tracker.health('i-0123', port)?.state === 'unhealthy', 5000);
      expect(tracker.health('i-0123', port)).toEqual({
        state: 'unhealthy',
        reason: 'Target.Timeout',
        description: 'Request timed out',
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('reports unused targets while the group has no load balancer', async () => {
    const clock = scaledClock();
    clocks.push(clock);
    const tracker = new TargetHealthTracker(
      clock,
      () => settings(),
      () => false,
    );
    trackers.push(tracker);
    tracker.register({ id: 'i-0123', port: 8080, address: '127.0.0.1' });
    expect(tracker.health('i-0123', 8080)).toEqual({
      state: 'unused',
      reason: 'Target.NotInUse',
      description: 'Target group is not configured to receive traffic from the load balancer',
    });
  });

  it('drains a deregistered target for the delay, then forgets it', async () => {
    const clock = scaledClock();
    clocks.push(clock);
    const tracker = new TargetHealthTracker(
      clock,
      () => settings(),
      () => true,
    );
    trackers.push(tracker);
    tracker.register({ id: 'i-0123', port: 8080, address: '127.0.0.1' });
    let drained = false;
    tracker.deregister('i-0123', 8080, 100_000, () => {
      drained = true;
    });
    expect(tracker.health('i-0123', 8080)).toEqual({
      state: 'draining',
      reason: 'Target.DeregistrationInProgress',
      description: 'Target deregistration is in progress',
    });
    await until(() => drained);
    expect(tracker.health('i-0123', 8080)).toBeUndefined();
  });
});

describe('ALB listener proxy', () => {
  it('spreads requests round robin and names the target', async () => {
    const a = await workload();
    const b = await workload();
    const targets = [
      { id: 'i-a', port: a.port, address: '127.0.0.1' },
      { id: 'i-b', port: b.port, address: '127.0.0.1' },
    ];
    const proxy = new AlbListenerProxy(() => ({ kind: 'forward', targetGroupArn: 'tg', targets }));
    proxies.push(proxy);
    const port = await proxy.start(0);
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/x`);
      seen.push(res.headers.get('x-berth-target'));
      await res.arrayBuffer();
    }
    expect(seen).toEqual([`i-a:${a.port}`, `i-b:${b.port}`, `i-a:${a.port}`, `i-b:${b.port}`]);
  });

  it('answers 503 when no target is healthy', async () => {
    const proxy = new AlbListenerProxy(() => ({ kind: 'forward', targetGroupArn: 'tg', targets: [] }));
    proxies.push(proxy);
    const port = await proxy.start(0);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('503 Service Temporarily Unavailable');
  });

  it('passes the host and path to the router', async () => {
    const calls: string[] = [];
    const proxy = new AlbListenerProxy((host, path) => {
      calls.push(`${host} ${path}`);
      return { kind: 'fixed', status: 404, contentType: 'text/plain', body: 'nope' };
    });
    proxies.push(proxy);
    const port = await proxy.start(0);
    const res = await httpGet(port, '/api/v1?q=1', 'App.Example.com:80');
    expect(res.status).toBe(404);
    expect(res.body).toBe('nope');
    expect(calls).toEqual(['app.example.com /api/v1']);
  });
});
