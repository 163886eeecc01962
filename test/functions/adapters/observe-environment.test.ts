import { describe, expect, it } from 'vitest';
import { type ObserveAdapters, observeEnvironment } from '../../../functions/adapters/observe-environment.ts';

const TAGS = { 'berth:env': 'demo', 'berth:managed-by': 'berth' };
const TD = (n: number) => `arn:aws:ecs:us-east-1:1:task-definition/berth-demo:${n}`;

/** Fake adapters recording every read, answering as an account where the cluster, service and two revisions exist. */
function account() {
  const calls: string[] = [];
  const record =
    <T>(name: string, answer: T) =>
    async (...args: unknown[]) => {
      calls.push(`${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
      return answer;
    };
  const adapters = {
    ecs: {
      observeCluster: record('observeCluster', {
        arn: 'arn:c',
        name: 'berth-demo',
        status: 'ACTIVE',
        tags: TAGS,
      }),
      observeService: record('observeService', {
        arn: 'arn:s',
        name: 'berth-demo',
        status: 'ACTIVE',
        tags: TAGS,
      }),
      observeCapacityProvider: record('observeCapacityProvider', undefined),
      observeTaskDefinitions: record('observeTaskDefinitions', [
        { arn: TD(1), family: 'berth-demo', revision: 1, status: 'ACTIVE' },
        { arn: TD(2), family: 'berth-demo', revision: 2, status: 'ACTIVE' },
      ]),
      describeTaskDefinition: record('describeTaskDefinition', {
        arn: TD(2),
        family: 'berth-demo',
        revision: 2,
        status: 'ACTIVE',
        image: 'nginx:1.28',
        launchTypes: ['FARGATE'],
        tags: TAGS,
        definition: {},
      }),
      listTasks: record('listTasks', []),
      describeStoppedTasks: record('describeStoppedTasks', []),
    },
    elbv2: {
      observeTargetGroup: record('observeTargetGroup', undefined),
      observeLoadBalancer: record('observeLoadBalancer', undefined),
      observeListenerRule: record('observeListenerRule', undefined),
    },
    autoScaling: { observeGroup: record('observeGroup', undefined) },
    ec2: {
      observeSecurityGroups: record('observeSecurityGroups', {}),
      observeLaunchTemplate: record('observeLaunchTemplate', undefined),
    },
  };
  return { calls, adapters: adapters as unknown as ObserveAdapters };
}

describe('observeEnvironment', () => {
  it('describes only the parts asked for and leaves missing resources out', async () => {
    const { calls, adapters } = account();
    const observed = await observeEnvironment(adapters, { env: 'demo', parts: ['load-balancer'] });
    expect(observed).toEqual({ env: 'demo', securityGroups: {} });
    expect(calls).toEqual([
      'observeTargetGroup("berth-demo-tg", {"withTargets":false})',
      'observeTargetGroup("berth-demo-wake", {"withTargets":false})', // the wake target group a pause routes to
      'observeLoadBalancer("berth-demo-alb")',
    ]);
  });

  it('reads the service only through a live cluster', async () => {
    const { calls, adapters } = account();
    const observed = await observeEnvironment(adapters, { env: 'demo', parts: ['service'] });
    expect(observed.service?.arn).toBe('arn:s');
    expect(calls).toEqual(['observeCluster("berth-demo")', 'observeService("berth-demo", "berth-demo")']);
  });

  it('describes the newest revision only for latest-revision, so up can compare it with the spec', async () => {
    const { calls, adapters } = account();
    const listed = await observeEnvironment(adapters, { env: 'demo', parts: ['task-definitions'] });
    expect(listed.taskDefinitions?.map((d) => d.image)).toEqual([undefined, undefined]);
    const described = await observeEnvironment(adapters, { env: 'demo', parts: ['latest-revision'] });
    expect(described.taskDefinitions?.[1]).toEqual({
      arn: TD(2),
      family: 'berth-demo',
      revision: 2,
      status: 'ACTIVE',
      image: 'nginx:1.28',
      launchTypes: ['FARGATE'],
    });
    expect(calls.filter((c) => c.startsWith('describeTaskDefinition'))).toEqual([
      `describeTaskDefinition("${TD(2)}")`,
    ]);
  });

  it('observes the security groups only with a VPC, and the shared rule only with the shared listener', async () => {
    const { calls, adapters } = account();
    await observeEnvironment(adapters, { env: 'demo', parts: ['network', 'load-balancer'] });
    await observeEnvironment(adapters, {
      env: 'demo',
      parts: ['network', 'load-balancer'],
      vpcId: 'vpc-1',
      sharedListenerArn: 'arn:listener',
    });
    expect(
      calls.filter((c) => c.startsWith('observeSecurityGroups') || c.startsWith('observeListenerRule')),
    ).toEqual([
      'observeSecurityGroups("vpc-1", {"alb":"berth-demo-alb","instances":"berth-demo-instances"}, {"networkInterfaces":false})',
      'observeListenerRule("arn:listener", "demo")',
    ]);
  });

  it('never reads an adapter a part does not need (handlers are wired with their own clients only)', async () => {
    const unwired = new Proxy({} as ObserveAdapters, {
      get(_target, key) {
        if (key === 'ecs') return account().adapters.ecs;
        throw new Error(`read ${String(key)}`);
      },
    });
    await expect(
      observeEnvironment(unwired, { env: 'demo', parts: ['service', 'task-definitions'] }),
    ).resolves.toMatchObject({
      env: 'demo',
    });
  });
});
