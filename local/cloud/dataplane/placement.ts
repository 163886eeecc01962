import type {
  CapacityProviderStrategyItem,
  Cluster,
  ContainerInstance,
  Deployment,
  Service,
  TaskDefinition,
} from '../services/ecs/model.ts';
import { asgNameOf } from '../services/ecs/model.ts';
import type { SchedulerHost } from './scheduler-host.ts';

/** Where a task goes: a container instance, Fargate, or nowhere (with the reason). */
export type Placement =
  | { kind: 'ec2'; instance: ContainerInstance; capacityProviderName?: string }
  | { kind: 'fargate'; capacityProviderName?: string }
  | { kind: 'none'; reason: string; runTaskReason: string };

/** How a task is launched (from a deployment or a RunTask call). */
export interface LaunchSpec {
  cluster: Cluster;
  taskDefinition: TaskDefinition;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  networkConfiguration?: Record<string, unknown>;
  service?: Service;
  deployment?: Deployment;
  startedBy?: string;
  group?: string;
  overrides?: Record<string, unknown>;
  containerInstance?: ContainerInstance;
}

/** Memory a task needs on an instance: task-level memory, else per container `memory` or `memoryReservation`. */
export function taskMemory(td: TaskDefinition): number {
  if (td.memory !== undefined) return Number(td.memory);
  return td.containerDefinitions.reduce((sum, c) => sum + (c.memory ?? c.memoryReservation ?? 0), 0);
}

/** CPU units a task needs: task-level cpu, else the sum of container cpu. */
export function taskCpu(td: TaskDefinition): number {
  if (td.cpu !== undefined) return Number(td.cpu);
  return td.containerDefinitions.reduce((sum, c) => sum + (c.cpu ?? 0), 0);
}

/** Fixed host ports a task needs on its instance (bridge with a hostPort, or host mode). */
export function fixedHostPorts(td: TaskDefinition): number[] {
  if (td.networkMode === 'awsvpc' || td.networkMode === 'none') return [];
  return td.containerDefinitions.flatMap((c) =>
    c.portMappings
      .map((pm) => (td.networkMode === 'host' ? pm.containerPort : (pm.hostPort ?? 0)))
      .filter((p) => p > 0),
  );
}

/** The capacity provider strategy a launch uses: none with a launch type, else its own or the cluster's default. */
export function strategyOf(spec: LaunchSpec): CapacityProviderStrategyItem[] {
  if (spec.launchType) return [];
  if (spec.capacityProviderStrategy && spec.capacityProviderStrategy.length > 0)
    return spec.capacityProviderStrategy;
  return spec.cluster.defaultCapacityProviderStrategy;
}

/** Chooses where a task runs (capacity providers, CPU, memory, host ports), spreading a service's tasks. */
export function place(ecs: SchedulerHost, spec: LaunchSpec): Placement {
  const strategy = strategyOf(spec);
  const fargateItem = strategy.find((i) => i.capacityProvider.startsWith('FARGATE'));
  if (spec.launchType === 'FARGATE' || (fargateItem && !spec.containerInstance)) {
    return fargateItem
      ? { kind: 'fargate', capacityProviderName: fargateItem.capacityProvider }
      : { kind: 'fargate' };
  }
  const td = spec.taskDefinition;
  const cpu = taskCpu(td);
  const memory = taskMemory(td);
  const ports = fixedHostPorts(td);
  const providerNames = strategy.map((i) => i.capacityProvider);
  const asgNames = new Set(
    providerNames
      .map((n) => ecs.capacityProviders.get(n)?.autoScalingGroupArn)
      .filter((a): a is string => a !== undefined)
      .map(asgNameOf),
  );
  let candidates = [...ecs.containerInstances.values()].filter(
    (ci) => ci.clusterName === spec.cluster.name && ci.status === 'ACTIVE',
  );
  if (spec.containerInstance) candidates = candidates.filter((ci) => ci === spec.containerInstance);
  else if (providerNames.length > 0)
    candidates = candidates.filter(
      (ci) =>
        (ci.capacityProviderName !== undefined && providerNames.includes(ci.capacityProviderName)) ||
        (ci.autoScalingGroupName !== undefined && asgNames.has(ci.autoScalingGroupName)),
    );
  if (candidates.length === 0)
    return {
      kind: 'none',
      reason: 'No Container Instances were found in your cluster.',
      runTaskReason: 'No Container Instances were found in your cluster.',
    };
  const fits = candidates.filter(
    (ci) =>
      ci.remainingCpu >= cpu && ci.remainingMemory >= memory && ports.every((p) => !ci.usedPorts.has(p)),
  );
  if (fits.length === 0) {
    const closest = candidates[0] as ContainerInstance;
    const [what, runTaskReason] =
      closest.remainingMemory < memory
        ? ['has insufficient memory available', 'RESOURCE:MEMORY']
        : closest.remainingCpu < cpu
          ? ['has insufficient CPU units available', 'RESOURCE:CPU']
          : ['is already using a port required by your task', 'RESOURCE:PORTS'];
    return {
      kind: 'none',
      reason: `The closest matching container-instance ${closest.id} ${what}.`,
      runTaskReason,
    };
  }
  const serviceCount = (ci: ContainerInstance): number =>
    [...ecs.tasks.values()].filter(
      (t) =>
        t.containerInstanceArn === ci.arn &&
        t.desiredStatus === 'RUNNING' &&
        (spec.service ? t.serviceName === spec.service.name : true),
    ).length;
  const zoneCount = (zone: string): number =>
    [...ecs.tasks.values()].filter(
      (t) =>
        t.availabilityZone === zone &&
        t.desiredStatus === 'RUNNING' &&
        t.clusterName === spec.cluster.name &&
        (spec.service ? t.serviceName === spec.service.name : true),
    ).length;
  fits.sort(
    (a, b) =>
      zoneCount(a.availabilityZone) - zoneCount(b.availabilityZone) ||
      serviceCount(a) - serviceCount(b) ||
      b.remainingMemory - a.remainingMemory,
  );
  const instance = fits[0] as ContainerInstance;
  return {
    kind: 'ec2',
    instance,
    ...(instance.capacityProviderName === undefined
      ? {}
      : { capacityProviderName: instance.capacityProviderName }),
  };
}
