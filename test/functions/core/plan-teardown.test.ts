import { describe, expect, it } from 'vitest';
import { OwnershipConflictError } from '../../../functions/core/errors.ts';
import type { ObservedEnvironment } from '../../../functions/core/observed.ts';
import {
  CLUSTER_PROPAGATION_WAIT_SECONDS,
  clusterCreatedEvidence,
  planTeardown,
  TEARDOWN_STAGES,
} from '../../../functions/core/plan-teardown.ts';
import { ENV, FOREIGN, fullyCreated, nothing, TAGS, TD_ARN, withObserved } from './observed-fixtures.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const summary = (observed: ObservedEnvironment) =>
  planTeardown(observed, ENV, NOW).map((step) => `${step.stage} ${step.action} ${step.resource}`);

/** A fully created environment still serving two tasks, with two revisions. */
function busy(): ObservedEnvironment {
  const full = fullyCreated();
  return {
    ...full,
    service: { ...full.service!, desiredCount: 2, runningCount: 2 },
    autoScalingGroup: {
      ...full.autoScalingGroup!,
      desiredCapacity: 2,
      instances: [
        { id: 'i-1', lifecycleState: 'InService', protectedFromScaleIn: true },
        { id: 'i-2', lifecycleState: 'InService', protectedFromScaleIn: true },
      ],
    },
    taskDefinitions: [
      ...full.taskDefinitions!,
      { arn: TD_ARN(2), family: 'berth-demo', revision: 2, status: 'ACTIVE', image: 'nginx:1.28' },
      { arn: TD_ARN(0), family: 'berth-demo', revision: 0, status: 'INACTIVE' },
    ],
  };
}

