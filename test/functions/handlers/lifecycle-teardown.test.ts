import {
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DeleteLaunchTemplateCommand,
  DeleteSecurityGroupCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteCapacityProviderCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TeardownStep } from '../../../functions/core/plan.ts';
import { planTeardown } from '../../../functions/core/plan-teardown.ts';
import { makeHandler as teardownCapacity } from '../../../functions/handlers/teardown-capacity.ts';
import { makeHandler as teardownCluster } from '../../../functions/handlers/teardown-cluster.ts';
import { makeHandler as teardownLoadBalancer } from '../../../functions/handlers/teardown-load-balancer.ts';
import { makeHandler as teardownNetwork } from '../../../functions/handlers/teardown-network.ts';
import { makeHandler as teardownService } from '../../../functions/handlers/teardown-service.ts';
import {
  executeTeardownStep,
  type TeardownPorts,
  waitedBefore,
} from '../../../functions/handlers/teardown-stage.ts';
import { makeHandler as teardownTaskDefinitions } from '../../../functions/handlers/teardown-task-definitions.ts';
import { fullyCreated } from '../core/observed-fixtures.ts';
import {
  awsError,
  FOREIGN,
  mocks,
  OWNED,
  OWNED_ECS,
  ownedCluster,
  resetMocks,
  sent,
  testDeps,
} from './aws-fixtures.ts';

/** A tiny model of the account: what exists, and every mutating call in order. */
interface World {
  service?: { status: string; desired: number; running: number };
  cluster?: { capacityProviders: string[]; instances: number };
  capacityProvider: boolean;
  asg?: { deleting: boolean; polls: number };
  launchTemplate: boolean;
  loadBalancer: boolean;
  listener: boolean;
  targetGroup: boolean;
  sgs: { alb: boolean; instances: boolean; albTags: typeof OWNED };
  revisions: number[];
  log: string[];
}

let world: World;

function fullWorld(): World {
  return {
    service: { status: 'ACTIVE', desired: 2, running: 2 },
    cluster: { capacityProviders: ['berth-demo-cp'], instances: 1 },
    capacityProvider: true,
    asg: { deleting: false, polls: 0 },
    launchTemplate: true,
    loadBalancer: true,
    listener: true,
    targetGroup: true,
    sgs: { alb: true, instances: true, albTags: OWNED },
    revisions: [1, 2],
    log: [],
  };
}

