import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchPoster } from '../../../functions/handlers/http/http-poster.ts';
import { webhookFromConfig, webhookOfSecret } from '../../../functions/handlers/http/webhook.ts';
import {
  causeText,
  formatNightlyReport,
  formatNotification,
  makeHandler,
  toNotifyEvent,
} from '../../../functions/handlers/notify.ts';

let server: Server;
let base: string;
let received: { path: string; body: any }[] = [];
let mode: 'ok' | 'error' | 'hang' = 'ok';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(data) });
      if (mode === 'hang') return; // never answers
      res.writeHead(mode === 'ok' ? 200 : 500).end(mode === 'ok' ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  mode = 'ok';
});

const warnings: unknown[] = [];
const handler = () =>
  makeHandler({
    poster: fetchPoster,
    webhookUrl: `${base}/webhook`,
    timeoutMs: 300,
    logger: { warn: (m) => warnings.push(m) },
  });

describe('notify', () => {
  it('posts a success with the environment URL to the response_url', async () => {
    const result = await handler()({
      operation: 'up',
      env: 'demo',
      status: 'succeeded',
      url: 'http://berth-demo-alb.elb.localhost',
      responseUrl: `${base}/slack/response`,
      requestedBy: 'slack:U1',
    });
    expect(result).toEqual({ delivered: true });
    expect(received).toHaveLength(1);
    expect(received[0]?.path).toBe('/slack/response');
    expect(received[0]?.body).toMatchObject({
      response_type: 'in_channel',
      replace_original: false,
      text: ':white_check_mark: up of demo succeeded — http://berth-demo-alb.elb.localhost',
    });
    expect(JSON.stringify(received[0]?.body.blocks)).toContain('*URL*\\nhttp://berth-demo-alb.elb.localhost');
  });

  it('posts the failing step and reason from the state machine input to the webhook', async () => {
    const result = await handler()({
      outcome: 'failed',
      executionArn: 'arn:exec:1',
      state: {
        operation: 'redeploy',
        env: 'demo',
        requestedBy: 'ana',
        error: {
          step: 'VerifyRedeploy',
          Error: 'UnhealthyError',
          Cause: JSON.stringify({ errorType: 'UnhealthyError', errorMessage: '0 of 1 targets healthy' }),
        },
      },
    });
    expect(result).toEqual({ delivered: true });
    expect(received[0]?.path).toBe('/webhook');
    expect(received[0]?.body.text).toBe(
      ':x: redeploy of demo failed at step VerifyRedeploy: UnhealthyError — 0 of 1 targets healthy',
    );
    expect(JSON.stringify(received[0]?.body.blocks)).toContain('*Failed step*\\nVerifyRedeploy');
  });

  it('swallows a receiver error and reports it', async () => {
    mode = 'error';
    const result = await handler()({ operation: 'down', env: 'demo', status: 'succeeded' });
    expect(result).toEqual({ delivered: false, reason: 'receiver answered HTTP 500' });
  });

  it('swallows a timeout and reports it', async () => {
    mode = 'hang';
    const result = await handler()({ operation: 'down', env: 'demo', status: 'succeeded' });
    expect(result).toEqual({ delivered: false, reason: 'timed out after 300 ms' });
  });

  it('swallows a connection error and reports it', async () => {
    const result = await makeHandler({ poster: fetchPoster, timeoutMs: 300 })({
      operation: 'down',
      env: 'demo',
      status: 'succeeded',
      responseUrl: 'http://127.0.0.1:1/nothing',
    });
    expect(result.delivered).toBe(false);
    expect(result.reason).toMatch(/^post failed: /);
  });

  it('does nothing without a responseUrl or webhook', async () => {
    const result = await makeHandler({ poster: fetchPoster })({
      operation: 'up',
      env: 'demo',
      status: 'progress',
    });
    expect(result).toEqual({ delivered: false, reason: 'no responseUrl or webhook configured' });
    expect(received).toHaveLength(0);
  });

  it('posts the nightly report to the webhook', async () => {
    const result = await handler()({
      action: 'report',
      tornDown: [{ env: 'a' }],
      skipped: [{ env: 'b', reason: 'kept' }],
      failed: [{ env: 'c', error: 'UnhealthyError' }],
    });
    expect(result).toEqual({ delivered: true });
    expect(received[0]?.body.text).toBe('Nightly teardown: 1 torn down, 1 skipped, 1 failed');
    expect(JSON.stringify(received[0]?.body.blocks)).toContain('• b — kept');
  });
});

