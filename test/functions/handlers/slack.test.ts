import { beforeEach, describe, expect, it } from 'vitest';
import { parseAccessPolicy } from '../../../functions/core/access-policy.ts';
import { slackSignature } from '../../../functions/core/slack-signature.ts';
import { makeHandler, ReplayCache, SLACK_HELP, slackRequestId } from '../../../functions/handlers/slack.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const SECRET = 'test-signing-secret';
const NOW = new Date('2026-01-01T12:00:00.000Z');
const TS = String(NOW.getTime() / 1000);

let registry: FakeRegistry;
let executions: FakeExecutions;
let handler: ReturnType<typeof makeHandler>;

beforeEach(() => {
  registry = new FakeRegistry();
  executions = new FakeExecutions();
  registry.environments.set('demo', readyEnv('demo'));
  handler = makeHandler({
    registry,
    executions,
    secrets: { getSlackSigningSecret: async () => SECRET },
    clock: { now: () => NOW },
    logger: { error: () => {} },
  });
});

const form = (text: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({
    command: '/berth',
    text,
    team_id: 'T001',
    channel_id: 'C001',
    user_id: 'U123',
    user_name: 'ana',
    response_url: 'https://hooks.slack.com/commands/1',
    trigger_id: `trig-${text}`,
    ...extra,
  }).toString();

const slackEvent = (
  body: string,
  options: {
    ts?: string;
    signature?: string | null;
    base64?: boolean;
    headers?: Record<string, string>;
  } = {},
) => {
  const ts = options.ts ?? TS;
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    'X-Slack-Request-Timestamp': ts,
    ...options.headers,
  };
  if (options.signature !== null)
    headers['X-Slack-Signature'] = options.signature ?? slackSignature(SECRET, ts, body);
  return apiEvent('POST', '/slack/commands', { rawBody: body, base64: options.base64 ?? false, headers });
};

const expectUnauthorized = async (event: ReturnType<typeof slackEvent>, message: string) => {
  const result = await handler(event);
  expect(result.statusCode).toBe(401);
  expect(parse(result)).toEqual({ error: 'UnauthorizedError', message });
  expect(executions.started).toHaveLength(0);
  expect(registry.writes).toBe(0);
};

describe('slack signature checks', () => {
  it('starts the operation for a valid signature and acknowledges ephemerally', async () => {
    const result = await handler(slackEvent(form('down demo')));
    expect(result.statusCode).toBe(200);
    const body = parse(result);
    expect(body['response_type']).toBe('ephemeral');
    expect(body['text']).toMatch(
      /^Tearing down `demo` — operation `slack-t-[0-9a-f]{24}`\. I'll post progress here\.$/,
    );
    expect(executions.started).toHaveLength(1);
    expect(executions.started[0]?.input).toMatchObject({
      operation: 'down',
      env: 'demo',
      requestedBy: 'slack:T001/U123',
      responseUrl: 'https://hooks.slack.com/commands/1',
    });
  });

  it('verifies the decoded raw body when API Gateway base64-encodes it', async () => {
    const body = form('down demo');
    const event = slackEvent(body, { base64: true, signature: slackSignature(SECRET, TS, body) });
    expect(event.body).not.toContain('demo');
    const result = await handler(event);
    expect(result.statusCode).toBe(200);
    expect(executions.started).toHaveLength(1);
  });

  it('rejects a forged signature', async () => {
    await expectUnauthorized(
      slackEvent(form('down demo'), { signature: `v0=${'0'.repeat(64)}` }),
      'invalid Slack signature',
    );
  });

  it('rejects a body changed after signing', async () => {
    const event = slackEvent(form('down demo'), { signature: slackSignature(SECRET, TS, form('up demo')) });
    await expectUnauthorized(event, 'invalid Slack signature');
  });

  it('rejects a stale timestamp with its own message', async () => {
    const old = String(Number(TS) - 301);
    await expectUnauthorized(
      slackEvent(form('down demo'), { ts: old }),
      'stale Slack request: timestamp is more than 300 s from now',
    );
  });

  it('rejects missing signature headers', async () => {
    await expectUnauthorized(
      slackEvent(form('down demo'), { signature: null }),
      'missing Slack signature headers',
    );
  });

  it('rejects a replay of the same timestamp and signature', async () => {
    const event = slackEvent(form('down demo'));
    expect((await handler(event)).statusCode).toBe(200);
    const replay = await handler(event);
    expect(replay.statusCode).toBe(401);
    expect(parse(replay)).toEqual({ error: 'UnauthorizedError', message: 'replayed Slack request' });
    expect(executions.started).toHaveLength(1);
  });

  it('answers a Slack retry without starting a second execution', async () => {
    const body = form('down demo');
    await handler(slackEvent(body));
    const retry = await handler(slackEvent(body, { headers: { 'X-Slack-Retry-Num': '1' } }));
    expect(retry.statusCode).toBe(200);
    expect(executions.started).toHaveLength(1);
  });

  it('answers a retry signed with a later timestamp without starting a second execution', async () => {
    const body = form('down demo');
    await handler(slackEvent(body));
    const retry = await handler(slackEvent(body, { ts: String(Number(TS) + 5) }));
    expect(retry.statusCode).toBe(200);
    expect(parse(retry)['text']).toBe(
      parse(await handler(slackEvent(body, { ts: String(Number(TS) + 9) })))['text'],
    );
    expect(executions.started).toHaveLength(1);
  });
});

