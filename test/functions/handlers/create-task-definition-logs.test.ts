import {
  CreateLogGroupCommand,
  PutRetentionPolicyCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as createTaskDefinition } from '../../../functions/handlers/create-task-definition.ts';
import {
  logGroups,
  logRetention,
  mocks,
  OWNED_ECS,
  REVISION_1_CONTAINER,
  resetMocks,
  sent,
  TD_1,
  testDeps,
  upState,
} from './aws-fixtures.ts';

const TD = TD_1;
const OWNED_TAGS = { 'berth:env': 'demo', 'berth:managed-by': 'berth', 'berth:owner': 'ana' };

function noRevisions() {
  mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
  mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({
    taskDefinition: { taskDefinitionArn: TD, family: 'berth-demo', revision: 1 },
  });
}

describe('create-task-definition and the log group', () => {
  beforeEach(() => resetMocks());

  it('creates /berth/<env> tagged as the environment’s with the spec retention before registering', async () => {
    noRevisions();
    await createTaskDefinition(testDeps())({
      ...upState,
      spec: { ...upState.spec, logs: { retentionDays: 30, keepDays: 3 } },
    });
    expect(mocks.logs).toHaveReceivedCommandWith(CreateLogGroupCommand, {
      logGroupName: '/berth/demo',
      tags: { ...OWNED_TAGS, 'berth:logs-keep-days': '3' },
    });
    expect(mocks.logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, {
      logGroupName: '/berth/demo',
      retentionInDays: 30,
    });
    expect(logRetention.get('/berth/demo')).toBe(30);
    expect(mocks.ecs).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
      containerDefinitions: [
        expect.objectContaining({
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/berth/demo',
              'awslogs-region': 'us-east-1',
              'awslogs-stream-prefix': 'app',
            },
          },
        }),
      ],
    });
  });

  it('refuses a same-named log group with foreign tags and registers nothing', async () => {
    noRevisions();
    logGroups.set('/berth/demo', { team: 'payments' });
    await expect(createTaskDefinition(testDeps())(upState)).rejects.toMatchObject({
      name: 'OwnershipConflictError',
      message:
        'log group /berth/demo exists but is not tagged as belonging to environment "demo" (berth:env/berth:managed-by); Berth will neither adopt nor delete it',
    });
    expect(sent(mocks.ecs)).not.toContain('RegisterTaskDefinitionCommand');
    expect(logGroups.get('/berth/demo')).toEqual({ team: 'payments' });
  });

  it('takes back a group kept by an earlier down: the expiry tag goes', async () => {
    noRevisions();
    logGroups.set('/berth/demo', {
      ...OWNED_TAGS,
      'berth:logs-keep-days': '0',
      'berth:logs-expire-at': '2026-01-01T00:00:00.000Z',
    });
    await createTaskDefinition(testDeps())(upState);
    expect(mocks.logs).toHaveReceivedCommandWith(UntagResourceCommand, {
      tagKeys: ['berth:logs-expire-at'],
    });
    expect(mocks.logs).not.toHaveReceivedCommand(CreateLogGroupCommand);
    expect(logGroups.get('/berth/demo')).toEqual({ ...OWNED_TAGS, 'berth:logs-keep-days': '0' });
  });

  it('registers a new revision when the newest matching one does not log through awslogs', async () => {
    noRevisions();
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD] });
    mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: TD,
        family: 'berth-demo',
        revision: 1,
        status: 'ACTIVE',
        networkMode: 'bridge',
        containerDefinitions: [REVISION_1_CONTAINER],
      },
      tags: OWNED_ECS,
    });
    await createTaskDefinition(testDeps())(upState);
    expect(mocks.ecs).toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });
});
