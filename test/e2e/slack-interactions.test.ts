import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type E2EPlatform,
  eventually,
  slackHeaders,
  spec,
  startE2EPlatform,
  startReceiver,
} from './helpers/platform.ts';

/** A `block_actions` payload for a click on a button of a message (as Slack sends it). */
function click(actionId: string, env: string, responseUrl: string, triggerId: string): string {
  return new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      team: { id: 'T0001', domain: 'acme' },
      user: { id: 'U0001', username: 'alice', team_id: 'T0001' },
      channel: { id: 'C0001', name: 'previews' },
      trigger_id: triggerId,
      response_url: responseUrl,
      actions: [{ type: 'button', action_id: actionId, value: env, action_ts: `${Date.now() / 1000}` }],
    }),
  }).toString();
}

/**
 * An expiry warning followed by an Extend click, end to end on the local platform: the scheduled check posts the
 * warning to the channel webhook with Extend and Keep buttons (once per expiry), the click is verified and starts the
 * extend, the message is replaced by its progress and then by its result, and the expiry moves by 8 h.
 */
describe('Slack expiry warning and Extend click end to end', () => {
  let e2e: E2EPlatform;
  let channel: Awaited<ReturnType<typeof startReceiver>>;
  let message: Awaited<ReturnType<typeof startReceiver>>;
  let expiresAt: string;

  beforeAll(async () => {
    channel = await startReceiver();
    message = await startReceiver();
    e2e = await startE2EPlatform({
      env: { BERTH_NOTIFY_WEBHOOK_URL: channel.url, BERTH_EXPIRY_WARNING_HOURS: '2' },
      expiryCheckSeconds: 0,
    });
    const up = await e2e.api('POST', '/environments', spec('expiring', { ttl: '1h' }));
    expect(up.status, up.text).toBe(202);
    expect((await e2e.waitForExecution(up.body.executionArn)).status).toBe('SUCCEEDED');
    expiresAt = (await e2e.api('GET', '/environments/expiring')).body.expiresAt;
    channel.messages.length = 0; // the up's own result notification
  });

  afterAll(async () => {
    await channel?.stop();
    await message?.stop();
    await e2e?.stop();
  });

  it('warns once per expiry, in the channel, with Extend and Keep buttons', async () => {
    const first = (await e2e.platform.scheduler.run('expiry-warnings')) as any;
    expect(first.warned).toEqual([{ env: 'expiring', expiresAt, delivered: true }]);
    expect(channel.messages).toHaveLength(1);
    const warning = channel.messages[0];
    expect(warning.text).toMatch(/^:alarm_clock: `expiring` expires in 1 h /);
    const actions = warning.blocks.find((b: any) => b.type === 'actions');
    expect(actions.elements.map((e: any) => [e.action_id, e.value])).toEqual([
      ['berth_extend', 'expiring'],
      ['berth_keep', 'expiring'],
    ]);
    const again = (await e2e.platform.scheduler.run('expiry-warnings')) as any;
    expect(again.warned).toEqual([]);
    expect(channel.messages).toHaveLength(1);
  });

  it('extends by 8 h on the Extend click and updates the warning in place', async () => {
    const body = click('berth_extend', 'expiring', message.url, 'trigger-extend-1');
    const response = await e2e.api('POST', '/slack/interactions', body, slackHeaders(body));
    expect(response.status, response.text).toBe(200);
    // Progress, then the result: both replace the warning (two posts to its response_url).
    const [progress, result] = await eventually(async () =>
      message.messages.length >= 2 ? message.messages : false,
    );
    expect(progress).toMatchObject({ replace_original: true });
    expect(progress.text).toMatch(
      /^:hourglass_flowing_sand: Extending by 8 h `expiring` — operation `slack-i-/,
    );
    expect(result).toMatchObject({
      replace_original: true,
      response_type: 'in_channel',
      text: ':white_check_mark: extend of expiring succeeded',
    });
    const described = await e2e.api('GET', '/environments/expiring');
    expect(Date.parse(described.body.expiresAt) - Date.parse(expiresAt)).toBe(8 * 3600 * 1000);
    expect(message.messages).toHaveLength(2);
  });

  it('acts once when the same click arrives again signed anew', async () => {
    const before = (await e2e.api('GET', '/environments/expiring')).body.expiresAt;
    const body = click('berth_extend', 'expiring', message.url, 'trigger-extend-1');
    const response = await e2e.api('POST', '/slack/interactions', body, slackHeaders(body));
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await e2e.api('GET', '/environments/expiring')).body.expiresAt).toBe(before);
    expect(message.messages).toHaveLength(2);
  });

  it('refuses a forged click and a stale one with 401', async () => {
    const body = click('berth_down', 'expiring', message.url, 'trigger-down-1');
    const forged = await e2e.api('POST', '/slack/interactions', body, slackHeaders(body, 'not-the-secret'));
    expect(forged.status).toBe(401);
    expect(forged.body).toEqual({ error: 'UnauthorizedError', message: 'invalid Slack signature' });
    const stale = await e2e.api(
      'POST',
      '/slack/interactions',
      body,
      slackHeaders(body, undefined, Math.floor(Date.now() / 1000) - 400),
    );
    expect(stale.status).toBe(401);
    expect(stale.body.message).toBe('stale Slack request: timestamp is more than 300 s from now');
    expect((await e2e.api('GET', '/environments/expiring')).body.status).toBe('ready');
  });
});
