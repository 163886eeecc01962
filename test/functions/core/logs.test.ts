import { describe, expect, it } from 'vitest';
import { OwnershipConflictError } from '../../../functions/core/errors.ts';
import {
  decideLogGroupExpiry,
  logsConsoleUrl,
  parseSince,
  quoteLastLines,
  taskStreamName,
  taskToQuote,
  withLastLines,
} from '../../../functions/core/logs.ts';
import type { ObservedEnvironment } from '../../../functions/core/observed.ts';
import { planTeardown } from '../../../functions/core/plan-teardown.ts';

const NOW = new Date('2026-03-01T00:00:00.000Z');
const OWNED = { 'berth:env': 'demo', 'berth:managed-by': 'berth', 'berth:owner': 'ana' };
const withGroup = (tags: Record<string, string>): ObservedEnvironment => ({
  env: 'demo',
  securityGroups: {},
  logGroup: { name: '/berth/demo', arn: 'arn:aws:logs:us-east-1:1:log-group:/berth/demo', tags },
});

describe('planTeardown and the log group', () => {
  it('deletes the log group last when the logs are not kept', () => {
    const steps = planTeardown(withGroup({ ...OWNED, 'berth:logs-keep-days': '0' }), 'demo', NOW);
    expect(steps.map((s) => [s.stage, s.action, s.resource, s.kind])).toEqual([
      ['task-definitions', 'delete', 'log group /berth/demo', 'deleteLogGroup'],
    ]);
  });

  it('tags a kept log group with its expiry instead of deleting it', () => {
    const [step] = planTeardown(withGroup({ ...OWNED, 'berth:logs-keep-days': '7' }), 'demo', NOW);
    expect(step).toMatchObject({
      kind: 'keepLogGroup',
      action: 'update',
      expiresAt: '2026-03-08T00:00:00.000Z',
      reason: 'keep the logs 7 days: tag expiry 2026-03-08T00:00:00.000Z',
    });
  });

  it('leaves a group that already carries an expiry alone', () => {
    const tags = {
      ...OWNED,
      'berth:logs-keep-days': '7',
      'berth:logs-expire-at': '2026-03-05T00:00:00.000Z',
    };
    const [step] = planTeardown(withGroup(tags), 'demo', NOW);
    expect(step).toMatchObject({
      kind: 'noop',
      action: 'skip',
      reason: 'logs kept until 2026-03-05T00:00:00.000Z',
    });
  });

  it('refuses a same-named log group with foreign tags before planning anything', () => {
    expect(() => planTeardown(withGroup({ team: 'payments' }), 'demo', NOW)).toThrow(OwnershipConflictError);
    expect(() => planTeardown(withGroup({ team: 'payments' }), 'demo', NOW)).toThrow(
      'log group /berth/demo exists but is not tagged as belonging to environment "demo"',
    );
  });
});

describe('decideLogGroupExpiry', () => {
  it.each([
    [{ 'berth:managed-by': 'berth', 'berth:logs-expire-at': '2026-02-28T00:00:00.000Z' }, 'delete'],
    [{ 'berth:managed-by': 'berth', 'berth:logs-expire-at': '2026-03-02T00:00:00.000Z' }, 'keep'],
    [{ 'berth:managed-by': 'berth' }, 'keep'],
    [{ 'berth:logs-expire-at': '2026-02-28T00:00:00.000Z' }, 'keep'],
    [{ 'berth:managed-by': 'berth', 'berth:logs-expire-at': 'soon' }, 'keep'],
  ])('%j → %s', (tags, action) => {
    expect(decideLogGroupExpiry(tags, NOW).action).toBe(action);
  });
});

describe('parseSince', () => {
  it.each([
    ['30s', NOW.getTime() - 30_000],
    ['10m', NOW.getTime() - 600_000],
    ['2h', NOW.getTime() - 7_200_000],
    ['1d', NOW.getTime() - 86_400_000],
    ['1w', NOW.getTime() - 604_800_000],
    ['2026-02-28T12:00:00Z', Date.parse('2026-02-28T12:00:00Z')],
  ])('%s', (text, ms) => {
    expect(parseSince(text, NOW)).toBe(ms);
  });

  it('names the field and the value it refuses', () => {
    expect(() => parseSince('5 minutes', NOW, 'query.since')).toThrow(
      'query.since: must be a duration like 30s, 10m, 2h, 1d or 1w, or an ISO time (got "5 minutes")',
    );
  });
});

describe('quoting a task’s last lines', () => {
  const arn = (id: string) => `arn:aws:ecs:us-east-1:1:task/berth-demo/${id}`;

  it('picks the last stopped task of the requested revision, else a running one', () => {
    const tasks = [
      { arn: arn('old'), lastStatus: 'STOPPED', taskDefinitionArn: 'td:1', stoppedReason: 'Scaling' },
      {
        arn: arn('new'),
        lastStatus: 'STOPPED',
        taskDefinitionArn: 'td:2',
        stoppedReason: 'Essential container in task exited',
      },
      { arn: arn('run'), lastStatus: 'RUNNING', taskDefinitionArn: 'td:2' },
    ];
    expect(taskToQuote(tasks, 'td:2')).toBe('new');
    expect(taskToQuote(tasks.slice(2), 'td:2')).toBe('run');
    expect(taskToQuote([], 'td:2')).toBeUndefined();
  });

  it('names the stream prefix/container/task id', () => {
    expect(taskStreamName('app', 'abc')).toBe('app/app/abc');
  });

  it('quotes at most ten lines, each at most 300 characters', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `line ${i}`);
    expect(quoteLastLines(lines)).toBe(
      lines
        .slice(2)
        .map((l) => JSON.stringify(l))
        .join(' | '),
    );
    expect(quoteLastLines(['x'.repeat(400)])).toBe(JSON.stringify(`${'x'.repeat(299)}…`));
  });

  it('drops the oldest lines to stay within the reason limit and never cuts the reason', () => {
    const reason = 'Tasks stopped: 1× Essential container in task exited.';
    expect(withLastLines(reason, 'abc', ['starting', 'fatal: boom'], 990)).toBe(
      `${reason} Last log lines of task abc: "starting" | "fatal: boom"`,
    );
    const tight = withLastLines(reason, 'abc', ['starting', 'fatal: boom'], reason.length + 45);
    expect(tight).toBe(`${reason} Last log lines of task abc: "fatal: boom"`);
    expect(withLastLines(reason, 'abc', ['x'.repeat(100)], reason.length + 10)).toBe(reason);
    expect(withLastLines(reason, 'abc', [], 990)).toBe(reason);
  });
});

describe('logsConsoleUrl', () => {
  it('links the CloudWatch console page of the group', () => {
    expect(logsConsoleUrl('eu-west-1', '/berth/demo')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fberth$252Fdemo',
    );
  });
});