function install() {
  const w = () => world;
  mocks.ecs.on(DescribeServicesCommand).callsFake(() => {
    const s = w().service;
    if (!s) return { services: [] };
    // tasks drain between calls once desired is 0
    const view = { ...s };
    if (s.desired === 0) s.running = 0;
    return {
      services: [
        {
          serviceArn: 'arn:svc',
          serviceName: 'berth-demo',
          status: view.status,
          desiredCount: view.desired,
          runningCount: view.running,
          pendingCount: 0,
          deployments: [],
          tags: OWNED_ECS,
        },
      ],
    };
  });
  // The world's tasks are its service's running count: none is ever left stopping.
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  mocks.ecs.on(UpdateServiceCommand).callsFake((input: { desiredCount: number }) => {
    w().log.push(`UpdateService desired=${input.desiredCount}`);
    if (w().service) (w().service as { desired: number }).desired = input.desiredCount;
    return { service: { serviceArn: 'arn:svc', serviceName: 'berth-demo', status: 'ACTIVE' } };
  });
  mocks.ecs.on(DeleteServiceCommand).callsFake(() => {
    w().log.push('DeleteService');
    delete w().service;
    return {};
  });
  mocks.ecs.on(DescribeClustersCommand).callsFake(() => {
    const c = w().cluster;
    if (!c) return { clusters: [], failures: [{ reason: 'MISSING' }] };
    return {
      clusters: [
        {
          clusterArn: 'arn:cluster',
          clusterName: 'berth-demo',
          status: 'ACTIVE',
          tags: OWNED_ECS,
          capacityProviders: c.capacityProviders,
          registeredContainerInstancesCount: w().asg ? c.instances : 0,
        },
      ],
    };
  });
  mocks.ecs.on(PutClusterCapacityProvidersCommand).callsFake(() => {
    w().log.push('PutClusterCapacityProviders []');
    if (w().cluster) (w().cluster as { capacityProviders: string[] }).capacityProviders = [];
    return {};
  });
  mocks.ecs.on(DeleteClusterCommand).callsFake(() => {
    w().log.push('DeleteCluster');
    delete w().cluster;
    return {};
  });
  mocks.ecs.on(DescribeCapacityProvidersCommand).callsFake(() => ({
    capacityProviders: w().capacityProvider
      ? [{ name: 'berth-demo-cp', capacityProviderArn: 'arn:cp', status: 'ACTIVE', tags: OWNED_ECS }]
      : [],
  }));
  mocks.ecs.on(DeleteCapacityProviderCommand).callsFake(() => {
    w().log.push('DeleteCapacityProvider');
    w().capacityProvider = false;
    return {};
  });
  mocks.ecs.on(ListTaskDefinitionsCommand).callsFake(() => ({
    taskDefinitionArns: w().revisions.map((r) => `arn:aws:ecs:us-east-1:1:task-definition/berth-demo:${r}`),
  }));
  mocks.ecs.on(DeregisterTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    w().log.push(`DeregisterTaskDefinition ${input.taskDefinition.split('/').pop()}`);
    const rev = Number(input.taskDefinition.split(':').pop());
    w().revisions = w().revisions.filter((r) => r !== rev);
    return {};
  });

  mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake(() => {
    const g = w().asg;
    if (!g) return { AutoScalingGroups: [] };
    if (g.deleting) {
      g.polls += 1;
      if (g.polls > 1) {
        delete w().asg;
        return { AutoScalingGroups: [] };
      }
    }
    return {
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'berth-demo-asg',
          AutoScalingGroupARN: 'arn:asg',
          MinSize: g.deleting ? 0 : 1,
          MaxSize: g.deleting ? 0 : 2,
          DesiredCapacity: g.deleting ? 0 : 1,
          Instances: g.deleting
            ? []
            : [{ InstanceId: 'i-1', LifecycleState: 'InService', ProtectedFromScaleIn: true }],
          ...(g.deleting ? { Status: 'Delete in progress' } : {}),
          Tags: OWNED,
        },
      ],
    };
  });
  mocks.autoScaling.on(SetInstanceProtectionCommand).callsFake((input: { InstanceIds: string[] }) => {
    w().log.push(`SetInstanceProtection ${input.InstanceIds.join(',')} false`);
    return {};
  });
  mocks.autoScaling.on(UpdateAutoScalingGroupCommand).callsFake(() => {
    w().log.push('UpdateAutoScalingGroup 0/0/0');
    return {};
  });
  mocks.autoScaling.on(DeleteAutoScalingGroupCommand).callsFake((input: { ForceDelete: boolean }) => {
    w().log.push(`DeleteAutoScalingGroup force=${input.ForceDelete}`);
    if (w().asg) (w().asg as { deleting: boolean }).deleting = true;
    return {};
  });

  mocks.ec2.on(DescribeLaunchTemplatesCommand).callsFake(() => {
    if (!w().launchTemplate) throw awsError('InvalidLaunchTemplateName.NotFoundException');
    return {
      LaunchTemplates: [{ LaunchTemplateId: 'lt-1', LaunchTemplateName: 'berth-demo-lt', Tags: OWNED }],
    };
  });
  mocks.ec2.on(DeleteLaunchTemplateCommand).callsFake(() => {
    w().log.push('DeleteLaunchTemplate');
    w().launchTemplate = false;
    return {};
  });
  mocks.ec2
    .on(DescribeSecurityGroupsCommand)
    .callsFake((input: { Filters: { Name: string; Values: string[] }[] }) => {
      const name = input.Filters.find((f) => f.Name === 'group-name')?.Values[0];
      const alb = name === 'berth-demo-alb';
      const exists = alb ? w().sgs.alb : w().sgs.instances;
      if (!exists) return { SecurityGroups: [] };
      return {
        SecurityGroups: [
          { GroupId: alb ? 'sg-alb' : 'sg-inst', GroupName: name, Tags: alb ? w().sgs.albTags : OWNED },
        ],
      };
    });
  // No network interface lists the groups (teardown-network-interfaces.test.ts covers lingering ones).
  mocks.ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  mocks.ec2.on(DeleteSecurityGroupCommand).callsFake((input: { GroupId: string }) => {
    w().log.push(`DeleteSecurityGroup ${input.GroupId}`);
    if (input.GroupId === 'sg-alb') w().sgs.alb = false;
    else w().sgs.instances = false;
    return {};
  });

  mocks.elbv2.on(DescribeTargetGroupsCommand).callsFake((input: { Names?: string[] }) => {
    // By name, as AWS answers: any name but the environment's target group is not found (e.g. its wake group).
    if (!w().targetGroup || (input.Names ?? []).some((n) => n !== 'berth-demo-tg'))
      throw awsError('TargetGroupNotFound');
    return {
      TargetGroups: [
        {
          TargetGroupArn: 'arn:tg',
          TargetGroupName: 'berth-demo-tg',
          LoadBalancerArns: w().loadBalancer ? ['arn:lb'] : [],
        },
      ],
    };
  });
  mocks.elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
  mocks.elbv2.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
    TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: OWNED })),
  }));
  mocks.elbv2.on(DescribeLoadBalancersCommand).callsFake(() => {
    if (!w().loadBalancer) throw awsError('LoadBalancerNotFound');
    return {
      LoadBalancers: [
        {
          LoadBalancerArn: 'arn:lb',
          LoadBalancerName: 'berth-demo-alb',
          DNSName: 'x.elb',
          State: { Code: 'active' },
        },
      ],
    };
  });
  mocks.elbv2.on(DescribeListenersCommand).callsFake(() => ({
    Listeners: w().listener ? [{ ListenerArn: 'arn:listener', Port: 80, LoadBalancerArn: 'arn:lb' }] : [],
  }));
  mocks.elbv2.on(DeleteListenerCommand).callsFake(() => {
    w().log.push('DeleteListener');
    w().listener = false;
    return {};
  });
  mocks.elbv2.on(DeleteLoadBalancerCommand).callsFake(() => {
    w().log.push('DeleteLoadBalancer');
    w().loadBalancer = false;
    return {};
  });
  mocks.elbv2.on(DeleteTargetGroupCommand).callsFake(() => {
    w().log.push('DeleteTargetGroup');
    w().targetGroup = false;
    return {};
  });
}

