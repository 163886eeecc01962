/**
 * The dry run prints the very plan the real run executes: for each operation, the plan handler
 * (`--dry-run`) and the real handlers observe the same account (SDK clients mocked) and the steps
 * the real run executed are exactly the dry run's pending steps.
 */
import {
  DescribeAutoScalingGroupsCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DeleteTargetGroupCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PausedCounts } from '../../../functions/core/plan.ts';
import { type PlanStep, pendingSteps, stageSteps } from '../../../functions/core/plan.ts';
import { makeHandler as createTaskDefinition } from '../../../functions/handlers/create-task-definition.ts';
import type { LogPort } from '../../../functions/handlers/lifecycle-deps.ts';
import { makeHandler as pause } from '../../../functions/handlers/pause.ts';
import {
  type PlanEvent,
  makeHandler as planHandler,
  planObserver,
} from '../../../functions/handlers/plan.ts';
import { makeHandler as redeploy } from '../../../functions/handlers/redeploy.ts';
import { makeHandler as resume } from '../../../functions/handlers/resume.ts';
import { makeHandler as scale } from '../../../functions/handlers/scale.ts';
import { makeHandler as teardownLoadBalancer } from '../../../functions/handlers/teardown-load-balancer.ts';
import { makeHandler as teardownNetwork } from '../../../functions/handlers/teardown-network.ts';
import { describeStep } from '../../../functions/handlers/teardown-stage.ts';
import { makeHandler as teardownTaskDefinitions } from '../../../functions/handlers/teardown-task-definitions.ts';
import { upSettings } from '../../../functions/handlers/up-stage.ts';
import {
  awsError,
  awslogsOf,
  config,
  createHandlers,
  freshAccount,
  GROUP,
  logGroups,
  logRetention,
  mocks,
  OWNED,
  OWNED_ECS,
  ownedCluster,
  REVISION_1_CONTAINER,
  resetMocks,
  TD_1,
  testDeps,
  upState,
} from './aws-fixtures.ts';

const TD_2 = 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:2';

/** A logger that keeps what the executors report. */
function recorder(): LogPort & { executed: string[] } {
  const executed: string[] = [];
  return {
    executed,
    info(_message, ...extra) {
      for (const fields of extra) {
        if (Array.isArray(fields.executed)) executed.push(...(fields.executed as string[]));
      }
    },
    warn() {},
    error() {},
  };
}

/** The dry run over the same (mocked) account the real handlers see, with the plan Lambda's own observer. */
async function dryRun(event: PlanEvent): Promise<PlanStep[]> {
  const deps = testDeps();
  const { steps } = await planHandler({
    observer: planObserver(deps, config),
    settings: upSettings(config),
    now: () => new Date(0),
  })(event);
  return steps;
}

const changes = (steps: readonly PlanStep[]) =>
  pendingSteps(steps)
    .filter((s) => s.kind !== 'verify' && s.kind !== 'wait')
    .map(describeStep);

/** The service runs revision 1 of the spec with one task on one instance. */
function running(revision: Record<string, unknown> = {}) {
  mocks.ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceArn: 'arn:svc',
        serviceName: 'berth-demo',
        status: 'ACTIVE',
        desiredCount: 1,
        taskDefinition: TD_1,
        deployments: [],
        tags: OWNED_ECS,
      },
    ],
  });
  ownedCluster({
    capacityProviders: ['berth-demo-cp'],
  });
  mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD_1] });
  mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TD_1,
      family: 'berth-demo',
      revision: 1,
      status: 'ACTIVE',
      networkMode: 'bridge',
      requiresCompatibilities: ['EC2'],
      containerDefinitions: [REVISION_1_CONTAINER],
      ...revision,
    },
    tags: OWNED_ECS,
  });
  mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({
    taskDefinition: { taskDefinitionArn: TD_2, family: 'berth-demo', revision: 2 },
  });
  mocks.ecs
    .on(UpdateServiceCommand)
    .resolves({ service: { serviceArn: 'arn:svc', serviceName: 'berth-demo' } });
  mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [{ ...GROUP }] });
  mocks.autoScaling.on(UpdateAutoScalingGroupCommand).resolves({});
}

beforeEach(() => resetMocks());