describe('planTeardown', () => {
  it('tears a fully created environment down in the documented order', () => {
    expect(summary(busy())).toEqual([
      'service update ECS service berth-demo',
      'service wait ECS service berth-demo',
      'service delete ECS service berth-demo',
      'load-balancer delete listener :80 of berth-demo-alb',
      'load-balancer delete load balancer berth-demo-alb',
      'load-balancer delete target group berth-demo-tg',
      'capacity update ECS cluster berth-demo',
      'capacity update Auto Scaling group berth-demo-asg',
      'capacity update Auto Scaling group berth-demo-asg',
      'capacity delete Auto Scaling group berth-demo-asg',
      'capacity delete launch template berth-demo-lt',
      'capacity wait ECS cluster berth-demo',
      'capacity delete capacity provider berth-demo-cp',
      'cluster delete ECS cluster berth-demo',
      'network delete security group berth-demo-instances',
      'network delete security group berth-demo-alb',
      'task-definitions delete task definition berth-demo:1',
      'task-definitions delete task definition berth-demo:2',
    ]);
  });

  it('types each step with what to call and the identifiers observed', () => {
    const steps = planTeardown(busy(), ENV, NOW).map(({ stage, action, resource, reason, ...todo }) => todo);
    expect(steps).toEqual([
      { kind: 'scaleServiceToZero', cluster: 'berth-demo', service: 'berth-demo' },
      { kind: 'wait', until: 'tasks-draining' },
      { kind: 'deleteService', cluster: 'berth-demo', service: 'berth-demo' },
      { kind: 'deleteListener', listenerArn: 'arn:listener' },
      { kind: 'deleteLoadBalancer', arn: 'arn:alb', name: 'berth-demo-alb' },
      { kind: 'deleteTargetGroup', arn: 'arn:tg', name: 'berth-demo-tg' },
      { kind: 'detachCapacityProviders', cluster: 'berth-demo' },
      { kind: 'unprotectInstances', group: 'berth-demo-asg', instanceIds: ['i-1', 'i-2'] },
      { kind: 'scaleGroupToZero', group: 'berth-demo-asg' },
      { kind: 'deleteAutoScalingGroup', group: 'berth-demo-asg' },
      { kind: 'deleteLaunchTemplate', name: 'berth-demo-lt' },
      { kind: 'awaitDetachment', cluster: 'berth-demo', capacityProvider: 'berth-demo-cp' },
      { kind: 'deleteCapacityProvider', name: 'berth-demo-cp' },
      { kind: 'deleteCluster', cluster: 'berth-demo' },
      { kind: 'deleteSecurityGroup', groupId: 'sg-inst', name: 'berth-demo-instances' },
      { kind: 'deleteSecurityGroup', groupId: 'sg-alb', name: 'berth-demo-alb' },
      { kind: 'deregisterTaskDefinition', arn: TD_ARN(1) },
      { kind: 'deregisterTaskDefinition', arn: TD_ARN(2) },
    ]);
  });

  it('gives each step a specific reason', () => {
    const reasons = planTeardown(busy(), ENV, NOW).map((step) => step.reason);
    expect(reasons.slice(0, 10)).toEqual([
      'scale to 0 (desired count 2)',
      'service still has 2 running tasks',
      'scaled to 0 and drained',
      'dedicated listener',
      'dedicated ALB (active)',
      'after its 1 load balancer release it',
      'detach capacity provider berth-demo-cp',
      'remove scale-in protection from 2 instances (i-1, i-2)',
      'scale to 0 (min 1, desired 2)',
      'force delete, terminating 2 instances',
    ]);
  });

  it('plans protection removal only for InService and Standby instances', () => {
    const full = busy();
    const observed: ObservedEnvironment = {
      ...full,
      autoScalingGroup: {
        ...full.autoScalingGroup!,
        instances: [
          { id: 'i-in', lifecycleState: 'InService', protectedFromScaleIn: true },
          { id: 'i-boot', lifecycleState: 'Pending', protectedFromScaleIn: true },
          { id: 'i-hook', lifecycleState: 'Pending:Wait', protectedFromScaleIn: true },
          { id: 'i-sb', lifecycleState: 'Standby', protectedFromScaleIn: true },
          { id: 'i-bye', lifecycleState: 'Terminating', protectedFromScaleIn: true },
        ],
      },
    };
    const reasons = planTeardown(observed, ENV, NOW).map((step) => step.reason);
    expect(reasons).toContain('remove scale-in protection from 2 instances (i-in, i-sb)');
    expect(reasons).toContain('force delete, terminating 5 instances');
  });

  it('waits for the cluster to finish deleting the provider attachment before deleting the provider', () => {
    const full = fullyCreated();
    const detaching: ObservedEnvironment = {
      ...nothing(),
      cluster: {
        ...full.cluster!,
        capacityProviders: [],
        attachments: [{ capacityProvider: 'berth-demo-cp', status: 'DELETING' }],
      },
      capacityProvider: full.capacityProvider!,
    };
    expect(
      planTeardown(detaching, ENV, NOW)
        .filter((step) => step.stage === 'capacity')
        .map((step) => `${step.action} ${step.resource}: ${step.reason}`),
    ).toEqual([
      'wait ECS cluster berth-demo: until its attachment of capacity provider berth-demo-cp is deleted (detachment is asynchronous)',
      'delete capacity provider berth-demo-cp: detached from the cluster',
    ]);
    const detached = { ...detaching, cluster: { ...detaching.cluster!, attachments: [] } };
    expect(summary(detached).filter((line) => line.startsWith('capacity'))).toEqual([
      'capacity delete capacity provider berth-demo-cp',
    ]);
  });

  it('waits for a provider the cluster lists but DescribeCapacityProviders does not describe yet (eventual consistency)', () => {
    const { capacityProvider: _missing, ...justCreated } = fullyCreated();
    expect(
      planTeardown(justCreated, ENV, NOW)
        .filter((step) => step.stage === 'capacity')
        .map((step) => `${step.action} ${step.resource}: ${step.reason}`)
        .at(-1),
    ).toBe(
      'wait capacity provider berth-demo-cp: attached to the cluster but not described yet (ECS eventual consistency)',
    );
    // Once described, the provider is deleted as usual (after its detachment).
    expect(summary(fullyCreated()).filter((line) => line.startsWith('capacity'))).toContain(
      'capacity delete capacity provider berth-demo-cp',
    );
  });

  it('waits (bounded) for a cluster its capacity resources show was created but DescribeClusters answers MISSING (eventual consistency)', () => {
    // Observation cannot describe the service of a cluster it does not see: both are absent.
    const { cluster: _missing, service: _unseen, ...justCreated } = fullyCreated();
    const waits = planTeardown(justCreated, ENV, NOW).filter((step) => step.stage === 'service');
    expect(waits).toEqual([
      {
        kind: 'wait',
        until: 'cluster-propagation',
        boundSeconds: CLUSTER_PROPAGATION_WAIT_SECONDS,
        stage: 'service',
        action: 'wait',
        resource: 'ECS cluster berth-demo',
        reason:
          'launch template berth-demo-lt exists but DescribeClusters does not describe the cluster yet (ECS eventual consistency)',
      },
    ]);
    // The provider or the group alone is evidence too; a group being deleted or scaled to 0 is not.
    const { launchTemplate: _lt, ...withoutTemplate } = justCreated;
    expect(clusterCreatedEvidence(withoutTemplate)).toBe('capacity provider berth-demo-cp');
    const { capacityProvider: _cp, ...groupOnly } = withoutTemplate;
    expect(clusterCreatedEvidence(groupOnly)).toBe(`Auto Scaling group ${groupOnly.autoScalingGroup!.name}`);
    const group = groupOnly.autoScalingGroup!;
    expect(
      clusterCreatedEvidence({ ...groupOnly, autoScalingGroup: { ...group, status: 'Delete in progress' } }),
    ).toBe(undefined);
    expect(
      clusterCreatedEvidence({
        ...groupOnly,
        autoScalingGroup: { ...group, minSize: 0, desiredCapacity: 0 },
      }),
    ).toBe(undefined);
    // Once described (or described INACTIVE: really deleted), no wait.
    expect(
      planTeardown(fullyCreated(), ENV, NOW).some(
        (step) => step.stage === 'service' && step.resource === 'ECS cluster berth-demo',
      ),
    ).toBe(false);
    const inactive = { ...justCreated, cluster: { ...fullyCreated().cluster!, status: 'INACTIVE' } };
    expect(
      planTeardown(inactive, ENV, NOW).some(
        (step) => step.stage === 'service' && step.resource === 'ECS cluster berth-demo',
      ),
    ).toBe(false);
  });

  it('waits while the provider is DELETE_IN_PROGRESS and deletes again after DELETE_FAILED, with the reason', () => {
    const full = fullyCreated();
    const provider = full.capacityProvider!;
    const inProgress = {
      ...nothing(),
      capacityProvider: { ...provider, updateStatus: 'DELETE_IN_PROGRESS' },
    };
    expect(planTeardown(inProgress, ENV, NOW).map((step) => `${step.action}: ${step.reason}`)).toEqual([
      'wait: being deleted (DELETE_IN_PROGRESS)',
    ]);
    const failed = {
      ...nothing(),
      capacityProvider: {
        ...provider,
        updateStatus: 'DELETE_FAILED',
        updateStatusReason: 'associated with cluster: x',
      },
    };
    expect(planTeardown(failed, ENV, NOW).map((step) => `${step.action}: ${step.reason}`)).toEqual([
      'delete: again; the last attempt failed: associated with cluster: x',
    ]);
  });

  it('uses only the stages the teardown handlers filter by', () => {
    for (const step of planTeardown(busy(), ENV, NOW)) expect(TEARDOWN_STAGES).toContain(step.stage);
  });

  it('plans nothing for an environment that is already gone', () => {
    expect(planTeardown(nothing(), ENV, NOW)).toEqual([]);
  });

  it('skips scaling and draining for a service already at 0 with no tasks', () => {
    const full = fullyCreated();
    const steps = planTeardown(
      { ...nothing(), service: { ...full.service!, desiredCount: 0, runningCount: 0 } },
      ENV,
      NOW,
    );
    expect(steps.map((step) => [step.action, step.reason])).toEqual([
      ['skip', 'already scaled to 0'],
      ['skip', 'no tasks left to drain'],
      ['delete', 'scaled to 0 and drained'],
    ]);
  });

  it('resumes a partially deleted environment with only the remaining steps', () => {
    const full = fullyCreated();
    const partial: ObservedEnvironment = {
      env: ENV,
      securityGroups: full.securityGroups,
      targetGroup: { ...full.targetGroup!, loadBalancerArns: [] },
      service: { ...full.service!, status: 'INACTIVE' },
      cluster: { ...full.cluster!, status: 'INACTIVE' },
      capacityProvider: { ...full.capacityProvider!, status: 'INACTIVE' },
      taskDefinitions: [{ ...full.taskDefinitions![0]!, status: 'INACTIVE' }],
    };
    expect(summary(partial)).toEqual([
      'load-balancer delete target group berth-demo-tg',
      'network delete security group berth-demo-instances',
      'network delete security group berth-demo-alb',
    ]);
  });

  it('waits for a service that is already draining', () => {
    const full = fullyCreated();
    const steps = planTeardown({ ...nothing(), service: { ...full.service!, status: 'DRAINING' } }, ENV, NOW);
    expect(steps).toEqual([
      {
        kind: 'wait',
        until: 'service-deletion',
        stage: 'service',
        action: 'wait',
        resource: 'ECS service berth-demo',
        reason: 'service is being deleted (1 task left)',
      },
    ]);
  });

  it('waits for tasks still draining from the target group though the service counts none running', () => {
    const full = fullyCreated();
    const scaledDown = { ...full.service!, desiredCount: 0, runningCount: 0, pendingCount: 0 };
    const task = (lastStatus: string) => ({
      arn: `arn:task/${lastStatus}`,
      lastStatus,
      taskDefinitionArn: TD_ARN(1),
    });
    const draining = planTeardown(
      { ...nothing(), service: scaledDown, tasks: [task('DEACTIVATING'), task('STOPPED')] },
      ENV,
      NOW,
    );
    expect(draining.map((step) => `${step.action}: ${step.reason}`)).toEqual([
      'skip: already scaled to 0',
      'wait: service still has 0 running tasks and 1 stopping',
      'delete: scaled to 0 and drained',
    ]);
    expect(draining[1]).toMatchObject({ kind: 'wait', until: 'tasks-draining' });
    const stopped = planTeardown({ ...nothing(), service: scaledDown, tasks: [task('STOPPED')] }, ENV, NOW);
    expect(stopped.map((step) => step.kind)).toEqual(['noop', 'noop', 'deleteService']);
  });

  it('waits for an Auto Scaling group being deleted', () => {
    const full = fullyCreated();
    const steps = planTeardown(
      { ...nothing(), autoScalingGroup: { ...full.autoScalingGroup!, status: 'Delete in progress' } },
      ENV,
      NOW,
    );
    expect(steps.map((step) => [step.action, step.reason])).toEqual([
      ['wait', 'being deleted (Delete in progress)'],
    ]);
  });

  it('does not unprotect instances that are already terminating', () => {
    const full = fullyCreated();
    const steps = planTeardown(
      {
        ...nothing(),
        autoScalingGroup: {
          ...full.autoScalingGroup!,
          minSize: 0,
          desiredCapacity: 0,
          instances: [{ id: 'i-1', lifecycleState: 'Terminating', protectedFromScaleIn: true }],
        },
      },
      ENV,
      NOW,
    );
    expect(steps.map((step) => `${step.action}: ${step.reason}`)).toEqual([
      'skip: already scaled to 0',
      'delete: force delete, terminating 1 instance',
    ]);
  });

  it('deletes the listener rule in shared mode', () => {
    const observed: ObservedEnvironment = {
      ...nothing(),
      listenerRule: { arn: 'arn:rule', priority: '1234', tags: TAGS },
    };
    expect(summary(observed)).toEqual([
      'load-balancer delete listener rule (priority 1234) on the shared listener',
    ]);
    expect(planTeardown(observed, ENV, NOW)[0]).toMatchObject({
      kind: 'deleteListenerRule',
      ruleArn: 'arn:rule',
    });
  });

  it('throws OwnershipConflictError for a foreign load balancer and plans nothing', () => {
    const observed = withObserved({
      loadBalancer: { ...fullyCreated().loadBalancer!, tags: FOREIGN },
    });
    expect(() => planTeardown(observed, ENV, NOW)).toThrow(OwnershipConflictError);
    expect(() => planTeardown(observed, ENV, NOW)).toThrow(
      'load balancer berth-demo-alb exists but is not tagged as belonging to environment "demo" (berth:env/berth:managed-by); Berth will neither adopt nor delete it',
    );
  });

  it('throws OwnershipConflictError for a security group of another environment', () => {
    const observed: ObservedEnvironment = {
      ...nothing(),
      securityGroups: {
        instances: { id: 'sg-1', name: 'berth-demo-instances', tags: { ...TAGS, 'berth:env': 'prod' } },
      },
    };
    expect(() => planTeardown(observed, ENV, NOW)).toThrow(
      expect.objectContaining({
        name: 'OwnershipConflictError',
        resource: 'security group berth-demo-instances',
      }),
    );
  });

  it('checks ownership against the env argument', () => {
    expect(() => planTeardown(fullyCreated(), 'other', NOW)).toThrow(OwnershipConflictError);
  });
});
