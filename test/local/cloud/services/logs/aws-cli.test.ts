import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AWS_CLI, awsCliEnv, runAwsCli } from '../../helpers/aws-cli.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { waitFor } from '../../helpers/errors.ts';

let t: TestCloud;
const now = Date.now();

/** Runs Debian's AWS CLI v2 against the test cloud; what it printed. */
const aws = (...args: string[]): Promise<string> => runAwsCli(t.url, args);

async function put(stream: string, events: Array<[number, string]>): Promise<void> {
  await t.clients.logs.send(
    new PutLogEventsCommand({
      logGroupName: '/berth/cli',
      logStreamName: stream,
      logEvents: events.map(([timestamp, message]) => ({ timestamp, message })),
    }),
  );
}

beforeAll(async () => {
  t = await startTestCloud();
  await t.clients.logs.send(new CreateLogGroupCommand({ logGroupName: '/berth/cli', tags: { env: 'cli' } }));
  for (const s of ['web/web/task1', 'web/web/task2'])
    await t.clients.logs.send(new CreateLogStreamCommand({ logGroupName: '/berth/cli', logStreamName: s }));
  await put('web/web/task1', [
    [now - 3000, 'listening on 8080'],
    [now - 1000, 'GET /orders 200 3ms'],
  ]);
  await put('web/web/task2', [[now - 2000, 'GET /health 200 1ms']]);
});
afterAll(() => t.stop());

describe('AWS CLI v2 against the local CloudWatch Logs', () => {
  test('describe-log-groups lists the group with its ARN', async () => {
    const out = JSON.parse(await aws('logs', 'describe-log-groups', '--output', 'json'));
    expect(out.logGroups).toEqual([
      expect.objectContaining({
        logGroupName: '/berth/cli',
        arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/berth/cli:*',
      }),
    ]);
  }, 60_000);

  test('get-log-events --start-from-head reads one stream in order', async () => {
    const out = JSON.parse(
      await aws(
        'logs',
        'get-log-events',
        '--log-group-name',
        '/berth/cli',
        '--log-stream-name',
        'web/web/task1',
        '--start-from-head',
        '--output',
        'json',
      ),
    );
    expect(out.events.map((e: { message: string }) => e.message)).toEqual([
      'listening on 8080',
      'GET /orders 200 3ms',
    ]);
    expect(out.nextForwardToken).toMatch(/^f\//);
  }, 60_000);

  test('filter-log-events matches a term across streams', async () => {
    const out = JSON.parse(
      await aws(
        'logs',
        'filter-log-events',
        '--log-group-name',
        '/berth/cli',
        '--filter-pattern',
        'GET',
        '--output',
        'json',
      ),
    );
    expect(
      out.events.map((e: { logStreamName: string; message: string }) => `${e.logStreamName}: ${e.message}`),
    ).toEqual(['web/web/task2: GET /health 200 1ms', 'web/web/task1: GET /orders 200 3ms']);
  }, 60_000);

  test('tail prints the last ten minutes with the stream names', async () => {
    const out = await aws('logs', 'tail', '/berth/cli', '--since', '10m', '--format', 'detailed');
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 web\/web\/task1 listening on 8080$/,
    );
    expect(lines[2]).toMatch(/ web\/web\/task1 GET \/orders 200 3ms$/);
  }, 60_000);

  test('tail --follow prints lines written after it started', async () => {
    if (!existsSync(AWS_CLI)) throw new Error(`${AWS_CLI} is missing`);
    const child = spawn(
      AWS_CLI,
      [
        'logs',
        'tail',
        '/berth/cli',
        '--follow',
        '--since',
        '1m',
        '--format',
        'short',
        '--endpoint-url',
        t.url,
      ],
      // Python buffers a piped stdout: unbuffered, lines arrive as the CLI prints them.
      { env: { ...awsCliEnv(t.url), PYTHONUNBUFFERED: '1' } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await waitFor(() => out.includes('GET /orders 200 3ms'), 20_000, 50);
      await put('web/web/task2', [[Date.now(), 'GET /late 201 2ms']]);
      // The CLI polls FilterLogEvents every 5 s, from the newest timestamp it has seen.
      await waitFor(() => out.includes('GET /late 201 2ms'), 20_000, 50);
      expect(out.match(/GET \/orders 200 3ms/g)).toHaveLength(1);
    } finally {
      child.kill('SIGINT');
    }
  }, 60_000);
});
