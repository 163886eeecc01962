import '../../../local/runtime/polyfills.ts';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  localRetryMs,
  REGISTRY_TABLE,
  type RunningPlatform,
  scaledRetryMs,
  scaledWaitMs,
  startPlatform,
} from '../../../local/runtime/platform.ts';

const SECRET = 'platform-test-secret';

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startPlatform', () => {
  let platform: RunningPlatform;

  beforeAll(async () => {
    platform = await startPlatform({
      profile: 'instant',
      ports: { cloud: 0, sfn: 0, api: 0 },
      slackSigningSecret: SECRET,
      logLevel: 'ERROR',
    });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('creates the registry table with pk/sk string keys in the cloud DynamoDB', async () => {
    const dynamodb = new DynamoDBClient({ endpoint: platform.urls.cloud, region: 'us-east-1' });
    const table = await dynamodb.send(new DescribeTableCommand({ TableName: REGISTRY_TABLE }));
    dynamodb.destroy();
    expect(table.Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
  });

  it('creates the shared ALB whose listener answers 404 by default', async () => {
    expect(platform.shared.dnsName).toMatch(/^berth-shared-alb-.*\.elb\.localhost$/);
    const answer = await get(platform.ports.cloud, platform.shared.dnsName, '/anything');
    expect(answer.status).toBe(404);
    expect(answer.body).toBe('no Berth environment here');
  });

  it('points the handlers at the cloud and the runtime through the environment', () => {
    expect(process.env['AWS_ENDPOINT_URL']).toBe(platform.urls.cloud);
    expect(process.env['AWS_ENDPOINT_URL_SFN']).toBe(platform.urls.sfn);
    expect(process.env['AWS_ENDPOINT_URL_LAMBDA']).toBe(platform.urls.sfn);
    expect(process.env['BERTH_LIFECYCLE_STATE_MACHINE_ARN']).toBe(
      'arn:aws:states:us-east-1:000000000000:stateMachine:berth-lifecycle',
    );
    expect(process.env['BERTH_PUBLIC_SUBNETS']?.split(',')).toHaveLength(2);
    expect(process.env['BERTH_SHARED_LISTENER_ARN']).toBe(platform.shared.listenerArn);
    expect(process.env['BERTH_PLAN_FUNCTION_NAME']).toBe('berth-plan');
  });

  it('serves both state machines on the Step Functions port', async () => {
    const sfn = new SFNClient({ endpoint: platform.urls.sfn, region: 'us-east-1' });
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    sfn.destroy();
    expect(machines.stateMachines?.map((m) => m.name).sort()).toEqual([
      'berth-lifecycle',
      'berth-nightly-teardown',
    ]);
  });

  it('verifies Slack requests with the injected signing secret', async () => {
    const body = 'command=%2Fberth&text=help&user_id=U1&trigger_id=1.2';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = (secret: string) =>
      `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const send = (signature: string) =>
      fetch(`${platform.urls.api}/slack/commands`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': signature,
        },
        body,
      });
    const forged = await send(sign('not-the-secret'));
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({
      error: 'UnauthorizedError',
      message: 'invalid Slack signature',
    });
    const signed = await send(sign(SECRET));
    expect(signed.status).toBe(200);
    expect(await signed.json()).toMatchObject({ response_type: 'ephemeral' });
  });

  it('restores the environment when stopped', async () => {
    const other = await startPlatform({ ports: { cloud: 0, sfn: 0, api: 0 }, logLevel: 'ERROR' });
    await other.stop();
    expect(process.env['AWS_ENDPOINT_URL']).toBe(platform.urls.cloud);
  });
});

describe('time scaling', () => {
  it('scales a Wait state by the profile factor, defaulting to the 15 s verify interval', () => {
    expect(scaledWaitMs(0.01, 30)).toBe(300);
    expect(scaledWaitMs(0.002, undefined)).toBe(30);
    expect(scaledWaitMs(0, 30)).toBe(2);
  });

  it('scales a retry interval with two backoff steps, capped by MaxDelaySeconds', () => {
    expect(scaledRetryMs(0.01, { IntervalSeconds: 2, BackoffRate: 2 })).toBe(80);
    expect(scaledRetryMs(0.01, { IntervalSeconds: 10, BackoffRate: 1.5, MaxDelaySeconds: 20 })).toBe(200);
  });

  it('waits at least a real second before retrying a throttled step, since rate limits refill in real time', () => {
    const throttling = {
      ErrorEquals: ['ThrottlingError', 'TransientAwsError'],
      IntervalSeconds: 2,
      BackoffRate: 2,
    };
    expect(localRetryMs(0.002, throttling)).toBe(1000);
    expect(localRetryMs(1, throttling)).toBe(8000);
    expect(
      localRetryMs(0.002, { ErrorEquals: ['DependencyPendingError'], IntervalSeconds: 5, BackoffRate: 2 }),
    ).toBe(40);
  });
});