const state = { operation: 'down', env: 'demo', requestId: 'req-9', requestedBy: 'nightly' };

/** Runs every teardown handler in the state machine's order, calling each again while done is false. */
async function runDown(): Promise<{ stage: string; calls: number }[]> {
  const deps = testDeps();
  const stages = [
    ['service', teardownService(deps)],
    ['load-balancer', teardownLoadBalancer(deps)],
    ['capacity', teardownCapacity(deps)],
    ['cluster', teardownCluster(deps)],
    ['network', teardownNetwork(deps)],
    ['task-definitions', teardownTaskDefinitions(deps)],
  ] as const;
  const calls: { stage: string; calls: number }[] = [];
  for (const [stage, handler] of stages) {
    let n = 0;
    for (;;) {
      n += 1;
      const result = await handler(state);
      if (result.done) break;
      if (n > 5) throw new Error(`${stage} never finished: ${JSON.stringify(result)}`);
    }
    calls.push({ stage, calls: n });
  }
  return calls;
}

beforeEach(() => {
  resetMocks();
  world = fullWorld();
  install();
});

describe('down across the teardown handlers', () => {
  it('deletes everything in the documented order', async () => {
    await runDown();
    expect(world.log).toEqual([
      'UpdateService desired=0',
      'DeleteService',
      'DeleteListener',
      'DeleteLoadBalancer',
      'DeleteTargetGroup',
      'PutClusterCapacityProviders []',
      'SetInstanceProtection i-1 false',
      'UpdateAutoScalingGroup 0/0/0',
      'DeleteAutoScalingGroup force=true',
      'DeleteLaunchTemplate',
      'DeleteCapacityProvider',
      'DeleteCluster',
      'DeleteSecurityGroup sg-inst',
      'DeleteSecurityGroup sg-alb',
      'DeregisterTaskDefinition berth-demo:1',
      'DeregisterTaskDefinition berth-demo:2',
    ]);
  });

  it('reports done: false while tasks drain and the ASG and the capacity provider delete, never for the ALB', async () => {
    const calls = await runDown();
    expect(calls).toEqual([
      { stage: 'service', calls: 3 },
      { stage: 'load-balancer', calls: 1 },
      { stage: 'capacity', calls: 4 },
      { stage: 'cluster', calls: 1 },
      { stage: 'network', calls: 1 },
      { stage: 'task-definitions', calls: 1 },
    ]);
  });

  it('returns remaining steps while waiting for the service to drain', async () => {
    const result = await teardownService(testDeps())(state);
    expect(result.done).toBe(false);
    expect(result.executed).toEqual(['update ECS service berth-demo: scale to 0 (desired count 2)']);
    expect(result.remaining).toEqual([
      'wait ECS service berth-demo: service still has 2 running tasks',
      'delete ECS service berth-demo: scaled to 0 and drained',
    ]);
    // The Wait the machine makes: the 30 s deregistration delay, the tasks' stop, a margin; then backing off.
    expect(result).toMatchObject({ waitingFor: 'tasks-draining', waitSeconds: 40, waitStep: 0 });
    const again = await teardownService(testDeps())({ ...state, teardown: { service: result } });
    expect(again).toMatchObject({ done: false, waitingFor: 'tasks-draining', waitSeconds: 15, waitStep: 1 });
  });

  it('counts deregistered revisions', async () => {
    const result = await teardownTaskDefinitions(testDeps())(state);
    expect(result).toMatchObject({ done: true, deregistered: 2 });
  });

  it('resumes after a failure midway: an ALB already gone only leaves the target group to delete', async () => {
    world = {
      ...fullWorld(),
      log: [],
      loadBalancer: false,
      listener: false,
    };
    delete world.service;
    delete world.cluster;
    delete world.asg;
    world.capacityProvider = false;
    world.launchTemplate = false;
    await runDown();
    expect(world.log).toEqual([
      'DeleteTargetGroup',
      'DeleteSecurityGroup sg-inst',
      'DeleteSecurityGroup sg-alb',
      'DeregisterTaskDefinition berth-demo:1',
      'DeregisterTaskDefinition berth-demo:2',
    ]);
  });

  it('is a no-op on an environment that is already gone', async () => {
    world = {
      ...fullWorld(),
      capacityProvider: false,
      launchTemplate: false,
      loadBalancer: false,
      listener: false,
      targetGroup: false,
      sgs: { alb: false, instances: false, albTags: OWNED },
      revisions: [],
      log: [],
    };
    delete world.service;
    delete world.cluster;
    delete world.asg;
    const calls = await runDown();
    expect(world.log).toEqual([]);
    expect(calls.every((c) => c.calls === 1)).toBe(true);
  });

  it('refuses to delete anything when a same-named resource is foreign', async () => {
    world.sgs.albTags = FOREIGN;
    await expect(teardownService(testDeps())(state)).rejects.toMatchObject({
      name: 'OwnershipConflictError',
      message:
        'security group berth-demo-alb exists but is not tagged as belonging to environment "demo" (berth:env/berth:managed-by); Berth will neither adopt nor delete it',
    });
    expect(world.log).toEqual([]);
  });

  it('maps DependencyViolation while ENIs detach to DependencyPendingError', async () => {
    world = { ...fullWorld(), log: [] };
    mocks.ec2
      .on(DeleteSecurityGroupCommand)
      .rejects(awsError('DependencyViolation', 'resource sg-inst has a dependent object'));
    delete world.service;
    delete world.cluster;
    delete world.asg;
    await expect(teardownNetwork(testDeps())(state)).rejects.toMatchObject({
      name: 'DependencyPendingError',
      retryable: true,
      message: 'ec2.DeleteSecurityGroup berth-demo-instances: resource sg-inst has a dependent object',
    });
  });

  it('describes each resource once, when observing, and never again before deleting it', async () => {
    const deps = testDeps();
    world = { ...fullWorld(), log: [] };
    delete world.service;
    delete world.cluster;
    delete world.asg;
    world.capacityProvider = false;
    world.launchTemplate = false;
    const history = () => {
      for (const m of Object.values(mocks)) m.resetHistory();
    };

    history();
    await teardownNetwork(deps)(state);
    expect(sent(mocks.ec2)).toEqual([
      'DescribeSecurityGroups',
      'DescribeSecurityGroups',
      'DescribeNetworkInterfaces',
      'DescribeNetworkInterfaces',
      'DeleteSecurityGroup',
      'DeleteSecurityGroup',
    ]);

    world = { ...fullWorld(), log: [] };
    history();
    await teardownLoadBalancer(deps)(state);
    expect(sent(mocks.elbv2)).toEqual([
      'DescribeTargetGroups',
      'DescribeTags',
      'DescribeTargetGroups', // the wake target group (pause), not found: nothing to delete
      'DescribeLoadBalancers',
      'DescribeTags',
      'DescribeListeners',
      'DeleteListener',
      'DeleteLoadBalancer',
      'DeleteTargetGroup', // deleting the ALB deleted its listeners: the group is free at once
    ]);
  });
});

