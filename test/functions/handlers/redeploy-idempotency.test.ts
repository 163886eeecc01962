import {
  DescribeServicesCommand,
  type DescribeServicesCommandInput,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandInput,
  ListTaskDefinitionsCommand,
  type ListTaskDefinitionsCommandInput,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as redeployHandler } from '../../../functions/handlers/redeploy.ts';
import { awsError, mocks, OWNED_ECS, resetMocks, testDeps } from './aws-fixtures.ts';

const arnOf = (family: string, revision: number) =>
  `arn:aws:ecs:us-east-1:1:task-definition/${family}:${revision}`;

interface Revision {
  readonly definition: TaskDefinition;
  readonly tags: { key: string; value: string }[];
}

/**
 * A stateful ECS fake: task definition revisions (with tags) and one service whose PRIMARY
 * deployment follows UpdateService. `failUpdates` UpdateService calls throw ThrottlingException
 * before changing anything.
 */
function fakeEcs(options: { failUpdates?: number; extraFamily?: boolean } = {}) {
  const revisions: Revision[] = [];
  let failUpdates = options.failUpdates ?? 0;
  const base: TaskDefinition = {
    family: 'berth-demo',
    networkMode: 'bridge',
    requiresCompatibilities: ['EC2'],
    status: 'ACTIVE',
    containerDefinitions: [{ name: 'app', image: 'nginx:1.27', cpu: 256, memory: 512 }],
  };
  const add = (family: string, definition: TaskDefinition, tags: Revision['tags']) => {
    const revision = revisions.filter((r) => r.definition.family === family).length + 1;
    const entry = {
      definition: { ...definition, family, revision, taskDefinitionArn: arnOf(family, revision) },
      tags,
    };
    revisions.push(entry);
    return entry.definition;
  };
  add('berth-demo', base, OWNED_ECS);
  if (options.extraFamily) add('berth-demo-2', base, OWNED_ECS);
  const service = {
    serviceArn: 'arn:svc',
    serviceName: 'berth-demo',
    status: 'ACTIVE',
    desiredCount: 1,
    taskDefinition: arnOf('berth-demo', 1),
    deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: arnOf('berth-demo', 1) }],
    tags: OWNED_ECS,
  };
  mocks.ecs
    .on(DescribeServicesCommand)
    .callsFake((_input: DescribeServicesCommandInput) => ({ services: [structuredClone(service)] }));
  mocks.ecs.on(ListTaskDefinitionsCommand).callsFake((input: ListTaskDefinitionsCommandInput) => {
    const arns = revisions
      .filter((r) => r.definition.family?.startsWith(input.familyPrefix ?? ''))
      .map((r) => r.definition)
      .sort((a, b) => (a.family ?? '').localeCompare(b.family ?? '') || (a.revision ?? 0) - (b.revision ?? 0))
      .map((d) => d.taskDefinitionArn ?? '');
    return { taskDefinitionArns: input.sort === 'DESC' ? arns.reverse() : arns };
  });
  mocks.ecs.on(DescribeTaskDefinitionCommand).callsFake((input: DescribeTaskDefinitionCommandInput) => {
    const found = revisions.find((r) => r.definition.taskDefinitionArn === input.taskDefinition);
    if (!found) throw awsError('ClientException', 'Unable to describe task definition.');
    return { taskDefinition: found.definition, tags: found.tags };
  });
  mocks.ecs.on(RegisterTaskDefinitionCommand).callsFake((input: RegisterTaskDefinitionCommandInput) => ({
    taskDefinition: add(
      input.family ?? '',
      { ...base, containerDefinitions: input.containerDefinitions ?? [] },
      (input.tags ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '' })),
    ),
  }));
  mocks.ecs.on(UpdateServiceCommand).callsFake((input: UpdateServiceCommandInput) => {
    if (failUpdates > 0) {
      failUpdates -= 1;
      throw awsError('ThrottlingException', 'Rate exceeded');
    }
    const taskDefinition = input.taskDefinition ?? service.taskDefinition;
    service.taskDefinition = taskDefinition;
    service.deployments = [
      { id: `ecs-svc/${service.deployments.length + 1}`, status: 'PRIMARY', taskDefinition },
      ...service.deployments.map((d) => ({ ...d, status: 'ACTIVE' })),
    ];
    return { service: structuredClone(service) };
  });
  return { revisions, service };
}

const state = (requestId: string | undefined, image = 'nginx:1.28') => ({
  operation: 'redeploy',
  env: 'demo',
  requestedBy: 'ana',
  image,
  ...(requestId === undefined ? {} : { requestId }),
});