describe('slack commands', () => {
  it('answers an unknown command with the help and starts nothing', async () => {
    const body = parse(await handler(slackEvent(form('launch demo'))));
    expect(body).toEqual({ response_type: 'ephemeral', text: `Unknown command "launch".\n\n${SLACK_HELP}` });
    expect(executions.started).toHaveLength(0);
  });

  it('answers help', async () => {
    expect(parse(await handler(slackEvent(form('help'))))['text']).toBe(SLACK_HELP);
  });

  it('explains a bad argument with the usage', async () => {
    const body = parse(await handler(slackEvent(form('extend demo lots'))));
    expect(body['text']).toBe('hours: must be an integer from 1 to 720; usage: /berth extend <env> <hours>');
    expect(executions.started).toHaveLength(0);
  });

  it('redeploys with an image', async () => {
    await handler(slackEvent(form('redeploy demo nginx:1.28')));
    expect(executions.started[0]?.input).toMatchObject({ operation: 'redeploy', image: 'nginx:1.28' });
  });

  it('extends by hours', async () => {
    const body = parse(await handler(slackEvent(form('extend demo 4'))));
    expect(body['text']).toMatch(/^Extending `demo` by 4 h/);
    expect(executions.started[0]?.input).toMatchObject({ operation: 'extend', hours: 4 });
  });

  it('pauses an environment', async () => {
    const body = parse(await handler(slackEvent(form('pause demo'))));
    expect(body['text']).toMatch(/^Pausing `demo` — operation/);
    expect(executions.started[0]?.input).toMatchObject({ operation: 'pause', env: 'demo' });
  });

  it('answers resume of an environment that is not paused with the reason, starting nothing', async () => {
    const body = parse(await handler(slackEvent(form('resume demo'))));
    expect(body['text']).toBe(
      'Cannot resume `demo`: environment "demo" is not paused (status ready); nothing to resume',
    );
    expect(executions.started).toHaveLength(0);
  });

  it('re-runs up with the stored spec', async () => {
    await handler(slackEvent(form('up demo')));
    expect(executions.started[0]?.input).toMatchObject({ operation: 'up', spec: { image: 'nginx:1.27' } });
  });

  it('answers up of an unknown environment with an error and starts nothing', async () => {
    const body = parse(await handler(slackEvent(form('up ghost'))));
    expect(body['text']).toBe(
      'No environment named `ghost` with a stored spec. Create it with `berth up` or the API first.',
    );
    expect(executions.started).toHaveLength(0);
  });

  it('answers down of an unknown environment with the not-found reason', async () => {
    const body = parse(await handler(slackEvent(form('down ghost'))));
    expect(body['text']).toBe('Cannot down `ghost`: environment "ghost" does not exist');
  });

  it('answers a busy environment without starting', async () => {
    registry.locks.set('demo', {
      token: 'lock-op-1',
      operationId: 'op-1',
      operation: 'up',
      expiresAt: Number(TS) + 60,
    });
    const body = parse(await handler(slackEvent(form('down demo'))));
    expect(body['text']).toBe('Cannot down `demo`: environment "demo" is busy: up op-1 is running');
    expect(executions.started).toHaveLength(0);
  });

  it('counts a current operation as running for the configured lock TTL, not the default', async () => {
    // Started 3 h ago without a lock item: past the 2 h default, within the configured 4 h.
    registry.environments.set(
      'demo',
      readyEnv('demo', {
        currentOperation: { operationId: 'op-3', operation: 'up', startedAt: '2026-01-01T09:00:00Z' },
      }),
    );
    const configured = makeHandler({
      registry,
      executions,
      secrets: { getSlackSigningSecret: async () => SECRET },
      clock: { now: () => NOW },
      logger: { error: () => {} },
      lockTtlSeconds: 4 * 3600,
    });
    const body = parse(await configured(slackEvent(form('down demo'))));
    expect(body['text']).toBe('Cannot down `demo`: environment "demo" is busy: up op-3 is running');
    expect(executions.started).toHaveLength(0);
  });

  it('answers status inline with Block Kit', async () => {
    registry.environments.set(
      'demo',
      readyEnv('demo', {
        currentOperation: {
          operationId: 'op-2',
          operation: 'scale',
          step: 'VerifyScale',
          startedAt: '2026-01-01T11:59:00Z',
        },
        lastFailure: {
          operation: 'redeploy',
          step: 'VerifyRedeploy',
          error: 'UnhealthyError',
          reason: '0 of 1 healthy',
          at: 'x',
        },
      }),
    );
    const body = parse(await handler(slackEvent(form('status demo'))));
    expect(body['text']).toBe('demo: ready — http://berth-demo-alb-1.us-east-1.elb.localhost');
    const blocks = JSON.stringify(body['blocks']);
    expect(blocks).toContain('*Expires*\\n2026-01-02T00:00:00.000Z');
    expect(blocks).toContain('step `VerifyScale`');
    expect(blocks).toContain('*Last failure:* redeploy at step `VerifyRedeploy`: 0 of 1 healthy');
    expect(executions.started).toHaveLength(0);
  });

  it('answers status of an unknown environment', async () => {
    expect(parse(await handler(slackEvent(form('status ghost'))))['text']).toBe(
      'No environment named `ghost`.',
    );
  });
});

