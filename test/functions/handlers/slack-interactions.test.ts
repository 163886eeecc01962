import { beforeEach, describe, expect, it } from 'vitest';
import { parseAccessPolicy } from '../../../functions/core/access-policy.ts';
import { slackSignature } from '../../../functions/core/slack-signature.ts';
import type { HttpPoster } from '../../../functions/handlers/http/http-poster.ts';
import { makeHandler } from '../../../functions/handlers/slack.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const SECRET = 'test-signing-secret';
const NOW = new Date('2026-01-01T12:00:00.000Z');
const TS = String(NOW.getTime() / 1000);
const RESPONSE_URL = 'https://hooks.slack.com/actions/T001/1/abc';

let registry: FakeRegistry;
let executions: FakeExecutions;
let posts: { url: string; body: any }[];
let handler: ReturnType<typeof makeHandler>;

const poster: HttpPoster = {
  async postJson(url, body) {
    posts.push({ url, body });
    return { status: 200 };
  },
};

const build = (extra: Record<string, unknown> = {}) =>
  makeHandler({
    registry,
    executions,
    secrets: { getSlackSigningSecret: async () => SECRET },
    clock: { now: () => NOW },
    logger: { error: () => {} },
    poster,
    ...extra,
  });

beforeEach(() => {
  registry = new FakeRegistry();
  executions = new FakeExecutions();
  posts = [];
  registry.environments.set('demo', readyEnv('demo', { owner: 'slack:T001/U123' }));
  handler = build();
});

/** A `block_actions` payload as Slack sends it for a click on one of Berth's buttons. */
const click = (actionId: string, env = 'demo', extra: Record<string, unknown> = {}) =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      team: { id: 'T001', domain: 'acme' },
      user: { id: 'U123', username: 'ana', team_id: 'T001' },
      channel: { id: 'C001', name: 'previews' },
      api_app_id: 'A001',
      trigger_id: `trigger-${actionId}-${env}`,
      response_url: RESPONSE_URL,
      container: { type: 'message', message_ts: '1767268800.000100', channel_id: 'C001' },
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: `berth_actions_${env}`,
          value: env,
          action_ts: '1767268801.000200',
        },
      ],
      ...extra,
    }),
  }).toString();

const interactionEvent = (body: string, options: { ts?: string; signature?: string } = {}) => {
  const ts = options.ts ?? TS;
  return apiEvent('POST', '/slack/interactions', {
    rawBody: body,
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': ts,
      'X-Slack-Signature': options.signature ?? slackSignature(SECRET, ts, body),
    },
  });
};

