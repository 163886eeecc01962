/**
 * The teardown executor shared by the `teardown-*` handlers: observe, let core `planTeardown`
 * decide, execute only this stage's steps in order. A `wait` step (or a deletion AWS completes
 * asynchronously) ends the invocation with `done: false`; the state machine Waits and calls again.
 */
import { type ObservedPart, observeEnvironment } from '../adapters/observe-environment.ts';
import { resourceNames } from '../core/names.ts';
import type { ObservedEnvironment } from '../core/observed.ts';
import type { PlanStep } from '../core/plan.ts';
import { pendingSteps, stageSteps } from '../core/plan.ts';
import { planTeardown, type TeardownStage } from '../core/plan-teardown.ts';
import { labels } from '../core/resources.ts';
import { requireConfig } from './config.ts';
import type { HandlerDeps, LifecycleState } from './runtime.ts';
import { envOf, runStep } from './runtime.ts';

export interface TeardownResult {
  readonly done: boolean;
  /** `<action> <resource>: <reason>` of the steps left in this stage. */
  readonly remaining: readonly string[];
  /** Steps executed by this invocation. */
  readonly executed: readonly string[];
}

export type TeardownDeps = Pick<
  HandlerDeps,
  'config' | 'ecs' | 'elbv2' | 'autoScaling' | 'ec2' | 'now' | 'logger'
>;

/** What each stage observes. `service` observes everything: ownership is checked before the first deletion. */
export const STAGE_PARTS: Record<TeardownStage, readonly ObservedPart[]> = {
  service: ['network', 'load-balancer', 'cluster', 'capacity', 'service', 'task-definitions'],
  capacity: ['cluster', 'capacity'],
  cluster: ['cluster', 'capacity', 'service'],
  'load-balancer': ['load-balancer'],
  network: ['network'],
  'task-definitions': ['task-definitions'],
};

const describe = (s: PlanStep) => `${s.action} ${s.resource}: ${s.reason}`;

/** Executes one plan step; returns `'wait'` when the stage must pause after it. */
async function execute(
  deps: TeardownDeps,
  env: string,
  observed: ObservedEnvironment,
  s: PlanStep,
): Promise<'continue' | 'wait'> {
  const names = resourceNames(env);
  if (s.action === 'wait') return 'wait';
  if (s.action !== 'update' && s.action !== 'delete') return 'continue';
  const r = s.resource;
  if (r === labels.service(names.service)) {
    if (s.action === 'update') {
      await deps.ecs.updateService({ cluster: names.cluster, service: names.service, desiredCount: 0 });
    } else {
      await deps.ecs.deleteService(names.cluster, names.service);
    }
    return 'continue';
  }
  if (r === labels.autoScalingGroup(names.autoScalingGroup)) {
    const group = observed.autoScalingGroup;
    if (s.action === 'update' && /protection/i.test(s.reason) && group) {
      const ids = group.instances.filter((i) => i.protectedFromScaleIn).map((i) => i.id);
      await deps.autoScaling.unprotectInstances(names.autoScalingGroup, ids);
      return 'continue';
    }
    if (s.action === 'update') {
      await deps.autoScaling.updateCapacity(names.autoScalingGroup, {
        minSize: 0,
        maxSize: 0,
        desiredCapacity: 0,
      });
      return 'continue';
    }
    // Protection and 0/0/0 were earlier steps of the same plan; ownership was checked by planTeardown.
    await deps.autoScaling.forceDelete(names.autoScalingGroup);
    return 'wait'; // instances terminate asynchronously
  }
  if (r === labels.launchTemplate(names.launchTemplate)) {
    await deps.ec2.deleteLaunchTemplate(env, names.launchTemplate);
    return 'continue';
  }
  if (r === labels.cluster(names.cluster)) {
    if (s.action === 'update') await deps.ecs.detachCapacityProviders(names.cluster);
    else await deps.ecs.deleteCluster(env, names.cluster);
    return 'continue';
  }
  if (r === labels.capacityProvider(names.capacityProvider)) {
    await deps.ecs.deleteCapacityProvider(env, names.capacityProvider);
    return 'continue';
  }
  if (observed.listenerRule && r === labels.listenerRule(observed.listenerRule.priority)) {
    if (deps.config.sharedListenerArn) {
      await deps.elbv2.deleteListenerRule(deps.config.sharedListenerArn, env);
    }
    return 'continue';
  }
  if (observed.listener && r.startsWith(`listener :${observed.listener.port} `)) {
    await deps.elbv2.deleteListener(observed.listener.arn);
    return 'continue';
  }
  if (r === labels.loadBalancer(names.loadBalancer)) {
    await deps.elbv2.deleteLoadBalancer(env, names.loadBalancer);
    return 'continue';
  }
  if (r === labels.targetGroup(names.targetGroup)) {
    await deps.elbv2.deleteTargetGroup(env, names.targetGroup);
    return 'continue';
  }
  if (r === labels.instanceSecurityGroup(names.instanceSecurityGroup) && deps.config.vpcId) {
    await deps.ec2.deleteSecurityGroup(env, deps.config.vpcId, names.instanceSecurityGroup);
    return 'continue';
  }
  if (r === labels.albSecurityGroup(names.albSecurityGroup) && deps.config.vpcId) {
    await deps.ec2.deleteSecurityGroup(env, deps.config.vpcId, names.albSecurityGroup);
    return 'continue';
  }
  const revision = (observed.taskDefinitions ?? []).find(
    (td) => r === labels.taskDefinition(td.family, td.revision),
  );
  if (revision) {
    await deps.ecs.deregisterTaskDefinition(revision.arn);
    return 'continue';
  }
  throw new TypeError(`teardown: no executor for step "${describe(s)}"`);
}

/**
 * Runs one teardown stage for the environment in `state`.
 * @throws OwnershipConflictError (from planTeardown) before anything is deleted when a present
 *   resource is not the environment's.
 */
export async function runTeardownStage(
  deps: TeardownDeps,
  stage: TeardownStage,
  state: LifecycleState,
): Promise<TeardownResult> {
  return runStep(deps.logger, `teardown-${stage}`, state, async () => {
    const env = envOf(state);
    if (stage === 'network') requireConfig(deps.config.vpcId, 'BERTH_VPC_ID');
    const observed = await observeEnvironment(
      { ecs: deps.ecs, elbv2: deps.elbv2, autoScaling: deps.autoScaling, ec2: deps.ec2 },
      {
        env,
        parts: STAGE_PARTS[stage],
        ...(deps.config.vpcId ? { vpcId: deps.config.vpcId } : {}),
        ...(deps.config.sharedListenerArn ? { sharedListenerArn: deps.config.sharedListenerArn } : {}),
      },
    );
    const steps = pendingSteps(stageSteps(planTeardown(observed, env, deps.now()), stage));
    const executed: string[] = [];
    for (const [index, s] of steps.entries()) {
      const outcome = await execute(deps, env, observed, s);
      if (s.action !== 'wait') executed.push(describe(s));
      if (outcome === 'wait') {
        const remaining = steps.slice(s.action === 'wait' ? index : index + 1).map(describe);
        return { done: false, remaining: remaining.length > 0 ? remaining : [describe(s)], executed };
      }
    }
    return { done: true, remaining: [], executed };
  });
}
