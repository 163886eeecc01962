import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyIdForFunction } from '../../../../../local/cloud/core/iam/credentials.ts';
import {
  compileExpression,
  nextFire,
  schedulerBackend,
} from '../../../../../local/cloud/services/scheduler/backend.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

/**
 * EventBridge Scheduler in the local cloud through the SDK (REST-JSON): groups with tags, schedules with AWS's
 * codes and messages, and schedules that fire their Lambda target with their Input.
 */
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:berth-scheduled-action';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/berth-scheduler';
let tc: TestCloud;
let scheduler: SchedulerClient;
const invocations: { functionArn: string; event: any }[] = [];
const made: SchedulerClient[] = [];

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant', iam: { mode: 'enforce', principals: [] } });
  tc.cloud.lambdaInvoker = async (functionArn, event) => {
    invocations.push({ functionArn, event });
    if ((event as { fail?: boolean }).fail) throw new Error('function error');
    return { ok: true };
  };
  scheduler = new SchedulerClient({
    endpoint: tc.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'x' },
  });
  made.push(scheduler);
});
afterAll(async () => {
  for (const c of made) c.destroy();
  await tc?.stop();
});

const schedule = (overrides: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: 'berth-demo-sleep',
  GroupName: 'berth',
  ScheduleExpression: 'cron(0 20 ? * MON-FRI *)',
  ScheduleExpressionTimezone: 'Asia/Seoul',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: JSON.stringify({ name: 'demo', action: 'pause' }) },
  ActionAfterCompletion: 'NONE',
  ...overrides,
});

describe('EventBridge Scheduler groups', () => {
  it('creates a tagged group, answers it, and refuses a second one of the same name', async () => {
    const created = await scheduler.send(
      new CreateScheduleGroupCommand({ Name: 'berth', Tags: [{ Key: 'berth:managed-by', Value: 'berth' }] }),
    );
    expect(created.ScheduleGroupArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule-group/berth');
    const group = await scheduler.send(new GetScheduleGroupCommand({ Name: 'berth' }));
    expect(group).toMatchObject({ Name: 'berth', State: 'ACTIVE', Arn: created.ScheduleGroupArn });
    expect(group.CreationDate).toBeInstanceOf(Date);
    await expectAwsError(
      scheduler.send(new CreateScheduleGroupCommand({ Name: 'berth' })),
      'ConflictException',
      'Schedule group berth already exists.',
    );
    await expectAwsError(
      scheduler.send(new GetScheduleGroupCommand({ Name: 'nope' })),
      'ResourceNotFoundException',
      'Schedule group nope does not exist.',
    );
  });

  it('tags and untags groups but not schedules', async () => {
    const arn = 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/berth';
    await scheduler.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'team', Value: 'web' }] }));
    expect((await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'berth:managed-by', Value: 'berth' },
      { Key: 'team', Value: 'web' },
    ]);
    await scheduler.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['team'] }));
    expect((await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'berth:managed-by', Value: 'berth' },
    ]);
    await expectAwsError(
      scheduler.send(
        new ListTagsForResourceCommand({
          ResourceArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/berth/berth-demo-sleep',
        }),
      ),
      'ValidationException',
      /Tagging is not supported for schedules/,
    );
  });

  it('deletes a group with its schedules (asynchronously)', async () => {
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'doomed' }));
    await scheduler.send(new CreateScheduleCommand(schedule({ GroupName: 'doomed', Name: 'one' })));
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'doomed' }));
    for (let i = 0; i < 200; i++) {
      try {
        await scheduler.send(new GetScheduleGroupCommand({ Name: 'doomed' }));
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expectAwsError(
      scheduler.send(new GetScheduleCommand({ Name: 'one', GroupName: 'doomed' })),
      'ResourceNotFoundException',
      'Schedule group doomed does not exist.',
    );
  });
});

