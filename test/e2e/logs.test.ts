import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { logsClient } from '../../functions/adapters/aws/clients.ts';
import { AwsLogsAdapter } from '../../functions/adapters/logs.ts';
import { deleteExpiredLogGroups } from '../../functions/handlers/nightly.ts';
import { leftoversOf } from '../../local/runtime/leftovers.ts';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

describe("the workload's logs on the local platform", () => {
  let e2e: E2EPlatform;
  let logs: CloudWatchLogsClient;
  let url: string;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
    logs = new CloudWatchLogsClient({
      endpoint: e2e.platform.urls.cloud,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    logs?.destroy();
    await e2e?.stop();
  });

  async function berth(args: string[], signal?: AbortSignal, onOut?: (text: string) => void) {
    let stdout = '';
    let stderr = '';
    const code = await run(['--api', e2e.platform.urls.api, ...args], {
      stdout: (text) => {
        stdout += text;
        onOut?.(text);
      },
      stderr: (text) => {
        stderr += text;
      },
      readLine: async () => undefined,
      interactive: false,
      env: { BERTH_OWNER: 'e2e', BERTH_POLL_MS: '50' },
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => new Date(),
      ...(signal ? { signal } : {}),
    });
    return { code, stdout, stderr };
  }

  const groupTags = async (name: string): Promise<Record<string, string> | undefined> => {
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
    const group = out.logGroups?.find((g) => g.logGroupName === name);
    if (!group?.logGroupArn) return undefined;
    return (await logs.send(new ListTagsForResourceCommand({ resourceArn: group.logGroupArn }))).tags ?? {};
  };

  it('brings up an environment whose tasks log through awslogs into /berth/<env>', async () => {
    const started = await e2e.api(
      'POST',
      '/environments',
      spec('applog', { desiredCount: 2, logs: { retentionDays: 7, keepDays: 1 } }),
    );
    expect(started.status, started.text).toBe(202);
    const execution = await e2e.waitForExecution(started.body.executionArn, 120_000);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    url = (await e2e.api('GET', '/environments/applog')).body.url;
    expect(await groupTags('/berth/applog')).toMatchObject({
      'berth:env': 'applog',
      'berth:managed-by': 'berth',
      'berth:logs-keep-days': '1',
    });
  }, 150_000);

  it('shows the requests made through the ALB, each from the task that served it', async () => {
    const served = new Map<string, string>();
    for (let i = 0; i < 6; i++) {
      const answer = await e2e.throughAlb(url, `/orders/${i}`);
      expect(answer.status).toBe(200);
      served.set(`/orders/${i}`, answer.body.taskId);
    }
    const { code, stdout, stderr } = await berth(['--json', 'logs', 'applog', '--filter', 'GET /orders/']);
    expect(code, stderr).toBe(0);
    const lines = JSON.parse(stdout) as { taskId: string; message: string; timestamp: string }[];
    const requests = lines.filter((l) => /^GET \/orders\/\d 200 \d+ms/.test(l.message));
    expect(requests).toHaveLength(6);
    for (const line of requests) {
      const path = line.message.split(' ')[1] ?? '';
      expect(line.taskId, path).toBe(served.get(path));
    }
    expect(new Set(requests.map((l) => l.taskId)).size).toBe(2);
    expect([...requests].sort((a, b) => a.timestamp.localeCompare(b.timestamp))).toEqual(requests);
    const text = await berth(['logs', 'applog', '--task', requests[0]?.taskId ?? '']);
    expect(text.stdout).toMatch(/^\S+Z [0-9a-f]{32} \S+ \(berth\/hello:1\) listening on port 80$/m);
  }, 60_000);

  it('--follow prints lines as they come and stops on Ctrl-C', async () => {
    const controller = new AbortController();
    let seen = '';
    let resolveSeen: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      resolveSeen = resolve;
    });
    const following = berth(
      ['logs', 'applog', '--follow', '--filter', '/late'],
      controller.signal,
      (text) => {
        seen += text;
        if (seen.includes('GET /late 200')) resolveSeen();
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await e2e.throughAlb(url, '/late')).status).toBe(200);
    await arrived;
    controller.abort();
    const { code, stdout } = await following;
    expect(code).toBe(130);
    expect(stdout.match(/GET \/late 200/g)).toHaveLength(1);
  }, 60_000);

  it('keeps the log group after down, tagged with its expiry, until the nightly job deletes it', async () => {
    const deleted = await e2e.api('DELETE', '/environments/applog');
    const execution = await e2e.waitForExecution(deleted.body.executionArn, 120_000);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    // Everything is gone but the kept log group.
    const left = await leftoversOf(e2e.platform.urls.cloud, 'applog');
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^state\.logs\./);
    const tags = await groupTags('/berth/applog');
    const expiry = Date.parse(tags?.['berth:logs-expire-at'] ?? '');
    expect(expiry - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(expiry - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    const kept = await berth(['--json', 'logs', 'applog', '--filter', 'GET /orders/']);
    expect(JSON.parse(kept.stdout)).toHaveLength(6);
    const adapter = new AwsLogsAdapter(
      logsClient({ endpoint: e2e.platform.urls.cloud, region: 'us-east-1' }),
    );
    expect(await deleteExpiredLogGroups(adapter, new Date())).toEqual([]);
    expect(await groupTags('/berth/applog')).toBeDefined();
    const later = new Date(expiry + 1000);
    expect(await deleteExpiredLogGroups(adapter, later)).toEqual([
      { group: '/berth/applog', reason: `kept logs expired at ${tags?.['berth:logs-expire-at']}` },
    ]);
    expect(await groupTags('/berth/applog')).toBeUndefined();
  }, 150_000);

  it("fails a crashing image's up with its last log lines, then the rollback removes the group", async () => {
    const started = await e2e.api('POST', '/environments', spec('crashy', { image: 'berth/crash:1' }));
    expect(started.status, started.text).toBe(202);
    const execution = await e2e.waitForExecution(started.body.executionArn, 120_000);
    expect(execution.status).toBe('FAILED');
    // Which rule of assessHealth speaks depends on whether verify looks before or after
    // ECS's circuit breaker fails the deployment: "deployment … FAILED … Tasks stopped: 3× …"
    // or "3 tasks failed to start (threshold 3); last stopped: …". Both end with the logs.
    expect(execution.cause).toMatch(
      /(?:Tasks stopped: 3× |3 tasks failed to start \(threshold 3\); last stopped: EssentialContainerExited: )Essential container in task exited\. Last log lines of task [0-9a-f]{32}: "berth-crashy:1 \(berth\/crash:1\) starting" \| "fatal: berth\/crash:1 failed during start-up; exiting with code 1"$/,
    );
    const described = await e2e.api('GET', '/environments/crashy');
    expect(JSON.stringify(described.body.lastFailure)).toContain(
      'fatal: berth/crash:1 failed during start-up',
    );
    expect(await groupTags('/berth/crashy')).toBeUndefined();
    await e2e.assertNothingLeft('crashy');
  }, 150_000);
});