describe('the dry run prints the plan the real run executes', () => {
  it('up on a fresh account', async () => {
    freshAccount();
    const planned = changes(await dryRun({ operation: 'up', env: 'demo', spec: upState.spec }));
    const logger = recorder();
    // One stage after the other (not up()'s parallel branch), so the executed lines come in plan order.
    const run = createHandlers(testDeps({ logger }));
    const network = await run.createNetwork(upState);
    const withNetwork = { ...upState, resources: { network } };
    const loadBalancer = await run.createLoadBalancer(withNetwork);
    await run.createCluster(withNetwork);
    const taskDefinition = await run.createTaskDefinition(withNetwork);
    await run.createService({ ...upState, resources: { network, loadBalancer, taskDefinition } });

    expect(planned.length).toBeGreaterThan(8);
    expect(logger.executed).toEqual(planned);
  });

  it('up on a fresh account creates the log group before the task definition, in the dry run as in the real run', async () => {
    freshAccount();
    const planned = changes(
      stageSteps(await dryRun({ operation: 'up', env: 'demo', spec: upState.spec }), 'task-definition'),
    );
    const logger = recorder();
    await createTaskDefinition(testDeps({ logger }))(upState);

    expect(planned).toEqual([
      'create log group /berth/demo: retention 14 days',
      'create task definition berth-demo: image nginx:1.27',
    ]);
    expect(logger.executed).toEqual(planned);
    expect(logGroups.get('/berth/demo')).toMatchObject({ 'berth:env': 'demo', 'berth:logs-keep-days': '0' });
  });

  it('up of an environment whose logs an earlier down kept takes the group back, as the dry run says', async () => {
    freshAccount();
    running({ containerDefinitions: [{ ...REVISION_1_CONTAINER, logConfiguration: awslogsOf('demo') }] });
    logGroups.set('/berth/demo', {
      'berth:env': 'demo',
      'berth:managed-by': 'berth',
      'berth:owner': 'ana',
      'berth:logs-keep-days': '0',
      'berth:logs-expire-at': '2026-12-01T00:00:00.000Z',
    });
    logRetention.set('/berth/demo', 30);
    const planned = changes(
      stageSteps(await dryRun({ operation: 'up', env: 'demo', spec: upState.spec }), 'task-definition'),
    );
    const logger = recorder();
    await createTaskDefinition(testDeps({ logger }))(upState);

    expect(planned).toEqual([
      'update log group /berth/demo: retention 30 → 14 days, taken back from its expiry 2026-12-01T00:00:00.000Z',
    ]);
    expect(logger.executed).toEqual(planned);
    expect(logGroups.get('/berth/demo')).not.toHaveProperty('berth:logs-expire-at');
    expect(logRetention.get('/berth/demo')).toBe(14);
  });

  it('up after an EC2 → Fargate launch-type change registers a Fargate revision, and the dry run says so', async () => {
    freshAccount();
    // The newest revision matches the Fargate spec in image, sizes, port and mode but is EC2-only.
    running({
      networkMode: 'awsvpc',
      requiresCompatibilities: ['EC2'],
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1.27',
          cpu: 512,
          memory: 1024,
          memoryReservation: 256,
          portMappings: [{ containerPort: 8080, hostPort: 8080 }],
          logConfiguration: awslogsOf('demo'),
        },
      ],
    });
    const spec = {
      ...upState.spec,
      launchType: 'FARGATE',
      cpu: 512,
      memory: 1024,
      memoryReservation: 256,
      containerPort: 8080,
    };
    const planned = await dryRun({ operation: 'up', env: 'demo', spec });
    const logger = recorder();
    await createTaskDefinition(testDeps({ logger }))({ ...upState, spec });

    const revisionStep = stageSteps(planned, 'task-definition');
    expect(revisionStep).toMatchObject([
      { kind: 'createLogGroup', action: 'create', resource: 'log group /berth/demo' },
      { kind: 'registerTaskDefinition', action: 'update', reason: 'new revision: launch type EC2 → FARGATE' },
    ]);
    expect(logger.executed).toEqual(changes(revisionStep));
    expect(mocks.ecs).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
      requiresCompatibilities: ['FARGATE'],
    });
  });

  it('scale', async () => {
    freshAccount();
    running();
    const spec = { ...upState.spec, cpu: 1024, memory: 1024, memoryReservation: 512 };
    const planned = changes(await dryRun({ operation: 'scale', env: 'demo', spec, desiredCount: 3 }));
    const logger = recorder();
    await scale(testDeps({ logger }))({ operation: 'scale', env: 'demo', spec, desiredCount: 3 });

    expect(planned).toEqual([
      "update Auto Scaling group berth-demo-asg: max 2 → 3: 3 instance(s) for 3 task(s) (1 per instance); the capacity provider's managed scaling sets the desired capacity",
      'update ECS service berth-demo: desired count 1 → 3',
    ]);
    expect(logger.executed).toEqual(planned);
  });

  it('redeploy', async () => {
    freshAccount();
    running();
    const planned = changes(
      await dryRun({ operation: 'redeploy', env: 'demo', spec: upState.spec, image: 'nginx:1.28' }),
    );
    const logger = recorder();
    await redeploy(testDeps({ logger }))({
      operation: 'redeploy',
      env: 'demo',
      image: 'nginx:1.28',
      requestId: 'req-7',
    });

    expect(planned).toEqual([
      'create task definition berth-demo: copy of berth-demo:1 with image nginx:1.28',
      'update ECS service berth-demo: deploy the new revision (rollback on failure)',
    ]);
    expect(logger.executed).toEqual(planned);
  });

  it('down', async () => {
    // What is left after an interrupted teardown: the target group and both security groups.
    freshAccount();
    // By name, as AWS answers: only the environment's target group is left (no wake group).
    mocks.elbv2.on(DescribeTargetGroupsCommand).callsFake((input: { Names?: string[] }) => {
      if ((input.Names ?? []).some((n) => n !== 'berth-demo-tg')) throw awsError('TargetGroupNotFound');
      return {
        TargetGroups: [{ TargetGroupArn: 'arn:tg', TargetGroupName: 'berth-demo-tg', LoadBalancerArns: [] }],
      };
    });
    mocks.elbv2
      .on(DescribeTagsCommand)
      .resolves({ TagDescriptions: [{ ResourceArn: 'arn:tg', Tags: OWNED }] });
    mocks.elbv2.on(DeleteTargetGroupCommand).resolves({});
    mocks.ec2
      .on(DescribeSecurityGroupsCommand)
      .callsFake((input: { Filters: { Name: string; Values: string[] }[] }) => {
        const name = input.Filters.find((f) => f.Name === 'group-name')?.Values[0] ?? '';
        return { SecurityGroups: [{ GroupId: `sg-${name}`, GroupName: name, Tags: OWNED }] };
      });
    mocks.ec2.on(DeleteSecurityGroupCommand).resolves({});
    mocks.ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    const planned = changes(await dryRun({ operation: 'down', env: 'demo' }));
    const state = { operation: 'down', env: 'demo' };
    const executed = [
      ...(await teardownLoadBalancer(testDeps())(state)).executed,
      ...(await teardownNetwork(testDeps())(state)).executed,
    ];

    expect(planned).toHaveLength(3);
    expect(executed).toEqual(planned);
  });

  it('down deletes the log group last, or keeps it tagged with its expiry, as the dry run says', async () => {
    for (const keepDays of ['0', '3']) {
      resetMocks();
      freshAccount();
      logGroups.set('/berth/demo', {
        'berth:env': 'demo',
        'berth:managed-by': 'berth',
        'berth:owner': 'ana',
        'berth:logs-keep-days': keepDays,
      });
      const planned = changes(
        stageSteps(await dryRun({ operation: 'down', env: 'demo' }), 'task-definitions'),
      );
      const state = { operation: 'down', env: 'demo' };
      const { executed } = await teardownTaskDefinitions(testDeps({ now: () => new Date(0) }))(state);

      expect(planned).toEqual([
        keepDays === '0'
          ? 'delete log group /berth/demo: the workload logs go with the environment'
          : 'update log group /berth/demo: keep the logs 3 days: tag expiry 1970-01-04T00:00:00.000Z',
      ]);
      expect(executed).toEqual(planned);
      expect(logGroups.has('/berth/demo')).toBe(keepDays !== '0');
    }
  });

  /** The registry side of pause/resume: the counts a pause remembered. */
  function registryWith(paused?: PausedCounts) {
    let stored = paused;
    return {
      getEnvironment: async () => ({
        name: 'demo',
        status: 'ready' as const,
        createdAt: '',
        updatedAt: '',
        ...(stored === undefined ? {} : { paused: stored }),
      }),
      rememberPause: async (_env: string, counts: PausedCounts) => {
        stored ??= counts;
        return stored;
      },
    };
  }

  const groupWith = (
    sizes: { MinSize: number; MaxSize: number; DesiredCapacity: number },
    instances: unknown[],
  ) =>
    mocks.autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolves({ AutoScalingGroups: [{ ...GROUP, ...sizes, Instances: instances as never }] });

  const serviceAt = (desiredCount: number, runningCount: number) =>
    mocks.ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceArn: 'arn:svc',
          serviceName: 'berth-demo',
          status: 'ACTIVE',
          desiredCount,
          runningCount,
          pendingCount: 0,
          taskDefinition: TD_1,
          deployments: [],
          tags: OWNED_ECS,
        },
      ],
    });

  it('pause, polled until the tasks drained and the instances are gone', async () => {
    freshAccount();
    running();
    const instance = {
      InstanceId: 'i-1',
      LifecycleState: 'InService',
      ProtectedFromScaleIn: true,
      AvailabilityZone: 'us-east-1a',
      HealthStatus: 'Healthy',
    };
    serviceAt(1, 1);
    groupWith({ MinSize: 1, MaxSize: 2, DesiredCapacity: 1 }, [instance]);
    mocks.autoScaling.on(SetInstanceProtectionCommand).resolves({});
    const planned = changes(await dryRun({ operation: 'pause', env: 'demo', spec: upState.spec }));
    const registry = registryWith();
    const handler = pause({ ...testDeps(), registry: registry as never });
    const state = { operation: 'pause', env: 'demo', spec: upState.spec };

    const first = await handler(state); // remembers, scales the service to 0, waits for the drain
    serviceAt(0, 0);
    const second = await handler(state); // unprotects, group to 0, waits for the instance
    groupWith({ MinSize: 0, MaxSize: 0, DesiredCapacity: 0 }, [
      { ...instance, LifecycleState: 'Terminated' },
    ]);
    const third = await handler(state);

    expect(planned).toEqual([
      'update environment demo (registry): remember service desired count 1; Auto Scaling group min 1, max 2, desired 1',
      'update ECS service berth-demo: desired count 1 → 0',
      'update Auto Scaling group berth-demo-asg: remove scale-in protection from 1 instance (i-1): they run no task now',
      'update Auto Scaling group berth-demo-asg: min 1 → 0, max 2 → 0, desired 1 → 0',
    ]);
    expect([first.done, second.done, third.done]).toEqual([false, false, true]);
    expect([...first.executed, ...second.executed, ...third.executed]).toEqual(planned);
  });

  it('resume, polled until the restored instances registered', async () => {
    freshAccount();
    running();
    const counts: PausedCounts = {
      at: '2026-11-25T11:00:00.000Z',
      desiredCount: 1,
      autoScalingGroup: { minSize: 1, maxSize: 2, desiredCapacity: 1 },
    };
    serviceAt(0, 0);
    groupWith({ MinSize: 0, MaxSize: 0, DesiredCapacity: 0 }, []);
    const planned = changes(
      await dryRun({ operation: 'resume', env: 'demo', spec: upState.spec, paused: counts }),
    );
    const handler = resume({ ...testDeps(), registry: registryWith(counts) as never });
    const state = { operation: 'resume', env: 'demo', spec: upState.spec };

    const first = await handler(state); // restores the group, waits for its instance to register
    groupWith({ MinSize: 1, MaxSize: 2, DesiredCapacity: 1 }, []);
    ownedCluster({
      registeredContainerInstancesCount: 1,
      capacityProviders: ['berth-demo-cp'],
    });
    const second = await handler({ ...state, resume: first });

    expect(planned).toEqual([
      'update Auto Scaling group berth-demo-asg: restore min 0 → 1, max 0 → 2, desired 0 → 1',
      'update ECS service berth-demo: restore desired count 0 → 1',
    ]);
    expect([first.done, second.done]).toEqual([false, true]);
    expect([...first.executed, ...second.executed]).toEqual(planned);
    // The Wait after the first call is sized to the instances' boot and registration (core nextCheck), and
    // the second call counts it.
    expect(first).toMatchObject({ waitingFor: 'instances', waitSeconds: 60, waitStep: 0 });
    expect(second).toMatchObject({ desiredCount: 1, waitedSeconds: 60 });
    expect(second.waitSeconds).toBeUndefined();
    // With fixed polling the machine waited drainIntervalSeconds, whatever the result asked for.
    const fixed = await handler({
      ...state,
      timing: { polling: 'fixed', drainIntervalSeconds: 15 },
      resume: first,
    });
    expect(fixed.waitedSeconds).toBe(15);
  });
});