describe('notify formatting', () => {
  it('keeps progress messages ephemeral', () => {
    expect(
      formatNotification({ operation: 'up', env: 'demo', status: 'progress', step: 'CreateService' }),
    ).toMatchObject({
      response_type: 'ephemeral',
      text: ':hourglass_flowing_sand: up of demo: CreateService',
    });
  });

  it('reports a busy environment with the lock holder', () => {
    const event = toNotifyEvent({
      outcome: 'busy',
      state: {
        operation: 'scale',
        env: 'demo',
        error: { Error: 'OperationInProgressError', Cause: 'up op-1 is running' },
      },
    });
    expect(formatNotification(event).text).toBe(
      ':no_entry: scale of demo was not started: another operation is running (up op-1 is running)',
    );
  });

  it("replaces the message of a Slack button's operation with its result", () => {
    const event = toNotifyEvent({
      outcome: 'succeeded',
      state: {
        operation: 'extend',
        env: 'demo',
        keep: true,
        slackMessage: 'replace',
        responseUrl: 'https://x',
      },
    });
    expect(formatNotification(event)).toMatchObject({
      replace_original: true,
      response_type: 'in_channel',
      text: ':white_check_mark: keep of demo succeeded',
    });
    // Without the flag a result is a new message, as for slash commands.
    const plain = toNotifyEvent({ outcome: 'succeeded', state: { operation: 'extend', env: 'demo' } });
    expect(formatNotification(plain)).toMatchObject({ replace_original: false });
  });

  it('takes the URL from the verify result', () => {
    expect(
      toNotifyEvent({
        outcome: 'succeeded',
        state: { operation: 'up', env: 'x', verify: { url: 'http://u' } },
      }).url,
    ).toBe('http://u');
  });

  it('reads errorMessage from a Lambda cause and keeps plain causes', () => {
    expect(causeText('{"errorType":"X","errorMessage":"boom"}')).toBe('boom');
    expect(causeText('plain reason')).toBe('plain reason');
  });

  it('lists nothing as a dash in an empty report', () => {
    expect(JSON.stringify(formatNightlyReport({ tornDown: [], skipped: [], failed: [] }).blocks)).toContain(
      '*Torn down*\\n—',
    );
  });
});

describe('notify webhook from Secrets Manager', () => {
  it('reads the webhook when it notifies (a source, as the secret-backed one is)', async () => {
    let reads = 0;
    const fromSecret = makeHandler({
      poster: fetchPoster,
      webhookUrl: async () => {
        reads += 1;
        return `${base}/webhook`;
      },
      timeoutMs: 300,
    });
    const result = await fromSecret({ operation: 'down', env: 'demo', status: 'succeeded' });
    expect(result).toEqual({ delivered: true });
    expect(reads).toBe(1);
    expect(received.map((r) => r.path)).toEqual(['/webhook']);
  });

  it('takes only an https URL from the secret: the generated placeholder means no webhook', () => {
    expect(webhookOfSecret(' https://hooks.slack.com/services/T/B/x \n')).toBe(
      'https://hooks.slack.com/services/T/B/x',
    );
    expect(webhookOfSecret('Zk3XxPlaceholderFromCloudFormation0')).toBeUndefined();
    expect(webhookOfSecret('http://hooks.example.test/x')).toBeUndefined();
  });

  it('uses BERTH_NOTIFY_WEBHOOK_URL only where no secret is configured (local platform, tests)', async () => {
    expect(await webhookFromConfig({ notifyWebhookUrl: 'http://127.0.0.1:9/x' })()).toBe(
      'http://127.0.0.1:9/x',
    );
    expect(await webhookFromConfig({})()).toBeUndefined();
  });
});