describe('slack helpers', () => {
  it('derives the request id from the trigger id, whatever the timestamp', () => {
    expect(slackRequestId('1700000000', 't1', 'a')).toBe(slackRequestId('1700000099', 't1', 'b'));
    expect(slackRequestId('1700000000', 't1', 'a')).not.toBe(slackRequestId('1700000000', 't2', 'a'));
    expect(slackRequestId('1700000000', 't1', 'a')).toMatch(/^slack-t-[0-9a-f]{24}$/);
  });

  it('derives the request id from the timestamp and body without a trigger id', () => {
    expect(slackRequestId('1700000000', undefined, 'a')).toMatch(/^slack-1700000000-[0-9a-f]{24}$/);
    expect(slackRequestId('1700000000', undefined, 'a')).not.toBe(
      slackRequestId('1700000001', undefined, 'a'),
    );
  });

  it('forgets replay keys after the window and bounds its size', () => {
    const cache = new ReplayCache(2);
    expect(cache.remember('a', 0)).toBe(true);
    expect(cache.remember('a', 10)).toBe(false);
    expect(cache.remember('a', 601)).toBe(true);
    cache.remember('b', 601);
    cache.remember('c', 601);
    expect(cache.remember('a', 601)).toBe(true);
  });
});

describe('slack authorization (docs/security.md)', () => {
  const POLICY = parseAccessPolicy({
    version: 1,
    bindings: [
      { role: 'deployer', slack: { teams: ['T001'], channels: ['C001'] } },
      { role: 'viewer', slack: { teams: ['T001'] } },
    ],
    images: { allow: ['docker.io/library/nginx'] },
  });
  let denials: Record<string, unknown>[];

  beforeEach(() => {
    denials = [];
    registry.environments.set('mine', readyEnv('mine', { owner: 'slack:T001/U123' }));
    handler = makeHandler({
      registry,
      executions,
      secrets: { getSlackSigningSecret: async () => SECRET },
      clock: { now: () => NOW },
      logger: { error: () => {} },
      policy: async () => POLICY,
      denialLogger: (entry) => denials.push(entry),
    });
  });

  const expectRefused = async (body: string, reason: RegExp) => {
    const result = await handler(slackEvent(body));
    expect(result.statusCode).toBe(200);
    const reply = parse(result);
    expect(reply['response_type']).toBe('ephemeral');
    expect(reply['text']).toMatch(/^Not allowed: /);
    expect(reply['text']).toMatch(reason);
    expect(executions.started).toHaveLength(0);
    expect(registry.writes).toBe(0);
    expect(denials).toHaveLength(1);
  };

  it.each([
    ['a team', { team_id: 'T999' }],
    ['a user of another team', { team_id: 'T999', user_id: 'U123' }],
  ])('refuses %s outside the policy, starting nothing', async (_what, extra) => {
    await expectRefused(form('extend mine 2', extra), /no binding of the access policy names this caller/);
  });

  it('refuses a channel outside the deployer binding (a viewer there) a mutation', async () => {
    await expectRefused(form('extend mine 2', { channel_id: 'C999' }), /role is viewer/);
  });

  it('refuses a deployer tearing down someone else’s environment', async () => {
    await expectRefused(
      form('down demo'),
      /only an admin may tear down an environment it does not own \(owner: ana\)/,
    );
  });

  it('refuses a redeploy to an image outside the allowed patterns, listing them', async () => {
    await expectRefused(
      form('redeploy mine redis:7'),
      /image redis:7 is not allowed \(allowed: docker\.io\/library\/nginx\)/,
    );
  });

  it('lets a deployer change its own environment, recording the Slack identity', async () => {
    const result = await handler(slackEvent(form('extend mine 2')));
    expect(parse(result)['text']).toMatch(/^Extending `mine` by 2 h/);
    expect(executions.started[0]?.input).toMatchObject({ requestedBy: 'slack:T001/U123' });
  });

  it('refuses a request that names no team', async () => {
    const body = new URLSearchParams({ command: '/berth', text: 'down mine', user_id: 'U123' }).toString();
    const result = await handler(slackEvent(body));
    expect(parse(result)['text']).toMatch(/cannot tell who is asking/);
    expect(executions.started).toHaveLength(0);
  });
});

