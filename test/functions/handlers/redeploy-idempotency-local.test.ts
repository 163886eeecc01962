import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsEcsAdapter } from '../../../functions/adapters/ecs.ts';
import { silentLogger } from '../../../functions/handlers/lifecycle-deps.ts';
import { makeHandler as redeployHandler } from '../../../functions/handlers/redeploy.ts';
import { startTestCloud, type TestCloud } from '../../local/cloud/helpers/cloud.ts';

const OWNED = [
  { key: 'berth:env', value: 'demo' },
  { key: 'berth:managed-by', value: 'berth' },
  { key: 'berth:owner', value: 'ana' },
];

let t: TestCloud;

beforeAll(async () => {
  t = await startTestCloud();
  await t.clients.ecs.send(new CreateClusterCommand({ clusterName: 'berth-demo', tags: OWNED }));
  const td = await t.clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'berth-demo',
      networkMode: 'bridge',
      requiresCompatibilities: ['EC2'],
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128, essential: true }],
      tags: OWNED,
    }),
  );
  await t.clients.ecs.send(
    new CreateServiceCommand({
      cluster: 'berth-demo',
      serviceName: 'berth-demo',
      taskDefinition: td.taskDefinition?.taskDefinitionArn,
      desiredCount: 0,
      tags: OWNED,
    }),
  );
});
afterAll(() => t.stop());

const revisions = async () =>
  (await t.clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'berth-demo' })))
    .taskDefinitionArns ?? [];
const primary = async () => {
  const out = await t.clients.ecs.send(
    new DescribeServicesCommand({ cluster: 'berth-demo', services: ['berth-demo'] }),
  );
  return out.services?.[0]?.deployments?.find((d) => d.status === 'PRIMARY');
};

describe('redeploy against the local cloud', () => {
  it('keeps one revision and one deployment through a throttled UpdateService, its retry and a repeat', async () => {
    const handler = redeployHandler({ ecs: new AwsEcsAdapter(t.clients.ecs), logger: silentLogger });
    const state = { operation: 'redeploy', env: 'demo', requestId: 'req-local-1', image: 'nginx:1.28' };
    await t.control('/_berth/faults', {
      body: { random: { seed: 1, throttleRate: 1, serverErrorRate: 0, actions: ['ecs:UpdateService'] } },
    });
    await expect(handler(state)).rejects.toMatchObject({
      name: 'ThrottlingError',
      message: expect.stringContaining('ecs.UpdateService berth-demo'),
    });
    await t.control('/_berth/faults', { body: { random: { throttleRate: 0 } } });
    expect(await revisions()).toHaveLength(2);

    const retried = await handler(state);
    expect(retried.taskDefinitionArn).toMatch(/task-definition\/berth-demo:2$/);
    expect(retried.image).toBe('nginx:1.28');
    expect(await revisions()).toHaveLength(2);
    const deployment = await primary();
    expect(deployment?.taskDefinition).toBe(retried.taskDefinitionArn);

    const repeated = await handler(state);
    expect(repeated).toEqual(retried);
    expect(await revisions()).toHaveLength(2);
    expect((await primary())?.id).toBe(deployment?.id);
  });
});