describe('EventBridge Scheduler schedules', () => {
  it('creates a schedule in a group and answers it with its expression, time zone and target', async () => {
    const created = await scheduler.send(new CreateScheduleCommand(schedule()));
    expect(created.ScheduleArn).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule/berth/berth-demo-sleep',
    );
    const got = await scheduler.send(
      new GetScheduleCommand({ Name: 'berth-demo-sleep', GroupName: 'berth' }),
    );
    expect(got).toMatchObject({
      Name: 'berth-demo-sleep',
      GroupName: 'berth',
      ScheduleExpression: 'cron(0 20 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Asia/Seoul',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{"name":"demo","action":"pause"}' },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
  });

  it('refuses a second schedule of the same name in the group, and a schedule in a missing group', async () => {
    await expectAwsError(
      scheduler.send(new CreateScheduleCommand(schedule())),
      'ConflictException',
      'Schedule berth-demo-sleep already exists.',
    );
    await expectAwsError(
      scheduler.send(new CreateScheduleCommand(schedule({ GroupName: 'missing' }))),
      'ResourceNotFoundException',
      'Schedule group missing does not exist.',
    );
  });

  it.each([
    ['cron(0 20 * * MON-FRI *)'],
    ['cron(0 20 ? * MON-FRI)'],
    ['cron(0 25 ? * MON-FRI *)'],
    ['0 20 * * 1-5'],
    ['rate(0 minutes)'],
    ['at(2026-02-30T10:00:00)'],
  ])('answers ValidationException for the expression %s', async (expression) => {
    await expectAwsError(
      scheduler.send(new CreateScheduleCommand(schedule({ Name: 'bad', ScheduleExpression: expression }))),
      'ValidationException',
      `Invalid Schedule Expression ${expression}`,
    );
  });

  it('answers ValidationException for a bad time zone, name, window or role', async () => {
    await expectAwsError(
      scheduler.send(
        new CreateScheduleCommand(schedule({ Name: 'bad', ScheduleExpressionTimezone: 'Mars/Base' })),
      ),
      'ValidationException',
      'Invalid time zone Mars/Base',
    );
    await expectAwsError(
      scheduler.send(new CreateScheduleCommand(schedule({ Name: 'bad name' }))),
      'ValidationException',
      "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$",
    );
    await expectAwsError(
      scheduler.send(
        new CreateScheduleCommand(schedule({ Name: 'bad', FlexibleTimeWindow: { Mode: 'FLEXIBLE' } })),
      ),
      'ValidationException',
      'MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE.',
    );
    await expectAwsError(
      scheduler.send(
        new CreateScheduleCommand(
          schedule({ Name: 'bad', Target: { Arn: FUNCTION_ARN, RoleArn: 'not-a-role' } }),
        ),
      ),
      'ValidationException',
      'Invalid RoleArn not-a-role',
    );
  });

  it('replaces a schedule on update, lists by group and prefix, and deletes it', async () => {
    await scheduler.send(
      new UpdateScheduleCommand({
        ...schedule(),
        ScheduleExpression: 'cron(30 21 ? * * *)',
        ScheduleExpressionTimezone: 'UTC',
      }),
    );
    const got = await scheduler.send(
      new GetScheduleCommand({ Name: 'berth-demo-sleep', GroupName: 'berth' }),
    );
    expect([got.ScheduleExpression, got.ScheduleExpressionTimezone]).toEqual(['cron(30 21 ? * * *)', 'UTC']);
    await scheduler.send(new CreateScheduleCommand(schedule({ Name: 'berth-demo-wake' })));
    await scheduler.send(new CreateScheduleCommand(schedule({ Name: 'other', GroupName: undefined })));
    const listed = await scheduler.send(
      new ListSchedulesCommand({ GroupName: 'berth', NamePrefix: 'berth-demo-' }),
    );
    expect(listed.Schedules?.map((s) => [s.Name, s.GroupName, s.Target?.Arn])).toEqual([
      ['berth-demo-sleep', 'berth', FUNCTION_ARN],
      ['berth-demo-wake', 'berth', FUNCTION_ARN],
    ]);
    const firstPage = await scheduler.send(new ListSchedulesCommand({ MaxResults: 1 }));
    expect(firstPage.Schedules).toHaveLength(1);
    expect(firstPage.NextToken).toBeDefined();
    await scheduler.send(new DeleteScheduleCommand({ Name: 'berth-demo-wake', GroupName: 'berth' }));
    await expectAwsError(
      scheduler.send(new DeleteScheduleCommand({ Name: 'berth-demo-wake', GroupName: 'berth' })),
      'ResourceNotFoundException',
      'Schedule berth-demo-wake does not exist.',
    );
    await expectAwsError(
      scheduler.send(new UpdateScheduleCommand(schedule({ Name: 'never-made' }))),
      'ResourceNotFoundException',
      'Schedule never-made does not exist.',
    );
  });
});

describe('EventBridge Scheduler firing', () => {
  it('invokes the Lambda target with the Input when the control fires the schedule', async () => {
    invocations.length = 0;
    const fired = await tc.control('/_berth/scheduler/fire', {
      body: { name: 'berth-demo-sleep', group: 'berth' },
    });
    expect(fired).toMatchObject({ schedule: 'berth-demo-sleep', group: 'berth', outcome: 'invoked' });
    expect(invocations).toEqual([{ functionArn: FUNCTION_ARN, event: { name: 'demo', action: 'pause' } }]);
    expect(await tc.control('/_berth/scheduler/fire', { body: { name: 'nope' } })).toEqual({
      error: 'Schedule nope does not exist.',
    });
  });

  it('fires by itself when a schedule comes due, and records a failed invocation', async () => {
    invocations.length = 0;
    const start = new Date(Date.now() + 300);
    await scheduler.send(
      new CreateScheduleCommand(
        schedule({
          Name: 'soon',
          ScheduleExpression: 'rate(1 day)',
          StartDate: start,
          Target: { Arn: FUNCTION_ARN, RoleArn: ROLE_ARN, Input: '{"fail":true}' },
        }),
      ),
    );
    for (let i = 0; i < 100 && invocations.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(invocations).toEqual([{ functionArn: FUNCTION_ARN, event: { fail: true } }]);
    const state = await tc.control('/_berth/state');
    const backend = state.scheduler['000000000000/us-east-1'];
    const soon = backend.schedules.find((s: { name: string }) => s.name === 'soon');
    expect(Date.parse(soon.nextFireAt) - start.getTime()).toBe(86_400_000);
    for (let i = 0; i < 100; i++) {
      if (
        schedulerBackend(tc.cloud, '000000000000', 'us-east-1').invocations.some(
          (x) => x.outcome === 'failed',
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(schedulerBackend(tc.cloud, '000000000000', 'us-east-1').invocations.at(-1)).toMatchObject({
      schedule: 'soon',
      outcome: 'failed',
      error: 'function error',
    });
  });

  it('skips a cron time that does not exist in the zone and runs an ambiguous one once', () => {
    const cron = compileExpression('cron(30 2 * * ? *)', 'America/New_York');
    expect(
      new Date(nextFire(cron, 'America/New_York', Date.parse('2026-03-07T12:00:00Z'), 0) ?? 0).toISOString(),
    ).toBe('2026-03-09T06:30:00.000Z');
    const back = compileExpression('cron(30 1 * * ? *)', 'America/New_York');
    expect(
      new Date(nextFire(back, 'America/New_York', Date.parse('2026-11-01T05:30:00Z'), 0) ?? 0).toISOString(),
    ).toBe('2026-11-02T06:30:00.000Z');
    const saturday = compileExpression('cron(0 9 ? * L *)', 'UTC');
    expect(
      new Date(nextFire(saturday, 'UTC', Date.parse('2026-12-01T00:00:00Z'), 0) ?? 0).toISOString(),
    ).toBe('2026-12-05T09:00:00.000Z');
  });
});

describe('EventBridge Scheduler IAM', () => {
  it('authorizes CreateSchedule on the schedule ARN and iam:PassRole on the target role', async () => {
    const scheduleArn = 'arn:aws:scheduler:us-east-1:000000000000:schedule/berth/berth-*';
    tc.iam.setPrincipals([
      {
        functionName: 'berth-no-pass',
        roleName: 'no-pass',
        statements: [{ Effect: 'Allow', Action: 'scheduler:CreateSchedule', Resource: scheduleArn }],
      },
      {
        functionName: 'berth-pass',
        roleName: 'pass',
        statements: [
          { Effect: 'Allow', Action: 'scheduler:CreateSchedule', Resource: scheduleArn },
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: ROLE_ARN,
            Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          },
        ],
      },
    ]);
    const as = (fn: string) => {
      const client = new SchedulerClient({
        endpoint: tc.url,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: accessKeyIdForFunction(fn), secretAccessKey: 'x' },
      });
      made.push(client);
      return client;
    };
    const denied = await expectAwsError(
      as('berth-no-pass').send(new CreateScheduleCommand(schedule({ Name: 'berth-x-sleep' }))),
      'AccessDeniedException',
      /is not authorized to perform: iam:PassRole on resource: arn:aws:iam::000000000000:role\/berth-scheduler/,
    );
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    await expectAwsError(
      as('berth-pass').send(new CreateScheduleCommand(schedule({ Name: 'other-sleep' }))),
      'AccessDeniedException',
      /scheduler:CreateSchedule on resource: arn:aws:scheduler:us-east-1:000000000000:schedule\/berth\/other-sleep/,
    );
    const made2 = await as('berth-pass').send(new CreateScheduleCommand(schedule({ Name: 'berth-x-sleep' })));
    expect(made2.ScheduleArn).toContain('schedule/berth/berth-x-sleep');
  });
});