describe('slack response_url and signing-secret rotation', () => {
  it.each([
    'https://hooks.example.test/commands/1',
    'http://hooks.slack.com/commands/1',
    'https://hooks.slack.com.evil.example/commands/1',
    'https://user:pw@hooks.slack.com/commands/1',
    'not a url',
  ])('refuses response_url %s and starts nothing', async (responseUrl) => {
    const result = await handler(slackEvent(form('down demo', { response_url: responseUrl })));
    expect(result.statusCode).toBe(200);
    expect(parse(result)['text']).toMatch(
      /only answers through Slack's response URLs \(https:\/\/hooks\.slack\.com\)/,
    );
    expect(executions.started).toHaveLength(0);
    expect(registry.writes).toBe(0);
  });

  it('accepts the origins it is configured with (the local platform: loopback receivers)', async () => {
    const local = makeHandler({
      registry,
      executions,
      secrets: { getSlackSigningSecret: async () => SECRET },
      clock: { now: () => NOW },
      logger: { error: () => {} },
      responseUrlOrigins: ['https://hooks.slack.com', 'http://127.0.0.1:*'],
    });
    const result = await local(slackEvent(form('down demo', { response_url: 'http://127.0.0.1:4599/x' })));
    expect(parse(result)['text']).not.toMatch(/only answers through/);
    expect(executions.started[0]?.input).toMatchObject({ responseUrl: 'http://127.0.0.1:4599/x' });
  });

  it('survives a rotation of the signing secret: re-reads it once on a mismatch, at most every 30 s', async () => {
    const ROTATED = 'rotated-signing-secret';
    let reads = 0;
    let now = NOW;
    const rotating = makeHandler({
      registry,
      executions,
      // The cache still holds the old secret; a fresh read returns the rotated one.
      secrets: {
        getSlackSigningSecret: async () => SECRET,
        refreshSlackSigningSecret: async () => {
          reads += 1;
          return ROTATED;
        },
      },
      clock: { now: () => now },
      logger: { error: () => {} },
    });
    const body = form('down demo');
    const signedWith = (secret: string, text = body) =>
      slackEvent(text, { signature: slackSignature(secret, TS, text) });
    const ok = await rotating(signedWith(ROTATED));
    expect(ok.statusCode).toBe(200);
    expect(executions.started).toHaveLength(1);
    expect(reads).toBe(1);
    // A forged request soon after does not read the secret again.
    const forged = await rotating(signedWith('forged', form('down demo', { trigger_id: 'x2' })));
    expect(forged.statusCode).toBe(401);
    expect(reads).toBe(1);
    now = new Date(NOW.getTime() + 10_000);
    const forgedAgain = await rotating(signedWith('forged', form('down demo', { trigger_id: 'x3' })));
    expect(forgedAgain.statusCode).toBe(401);
    expect(reads).toBe(1);
    expect(executions.started).toHaveLength(1);
  });
});