describe('POST /slack/interactions', () => {
  it('extends by 8 h on a valid click and turns the message into its progress', async () => {
    const result = await handler(interactionEvent(click('berth_extend')));
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('');
    expect(executions.started).toHaveLength(1);
    expect(executions.started[0]?.input).toMatchObject({
      operation: 'extend',
      env: 'demo',
      hours: 8,
      requestedBy: 'slack:T001/U123',
      entry: 'slack',
      responseUrl: RESPONSE_URL,
      slackMessage: 'replace',
    });
    expect(executions.started[0]?.input.requestId).toMatch(/^slack-i-[0-9a-f]{24}$/);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.url).toBe(RESPONSE_URL);
    expect(posts[0]?.body).toMatchObject({ replace_original: true, response_type: 'in_channel' });
    expect(posts[0]?.body.text).toMatch(
      /^:hourglass_flowing_sand: Extending by 8 h `demo` — operation `slack-i-/,
    );
  });

  it.each([
    ['berth_keep', { operation: 'extend', keep: true }],
    ['berth_redeploy', { operation: 'redeploy' }],
    ['berth_down', { operation: 'down' }],
  ])('starts what %s asks for', async (actionId, expected) => {
    await handler(interactionEvent(click(actionId)));
    expect(executions.started[0]?.input).toMatchObject({ env: 'demo', ...expected });
    expect(executions.started[0]?.input).not.toHaveProperty('hours');
  });

  it("refuses a click whose response_url is not on Slack's hooks host (400), posting and starting nothing", async () => {
    const result = await handler(
      interactionEvent(click('berth_extend', 'demo', { response_url: 'https://hooks.example.test/x' })),
    );
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({
      error: 'ValidationError',
      field: 'payload.response_url',
    });
    expect(executions.started).toHaveLength(0);
    expect(posts).toHaveLength(0);
  });

  it('accepts a click signed with a rotated secret: the cached one is re-read once', async () => {
    let reads = 0;
    const rotated = build({
      secrets: {
        getSlackSigningSecret: async () => 'old-secret',
        refreshSlackSigningSecret: async () => {
          reads += 1;
          return SECRET;
        },
      },
    });
    const result = await rotated(interactionEvent(click('berth_extend')));
    expect(result.statusCode).toBe(200);
    expect(reads).toBe(1);
    expect(executions.started).toHaveLength(1);
  });

  it('refuses a forged signature with 401 and does nothing', async () => {
    const body = click('berth_down');
    const result = await handler(interactionEvent(body, { signature: slackSignature('wrong', TS, body) }));
    expect(result.statusCode).toBe(401);
    expect(parse(result)).toEqual({ error: 'UnauthorizedError', message: 'invalid Slack signature' });
    expect(executions.started).toHaveLength(0);
    expect(posts).toHaveLength(0);
  });

  it('refuses a stale request (timestamp more than 5 minutes old) with 401 and does nothing', async () => {
    const stale = String(Number(TS) - 301);
    const result = await handler(interactionEvent(click('berth_down'), { ts: stale }));
    expect(result.statusCode).toBe(401);
    expect(parse(result)).toEqual({
      error: 'UnauthorizedError',
      message: 'stale Slack request: timestamp is more than 300 s from now',
    });
    expect(executions.started).toHaveLength(0);
    expect(posts).toHaveLength(0);
  });

  it('acts once on a replayed click: the same request is refused, a re-signed copy starts nothing new', async () => {
    const body = click('berth_extend');
    expect((await handler(interactionEvent(body))).statusCode).toBe(200);
    const replay = await handler(interactionEvent(body));
    expect(replay.statusCode).toBe(401);
    expect(parse(replay)).toEqual({ error: 'UnauthorizedError', message: 'replayed Slack request' });
    // The same payload signed again a second later (as an attacker holding a copy, or Slack's retry, would).
    const later = String(Number(TS) + 1);
    const resigned = await handler(interactionEvent(body, { ts: later }));
    expect(resigned.statusCode).toBe(200);
    expect(executions.started).toHaveLength(1);
    // The message already shows the operation: no second progress post (Slack allows 5 per response_url).
    expect(posts).toHaveLength(1);
  });

  it('refuses a clicker outside the policy with an ephemeral reply and starts nothing', async () => {
    handler = build({
      policy: async () =>
        parseAccessPolicy({
          bindings: [{ role: 'deployer', slack: { teams: ['T001'], users: ['U999'] } }],
        }),
      denialLogger: () => {},
    });
    const result = await handler(interactionEvent(click('berth_down')));
    expect(result.statusCode).toBe(200);
    expect(executions.started).toHaveLength(0);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toMatchObject({ replace_original: false, response_type: 'ephemeral' });
    expect(posts[0]?.body.text).toMatch(/^Not allowed: /);
  });

  it('answers a busy environment ephemerally without touching the message', async () => {
    registry.locks.set('demo', {
      token: 'lock-other',
      operationId: 'other',
      operation: 'scale',
      expiresAt: Number(TS) + 600,
    });
    await handler(interactionEvent(click('berth_redeploy')));
    expect(executions.started).toHaveLength(0);
    expect(posts[0]?.body).toMatchObject({ replace_original: false, response_type: 'ephemeral' });
    expect(posts[0]?.body.text).toBe(
      'Cannot redeploy `demo`: environment "demo" is busy: scale other is running',
    );
  });

  it.each([
    ['not JSON', 'payload=%7Bnope', 'payload: must be JSON'],
    [
      'an unknown button',
      click('berth_explode'),
      'payload.actions[0].action_id: must be one of berth_extend, berth_keep, berth_redeploy, berth_pause, berth_resume, berth_down (got "berth_explode")',
    ],
    [
      'a bad environment name',
      click('berth_extend', 'Bad_Name'),
      'payload.actions[0].value: must be an environment name',
    ],
    [
      'another payload type',
      click('berth_extend', 'demo', { type: 'view_submission' }),
      'payload.type: must be block_actions (got "view_submission")',
    ],
  ])('answers 400 naming the field for %s', async (_what, body, message) => {
    const result = await handler(interactionEvent(body));
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({ error: 'ValidationError', message });
    expect(executions.started).toHaveLength(0);
  });
});

describe('status buttons', () => {
  const command = (text: string) =>
    new URLSearchParams({
      command: '/berth',
      text,
      team_id: 'T001',
      channel_id: 'C001',
      user_id: 'U123',
      response_url: RESPONSE_URL,
      trigger_id: 'trig-status',
    }).toString();

  it('answers status with cost, a logs link and the action buttons', async () => {
    registry.environments.set(
      'demo',
      readyEnv('demo', {
        usage: {
          resources: {
            region: 'us-east-1',
            instances: [{ type: 't3.small', count: 1 }],
            loadBalancer: { mode: 'dedicated' },
          },
          observedAt: '2026-01-01T10:00:00.000Z',
          accruedUsd: 0,
        },
      }),
    );
    handler = build({ logsUrl: (env: string) => `http://127.0.0.1:4568/environments/${env}/logs` });
    const body = command('status demo');
    const result = parse(
      await handler(
        apiEvent('POST', '/slack/commands', {
          rawBody: body,
          headers: { 'X-Slack-Request-Timestamp': TS, 'X-Slack-Signature': slackSignature(SECRET, TS, body) },
        }),
      ),
    );
    const blocks = result['blocks'] as any[];
    const text = JSON.stringify(blocks);
    // 2 h × $0.046588/h since it was seen running
    expect(text).toContain('*Cost*\\n$0.0466/h · $0.0932 since created');
    expect(text).toContain('<http://127.0.0.1:4568/environments/demo/logs|demo logs>');
    const actions = blocks.find((b) => b.type === 'actions');
    // The lifecycle has pause and resume: a ready environment offers Pause.
    expect(actions.elements.map((e: any) => e.action_id)).toEqual([
      'berth_extend',
      'berth_keep',
      'berth_redeploy',
      'berth_pause',
      'berth_down',
    ]);
    const down = actions.elements.find((e: any) => e.action_id === 'berth_down');
    expect(down).toMatchObject({
      style: 'danger',
      value: 'demo',
      confirm: { confirm: { text: 'Tear down' } },
    });
    expect(executions.started).toHaveLength(0);
  });

  it('offers Resume instead of Pause on a paused environment', async () => {
    registry.environments.set(
      'demo',
      readyEnv('demo', {
        status: 'paused',
        paused: { at: '2026-01-01T10:00:00.000Z', desiredCount: 1 },
      }),
    );
    const body = command('status demo');
    const result = parse(
      await handler(
        apiEvent('POST', '/slack/commands', {
          rawBody: body,
          headers: { 'X-Slack-Request-Timestamp': TS, 'X-Slack-Signature': slackSignature(SECRET, TS, body) },
        }),
      ),
    );
    const actions = (result['blocks'] as any[]).find((b) => b.type === 'actions');
    const ids = actions.elements.map((e: any) => e.action_id);
    expect(ids).toContain('berth_resume');
    expect(ids).not.toContain('berth_pause');
  });
});
