import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdleCheckResult } from '../../functions/handlers/idle-check.ts';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

/**
 * Idle sleep on the local platform (instant profile): an environment with `idleAfter: 15m` that receives requests
 * through its ALB stays running; once its ALB saw no request for 15 minutes the idle check (run directly, as its
 * schedule would) pauses it through the lifecycle, and the next request wakes it. No real minutes pass: the local
 * cloud's clock is moved forward (its metrics are stamped with it), and the check is run with the same time.
 */
let offset = 0;
const MINUTE = 60_000;
let e2e: E2EPlatform;

const check = async (): Promise<IdleCheckResult> =>
  (await e2e.platform.handlers.invoke('idle-check', {
    now: new Date(Date.now() + offset).toISOString(),
  })) as IdleCheckResult;

beforeAll(async () => {
  e2e = await startE2EPlatform({
    cloudNow: () => Date.now() + offset,
    iam: 'enforce',
    idleCheckSeconds: 0,
    expiryCheckSeconds: 0,
  });
});

afterAll(async () => {
  await e2e?.stop();
});

describe('idle sleep', () => {
  let url: string;

  it('refuses an idleAfter shorter than 15 minutes, naming the field', async () => {
    const refused = await e2e.api('POST', '/environments', spec('sleepy', { idleAfter: '5m' }));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('idleAfter');
    expect(refused.text).toContain('must be a duration like 30m, 2h or 1d between 15m and 7d');
  });

  it('brings up an environment with idleAfter, changes it with PATCH, and shows it', async () => {
    await e2e.operate('POST', '/environments', spec('sleepy', { idleAfter: '1h' }));
    const changed = await e2e.api('PATCH', '/environments/sleepy', { idleAfter: '15m' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ name: 'sleepy', idleAfter: '15m' });
    const described = (await e2e.api('GET', '/environments/sleepy')).body;
    expect(described).toMatchObject({ status: 'ready', spec: { idleAfter: '15m' } });
    url = described.url;
  });

  it('does not judge an environment ready for less than idleAfter', async () => {
    const result = await check();
    expect(result.paused).toEqual([]);
    expect(result.skipped).toEqual([
      { env: 'sleepy', reason: expect.stringMatching(/^ready for .+, less than idleAfter 15m$/) },
    ]);
  });

  it('keeps an environment that received requests within idleAfter running', async () => {
    offset = 14 * MINUTE;
    for (let i = 0; i < 3; i += 1) expect((await e2e.throughAlb(url, '/')).status).toBe(200);
    offset = 16 * MINUTE; // ready for 16 minutes; the requests came 2 minutes ago
    const result = await check();
    expect(result.paused).toEqual([]);
    expect(result.active).toEqual([
      {
        env: 'sleepy',
        reason: expect.stringMatching(/^3 request\(s\) through its load balancer in the last 15m/),
      },
    ]);
    expect((await e2e.api('GET', '/environments/sleepy')).body.status).toBe('ready');
  });

  it('pauses it once its load balancer saw no request for idleAfter, recorded as entry idle', async () => {
    offset = 31 * MINUTE; // the last requests are 17 minutes old
    const result = await check();
    expect(result.paused).toEqual([
      {
        env: 'sleepy',
        reason: 'no request through its load balancer for 15m (idleAfter 15m)',
        operationId: expect.stringMatching(/^idle-sleepy-\d+$/),
        executionArn: expect.any(String),
      },
    ]);
    const run = await e2e.waitForExecution(result.paused[0]?.executionArn as string);
    expect(run.status, run.cause).toBe('SUCCEEDED');
    const described = (await e2e.api('GET', '/environments/sleepy')).body;
    expect(described.status).toBe('paused');
    const pause = described.operations.find((op: { operation: string }) => op.operation === 'pause');
    expect(pause).toMatchObject({ requestedBy: 'idle', entry: 'idle' });
    // A paused environment is not judged again.
    expect((await check()).skipped).toEqual([{ env: 'sleepy', reason: 'status is paused, not ready' }]);
  });

  it('wakes on the next request, and the requests that woke it count as activity', async () => {
    const first = await e2e.throughAlb(url, '/');
    expect(first.status).toBe(503);
    expect(String(first.body)).toContain('sleepy is waking up');
    const deadline = Date.now() + 60_000;
    let answer = first;
    while (answer.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await e2e.throughAlb(url, '/');
    }
    expect(answer.status).toBe(200);
    const described = (await e2e.api('GET', '/environments/sleepy')).body;
    const resume = described.operations.find((op: { operation: string }) => op.operation === 'resume');
    await e2e.waitForExecution(resume.executionArn);
    expect((await e2e.api('GET', '/environments/sleepy')).body.status).toBe('ready');
    // The registry's times are real while the check runs 31 minutes ahead: the resumed environment counts as
    // ready for long enough, and is kept running by the requests that woke it (the waking page's included).
    const result = await check();
    expect(result.paused).toEqual([]);
    expect(result.active).toEqual([
      {
        env: 'sleepy',
        reason: expect.stringMatching(/^\d+ request\(s\) through its load balancer in the last 15m/),
      },
    ]);

    const deleted = await e2e.api('DELETE', '/environments/sleepy');
    expect((await e2e.waitForExecution(deleted.body.executionArn)).status).toBe('SUCCEEDED');
    await e2e.assertNothingLeft('sleepy');
  });

  it('calls only what its generated IAM policy allows, and uses each mutating action it is granted', () => {
    const used = e2e.platform.cloud.iam.usage().filter((u) => u.functionName === 'berth-idle-check');
    expect(used.filter((u) => !u.allowed)).toEqual([]);
    expect(used.map((u) => u.action)).toEqual(
      expect.arrayContaining([
        'cloudwatch:GetMetricData',
        'dynamodb:Scan',
        'dynamodb:PutItem',
        'states:StartExecution',
      ]),
    );
  });
});
