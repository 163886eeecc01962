import type { InstanceRunningEvent, InstanceTerminatingEvent } from '../../core/cloud.ts';
import { hex } from '../../core/ids.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import { getCluster } from './clusters.ts';
import { ECS_ERRORS } from './errors.ts';
import { asgNameOf, type Cluster, type ContainerInstance } from './model.ts';
import type { EcsState } from './state.ts';

/**
 * ECS container instances: the EC2 instances whose user data names a cluster register after a
 * delay (`instance:running`), go away with their instance (`instance:terminating`), and can be
 * deregistered or drained through the API.
 */

/** `instance:running` → registers a container instance when the user data names a cluster. */
export function onInstanceRunning(ecs: EcsState, event: InstanceRunningEvent): void {
  const m = /ECS_CLUSTER=["']?([A-Za-z0-9_-]+)/.exec(event.userData ?? '');
  if (!m) return;
  const clusterName = m[1] as string;
  const cancel = ecs.cloud.clock.timer(BASE_DELAYS.containerInstanceRegistration, () => {
    ecs.pendingRegistrations.delete(event.instanceId);
    const cluster = ecs.clusters.get(clusterName);
    if (cluster?.status !== 'ACTIVE') return;
    registerContainerInstance(ecs, cluster, event);
  });
  ecs.pendingRegistrations.set(event.instanceId, cancel);
}

function registerContainerInstance(
  ecs: EcsState,
  cluster: Cluster,
  event: InstanceRunningEvent,
): ContainerInstance {
  const id = hex(32);
  const provider = event.autoScalingGroupName
    ? [...ecs.capacityProviders.values()].find(
        (cp) =>
          cp.status === 'ACTIVE' &&
          cp.autoScalingGroupArn !== undefined &&
          asgNameOf(cp.autoScalingGroupArn) === event.autoScalingGroupName,
      )
    : undefined;
  const ci: ContainerInstance = {
    arn: ecs.arn('container-instance', `${cluster.name}/${id}`),
    id,
    clusterName: cluster.name,
    ec2InstanceId: event.instanceId,
    status: 'ACTIVE',
    cpu: Math.round(event.cpu * 1024),
    memory: event.memoryMiB,
    remainingCpu: Math.round(event.cpu * 1024),
    remainingMemory: event.memoryMiB,
    usedPorts: new Set([22, 2375, 2376, 51678, 51679]),
    instanceType: event.instanceType,
    availabilityZone: event.availabilityZone,
    ...(event.autoScalingGroupName === undefined ? {} : { autoScalingGroupName: event.autoScalingGroupName }),
    ...(provider ? { capacityProviderName: provider.name } : {}),
    registeredAt: ecs.cloud.clock.now(),
    privateIpAddress: event.privateIpAddress,
  };
  ecs.containerInstances.set(ci.arn, ci);
  ecs.tags.set(ci.arn, {});
  if (provider) provider.scalingUntil = 0;
  ecs.cloud.bus.emit('ecs:container-instance', {
    accountId: ecs.accountId,
    region: ecs.region,
    cluster: cluster.name,
    instanceId: event.instanceId,
    containerInstanceArn: ci.arn,
    status: 'ACTIVE',
  });
  ecs.scheduler.kick();
  return ci;
}

/** `instance:terminating` → the container instance goes away and its tasks stop. */
export function onInstanceTerminating(ecs: EcsState, event: InstanceTerminatingEvent): void {
  ecs.pendingRegistrations.get(event.instanceId)?.();
  ecs.pendingRegistrations.delete(event.instanceId);
  for (const ci of ecs.containerInstances.values()) {
    if (ci.ec2InstanceId !== event.instanceId || ci.status === 'INACTIVE') continue;
    for (const task of ecs.tasks.values()) {
      if (task.containerInstanceArn === ci.arn && task.lastStatus !== 'STOPPED')
        ecs.scheduler.stopTask(
          task,
          `Host EC2 (instance ${event.instanceId}) terminated.`,
          'TerminationNotice',
          {
            immediate: true,
          },
        );
    }
    removeContainerInstance(ecs, ci);
  }
}

function removeContainerInstance(ecs: EcsState, ci: ContainerInstance): void {
  ci.status = 'INACTIVE';
  ecs.containerInstances.delete(ci.arn);
  ecs.cloud.bus.emit('ecs:container-instance', {
    accountId: ecs.accountId,
    region: ecs.region,
    cluster: ci.clusterName,
    instanceId: ci.ec2InstanceId,
    containerInstanceArn: ci.arn,
    status: 'INACTIVE',
  });
  ecs.scheduler.kick();
}

export function findContainerInstance(
  ecs: EcsState,
  clusterName: string,
  ref: string,
): ContainerInstance | undefined {
  return [...ecs.containerInstances.values()].find(
    (ci) => ci.clusterName === clusterName && (ci.arn === ref || ci.id === ref || ci.ec2InstanceId === ref),
  );
}

export function deregisterContainerInstance(
  ecs: EcsState,
  clusterName: string,
  ref: string,
  force: boolean,
): ContainerInstance {
  const cluster = getCluster(ecs, clusterName);
  const ci = findContainerInstance(ecs, cluster.name, ref);
  if (!ci) throw ECS_ERRORS.invalid('The referenced container instance was not found.');
  const tasks = [...ecs.tasks.values()].filter(
    (t) => t.containerInstanceArn === ci.arn && t.lastStatus !== 'STOPPED',
  );
  if (tasks.length > 0 && !force) throw ECS_ERRORS.invalid('Found running tasks on the instance.');
  for (const task of tasks)
    ecs.scheduler.stopTask(task, 'Container instance deregistration forced by user', 'UserInitiated', {
      immediate: true,
    });
  removeContainerInstance(ecs, ci);
  return { ...ci, status: 'INACTIVE' };
}

export function updateContainerInstancesState(
  ecs: EcsState,
  clusterName: string,
  refs: string[],
  status: 'ACTIVE' | 'DRAINING',
): ContainerInstance[] {
  const cluster = getCluster(ecs, clusterName);
  const out: ContainerInstance[] = [];
  for (const ref of refs) {
    const ci = findContainerInstance(ecs, cluster.name, ref);
    if (!ci) continue;
    ci.status = status;
    out.push(ci);
  }
  ecs.scheduler.kick();
  return out;
}