describe('waitedBefore', () => {
  const notDone = { done: false, remaining: [], executed: [], waitedSeconds: 100, waitSeconds: 245 };

  it('adds the Wait the stage asked for (adaptive polling)', () => {
    const state = {
      operation: 'down',
      env: 'demo',
      timing: { deleteIntervalSeconds: 35 },
      teardown: { network: notDone },
    };
    expect(waitedBefore(state, 'network')).toBe(345);
  });

  it('adds the fixed interval when the machine polls at fixed intervals, whatever the stage asked for', () => {
    const state = {
      operation: 'down',
      env: 'demo',
      timing: { polling: 'fixed', deleteIntervalSeconds: 15 },
      teardown: { network: notDone },
    };
    expect(waitedBefore(state, 'network')).toBe(115);
  });
});

describe('executeTeardownStep', () => {
  const recorder = () => {
    const calls: string[] = [];
    const record =
      (name: string) =>
      async (...args: unknown[]) => {
        calls.push(`${name} ${JSON.stringify(args)}`);
        return true as never;
      };
    const ports: TeardownPorts = {
      ecs: {
        updateService: record('ecs.updateService'),
        deleteService: record('ecs.deleteService'),
        detachCapacityProviders: record('ecs.detachCapacityProviders'),
        deleteCapacityProvider: record('ecs.deleteCapacityProvider'),
        deleteCluster: record('ecs.deleteCluster'),
        deregisterTaskDefinition: record('ecs.deregisterTaskDefinition'),
      },
      elbv2: {
        deleteListenerRule: record('elbv2.deleteListenerRule'),
        deleteListener: record('elbv2.deleteListener'),
        deleteLoadBalancer: record('elbv2.deleteLoadBalancer'),
        deleteTargetGroup: record('elbv2.deleteTargetGroup'),
      },
      autoScaling: {
        unprotectInstances: record('autoScaling.unprotectInstances'),
        updateCapacity: record('autoScaling.updateCapacity'),
        forceDelete: record('autoScaling.forceDelete'),
      },
      ec2: {
        deleteSecurityGroup: record('ec2.deleteSecurityGroup'),
        deleteLaunchTemplate: record('ec2.deleteLaunchTemplate'),
      },
      logs: {
        deleteLogGroup: record('logs.deleteLogGroup'),
        tagLogGroup: record('logs.tagLogGroup'),
      },
    };
    return { calls, ports };
  };
  const full = () => ({
    ...fullyCreated(),
    service: { ...fullyCreated().service!, desiredCount: 2, runningCount: 0 },
    logGroup: {
      name: '/berth/demo',
      arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/berth/demo',
      tags: { 'berth:env': 'demo', 'berth:managed-by': 'berth', 'berth:logs-keep-days': '0' },
    },
  });

  it("makes the same calls whatever the steps' reasons and labels say", async () => {
    const plain = recorder();
    const reworded = recorder();
    const run = (ports: typeof plain.ports, step: Parameters<typeof executeTeardownStep>[1]) =>
      executeTeardownStep(ports, step).catch((err: Error) => err.name);
    for (const step of planTeardown(full(), 'demo', new Date(0))) {
      await run(plain.ports, step);
      await run(reworded.ports, { ...step, resource: 'something', reason: 'protection' });
    }
    expect(reworded.calls).toEqual(plain.calls);
    expect(plain.calls).toEqual([
      'ecs.updateService [{"cluster":"berth-demo","service":"berth-demo","desiredCount":0}]',
      'ecs.deleteService ["berth-demo","berth-demo"]',
      'elbv2.deleteListener ["arn:listener"]',
      'elbv2.deleteLoadBalancer ["arn:alb","berth-demo-alb"]',
      'elbv2.deleteTargetGroup ["arn:tg","berth-demo-tg"]',
      'ecs.detachCapacityProviders ["berth-demo"]',
      'autoScaling.unprotectInstances ["berth-demo-asg",["i-1"]]',
      'autoScaling.updateCapacity ["berth-demo-asg",{"minSize":0,"maxSize":0,"desiredCapacity":0}]',
      'autoScaling.forceDelete ["berth-demo-asg"]',
      'ec2.deleteLaunchTemplate ["berth-demo-lt"]',
      'ecs.deleteCapacityProvider ["berth-demo-cp"]',
      'ecs.deleteCluster ["berth-demo"]',
      'ec2.deleteSecurityGroup ["sg-inst","berth-demo-instances"]',
      'ec2.deleteSecurityGroup ["sg-alb","berth-demo-alb"]',
      'ecs.deregisterTaskDefinition ["arn:aws:ecs:us-east-1:123456789012:task-definition/berth-demo:1"]',
      'logs.deleteLogGroup ["/berth/demo"]',
    ]);
  });

  it('pauses the stage at a wait step and after DeleteAutoScalingGroup and DeleteCapacityProvider', async () => {
    const { ports } = recorder();
    const outcomes = [];
    const draining: TeardownStep = {
      kind: 'wait',
      until: 'tasks-draining',
      stage: 'service',
      action: 'wait',
      resource: 'ECS service berth-demo',
      reason: 'service still has 1 running task',
    };
    for (const step of [draining, ...planTeardown(full(), 'demo', new Date(0))]) {
      const outcome = await executeTeardownStep(ports, step).catch((err: Error) => err.name);
      outcomes.push(`${step.kind}=${outcome}`);
    }
    expect(outcomes.filter((outcome) => !outcome.endsWith('=continue'))).toEqual([
      'wait=wait',
      'deleteAutoScalingGroup=wait',
      'awaitDetachment=DependencyPendingError',
      'deleteCapacityProvider=wait',
    ]);
  });

  it('refuses a step kind it does not know, naming it', async () => {
    const { ports, calls } = recorder();
    const unknown = {
      kind: 'deleteEverything',
      stage: 'service',
      action: 'delete',
      resource: 'x',
      reason: 'y',
    };
    await expect(executeTeardownStep(ports, unknown as never)).rejects.toThrow(
      'no executor for teardown step kind "deleteEverything"',
    );
    expect(calls).toEqual([]);
  });
});

