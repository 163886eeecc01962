import { uuid } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import { checkProviderUsable } from './capacity-providers.ts';
import { ECS_ERRORS } from './errors.ts';
import type { CapacityProviderStrategyItem, Cluster, ClusterAttachment, Tags } from './model.ts';
import { type EcsState, nameOf } from './state.ts';

/**
 * ECS clusters: create, delete (refused while services, container instances, tasks or capacity
 * providers remain), their capacity providers and the managed-scaling attachments those create.
 */

/** Providers AWS manages for every account; they are not cluster scoped. */
const BUILT_IN_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

export function createCluster(
  ecs: EcsState,
  input: {
    name?: string;
    tags?: Tags;
    capacityProviders?: string[];
    defaultCapacityProviderStrategy?: CapacityProviderStrategyItem[];
    settings?: { name: string; value: string }[];
  },
): Cluster {
  const name = input.name ?? 'default';
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name))
    throw ECS_ERRORS.invalid(
      'Cluster name must be between 1 and 255 characters. Only letters, numbers, hyphens and underscores are allowed.',
    );
  const existing = ecs.clusters.get(name);
  if (existing?.status === 'ACTIVE') return existing;
  ecs.createServiceLinkedRole();
  for (const cp of input.capacityProviders ?? []) checkProviderUsable(ecs, cp);
  const cluster: Cluster = {
    arn: ecs.arn('cluster', name),
    name,
    status: 'ACTIVE',
    capacityProviders: [...(input.capacityProviders ?? [])],
    defaultCapacityProviderStrategy: [...(input.defaultCapacityProviderStrategy ?? [])],
    settings: input.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
    attachments: [],
  };
  for (const cp of cluster.capacityProviders) attach(ecs, cluster, cp);
  ecs.clusters.set(name, cluster);
  ecs.tags.set(cluster.arn, { ...(input.tags ?? {}) });
  ecs.markCreated(cluster.arn);
  return cluster;
}

/** An ACTIVE cluster by name or ARN (default `default`). */
export function getCluster(ecs: EcsState, nameOrArn: string | undefined): Cluster {
  const cluster = ecs.clusters.get(nameOf(nameOrArn ?? 'default'));
  if (cluster?.status !== 'ACTIVE') throw ECS_ERRORS.clusterNotFound();
  return cluster;
}

export function clusterCounts(ecs: EcsState, cluster: Cluster): Record<string, number> {
  const tasks = [...ecs.tasks.values()].filter(
    (t) => t.clusterName === cluster.name && t.lastStatus !== 'STOPPED',
  );
  return {
    registeredContainerInstancesCount: [...ecs.containerInstances.values()].filter(
      (ci) => ci.clusterName === cluster.name && ci.status !== 'INACTIVE',
    ).length,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => t.lastStatus !== 'RUNNING').length,
    activeServicesCount: [...ecs.services.values()].filter(
      (s) => s.clusterName === cluster.name && s.status === 'ACTIVE',
    ).length,
  };
}

export function deleteCluster(ecs: EcsState, nameOrArn: string): Cluster {
  const cluster = getCluster(ecs, nameOrArn);
  const counts = clusterCounts(ecs, cluster);
  if ([...ecs.services.values()].some((s) => s.clusterName === cluster.name && s.status !== 'INACTIVE'))
    throw new ServiceError(
      'ClusterContainsServicesException',
      'The Cluster cannot be deleted while Services are active.',
    );
  if ((counts.registeredContainerInstancesCount ?? 0) > 0)
    throw new ServiceError(
      'ClusterContainsContainerInstancesException',
      'The Cluster cannot be deleted while Container Instances are active or draining.',
    );
  if ((counts.runningTasksCount ?? 0) + (counts.pendingTasksCount ?? 0) > 0)
    throw new ServiceError(
      'ClusterContainsTasksException',
      'The Cluster cannot be deleted while Tasks are active.',
    );
  // Detaching a provider is asynchronous: its attachment stays until ECS has removed the
  // managed-scaling policy (terraform-provider-aws PR #45794; aws-nuke issue #990).
  if (
    cluster.capacityProviders.some((cp) => !BUILT_IN_PROVIDERS.has(cp)) ||
    cluster.attachments.some((a) => a.status !== 'DELETED')
  )
    throw ECS_ERRORS.client(
      'The Cluster cannot be deleted while Cluster Scoped Capacity Providers are attached to the cluster',
    );
  cluster.status = 'INACTIVE';
  cluster.capacityProviders = [];
  cluster.defaultCapacityProviderStrategy = [];
  return cluster;
}

