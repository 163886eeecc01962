import { BASE_DELAYS } from '../../core/time-profile.ts';
import { ECS_ERRORS } from './errors.ts';
import type { CapacityProvider, Tags } from './model.ts';
import { type EcsState, nameOf } from './state.ts';

/** ECS capacity providers backed by an Auto Scaling group: validation, creation, deletion. */

/** Checks that a provider can be associated with a cluster (exists, ACTIVE, not on another cluster). */
export function checkProviderUsable(ecs: EcsState, name: string, clusterName?: string): void {
  if (name === 'FARGATE' || name === 'FARGATE_SPOT') return;
  const cp = ecs.capacityProviders.get(nameOf(name));
  if (!cp || cp.status === 'INACTIVE')
    throw ECS_ERRORS.invalid(
      `The specified capacity provider '${name}' does not exist. Specify a valid name or ARN and try again.`,
    );
  // A just-created provider is PROVISIONING for a while (terraform-provider-aws PR #45567).
  if (cp.status !== 'ACTIVE')
    throw ECS_ERRORS.invalid(
      `The specified capacity provider '${name}' is not in an ACTIVE state. Specify a valid capacity provider and try again.`,
    );
  const elsewhere = [...ecs.clusters.values()].find(
    (c) => c.status === 'ACTIVE' && c.name !== clusterName && c.capacityProviders.includes(cp.name),
  );
  if (elsewhere)
    throw ECS_ERRORS.invalid(
      `The specified capacity provider '${cp.name}' is already associated with cluster '${elsewhere.name}'. A capacity provider can only be associated with one cluster.`,
    );
}

export function createCapacityProvider(
  ecs: EcsState,
  input: {
    name: string;
    autoScalingGroupArn?: string;
    managedScaling?: Record<string, unknown>;
    managedTerminationProtection?: string;
    managedDraining?: string;
    tags?: Tags;
  },
): CapacityProvider {
  const { name } = input;
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name))
    throw ECS_ERRORS.client(
      'The capacity provider name is invalid. Up to 255 letters, numbers, hyphens and underscores are allowed.',
    );
  if (/^(aws|ecs|fargate)/i.test(name))
    throw ECS_ERRORS.client(
      `The capacity provider name cannot start with 'aws', 'ecs', or 'fargate'. Specify a different name and try again.`,
    );
  const previous = ecs.capacityProviders.get(name);
  if (previous && previous.status !== 'INACTIVE')
    throw ECS_ERRORS.client(
      'The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.',
    );
  const asgArn = input.autoScalingGroupArn;
  if (!asgArn) throw ECS_ERRORS.client('autoScalingGroupProvider.autoScalingGroupArn must be specified.');
  if (!asgArn.startsWith('arn:aws:autoscaling:'))
    throw ECS_ERRORS.client(
      'The specified Auto Scaling group ARN is not valid. Specify a valid ARN and try again.',
    );
  if (
    [...ecs.capacityProviders.values()].some(
      (cp) => cp.status !== 'INACTIVE' && cp.autoScalingGroupArn === asgArn,
    )
  )
    throw ECS_ERRORS.client(
      'The specified Auto Scaling group ARN is already being used by another capacity provider. Specify a unique Auto Scaling group ARN and try again.',
    );
  // In a new account the service-linked role that CreateCluster created is not usable at once
  // (aws/containers-roadmap #631).
  if (!ecs.serviceLinkedRoleUsable())
    throw ECS_ERRORS.client(
      'ECS Service Linked Role does not exist. Please create a Service linked role for ECS and try again.',
    );
  const group = ecs.autoScalingGroup(asgArn);
  if (!group)
    throw ECS_ERRORS.client(
      `The specified Auto Scaling group ARN '${asgArn}' does not exist. Specify a valid Auto Scaling group ARN and try again.`,
    );
  const scalingStatus = String(input.managedScaling?.status ?? 'ENABLED');
  const protection = input.managedTerminationProtection ?? 'DISABLED';
  if (protection === 'ENABLED') {
    if (scalingStatus !== 'ENABLED')
      throw ECS_ERRORS.client(
        'The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the capacity provider must have managed scaling enabled.',
      );
    if (!group.newInstancesProtectedFromScaleIn)
      throw ECS_ERRORS.client(
        'The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the Auto Scaling group must have instance protection from scale in enabled.',
      );
  }
  const cp: CapacityProvider = {
    arn: ecs.arn('capacity-provider', name),
    name,
    status: 'PROVISIONING',
    updateStatus: 'CREATE_IN_PROGRESS',
    autoScalingGroupArn: asgArn,
    managedScaling: {
      status: scalingStatus,
      targetCapacity: Number(input.managedScaling?.targetCapacity ?? 100),
      minimumScalingStepSize: Number(input.managedScaling?.minimumScalingStepSize ?? 1),
      maximumScalingStepSize: Number(input.managedScaling?.maximumScalingStepSize ?? 10000),
      instanceWarmupPeriod: Number(input.managedScaling?.instanceWarmupPeriod ?? 300),
    },
    managedTerminationProtection: protection,
    managedDraining: input.managedDraining ?? 'ENABLED',
    scalingUntil: 0,
  };
  ecs.capacityProviders.set(name, cp);
  ecs.tags.set(cp.arn, { ...(input.tags ?? {}) });
  ecs.markCreated(cp.arn);
  ecs.cloud.clock.timer(BASE_DELAYS.capacityProviderActivation, () => {
    if (cp.status !== 'PROVISIONING') return;
    cp.status = 'ACTIVE';
    cp.updateStatus = 'CREATE_COMPLETE';
  });
  return cp;
}

/**
 * DeleteCapacityProvider answers 200 even when it does not delete: while the provider is still
 * associated with a cluster (its attachment included) the answer carries `updateStatus:
 * DELETE_FAILED` with the reason, and `status` stays ACTIVE (aws-nuke PR #542,
 * terraform-provider-aws PR #48156). Otherwise `DELETE_IN_PROGRESS`, INACTIVE a while later.
 */
export function deleteCapacityProvider(ecs: EcsState, nameOrArn: string): CapacityProvider {
  const cp = ecs.capacityProviders.get(nameOf(nameOrArn));
  if (!cp || cp.status === 'INACTIVE')
    throw ECS_ERRORS.client(
      'The specified capacity provider does not exist. Specify a valid name or ARN and try again.',
    );
  if (cp.updateStatus === 'DELETE_IN_PROGRESS') return cp;
  const cluster = [...ecs.clusters.values()].find(
    (c) =>
      c.status === 'ACTIVE' &&
      (c.capacityProviders.includes(cp.name) ||
        c.attachments.some((a) => a.capacityProviderName === cp.name && a.status !== 'DELETED')),
  );
  if (cluster) {
    cp.updateStatus = 'DELETE_FAILED';
    cp.updateStatusReason = `The capacity provider cannot be deleted because it is associated with cluster: ${cluster.name}. Remove the capacity provider from the cluster and try again.`;
    return cp;
  }
  cp.updateStatus = 'DELETE_IN_PROGRESS';
  delete cp.updateStatusReason;
  ecs.cloud.clock.timer(BASE_DELAYS.capacityProviderDeletion, () => {
    cp.status = 'INACTIVE';
    cp.updateStatus = 'DELETE_COMPLETE';
  });
  return cp;
}