describe('capacity-provider asynchrony during down (docs/aws-behaviours.md)', () => {
  /** Only the cluster (provider already detached) and the provider are left. */
  function detachedProviderOnly(): void {
    delete world.service;
    delete world.asg;
    world.launchTemplate = false;
    world.cluster = { capacityProviders: [], instances: 0 };
  }

  it('waits (DependencyPendingError) while the cluster still deletes the provider attachment', async () => {
    detachedProviderOnly();
    ownedCluster({
      capacityProviders: [],
      attachments: [
        {
          id: 'a-1',
          type: 'as_policy',
          status: 'DELETING',
          details: [{ name: 'capacityProviderName', value: 'berth-demo-cp' }],
        },
      ],
      attachmentsStatus: 'UPDATE_IN_PROGRESS',
    });
    await expect(teardownCapacity(testDeps())(state)).rejects.toMatchObject({
      name: 'DependencyPendingError',
      retryable: true,
      message:
        'ECS cluster berth-demo: waiting until its attachment of capacity provider berth-demo-cp is deleted (detachment is asynchronous)',
    });
    expect(mocks.ecs).not.toHaveReceivedCommand(DeleteCapacityProviderCommand);
    expect(mocks.ecs).toHaveReceivedCommandWith(DescribeClustersCommand, {
      include: ['TAGS', 'ATTACHMENTS'],
    });
  });

  it("turns DeleteCapacityProvider's 200 with DELETE_FAILED into DependencyPendingError with AWS's reason", async () => {
    detachedProviderOnly();
    const reason =
      'The capacity provider cannot be deleted because it is associated with cluster: berth-demo. Remove the capacity provider from the cluster and try again.';
    mocks.ecs.on(DeleteCapacityProviderCommand).resolves({
      capacityProvider: {
        name: 'berth-demo-cp',
        status: 'ACTIVE',
        updateStatus: 'DELETE_FAILED',
        updateStatusReason: reason,
      },
    });
    await expect(teardownCapacity(testDeps())(state)).rejects.toMatchObject({
      name: 'DependencyPendingError',
      message: `ecs.DeleteCapacityProvider berth-demo-cp: ${reason}`,
    });
  });

  it('keeps waiting (done: false) while the provider is DELETE_IN_PROGRESS', async () => {
    detachedProviderOnly();
    mocks.ecs.on(DescribeCapacityProvidersCommand).resolves({
      capacityProviders: [
        {
          name: 'berth-demo-cp',
          capacityProviderArn: 'arn:cp',
          status: 'ACTIVE',
          updateStatus: 'DELETE_IN_PROGRESS',
          tags: OWNED_ECS,
        },
      ],
    });
    const result = await teardownCapacity(testDeps())(state);
    expect(result).toMatchObject({
      done: false,
      remaining: ['wait capacity provider berth-demo-cp: being deleted (DELETE_IN_PROGRESS)'],
    });
    expect(mocks.ecs).not.toHaveReceivedCommand(DeleteCapacityProviderCommand);
  });

  it("maps DeleteCluster's ClientException about attached cluster-scoped providers to DependencyPendingError", async () => {
    detachedProviderOnly();
    world.capacityProvider = false;
    mocks.ecs
      .on(DeleteClusterCommand)
      .rejects(
        awsError(
          'ClientException',
          'The Cluster cannot be deleted while Cluster Scoped Capacity Providers are attached to the cluster',
        ),
      );
    await expect(teardownCluster(testDeps())(state)).rejects.toMatchObject({
      name: 'DependencyPendingError',
      retryable: true,
      message: "ecs.DeleteCluster berth-demo: a capacity provider's attachment is still being deleted",
    });
  });

  it('removes protection only from InService instances, never from a booting one', async () => {
    delete world.service;
    mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'berth-demo-asg',
          AutoScalingGroupARN: 'arn:asg',
          MinSize: 1,
          MaxSize: 2,
          DesiredCapacity: 2,
          Instances: [
            { InstanceId: 'i-up', LifecycleState: 'InService', ProtectedFromScaleIn: true } as never,
            { InstanceId: 'i-boot', LifecycleState: 'Pending', ProtectedFromScaleIn: true } as never,
          ],
          Tags: OWNED,
          CreatedTime: new Date(),
          DefaultCooldown: 300,
          AvailabilityZones: [],
          HealthCheckType: 'EC2',
        },
      ],
    });
    await teardownCapacity(testDeps())(state);
    expect(mocks.autoScaling.commandCalls(SetInstanceProtectionCommand).map((c) => c.args[0].input)).toEqual([
      { AutoScalingGroupName: 'berth-demo-asg', InstanceIds: ['i-up'], ProtectedFromScaleIn: false },
    ]);
    expect(mocks.autoScaling).toHaveReceivedCommandWith(DeleteAutoScalingGroupCommand, { ForceDelete: true });
  });
});
