import { describe, expect, it } from 'vitest';
import type { ObservedEnvironment } from '../../../functions/core/observed.ts';
import { makeHandler, type ObserverPort } from '../../../functions/handlers/plan.ts';

const EMPTY: ObservedEnvironment = { env: 'demo', securityGroups: {} };
const SPEC = { name: 'demo', image: 'nginx:1.27', owner: 'ana' };
const FARGATE_SPEC = { ...SPEC, launchType: 'FARGATE', cpu: 256, memory: 512 };
const TAGS = { 'berth:env': 'demo', 'berth:managed-by': 'berth', 'berth:owner': 'ana' };
const RUNNING: ObservedEnvironment = {
  env: 'demo',
  securityGroups: {},
  service: {
    arn: 'arn:aws:ecs:us-east-1:0:service/berth-demo/berth-demo',
    name: 'berth-demo',
    status: 'ACTIVE',
    desiredCount: 1,
    runningCount: 1,
    pendingCount: 0,
    taskDefinition: 'arn:aws:ecs:us-east-1:0:task-definition/berth-demo:1',
    deployments: [],
    tags: TAGS,
  },
};

const observer = (observed: ObservedEnvironment = EMPTY): ObserverPort & { calls: string[] } => {
  const calls: string[] = [];
  return {
    calls,
    async observe(env) {
      calls.push(env);
      return observed;
    },
  };
};

describe('plan', () => {
  it('plans up of a fresh environment as creations', async () => {
    const obs = observer();
    const { steps } = await makeHandler({ observer: obs })({ operation: 'up', env: 'demo', spec: SPEC });
    expect(obs.calls).toEqual(['demo']);
    expect(steps.length).toBeGreaterThan(3);
    expect(steps.some((s) => s.action === 'create')).toBe(true);
  });

  it('plans down of an environment with nothing left as no steps', async () => {
    const { steps } = await makeHandler({ observer: observer(), now: () => new Date(0) })({
      operation: 'down',
      env: 'demo',
    });
    expect(steps).toEqual([]);
  });

  it('plans scale with the desired count', async () => {
    const { steps } = await makeHandler({ observer: observer(RUNNING) })({
      operation: 'scale',
      env: 'demo',
      spec: FARGATE_SPEC,
      desiredCount: 2,
    });
    expect(steps).toContainEqual(
      expect.objectContaining({ stage: 'service', action: 'update', reason: 'desired count 1 → 2' }),
    );
  });

  it('plans redeploy with a new image', async () => {
    const { steps } = await makeHandler({ observer: observer(RUNNING) })({
      operation: 'redeploy',
      env: 'demo',
      spec: FARGATE_SPEC,
      image: 'nginx:1.28',
    });
    expect(steps[0]).toMatchObject({ stage: 'task-definition', action: 'create' });
    expect(steps[0]?.reason).toMatch(/nginx:1\.28$/);
  });

  it('passes the core NotFoundError through when the service is missing', async () => {
    await expect(
      makeHandler({ observer: observer() })({ operation: 'redeploy', env: 'demo', spec: FARGATE_SPEC }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(/does not exist; run up first$/),
    });
  });

  it('rejects up without a spec', async () => {
    await expect(
      makeHandler({ observer: observer() })({ operation: 'up', env: 'demo' }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'spec',
      message: 'spec: is required to plan up',
    });
  });

  it('rejects a spec for another environment', async () => {
    await expect(
      makeHandler({ observer: observer() })({
        operation: 'up',
        env: 'demo',
        spec: { ...SPEC, name: 'other' },
      }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'spec.name: must equal the environment name "demo"',
    });
  });

  it('rejects an unknown operation without observing', async () => {
    const obs = observer();
    await expect(
      makeHandler({ observer: obs })({ operation: 'extend' as never, env: 'demo' }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'operation: must be one of up, down, scale, redeploy, pause, resume',
    });
    expect(obs.calls).toEqual([]);
  });
});
