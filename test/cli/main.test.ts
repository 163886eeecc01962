import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes.ts';
import { run } from '../../cli/main.ts';
import { FakeApi, testIo } from './fake-api.ts';

const api = new FakeApi();
beforeAll(() => api.start());
afterAll(() => api.stop());
beforeEach(() => api.reset());

const ACCEPTED = (operation: string, env = 'demo') => ({
  status: 202,
  body: {
    operationId: 'op-1',
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:berth-lifecycle:${operation}-${env}-op-1`,
    env,
    operation,
    statusUrl: `/environments/${env}`,
  },
});

const envView = (
  operationStatus: string,
  steps: { step: string; status: string; at: string; detail?: string }[],
) => ({
  status: 200,
  body: {
    name: 'demo',
    status: operationStatus === 'failed' ? 'failed' : 'ready',
    url: 'http://berth-demo-alb.elb.localhost',
    owner: 'ana',
    expiresAt: '2026-01-02T12:00:00.000Z',
    keep: false,
    currentOperation:
      operationStatus === 'running' ? { operationId: 'op-1', operation: 'up', step: 'creating' } : null,
    spec: {},
    lastFailure:
      operationStatus === 'failed'
        ? {
            operation: 'up',
            step: 'VerifyUp',
            error: 'UnhealthyError',
            reason: 'Target.ResponseCodeMismatch',
          }
        : null,
    operations: [
      {
        operationId: 'op-1',
        operation: 'up',
        status: operationStatus,
        requestedBy: 'anonymous',
        startedAt: '2026-01-01T12:00:00.000Z',
        finishedAt: operationStatus === 'running' ? null : '2026-01-01T12:01:05.000Z',
        steps,
        error: null,
      },
    ],
  },
});

const cli = async (args: string[], options: Parameters<typeof testIo>[0] = {}) => {
  const t = testIo(options);
  const code = await run(['--api', api.url, ...args], t.io);
  return { code, stdout: t.stdout(), stderr: t.stderr() };
};

describe('berth up', () => {
  it('sends the spec built from flags with an idempotency key and waits for the steps', async () => {
    api.on('POST', '/environments', ACCEPTED('up'));
    api.on('GET', '/environments/demo', (_r, n) =>
      n === 1
        ? envView('running', [{ step: 'creating', status: 'creating', at: '2026-01-01T12:00:01.000Z' }])
        : envView('succeeded', [
            { step: 'creating', status: 'creating', at: '2026-01-01T12:00:01.000Z' },
            { step: 'ready', status: 'ready', at: '2026-01-01T12:01:05.000Z' },
          ]),
    );
    const { code, stdout } = await cli([
      'up',
      'demo',
      '--image',
      'nginx:1.27',
      '--port',
      '8080',
      '--count',
      '2',
      '--health-path',
      '/healthz',
      '--launch-type',
      'EC2',
      '--lb-mode',
      'shared',
      '--ttl',
      '8h',
      '--keep',
      '--keep-on-failure',
    ]);
    expect(code).toBe(ExitCode.Ok);
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({
      name: 'demo',
      image: 'nginx:1.27',
      containerPort: 8080,
      desiredCount: 2,
      healthCheck: { path: '/healthz' },
      launchType: 'EC2',
      loadBalancer: { mode: 'shared' },
      ttl: '8h',
      keep: true,
      keepOnFailure: true,
    });
    expect(post?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(stdout).toContain('creating');
    expect(stdout).toMatch(/✓ ready\s+ready\s+\+1m05s/);
    expect(stdout).toContain('up of demo succeeded in 1m05s — http://berth-demo-alb.elb.localhost');
  });

  it('reads the spec from --file and lets flags override it', async () => {
    api.on('POST', '/environments', ACCEPTED('up'));
    const dir = await mkdtemp(join(tmpdir(), 'berth-cli-'));
    const file = join(dir, 'spec.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'demo', image: 'nginx:1.26', owner: 'bo', desiredCount: 3 }),
    );
    const { code } = await cli(['up', 'demo', '--file', file, '--image', 'nginx:1.27', '--no-wait']);
    expect(code).toBe(ExitCode.Ok);
    expect(api.requests[0]?.body).toEqual({
      name: 'demo',
      image: 'nginx:1.27',
      owner: 'bo',
      desiredCount: 3,
    });
  });

  it('exits 1 and names the failing step when the operation fails', async () => {
    api.on('POST', '/environments', ACCEPTED('up'));
    api.on(
      'GET',
      '/environments/demo',
      envView('failed', [{ step: 'failed', status: 'failed', at: '2026-01-01T12:01:05.000Z' }]),
    );
    const { code, stdout } = await cli(['up', 'demo', '--image', 'nginx:1.27']);
    expect(code).toBe(ExitCode.OperationFailed);
    expect(stdout).toContain('up of demo failed at step VerifyUp after 1m05s: Target.ResponseCodeMismatch');
  });

  it('sends --idle-after as the spec idleAfter, and refuses one under 15 minutes locally', async () => {
    api.on('POST', '/environments', ACCEPTED('up'));
    const ok = await cli(['up', 'demo', '--image', 'nginx:1.27', '--idle-after', '2h', '--no-wait']);
    expect(ok.code).toBe(ExitCode.Ok);
    expect(api.requests[0]?.body).toEqual({ name: 'demo', image: 'nginx:1.27', idleAfter: '2h' });
    const refused = await cli(['up', 'demo', '--image', 'nginx:1.27', '--idle-after', '5m']);
    expect(refused.code).toBe(ExitCode.Usage);
    expect(refused.stderr).toContain('idleAfter: must be a duration like 30m, 2h or 1d between 15m and 7d');
    expect(api.requests).toHaveLength(1);
  });

  it('validates the spec locally and sends nothing', async () => {
    const { code, stderr } = await cli(['up', 'demo', '--image', 'not an image', '--count', '500']);
    expect(code).toBe(ExitCode.Usage);
    expect(stderr).toContain('image: must be a container image reference');
    expect(stderr).toContain('desiredCount: must be an integer from 0 to 100');
    expect(api.requests).toHaveLength(0);
  });

  it('sends no owner and needs none: the API records the verified caller (was "owner: is required")', async () => {
    api.on('POST', '/environments', ACCEPTED('up'));
    const t = testIo({ env: { BERTH_OWNER: '', USER: '', USERNAME: '' } });
    const code = await run(['--api', api.url, 'up', 'demo', '--image', 'nginx:1.27', '--no-wait'], t.io);
    expect(t.stderr()).not.toContain('owner');
    expect(code).toBe(ExitCode.Ok);
    expect(api.requests[0]?.body).toEqual({ name: 'demo', image: 'nginx:1.27' });
  });

  it('prints the plan with --dry-run and starts nothing', async () => {
    api.on('POST', '/environments/demo/plan', {
      status: 200,
      body: {
        operation: 'up',
        env: 'demo',
        steps: [
          {
            stage: 'service',
            action: 'create',
            resource: 'ECS service berth-demo',
            reason: 'does not exist',
          },
        ],
      },
    });
    const { code, stdout } = await cli(['up', 'demo', '--image', 'nginx:1.27', '--dry-run']);
    expect(code).toBe(ExitCode.Ok);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /environments/demo/plan']);
    expect(api.requests[0]?.body).toMatchObject({
      operation: 'up',
      spec: { name: 'demo', image: 'nginx:1.27' },
    });
    expect(stdout).toContain('1. service  create  ECS service berth-demo — does not exist');
  });

  it('prints the 202 as JSON with --json --no-wait', async () => {
    api.on('POST', '/environments', ACCEPTED('up'));
    const { code, stdout } = await cli(['--json', 'up', 'demo', '--image', 'nginx:1.27', '--no-wait']);
    expect(code).toBe(ExitCode.Ok);
    expect(JSON.parse(stdout)).toEqual(ACCEPTED('up').body);
  });

  it('uses --request-id as the idempotency key', async () => {
    api.on('POST', '/environments', ACCEPTED('up'));
    await cli(['up', 'demo', '--image', 'nginx:1.27', '--no-wait', '--request-id', 'retry-7']);
    expect(api.requests[0]?.headers['idempotency-key']).toBe('retry-7');
  });
});

describe('berth up and status with a sleep/wake schedule', () => {
  it('sends --sleep, --wake and --timezone as the spec schedule, and refuses a bad expression before sending', async () => {
    api.on('POST', '/environments', ACCEPTED('up'));
    api.on('GET', '/environments/demo', envView('succeeded', []));
    const sleep = 'cron(0 20 ? * MON-FRI *)';
    const wake = 'cron(0 8 ? * MON-FRI *)';
    const ok = await cli([
      'up',
      'demo',
      '--image',
      'nginx:1.27',
      '--sleep',
      sleep,
      '--wake',
      wake,
      '--timezone',
      'Asia/Seoul',
    ]);
    expect(ok.code).toBe(ExitCode.Ok);
    expect(api.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      schedule: { sleep, wake, timezone: 'Asia/Seoul' },
    });
    api.reset();
    const bad = await cli(['up', 'demo', '--image', 'nginx:1.27', '--sleep', 'cron(0 20 * * MON-FRI *)']);
    expect(bad.code).not.toBe(ExitCode.Ok);
    expect(bad.stderr).toContain('schedule.sleep');
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('schedule changes the stored schedule with PATCH, never with up; --clear removes it', async () => {
    const view = envView('succeeded', []);
    const stored = {
      name: 'demo',
      image: 'nginx:1.27',
      owner: 'ana',
      schedule: { sleep: 'cron(0 20 ? * MON-FRI *)', timezone: 'UTC' },
    };
    const changedView = {
      name: 'demo',
      status: 'ready',
      schedule: {
        sleep: 'cron(0 20 ? * MON-FRI *)',
        wake: 'cron(0 8 ? * MON-FRI *)',
        timezone: 'Asia/Seoul',
        nextSleep: '2026-11-30T11:00:00.000Z',
      },
      steps: [
        {
          action: 'create',
          resource: 'schedule berth-demo-wake',
          reason: 'resume at cron(0 8 ? * MON-FRI *)',
        },
      ],
    };
    api.on('GET', '/environments/demo', { ...view, body: { ...view.body, spec: stored } });
    api.on('PATCH', '/environments/demo', { status: 200, body: changedView });
    const changed = await cli([
      'schedule',
      'demo',
      '--wake',
      'cron(0 8 ? * MON-FRI *)',
      '--timezone',
      'Asia/Seoul',
    ]);
    expect(changed.code).toBe(ExitCode.Ok);
    expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
      schedule: {
        sleep: 'cron(0 20 ? * MON-FRI *)',
        wake: 'cron(0 8 ? * MON-FRI *)',
        timezone: 'Asia/Seoul',
      },
    });
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(changed.stdout).toContain('demo: schedule changed (ready; nothing else changes)');
    expect(changed.stdout).toContain('create schedule berth-demo-wake: resume at cron(0 8 ? * MON-FRI *)');
    api.reset();
    api.on('GET', '/environments/demo', { ...view, body: { ...view.body, spec: stored } });
    api.on('PATCH', '/environments/demo', {
      status: 200,
      body: { name: 'demo', status: 'ready', schedule: null, steps: [] },
    });
    expect((await cli(['schedule', 'demo', '--clear'])).code).toBe(ExitCode.Ok);
    expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ schedule: null });
    const usage = await cli(['schedule', 'demo']);
    expect(usage.code).toBe(ExitCode.Usage);
    expect(usage.stderr).toContain('give --sleep, --wake and/or --timezone, or --clear');
  });

  it('schedule changes a paused environment, which stays paused, and checks the expression before sending', async () => {
    const view = envView('succeeded', []);
    const stored = { name: 'demo', image: 'nginx:1.27', owner: 'ana' };
    api.on('GET', '/environments/demo', {
      ...view,
      body: { ...view.body, status: 'paused', spec: stored },
    });
    api.on('PATCH', '/environments/demo', {
      status: 200,
      body: {
        name: 'demo',
        status: 'paused',
        dryRun: true,
        schedule: { sleep: 'cron(0 19 ? * * *)', timezone: 'UTC', nextSleep: '2026-11-30T19:00:00.000Z' },
        steps: [
          { action: 'create', resource: 'schedule berth-demo-sleep', reason: 'pause at cron(0 19 ? * * *)' },
        ],
      },
    });
    const planned = await cli(['schedule', 'demo', '--sleep', 'cron(0 19 ? * * *)', '--dry-run']);
    expect(planned.code).toBe(ExitCode.Ok);
    expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
      schedule: { sleep: 'cron(0 19 ? * * *)' },
      dryRun: true,
    });
    expect(planned.stdout).toContain('demo: would change its schedule (paused; nothing else changes)');
    expect(planned.stdout).toContain('sleeps:  cron(0 19 ? * * *) UTC (next 2026-11-30T19:00:00.000Z)');
    api.reset();
    api.on('GET', '/environments/demo', { ...view, body: { ...view.body, status: 'paused', spec: stored } });
    const bad = await cli(['schedule', 'demo', '--sleep', 'cron(0 20 * * MON-FRI *)']);
    expect(bad.code).toBe(ExitCode.Usage);
    expect(bad.stderr).toContain('schedule.sleep');
    expect(api.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('status prints the schedule with its next times', async () => {
    const view = envView('succeeded', []);
    api.on('GET', '/environments/demo', {
      ...view,
      body: {
        ...view.body,
        schedule: {
          sleep: 'cron(0 20 ? * MON-FRI *)',
          timezone: 'Asia/Seoul',
          nextSleep: '2026-11-30T11:00:00.000Z',
        },
      },
    });
    const { stdout } = await cli(['status', 'demo']);
    expect(stdout).toContain(
      '  sleeps:  cron(0 20 ? * MON-FRI *) Asia/Seoul (next 2026-11-30T11:00:00.000Z)',
    );
    expect(stdout).not.toContain('wakes:');
  });
});

describe('berth down', () => {
  it('tears down after the name is typed', async () => {
    api.on('DELETE', '/environments/demo', ACCEPTED('down'));
    const { code, stderr } = await cli(['down', 'demo', '--no-wait'], { interactive: true, stdin: ['demo'] });
    expect(code).toBe(ExitCode.Ok);
    expect(stderr).toContain('Type its name to confirm');
    expect(api.requests.map((r) => r.method)).toEqual(['DELETE']);
  });

  it('aborts with 130 when a different name is typed', async () => {
    const { code, stderr } = await cli(['down', 'demo'], { interactive: true, stdin: ['dmeo'] });
    expect(code).toBe(ExitCode.Aborted);
    expect(stderr).toContain('berth: aborted: "dmeo" is not "demo"');
    expect(api.requests).toHaveLength(0);
  });

  it('refuses without --yes when not interactive', async () => {
    const { code, stderr } = await cli(['down', 'demo']);
    expect(code).toBe(ExitCode.Usage);
    expect(stderr).toContain('refusing to tear down "demo" without --yes in a non-interactive session');
    expect(api.requests).toHaveLength(0);
  });

  it('skips the question with --yes', async () => {
    api.on('DELETE', '/environments/demo', ACCEPTED('down'));
    expect((await cli(['down', 'demo', '--yes', '--no-wait'])).code).toBe(ExitCode.Ok);
  });

  it('exits 3 for an unknown environment', async () => {
    api.on('DELETE', '/environments/ghost', {
      status: 404,
      body: { error: 'NotFoundError', message: 'environment "ghost" does not exist' },
    });
    const { code, stderr } = await cli(['down', 'ghost', '--yes']);
    expect(code).toBe(ExitCode.NotFound);
    expect(stderr).toContain('berth: NotFoundError: environment "ghost" does not exist');
  });
});

describe('berth scale, redeploy, extend', () => {
  it('scale sends the desired count', async () => {
    api.on('POST', '/environments/demo/scale', ACCEPTED('scale'));
    expect((await cli(['scale', 'demo', '3', '--no-wait'])).code).toBe(ExitCode.Ok);
    expect(api.requests[0]?.body).toEqual({ desiredCount: 3 });
  });

  it('scale rejects a non-number locally', async () => {
    const { code, stderr } = await cli(['scale', 'demo', 'three']);
    expect(code).toBe(ExitCode.Usage);
    expect(stderr).toContain('count must be an integer from 0 to 100 (got "three")');
  });

  it('scale exits 4 when another operation is running', async () => {
    api.on('POST', '/environments/demo/scale', {
      status: 409,
      body: { error: 'OperationInProgressError', message: 'environment "demo" is busy: up op-0 is running' },
    });
    const { code, stderr } = await cli(['scale', 'demo', '2']);
    expect(code).toBe(ExitCode.Conflict);
    expect(stderr).toContain('environment "demo" is busy: up op-0 is running');
  });

  it('scale --dry-run calls the plan route', async () => {
    api.on('POST', '/environments/demo/plan', {
      status: 200,
      body: { operation: 'scale', env: 'demo', steps: [] },
    });
    const { stdout } = await cli(['scale', 'demo', '2', '--dry-run']);
    expect(api.requests[0]?.body).toEqual({ operation: 'scale', desiredCount: 2 });
    expect(stdout).toContain('No changes.');
  });

  it('redeploy sends the image', async () => {
    api.on('POST', '/environments/demo/redeploy', ACCEPTED('redeploy'));
    await cli(['redeploy', 'demo', '--image', 'nginx:1.28', '--no-wait']);
    expect(api.requests[0]?.body).toEqual({ image: 'nginx:1.28' });
  });

  it('extend converts a duration to hours', async () => {
    api.on('POST', '/environments/demo/extend', ACCEPTED('extend'));
    const { code, stdout } = await cli(['extend', 'demo', '2d']);
    expect(code).toBe(ExitCode.Ok);
    expect(api.requests[0]?.body).toEqual({ hours: 48 });
    expect(stdout).toContain('extend of demo by 48 h accepted: operation op-1');
  });

  it('extend rejects minutes', async () => {
    const { code, stderr } = await cli(['extend', 'demo', '90m']);
    expect(code).toBe(ExitCode.Usage);
    expect(stderr).toContain('duration must be whole hours like 8h, 2d or 12 (got "90m")');
  });

  it('extend rejects more hours than the operation input allows, before calling the API', async () => {
    const { code, stderr } = await cli(['extend', 'demo', '31d']);
    expect(code).toBe(ExitCode.Usage);
    expect(stderr).toContain('duration must be an integer from 1 to 720 (got "31d")');
    expect(api.requests).toEqual([]);
  });
});

describe('berth ls, status, logs', () => {
  it('ls prints a table and follows nextToken', async () => {
    api.on('GET', '/environments', {
      status: 200,
      body: {
        environments: [
          {
            name: 'a',
            status: 'ready',
            url: null,
            owner: 'ana',
            expiresAt: null,
            keep: true,
            currentOperation: null,
            cost: { hourlyUsd: 0.046588, sinceCreatedUsd: 1.2 },
          },
        ],
        nextToken: 'Yg',
      },
    });
    api.on('GET', '/environments?nextToken=Yg', {
      status: 200,
      body: {
        environments: [
          {
            name: 'b',
            status: 'failed',
            url: null,
            owner: null,
            expiresAt: null,
            keep: false,
            currentOperation: null,
          },
        ],
        nextToken: null,
      },
    });
    const { code, stdout } = await cli(['ls']);
    expect(code).toBe(ExitCode.Ok);
    expect(stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+OWNER\s+EXPIRES\s+KEEP\s+COST\s+URL$/);
    expect(stdout).toMatch(/\na\s+ready\s+ana\s+—\s+yes\s+\$0\.0466\/h/);
    expect(stdout).toMatch(/\nb\s+failed\s+—\s+—\s+no\s+—/);
  });

  it('ls --json prints the list', async () => {
    api.on('GET', '/environments?status=ready', { status: 200, body: { environments: [], nextToken: null } });
    const { stdout } = await cli(['--json', 'ls', '--status', 'ready']);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('status prints the environment with its last failure', async () => {
    api.on('GET', '/environments/demo', envView('failed', []));
    const { code, stdout } = await cli(['status', 'demo']);
    expect(code).toBe(ExitCode.Ok);
    expect(stdout).toContain('demo: failed');
    expect(stdout).toContain('last failure: up at VerifyUp: Target.ResponseCodeMismatch');
  });

  it('status prints the estimated cost and its lines', async () => {
    api.on('GET', '/environments/demo', {
      status: 200,
      body: {
        ...envView('succeeded', []).body,
        cost: {
          hourlyUsd: 0.046588,
          sinceCreatedUsd: 2.5,
          pricesAsOf: '2026-11-01',
          lines: [
            { item: '1 × t3.small', hourlyUsd: 0.0208 },
            { item: 'Application Load Balancer', hourlyUsd: 0.0225 },
          ],
        },
      },
    });
    const { stdout } = await cli(['status', 'demo']);
    expect(stdout).toContain('  cost:     $0.0466/h ($2.50 since created; prices of 2026-11-01)');
    expect(stdout).toContain('1 × t3.small: $0.0208/h');
    expect(stdout).toContain('Application Load Balancer: $0.0225/h');
  });

  it('set --idle-after changes idleAfter with PATCH; off turns it off; a bad value is refused locally', async () => {
    api.on('PATCH', '/environments/demo', (r) => ({
      status: 200,
      body: { name: 'demo', idleAfter: (r.body as { idleAfter: string | null }).idleAfter, updatedAt: 'x' },
    }));
    const on = await cli(['set', 'demo', '--idle-after', '2h']);
    expect(on.code).toBe(ExitCode.Ok);
    expect(on.stdout).toBe('demo: pauses after 2h without requests\n');
    const off = await cli(['set', 'demo', '--idle-after', 'off']);
    expect(off.stdout).toBe('demo: idle sleep off\n');
    expect(api.requests.map((r) => [r.method, r.body])).toEqual([
      ['PATCH', { idleAfter: '2h' }],
      ['PATCH', { idleAfter: null }],
    ]);
    const bad = await cli(['set', 'demo', '--idle-after', '1m']);
    expect(bad.code).toBe(ExitCode.Usage);
    expect(bad.stderr).toContain(
      '--idle-after must be a duration like 30m, 2h or 1d between 15m and 7d, or off',
    );
    expect(api.requests).toHaveLength(2);
  });

  it('status shows idle sleep when the spec sets idleAfter', async () => {
    api.on('GET', '/environments/demo', {
      status: 200,
      body: { ...envView('succeeded', []).body, spec: { idleAfter: '2h' } },
    });
    const { stdout } = await cli(['status', 'demo']);
    expect(stdout).toContain('  idle:     pauses after 2h without requests');
  });

  it('status --watch prints steps until nothing runs', async () => {
    api.on('GET', '/environments/demo', (_r, n) =>
      n === 1
        ? envView('running', [])
        : envView('succeeded', [{ step: 'ready', status: 'ready', at: '2026-01-01T12:00:30.000Z' }]),
    );
    const { code, stdout } = await cli(['status', 'demo', '--watch']);
    expect(code).toBe(ExitCode.Ok);
    expect(stdout).toMatch(/✓ ready\s+ready\s+\+30s/);
  });

  it('history prints who asked, through which entry point and when, with steps (logs --operations is its alias)', async () => {
    const view = envView('succeeded', [
      { step: 'creating', status: 'creating', at: '2026-01-01T12:00:02.000Z' },
    ]).body.operations[0];
    api.on('GET', '/environments/demo/operations', {
      status: 200,
      body: {
        env: 'demo',
        operations: [
          {
            ...view,
            operationId: 'op-2',
            operation: 'down',
            requestedBy: 'berth:nightly',
            entry: 'nightly',
            steps: [],
          },
          { ...view, requestedBy: 'ana', entry: 'cli-local' },
        ],
        nextToken: null,
      },
    });
    for (const args of [
      ['history', 'demo'],
      ['logs', 'demo', '--operations'],
    ]) {
      const { stdout } = await cli(args);
      const lines = stdout.split('\n');
      expect(lines[0]).toBe(
        '2026-01-01T12:00:00.000Z  up succeeded in 1m05s  by ana via cli-local  (operation op-1)',
      );
      expect(stdout).toMatch(/creating\s+creating\s+\+2s/);
      expect(stdout).toContain('down succeeded in 1m05s  by berth:nightly via nightly  (operation op-2)');
    }
    const asked = api.requests.filter((r) => r.path.startsWith('/environments/demo/operations'));
    expect(asked.map((r) => r.path)).toEqual([
      '/environments/demo/operations?limit=20',
      '/environments/demo/operations?limit=20',
    ]);
  });

  it('history --limit reads every page it needs', async () => {
    const view = envView('succeeded', []).body.operations[0];
    api.on('GET', '/environments/demo/operations', (req) => ({
      status: 200,
      body: req.path.includes('nextToken=t2')
        ? { env: 'demo', operations: [{ ...view, operationId: 'old' }], nextToken: 't3' }
        : { env: 'demo', operations: [{ ...view, operationId: 'new' }], nextToken: 't2' },
    }));
    const { stdout, code } = await cli(['history', 'demo', '--limit', '2']);
    expect(code).toBe(ExitCode.Ok);
    expect(stdout.indexOf('(operation old)')).toBeLessThan(stdout.indexOf('(operation new)'));
    const bad = await cli(['history', 'demo', '--limit', '0']);
    expect(bad.code).toBe(ExitCode.Usage);
  });
});

const logLine = (at: string, taskId: string, message: string, eventId = `${at}-${taskId}`) => ({
  timestamp: at,
  taskId,
  stream: `app/app/${taskId}`,
  message,
  eventId,
});

describe('berth logs', () => {
  it('prints every page of lines with time and task id, asking for the window and filters given', async () => {
    api.on('GET', '/environments/demo/logs', (req) =>
      req.path.includes('nextToken=p2')
        ? {
            status: 200,
            body: {
              env: 'demo',
              group: '/berth/demo',
              lines: [logLine('2026-01-01T12:00:03.000Z', 'b', 'GET /x 200 2ms')],
              nextToken: null,
            },
          }
        : {
            status: 200,
            body: {
              env: 'demo',
              group: '/berth/demo',
              lines: [
                logLine('2026-01-01T12:00:01.000Z', 'a', 'listening on port 80'),
                logLine('2026-01-01T12:00:02.000Z', 'b', 'GET /x 200 1ms'),
              ],
              nextToken: 'p2',
            },
          },
    );
    const { code, stdout } = await cli([
      'logs',
      'demo',
      '--since',
      '2h',
      '--task',
      'b',
      '--filter',
      'GET /x',
    ]);
    expect(code).toBe(ExitCode.Ok);
    expect(stdout).toBe(
      [
        '2026-01-01T12:00:01.000Z a listening on port 80',
        '2026-01-01T12:00:02.000Z b GET /x 200 1ms',
        '2026-01-01T12:00:03.000Z b GET /x 200 2ms',
        '',
      ].join('\n'),
    );
    expect(api.requests.map((r) => r.path)).toEqual([
      '/environments/demo/logs?since=2h&task=b&filter=GET+%2Fx',
      '/environments/demo/logs?since=2h&task=b&filter=GET+%2Fx&nextToken=p2',
    ]);
  });

  it('prints JSON lines with --json', async () => {
    const line = logLine('2026-01-01T12:00:01.000Z', 'a', 'hello');
    api.on('GET', '/environments/demo/logs', {
      status: 200,
      body: { env: 'demo', group: '/berth/demo', lines: [line], nextToken: null },
    });
    const { stdout } = await cli(['--json', 'logs', 'demo']);
    expect(JSON.parse(stdout)).toEqual([line]);
  });

  it('--follow polls from the newest time seen, prints only new lines, and stops on Ctrl-C', async () => {
    const first = logLine('2026-01-01T12:00:01.000Z', 'a', 'one');
    const second = logLine('2026-01-01T12:00:05.000Z', 'b', 'two');
    const controller = new AbortController();
    // Like the API: lines at or after `since` (an ISO time once following); `second` arrives later.
    let n = 0;
    api.on('GET', '/environments/demo/logs', (req) => {
      n += 1;
      if (n >= 3) controller.abort();
      const since = new URL(req.path, api.url).searchParams.get('since') ?? '';
      const written = n === 1 ? [first] : [first, second];
      const lines = since.includes('T') ? written.filter((l) => l.timestamp >= since) : written;
      return { status: 200, body: { env: 'demo', group: '/berth/demo', lines, nextToken: null } };
    });
    const t = testIo();
    const code = await run(['--api', api.url, 'logs', 'demo', '--follow'], {
      ...t.io,
      signal: controller.signal,
    });
    expect(code).toBe(ExitCode.Aborted);
    expect(t.stdout()).toBe('2026-01-01T12:00:01.000Z a one\n2026-01-01T12:00:05.000Z b two\n');
    expect(api.requests.map((r) => decodeURIComponent(r.path))).toEqual([
      '/environments/demo/logs?since=10m',
      '/environments/demo/logs?since=2026-01-01T12:00:01.000Z',
      '/environments/demo/logs?since=2026-01-01T12:00:05.000Z',
    ]);
  });

  it.each([
    [
      ['--since', 'yesterday'],
      '--since must be a duration like 30s, 10m, 2h, 1d or 1w, or an ISO time (got "yesterday")',
    ],
    [['--task', 'a/b'], '--task must be a task id (got "a/b")'],
    [['--filter', ' '], '--filter must not be empty'],
  ])('exits 2 for bad arguments %j', async (args, message) => {
    const { code, stderr } = await cli(['logs', 'demo', ...args]);
    expect(code).toBe(ExitCode.Usage);
    expect(stderr).toBe(`berth: ${message}\n`);
    expect(api.requests).toEqual([]);
  });
});

describe('berth errors', () => {
  it('exits 5 when the API is unreachable', async () => {
    const t = testIo();
    const code = await run(['--api', 'http://127.0.0.1:1', 'ls'], t.io);
    expect(code).toBe(ExitCode.Unreachable);
    expect(t.stderr()).toContain('cannot reach the Berth API at http://127.0.0.1:1');
  });

  it('exits 2 for an unknown command', async () => {
    const { code, stderr } = await cli(['launch']);
    expect(code).toBe(ExitCode.Usage);
    expect(stderr).toContain("unknown command 'launch'");
  });

  it('prints the error as JSON with --json', async () => {
    api.on('GET', '/environments/ghost', {
      status: 404,
      body: { error: 'NotFoundError', message: 'no ghost' },
    });
    const { code, stdout } = await cli(['--json', 'status', 'ghost']);
    expect(code).toBe(ExitCode.NotFound);
    expect(JSON.parse(stdout)).toMatchObject({ error: 'NotFoundError: no ghost', exitCode: 3 });
  });

  it('exits 1 and names the request id for an internal error', async () => {
    api.on('GET', '/environments/demo', { status: 500, body: { error: 'InternalError', requestId: 'r-9' } });
    const { code, stderr } = await cli(['status', 'demo']);
    expect(code).toBe(ExitCode.OperationFailed);
    expect(stderr).toContain('berth: InternalError: HTTP 500 (request r-9)');
  });
});