const count = (command: Parameters<typeof mocks.ecs.commandCalls>[0]) =>
  mocks.ecs.commandCalls(command).length;

beforeEach(() => resetMocks());

describe('redeploy idempotency', () => {
  it('registers one revision tagged with the request id and updates the service once on the first call', async () => {
    const ecs = fakeEcs();
    const result = await redeployHandler(testDeps())(state('req-7'));
    expect(result).toEqual({
      taskDefinitionArn: arnOf('berth-demo', 2),
      previousTaskDefinitionArn: arnOf('berth-demo', 1),
      image: 'nginx:1.28',
    });
    expect(count(RegisterTaskDefinitionCommand)).toBe(1);
    expect(count(UpdateServiceCommand)).toBe(1);
    expect(ecs.revisions.at(-1)?.tags).toEqual(
      expect.arrayContaining([
        { key: 'berth:request-id', value: 'req-7' },
        { key: 'berth:redeployed-from', value: arnOf('berth-demo', 1) },
        { key: 'berth:env', value: 'demo' },
        { key: 'berth:managed-by', value: 'berth' },
      ]),
    );
    expect(mocks.ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      taskDefinition: arnOf('berth-demo', 2),
      forceNewDeployment: true,
    });
  });

  it('reuses the revision and updates once when retried after a failed UpdateService', async () => {
    const ecs = fakeEcs({ failUpdates: 1 });
    const handler = redeployHandler(testDeps());
    await expect(handler(state('req-7'))).rejects.toMatchObject({
      name: 'ThrottlingError',
      message: expect.stringContaining('ecs.UpdateService berth-demo'),
    });
    const result = await handler(state('req-7'));
    expect(result).toEqual({
      taskDefinitionArn: arnOf('berth-demo', 2),
      previousTaskDefinitionArn: arnOf('berth-demo', 1),
      image: 'nginx:1.28',
    });
    expect(count(RegisterTaskDefinitionCommand)).toBe(1);
    const updates = mocks.ecs.commandCalls(UpdateServiceCommand);
    expect(updates).toHaveLength(2);
    expect(updates[1]?.args[0].input.taskDefinition).toBe(arnOf('berth-demo', 2));
    expect(ecs.service.deployments.filter((d) => d.taskDefinition === arnOf('berth-demo', 2))).toHaveLength(
      1,
    );
    expect(ecs.revisions.filter((r) => r.definition.family === 'berth-demo')).toHaveLength(2);
  });

  it('sends neither RegisterTaskDefinition nor UpdateService when repeated after success', async () => {
    const ecs = fakeEcs();
    const handler = redeployHandler(testDeps());
    const first = await handler(state('req-7'));
    mocks.ecs.resetHistory();
    const repeat = await handler(state('req-7'));
    expect(repeat).toEqual(first);
    expect(count(RegisterTaskDefinitionCommand)).toBe(0);
    expect(count(UpdateServiceCommand)).toBe(0);
    expect(ecs.service.deployments).toHaveLength(2);
  });

  it('registers and deploys a new revision for a different request id', async () => {
    const ecs = fakeEcs();
    const handler = redeployHandler(testDeps());
    await handler(state('req-7'));
    const result = await handler(state('req-8', 'nginx:1.29'));
    expect(result).toEqual({
      taskDefinitionArn: arnOf('berth-demo', 3),
      previousTaskDefinitionArn: arnOf('berth-demo', 2),
      image: 'nginx:1.29',
    });
    expect(count(RegisterTaskDefinitionCommand)).toBe(2);
    expect(count(UpdateServiceCommand)).toBe(2);
    expect(ecs.revisions.at(-1)?.tags).toContainEqual({ key: 'berth:request-id', value: 'req-8' });
  });

  it('looks only at revisions of its own family when a prefix-sharing family is newer', async () => {
    const ecs = fakeEcs({ extraFamily: true });
    const handler = redeployHandler(testDeps());
    await handler(state('req-7'));
    mocks.ecs.resetHistory();
    await handler(state('req-7'));
    expect(count(RegisterTaskDefinitionCommand)).toBe(0);
    expect(
      mocks.ecs.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition),
    ).toEqual([arnOf('berth-demo', 2)]);
    expect(ecs.revisions.filter((r) => r.definition.family === 'berth-demo')).toHaveLength(2);
  });

  it('registers and deploys on every call without a request id', async () => {
    fakeEcs();
    const handler = redeployHandler(testDeps());
    await handler(state(undefined));
    await handler(state(undefined));
    expect(count(ListTaskDefinitionsCommand)).toBe(0);
    expect(count(RegisterTaskDefinitionCommand)).toBe(2);
    expect(count(UpdateServiceCommand)).toBe(2);
  });
});
