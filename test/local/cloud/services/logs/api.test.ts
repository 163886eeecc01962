import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

let t: TestCloud;
let logs: CloudWatchLogsClient;
const ARN = 'arn:aws:logs:us-east-1:000000000000:log-group';

beforeAll(async () => {
  t = await startTestCloud();
  logs = t.clients.logs;
});
afterAll(() => t.stop());
beforeEach(() => t.control('/_berth/reset', { method: 'POST' }));

async function groupWithStream(group: string, stream: string): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}

async function put(group: string, stream: string, events: Array<[number, string]>): Promise<unknown> {
  return logs.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: events.map(([timestamp, message]) => ({ timestamp, message })),
    }),
  );
}

describe('log groups', () => {
  test('CreateLogGroup with tags, DescribeLogGroups by prefix, ListTagsForResource', async () => {
    await logs.send(
      new CreateLogGroupCommand({ logGroupName: '/berth/demo', tags: { 'berth:env': 'demo' } }),
    );
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/other/x' }));
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/berth/' }));
    expect(out.logGroups).toEqual([
      expect.objectContaining({
        logGroupName: '/berth/demo',
        arn: `${ARN}:/berth/demo:*`,
        logGroupArn: `${ARN}:/berth/demo`,
        storedBytes: 0,
        metricFilterCount: 0,
      }),
    ]);
    expect(out.logGroups?.[0]?.retentionInDays).toBeUndefined();
    const tags = await logs.send(new ListTagsForResourceCommand({ resourceArn: `${ARN}:/berth/demo` }));
    expect(tags.tags).toEqual({ 'berth:env': 'demo' });
  });

  test('CreateLogGroup twice fails with ResourceAlreadyExistsException', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/berth/dup' }));
    await expectAwsError(
      logs.send(new CreateLogGroupCommand({ logGroupName: '/berth/dup' })),
      'ResourceAlreadyExistsException',
      'The specified log group already exists',
    );
  });

  test('a name outside [.-_/#A-Za-z0-9] is an InvalidParameterException naming the field', async () => {
    await expectAwsError(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name' })),
      'InvalidParameterException',
      /Value 'bad name' at 'logGroupName' failed to satisfy constraint/,
    );
  });

  test('PutRetentionPolicy accepts the listed values only; DeleteRetentionPolicy removes it', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/berth/r' }));
    await expectAwsError(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: '/berth/r', retentionInDays: 2 })),
      'InvalidParameterException',
      /Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: \[1, 3, 5, 7, 14/,
    );
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/berth/r', retentionInDays: 14 }));
    let out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/berth/r' }));
    expect(out.logGroups?.[0]?.retentionInDays).toBe(14);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/berth/r' }));
    out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/berth/r' }));
    expect(out.logGroups?.[0]?.retentionInDays).toBeUndefined();
  });

  test('TagResource merges, UntagResource removes, the legacy ListTagsLogGroup agrees', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/berth/t', tags: { a: '1' } }));
    await logs.send(new TagResourceCommand({ resourceArn: `${ARN}:/berth/t`, tags: { b: '2', a: '3' } }));
    await logs.send(new UntagResourceCommand({ resourceArn: `${ARN}:/berth/t`, tagKeys: ['b'] }));
    const out = await logs.send(new ListTagsLogGroupCommand({ logGroupName: '/berth/t' }));
    expect(out.tags).toEqual({ a: '3' });
    await expectAwsError(
      logs.send(new ListTagsForResourceCommand({ resourceArn: `${ARN}:/berth/none` })),
      'ResourceNotFoundException',
      'The specified resource does not exist.',
    );
  });

  test('DeleteLogGroup removes the group and its streams; a second delete is ResourceNotFoundException', async () => {
    await groupWithStream('/berth/d', 's');
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/berth/d' }));
    expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
    await expectAwsError(
      logs.send(new DeleteLogGroupCommand({ logGroupName: '/berth/d' })),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
  });

  test('DescribeLogGroups pages with limit and nextToken', async () => {
    for (const n of ['a', 'b', 'c']) await logs.send(new CreateLogGroupCommand({ logGroupName: `/p/${n}` }));
    const first = await logs.send(new DescribeLogGroupsCommand({ limit: 2 }));
    expect(first.logGroups?.map((g) => g.logGroupName)).toEqual(['/p/a', '/p/b']);
    const second = await logs.send(new DescribeLogGroupsCommand({ limit: 2, nextToken: first.nextToken }));
    expect(second.logGroups?.map((g) => g.logGroupName)).toEqual(['/p/c']);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('log streams and events', () => {
  test('CreateLogStream in a missing group is ResourceNotFoundException; twice is ResourceAlreadyExistsException', async () => {
    await expectAwsError(
      logs.send(new CreateLogStreamCommand({ logGroupName: '/none', logStreamName: 's' })),
      'ResourceNotFoundException',
      'The specified log group does not exist.',
    );
    await groupWithStream('/g', 's');
    await expectAwsError(
      logs.send(new CreateLogStreamCommand({ logGroupName: '/g', logStreamName: 's' })),
      'ResourceAlreadyExistsException',
      'The specified log stream already exists',
    );
    await expectAwsError(
      logs.send(new CreateLogStreamCommand({ logGroupName: '/g', logStreamName: 'a:b' })),
      'InvalidParameterException',
      /Value 'a:b' at 'logStreamName'/,
    );
  });

  test('DescribeLogStreams reports first/last event times and orders by LastEventTime', async () => {
    const now = Date.now();
    await groupWithStream('/g', 'web/app/1');
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/g', logStreamName: 'web/app/2' }));
    await put('/g', 'web/app/2', [[now - 1000, 'older']]);
    await put('/g', 'web/app/1', [
      [now - 500, 'a'],
      [now, 'b'],
    ]);
    const out = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: '/g', orderBy: 'LastEventTime', descending: true }),
    );
    expect(out.logStreams?.map((s) => s.logStreamName)).toEqual(['web/app/1', 'web/app/2']);
    expect(out.logStreams?.[0]).toMatchObject({
      firstEventTimestamp: now - 500,
      lastEventTimestamp: now,
      arn: `${ARN}:/g:log-stream:web/app/1`,
    });
    await expectAwsError(
      logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: '/g',
          orderBy: 'LastEventTime',
          logStreamNamePrefix: 'web',
        }),
      ),
      'InvalidParameterException',
      'Cannot order by LastEventTime with a logStreamNamePrefix.',
    );
  });

  test('PutLogEvents rejects a batch out of chronological order', async () => {
    const now = Date.now();
    await groupWithStream('/g', 's');
    await expectAwsError(
      put('/g', 's', [
        [now, 'b'],
        [now - 1, 'a'],
      ]),
      'InvalidParameterException',
      'Log events in a single PutLogEvents request must be in chronological order.',
    );
    await expectAwsError(
      put('/g', 'missing', [[now, 'x']]),
      'ResourceNotFoundException',
      'The specified log stream does not exist.',
    );
  });

  test('PutLogEvents stores valid events and reports too-new and too-old ones by index', async () => {
    const now = Date.now();
    await groupWithStream('/g', 's');
    const out = (await put('/g', 's', [
      [now, 'kept'],
      [now + 3 * 3_600_000, 'too new'],
    ])) as { rejectedLogEventsInfo?: unknown };
    expect(out.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    const old = (await put('/g', 's', [[now - 15 * 24 * 3_600_000, 'too old']])) as {
      rejectedLogEventsInfo?: unknown;
    };
    expect(old.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    const events = await logs.send(new GetLogEventsCommand({ logGroupName: '/g', logStreamName: 's' }));
    expect(events.events?.map((e) => e.message)).toEqual(['kept']);
  });

  test('GetLogEvents pages forward from the head with f/ tokens and returns the same token at the end', async () => {
    const now = Date.now();
    await groupWithStream('/g', 's');
    await put(
      '/g',
      's',
      [1, 2, 3, 4, 5].map((i) => [now + i, `line ${i}`]),
    );
    const first = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/g', logStreamName: 's', startFromHead: true, limit: 2 }),
    );
    expect(first.events?.map((e) => e.message)).toEqual(['line 1', 'line 2']);
    expect(first.nextForwardToken).toMatch(/^f\/\d{56}\/s$/);
    expect(first.nextBackwardToken).toMatch(/^b\/\d{56}\/s$/);
    const second = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/g',
        logStreamName: 's',
        nextToken: first.nextForwardToken,
        limit: 2,
      }),
    );
    expect(second.events?.map((e) => e.message)).toEqual(['line 3', 'line 4']);
    const third = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/g',
        logStreamName: 's',
        nextToken: second.nextForwardToken,
        limit: 2,
      }),
    );
    expect(third.events?.map((e) => e.message)).toEqual(['line 5']);
    const end = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/g', logStreamName: 's', nextToken: third.nextForwardToken }),
    );
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(third.nextForwardToken);
    const back = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/g',
        logStreamName: 's',
        nextToken: second.nextBackwardToken,
      }),
    );
    expect(back.events?.map((e) => e.message)).toEqual(['line 1', 'line 2']);
  });

  test('GetLogEvents without startFromHead returns the newest events, within [startTime, endTime)', async () => {
    const now = Date.now();
    await groupWithStream('/g', 's');
    await put(
      '/g',
      's',
      [1, 2, 3, 4, 5].map((i) => [now + i, `line ${i}`]),
    );
    const latest = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/g', logStreamName: 's', limit: 2 }),
    );
    expect(latest.events?.map((e) => e.message)).toEqual(['line 4', 'line 5']);
    const window = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/g',
        logStreamName: 's',
        startTime: now + 2,
        endTime: now + 4,
      }),
    );
    expect(window.events?.map((e) => e.message)).toEqual(['line 2', 'line 3']);
  });

  test('FilterLogEvents merges streams in time order, matches plain terms and pages', async () => {
    const now = Date.now();
    await groupWithStream('/g', 'web/app/a');
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/g', logStreamName: 'web/app/b' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/g', logStreamName: 'other' }));
    await put('/g', 'web/app/a', [
      [now + 1, 'GET /orders 200'],
      [now + 3, 'GET /health 200'],
      [now + 5, 'POST /orders 500'],
    ]);
    await put('/g', 'web/app/b', [
      [now + 2, 'GET /orders 200'],
      [now + 4, 'GET /users 404'],
    ]);
    await put('/g', 'other', [[now + 6, 'GET /orders 200']]);
    const all = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '/g', logStreamNamePrefix: 'web/' }),
    );
    expect(all.events?.map((e) => `${e.logStreamName} ${e.message}`)).toEqual([
      'web/app/a GET /orders 200',
      'web/app/b GET /orders 200',
      'web/app/a GET /health 200',
      'web/app/b GET /users 404',
      'web/app/a POST /orders 500',
    ]);
    expect(all.events?.[0]?.eventId).toMatch(/^\d{56}$/);
    const terms = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '/g', filterPattern: 'GET -health -users' }),
    );
    expect(terms.events?.map((e) => e.logStreamName)).toEqual(['web/app/a', 'web/app/b', 'other']);
    const phrase = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '/g', filterPattern: '"POST /orders"' }),
    );
    expect(phrase.events?.map((e) => e.message)).toEqual(['POST /orders 500']);
    const range = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/g',
        startTime: now + 2,
        endTime: now + 4,
        logStreamNames: ['web/app/b'],
      }),
    );
    expect(range.events?.map((e) => e.message)).toEqual(['GET /orders 200', 'GET /users 404']);
    const page1 = await logs.send(new FilterLogEventsCommand({ logGroupName: '/g', limit: 4 }));
    expect(page1.events).toHaveLength(4);
    const page2 = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '/g', limit: 4, nextToken: page1.nextToken }),
    );
    expect(page2.events?.map((e) => e.message)).toEqual(['POST /orders 500', 'GET /orders 200']);
    expect(page2.nextToken).toBeUndefined();
  });

  test('FilterLogEvents refuses logStreamNames with logStreamNamePrefix', async () => {
    await groupWithStream('/g', 's');
    await expectAwsError(
      logs.send(
        new FilterLogEventsCommand({ logGroupName: '/g', logStreamNames: ['s'], logStreamNamePrefix: 's' }),
      ),
      'InvalidParameterException',
      'Cannot specify both logStreamNames and logStreamNamePrefix',
    );
  });

  test('DeleteLogStream removes the stream and its events', async () => {
    await groupWithStream('/g', 's');
    await logs.send(new DeleteLogStreamCommand({ logGroupName: '/g', logStreamName: 's' }));
    expect((await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/g' }))).logStreams).toEqual([]);
    await expectAwsError(
      logs.send(new DeleteLogStreamCommand({ logGroupName: '/g', logStreamName: 's' })),
      'ResourceNotFoundException',
      'The specified log stream does not exist.',
    );
  });
});