export function putClusterCapacityProviders(
  ecs: EcsState,
  clusterName: string,
  providers: string[],
  strategy: CapacityProviderStrategyItem[],
): Cluster {
  const cluster = getCluster(ecs, clusterName);
  for (const cp of providers) checkProviderUsable(ecs, cp, cluster.name);
  for (const item of strategy) {
    if (!providers.includes(item.capacityProvider))
      throw ECS_ERRORS.invalid(
        `The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`,
      );
  }
  const removed = cluster.capacityProviders.filter((cp) => !providers.includes(cp));
  for (const cp of removed) {
    const inUse = [...ecs.services.values()].some(
      (s) =>
        s.clusterName === cluster.name &&
        s.status !== 'INACTIVE' &&
        (s.capacityProviderStrategy ?? cluster.defaultCapacityProviderStrategy).some(
          (i) => i.capacityProvider === cp,
        ) &&
        !s.launchType,
    );
    if (inUse)
      throw new ServiceError(
        'ResourceInUseException',
        'The specified capacity provider is in use and cannot be removed.',
      );
  }
  for (const cp of removed) detach(ecs, cluster, cp);
  for (const cp of providers.filter((p) => !cluster.capacityProviders.includes(p))) attach(ecs, cluster, cp);
  cluster.capacityProviders = [...providers];
  cluster.defaultCapacityProviderStrategy = [...strategy];
  return cluster;
}

/** `UPDATE_IN_PROGRESS` while an attachment is being created or deleted, else `UPDATE_COMPLETE`. */
export function attachmentsStatus(cluster: Cluster): string {
  return cluster.attachments.some((a) => a.status === 'PRECREATED' || a.status === 'DELETING')
    ? 'UPDATE_IN_PROGRESS'
    : 'UPDATE_COMPLETE';
}

/** Associating an Auto Scaling group provider creates its managed-scaling attachment, asynchronously. */
function attach(ecs: EcsState, cluster: Cluster, name: string): void {
  const cp = ecs.capacityProviders.get(nameOf(name));
  if (!cp?.autoScalingGroupArn) return;
  const attachment: ClusterAttachment = {
    id: uuid(),
    type: 'as_policy',
    status: 'PRECREATED',
    capacityProviderName: cp.name,
    scalingPolicyName: `ECSManagedAutoScalingPolicy-${uuid()}`,
  };
  cluster.attachments.push(attachment);
  ecs.cloud.clock.timer(BASE_DELAYS.capacityProviderAttachment, () => {
    if (attachment.status === 'PRECREATED') attachment.status = 'CREATED';
  });
}

/**
 * Disassociating a provider deletes its attachment asynchronously: `DELETING` for a while, then
 * gone. Until then DeleteCluster and DeleteCapacityProvider still see the association.
 */
function detach(ecs: EcsState, cluster: Cluster, name: string): void {
  for (const attachment of cluster.attachments) {
    if (attachment.capacityProviderName !== nameOf(name)) continue;
    if (attachment.status === 'DELETING' || attachment.status === 'DELETED') continue;
    attachment.status = 'DELETING';
    ecs.cloud.clock.timer(BASE_DELAYS.capacityProviderAttachment, () => {
      attachment.status = 'DELETED';
      cluster.attachments = cluster.attachments.filter((a) => a !== attachment);
    });
  }
}
