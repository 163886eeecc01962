import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/handlers/api.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse, readyEnv } from './entry-fakes.ts';

const handlerWith = (registry: FakeRegistry) =>
  makeHandler({
    registry,
    executions: new FakeExecutions(),
    planner: { plan: async () => ({ steps: [] }) },
    logger: { error: () => {} },
  });

describe('api GET /environments/{name} resources', () => {
  it("lists the AWS resources Berth creates for the environment's spec", async () => {
    const registry = new FakeRegistry();
    registry.environments.set(
      'demo',
      readyEnv('demo', { spec: { name: 'demo', launchType: 'EC2', loadBalancer: { mode: 'dedicated' } } }),
    );
    const body = parse(await handlerWith(registry)(apiEvent('GET', '/environments/demo')));
    expect(body['resources'].map((r: { type: string; name: string }) => `${r.type} ${r.name}`)).toEqual([
      'securityGroup berth-demo-alb',
      'securityGroup berth-demo-instances',
      'targetGroup berth-demo-tg',
      'loadBalancer berth-demo-alb',
      'cluster berth-demo',
      'launchTemplate berth-demo-lt',
      'autoScalingGroup berth-demo-asg',
      'capacityProvider berth-demo-cp',
      'taskDefinition berth-demo',
      'service berth-demo',
    ]);
    expect(body['resources'].at(-1)).toEqual({
      type: 'service',
      name: 'berth-demo',
      label: 'ECS service',
      cluster: 'berth-demo',
    });
  });

  it('has a listener rule and no EC2 capacity for a shared-mode Fargate environment', async () => {
    const registry = new FakeRegistry();
    registry.environments.set(
      'web',
      readyEnv('web', { spec: { name: 'web', launchType: 'FARGATE', loadBalancer: { mode: 'shared' } } }),
    );
    const body = parse(await handlerWith(registry)(apiEvent('GET', '/environments/web')));
    expect(body['resources'].map((r: { type: string }) => r.type)).toEqual([
      'securityGroup',
      'targetGroup',
      'listenerRule',
      'cluster',
      'taskDefinition',
      'service',
    ]);
  });

  it('lists none once the environment is deleted', async () => {
    const registry = new FakeRegistry();
    registry.environments.set('old', readyEnv('old', { status: 'deleted', spec: { name: 'old' } }));
    const body = parse(await handlerWith(registry)(apiEvent('GET', '/environments/old')));
    expect(body['resources']).toEqual([]);
  });
});
