import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type E2EPlatform,
  eventually,
  SLACK_SECRET,
  slackHeaders,
  spec,
  startE2EPlatform,
  startReceiver,
} from './helpers/platform.ts';

function command(text: string, responseUrl: string, triggerId: string): string {
  return new URLSearchParams({
    token: 'legacy-token-unused',
    team_id: 'T0001',
    channel_id: 'C0001',
    user_id: 'U0001',
    user_name: 'alice',
    command: '/berth',
    text,
    response_url: responseUrl,
    trigger_id: triggerId,
  }).toString();
}

describe('Slack slash commands end to end', () => {
  let e2e: E2EPlatform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
    receiver = await startReceiver();
    const up = await e2e.api('POST', '/environments', spec('chat'));
    expect(up.status, up.text).toBe(202);
    expect((await e2e.waitForExecution(up.body.executionArn)).status).toBe('SUCCEEDED');
  });

  afterAll(async () => {
    await receiver?.stop();
    await e2e?.stop();
  });

  async function executionCount(): Promise<number> {
    const listed = await e2e.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: e2e.platform.stateMachines.lifecycle }),
    );
    return listed.executions?.length ?? 0;
  }

  it('redeploys from a signed command and reports through response_url', async () => {
    const body = command('redeploy chat berth/hello:2', receiver.url, '1001.2002');
    const response = await e2e.api('POST', '/slack/commands', body, slackHeaders(body));
    expect(response.status, response.text).toBe(200);
    expect(response.body.response_type).toBe('ephemeral');
    const redeploy = await eventually(async () => {
      const listed = await e2e.clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: e2e.platform.stateMachines.lifecycle }),
      );
      return listed.executions?.find((e) => e.name?.includes('redeploy'));
    });
    const execution = await e2e.waitForExecution(redeploy.executionArn!);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(JSON.parse(execution.input!)).toMatchObject({
      operation: 'redeploy',
      env: 'chat',
      image: 'berth/hello:2',
      responseUrl: receiver.url,
      requestedBy: 'slack:T0001/U0001',
    });
    const message = await eventually(async () =>
      receiver.messages.find((m) => JSON.stringify(m).includes('chat')),
    );
    expect(JSON.stringify(message)).toMatch(/redeploy/i);
    const described = await e2e.api('GET', '/environments/chat');
    const answer = await e2e.throughAlb(described.body.url, '/');
    expect(answer.body).toMatchObject({ image: 'berth/hello:2' });
    // The history records who asked and through which entry point (GET /environments/{name}/operations).
    const history = await e2e.api('GET', '/environments/chat/operations');
    expect(history.status, history.text).toBe(200);
    expect(history.body.operations[0]).toMatchObject({
      operation: 'redeploy',
      status: 'succeeded',
      requestedBy: 'slack:T0001/U0001',
      entry: 'slack',
    });
    expect(history.body.operations.at(-1)).toMatchObject({ operation: 'up', entry: 'cli-local' });
  });

  it('rejects a forged signature and starts nothing', async () => {
    const before = await executionCount();
    const body = command('down chat', receiver.url, '1003.2004');
    const response = await e2e.api(
      'POST',
      '/slack/commands',
      body,
      slackHeaders(body, `${SLACK_SECRET}-forged`),
    );
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'UnauthorizedError', message: 'invalid Slack signature' });
    expect(await executionCount()).toBe(before);
  });

  it('rejects a stale timestamp and starts nothing', async () => {
    const before = await executionCount();
    const body = command('down chat', receiver.url, '1005.2006');
    const stale = Math.floor(Date.now() / 1000) - 600;
    const response = await e2e.api('POST', '/slack/commands', body, slackHeaders(body, SLACK_SECRET, stale));
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('UnauthorizedError');
    expect(response.body.message).toContain('stale Slack request');
    expect(await executionCount()).toBe(before);
  });

  it('rejects a replayed request and starts nothing new', async () => {
    const body = command('extend chat 2', receiver.url, '1007.2008');
    const headers = slackHeaders(body);
    const first = await e2e.api('POST', '/slack/commands', body, headers);
    expect(first.status, first.text).toBe(200);
    const after = await executionCount();
    const replay = await e2e.api('POST', '/slack/commands', body, headers);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'UnauthorizedError', message: 'replayed Slack request' });
    expect(await executionCount()).toBe(after);
  });

  it('leaves nothing behind after down', async () => {
    await e2e.platform.sfn.idle(20_000);
    const down = await e2e.api('DELETE', '/environments/chat');
    expect(down.status, down.text).toBe(202);
    expect((await e2e.waitForExecution(down.body.executionArn)).status).toBe('SUCCEEDED');
    await e2e.assertNothingLeft('chat');
  });
});
