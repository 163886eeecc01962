import { BASE_DELAYS } from '../core/time-profile.ts';
import { autoScalingBackend } from '../services/autoscaling/backend.ts';
import type { Cluster, TaskDefinition } from '../services/ecs/model.ts';
import { fixedHostPorts, type LaunchSpec, strategyOf, taskCpu, taskMemory } from './placement.ts';
import type { SchedulerHost } from './scheduler-host.ts';

/**
 * ECS managed scaling of capacity providers backed by an Auto Scaling group: scale-out for tasks
 * that cannot be placed, scale-in (with managed termination protection) when instances stay idle.
 */

/**
 * Managed scaling, scale-out: when tasks can't be placed, ECS raises the provider's group by the
 * instances those tasks need, between the provider's minimum and maximum scaling step sizes
 * (ECS API reference, ManagedScaling), then waits for them to boot and register.
 */
export function managedScaleOut(ecs: SchedulerHost, spec: LaunchSpec, unplaced: number): void {
  const now = ecs.cloud.clock.now().getTime();
  for (const item of strategyOf(spec)) {
    const cp = ecs.capacityProviders.get(item.capacityProvider);
    if (!cp?.autoScalingGroupArn || cp.managedScaling?.status !== 'ENABLED' || now < cp.scalingUntil)
      continue;
    const group = ecs.autoScalingGroup(cp.autoScalingGroupArn);
    if (!group) continue;
    if (group.desiredCapacity >= group.maxSize) continue;
    const perInstance = tasksPerInstance(ecs, cp.name, spec.taskDefinition);
    const minStep = Math.max(1, Number(cp.managedScaling.minimumScalingStepSize ?? 1));
    const maxStep = Math.max(minStep, Number(cp.managedScaling.maximumScalingStepSize ?? 10_000));
    const step = Math.min(maxStep, Math.max(minStep, Math.ceil(unplaced / perInstance)));
    try {
      autoScalingBackend(ecs.cloud, ecs.accountId, ecs.region).setDesiredCapacity(
        group.name,
        group.desiredCapacity + step,
      );
      cp.scalingUntil =
        now +
        ecs.cloud.clock.ms(BASE_DELAYS.instanceBoot + BASE_DELAYS.containerInstanceRegistration + 60_000);
      delete cp.lowSince;
    } catch {
      // The group refused (e.g. at its maximum): try again on a later pass.
    }
    return;
  }
}

/** Tasks of `td` one of the provider's instances holds (1 when none registered yet or fixed host ports). */
function tasksPerInstance(ecs: SchedulerHost, capacityProvider: string, td: TaskDefinition): number {
  if (fixedHostPorts(td).length > 0) return 1;
  const sample = [...ecs.containerInstances.values()].find(
    (ci) => ci.capacityProviderName === capacityProvider,
  );
  if (!sample) return 1;
  const cpu = taskCpu(td);
  const memory = taskMemory(td);
  const byCpu = cpu > 0 ? Math.floor(sample.cpu / cpu) : Number.POSITIVE_INFINITY;
  const byMemory = memory > 0 ? Math.floor(sample.memory / memory) : Number.POSITIVE_INFINITY;
  const fit = Math.min(byCpu, byMemory);
  return Number.isFinite(fit) ? Math.max(1, fit) : 1;
}

/**
 * Managed scaling, scale-in, with managed termination protection (ECS developer guide: "Control
 * the instances Amazon ECS terminates" and "cluster auto scaling"): when the provider's group has
 * more desired capacity than its tasks need (the target: instances running tasks × 100 ÷
 * targetCapacity, at least the group's minimum) for the whole scale-in period (the low alarm's 15
 * one-minute data points), ECS turns scale-in protection off on that many instances without
 * tasks and lowers the group's desired capacity; the group then terminates them. ECS scales in
 * from the desired capacity it manages: when someone else already lowered the group's desired
 * capacity, ECS has nothing to scale in, and protected idle instances keep running.
 */
export function managedScaleIn(ecs: SchedulerHost): void {
  const now = ecs.cloud.clock.now().getTime();
  // Read once per call (after the services' pass, so tasks placed in it count): the active
  // cluster of each capacity provider, and the instances each cluster's live tasks run on.
  const clusterOf = new Map<string, Cluster>();
  for (const c of ecs.clusters.values()) {
    if (c.status !== 'ACTIVE') continue;
    for (const name of c.capacityProviders) if (!clusterOf.has(name)) clusterOf.set(name, c);
  }
  const busyByCluster = new Map<string, Set<string>>();
  for (const t of ecs.tasks.values()) {
    if (t.lastStatus === 'STOPPED' || !t.ec2InstanceId) continue;
    const busy = busyByCluster.get(t.clusterName);
    if (busy === undefined) busyByCluster.set(t.clusterName, new Set([t.ec2InstanceId]));
    else busy.add(t.ec2InstanceId);
  }
  for (const cp of ecs.capacityProviders.values()) {
    if (cp.status !== 'ACTIVE' || !cp.autoScalingGroupArn || cp.managedScaling?.status !== 'ENABLED')
      continue;
    const cluster = clusterOf.get(cp.name);
    const group = ecs.autoScalingGroup(cp.autoScalingGroupArn);
    if (!cluster || !group || group.status !== undefined || now < cp.scalingUntil) {
      delete cp.lowSince;
      continue;
    }
    const live = [...group.instances.values()].filter(
      (i) => i.lifecycleState === 'InService' || i.lifecycleState === 'Pending',
    );
    const busy = busyByCluster.get(cluster.name) ?? new Set<string>();
    const used = live.filter((i) => busy.has(i.instanceId)).length;
    const targetCapacity = Math.max(1, Number(cp.managedScaling.targetCapacity ?? 100));
    const target = Math.max(group.minSize, Math.ceil((used * 100) / targetCapacity));
    if (target >= group.desiredCapacity || awaitingPlacement(ecs, cluster.name)) {
      delete cp.lowSince;
      continue;
    }
    if (cp.lowSince === undefined) {
      cp.lowSince = now;
      continue;
    }
    if (now - cp.lowSince < Math.max(1, ecs.cloud.clock.delay('managedScaleIn'))) continue;
    const idle = live.filter((i) => i.lifecycleState === 'InService' && !busy.has(i.instanceId));
    const victims = idle.slice(0, group.desiredCapacity - target);
    if (victims.length === 0) continue;
    const autoScaling = autoScalingBackend(ecs.cloud, ecs.accountId, ecs.region);
    try {
      const protectedIds = victims.filter((i) => i.protectedFromScaleIn).map((i) => i.instanceId);
      if (protectedIds.length > 0) autoScaling.setInstanceProtection(group.name, protectedIds, false);
      autoScaling.setDesiredCapacity(group.name, group.desiredCapacity - victims.length);
    } catch {
      // The group changed under us (being deleted, instance gone): evaluate again later.
    }
    delete cp.lowSince;
  }
}

/** True while a service of the cluster still has tasks to place. */
function awaitingPlacement(ecs: SchedulerHost, clusterName: string): boolean {
  return [...ecs.services.values()].some((s) => {
    if (s.clusterName !== clusterName || s.status !== 'ACTIVE') return false;
    const live = [...ecs.tasks.values()].filter(
      (t) => t.clusterName === clusterName && t.serviceName === s.name && t.desiredStatus === 'RUNNING',
    ).length;
    return live < s.desiredCount && s.deployments[0]?.rolloutState !== 'FAILED';
  });
}
