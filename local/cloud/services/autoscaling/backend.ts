import type { Cloud } from '../../core/cloud.ts';
import { autoScalingGroupArn, parseAutoScalingGroupArn } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import { type Ec2Backend, ec2Backend } from '../ec2/backend.ts';
import { GroupCapacity } from './capacity.ts';
import {
  type Activity,
  type AsgTag,
  type AutoScalingGroup,
  type CreateGroupInput,
  iso,
  type LifecycleState,
} from './model.ts';

// The resource types the protocol layer (handlers.ts) and other services read, from model.ts.
export type { Activity, AsgTag, AutoScalingGroup, CreateGroupInput } from './model.ts';

/** Lifecycle states in which SetInstanceProtection is accepted. */
const PROTECTABLE_STATES: ReadonlySet<LifecycleState> = new Set<LifecycleState>([
  'InService',
  'EnteringStandby',
  'Standby',
]);

/** `Desired capacity:5 must be between the specified min size:0 and max size:2` and friends. */
function validateBounds(min: number, max: number, desired: number | undefined): void {
  if (min < 0) {
    throw new ServiceError(
      'ValidationError',
      `1 validation error detected: Value '${min}' at 'minSize' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    );
  }
  if (max < 0) {
    throw new ServiceError(
      'ValidationError',
      `1 validation error detected: Value '${max}' at 'maxSize' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    );
  }
  if (max < min) {
    throw new ServiceError(
      'ValidationError',
      `Max bound, ${max}, must be greater than or equal to min bound, ${min}`,
    );
  }
  if (desired !== undefined && (desired < min || desired > max)) {
    throw new ServiceError(
      'ValidationError',
      `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
    );
  }
}

/** `AutoScalingGroup name not found - …`. */
function groupNotFound(name: string): ServiceError {
  return new ServiceError(
    'ValidationError',
    `AutoScalingGroup name not found - AutoScalingGroup ${name} not found`,
  );
}

/** The Auto Scaling backend of one account and region (created on first use). */
export function autoScalingBackend(cloud: Cloud, accountId: string, region: string): AutoScalingBackend {
  return cloud.backend(
    'autoscaling',
    accountId,
    region,
    () => new AutoScalingBackend(cloud, accountId, region),
  );
}

/**
 * Auto Scaling of one account and region: groups, and the data plane that keeps each
 * group's instances at its desired capacity (launching through EC2, honouring scale-in
 * protection, retrying launches that fail for capacity).
 */
export class AutoScalingBackend {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
  readonly groups = new Map<string, AutoScalingGroup>();
  /** Instances at the desired capacity, and the scaling activities (capacity.ts). */
  readonly capacity: GroupCapacity;

  constructor(cloud: Cloud, accountId: string, region: string) {
    this.cloud = cloud;
    this.accountId = accountId;
    this.region = region;
    this.capacity = new GroupCapacity({ cloud, groups: this.groups, ec2: () => this.#ec2 });
  }

  get #ec2(): Ec2Backend {
    return ec2Backend(this.cloud, this.accountId, this.region);
  }

  /** A group by name or ARN. */
  getGroup(nameOrArn: string): AutoScalingGroup | undefined {
    const byName = this.groups.get(nameOrArn);
    if (byName) return byName;
    // An ARN ends in `autoScalingGroupName/<name>`: look the name up instead of scanning every
    // group (the ECS scheduler asks per capacity provider on every pass).
    const parsed = parseAutoScalingGroupArn(nameOrArn);
    if (!parsed) return undefined;
    const named = this.groups.get(parsed.name);
    return named?.arn === nameOrArn ? named : undefined;
  }

  /** The group, or the AWS not-found ValidationError. */
  requireGroup(nameOrArn: string): AutoScalingGroup {
    const g = this.getGroup(nameOrArn);
    if (!g) throw groupNotFound(nameOrArn);
    return g;
  }

  /** The group, refusing one that is being deleted. */
  requireMutableGroup(nameOrArn: string): AutoScalingGroup {
    const g = this.requireGroup(nameOrArn);
    if (g.status === 'Delete in progress') {
      throw new ServiceError('ValidationError', `AutoScalingGroup ${g.name} is pending delete.`);
    }
    return g;
  }

  /** Resolves the launch template reference (validation messages as Auto Scaling's). */
  #resolveTemplate(ref: CreateGroupInput['launchTemplate']): { id: string; name: string; version: string } {
    if (ref.id && ref.name) {
      throw new ServiceError(
        'ValidationError',
        'Valid requests must contain either launchTemplateId or launchTemplateName, but not both.',
      );
    }
    if (!ref.id && !ref.name) {
      throw new ServiceError(
        'ValidationError',
        'Valid requests must contain either launchTemplateId or launchTemplateName.',
      );
    }
    const lt = ref.id
      ? this.#ec2.launchTemplates.get(ref.id)
      : this.#ec2.findLaunchTemplateByName(ref.name ?? '');
    if (!lt) {
      throw new ServiceError(
        'ValidationError',
        ref.id
          ? `You must use a valid fully-formed launch template. The specified launch template, with template ID ${ref.id}, does not exist.`
          : `You must use a valid fully-formed launch template. The specified launch template, with template name ${ref.name}, does not exist.`,
      );
    }
    const version = ref.version ?? '$Default';
    if (!/^(\$Latest|\$Default|\d+)$/.test(version) || !this.#ec2.resolveVersion(lt, version)) {
      throw new ServiceError(
        'ValidationError',
        `You must use a valid fully-formed launch template. The specified launch template version ${version} does not exist.`,
      );
    }
    // Auto Scaling validates the template's image against its instance type up front (the check
    // RunInstances makes): "You must use a valid fully-formed launch template. The architecture
    // 'arm64' of the specified instance type does not match …" (ValidationError).
    const data = this.#ec2.resolveVersion(lt, version)?.data ?? {};
    const refused = this.#ec2.launchRefusal(String(data.ImageId ?? ''), String(data.InstanceType ?? ''));
    if (data.ImageId !== undefined && data.InstanceType !== undefined && refused) {
      throw new ServiceError(
        'ValidationError',
        `You must use a valid fully-formed launch template. ${refused}`,
      );
    }
    return { id: lt.launchTemplateId, name: lt.launchTemplateName, version };
  }

  /** Creates a group and starts launching its desired capacity. */
  createGroup(input: CreateGroupInput): AutoScalingGroup {
    if (this.groups.has(input.name)) {
      throw new ServiceError(
        'AlreadyExists',
        `AutoScalingGroup by this name already exists - A group with the name ${input.name} already exists`,
      );
    }
    validateBounds(input.minSize, input.maxSize, input.desiredCapacity);
    const launchTemplate = this.#resolveTemplate(input.launchTemplate);
    if (input.subnetIds.length === 0) {
      throw new ServiceError('ValidationError', 'At least one Availability Zone or VPC Subnet is required.');
    }
    for (const id of input.subnetIds) {
      if (!this.#ec2.getSubnet(id))
        throw new ServiceError('ValidationError', `The subnet ID '${id}' does not exist`);
    }
    const group: AutoScalingGroup = {
      name: input.name,
      arn: autoScalingGroupArn(this.region, this.accountId, input.name),
      launchTemplate,
      minSize: input.minSize,
      maxSize: input.maxSize,
      desiredCapacity: input.desiredCapacity ?? input.minSize,
      defaultCooldown: input.defaultCooldown ?? 300,
      subnetIds: [...new Set(input.subnetIds)],
      healthCheckType: input.healthCheckType ?? 'EC2',
      healthCheckGracePeriod: input.healthCheckGracePeriod ?? 0,
      newInstancesProtectedFromScaleIn: input.newInstancesProtectedFromScaleIn,
      capacityRebalance: input.capacityRebalance ?? false,
      targetGroupARNs: input.targetGroupARNs ?? [],
      terminationPolicies: input.terminationPolicies ?? ['Default'],
      serviceLinkedRoleARN: `arn:aws:iam::${this.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      tags: new Map(),
      instances: new Map(),
      createdTime: this.cloud.clock.now(),
      activities: [],
    };
    this.#setTags(group, input.tags);
    this.groups.set(group.name, group);
    this.capacity.reconcile(group, `a user request created an AutoScalingGroup`);
    return group;
  }

  #setTags(group: AutoScalingGroup, tags: AsgTag[]): void {
    for (const t of tags) group.tags.set(t.key, t);
    if (group.tags.size > 50) {
      for (const t of tags) group.tags.delete(t.key);
      throw new ServiceError(
        'LimitExceeded',
        `The number of tags for the AutoScalingGroup ${group.name} has exceeded the maximum of 50 tags`,
      );
    }
  }

  /** Adds or overwrites tags. */
  putTags(group: AutoScalingGroup, tags: AsgTag[]): void {
    this.#setTags(group, tags);
  }

  /** Applies an UpdateAutoScalingGroup request. */
  updateGroup(
    group: AutoScalingGroup,
    patch: {
      minSize?: number | undefined;
      maxSize?: number | undefined;
      desiredCapacity?: number | undefined;
      launchTemplate?: CreateGroupInput['launchTemplate'] | undefined;
      subnetIds?: string[] | undefined;
      newInstancesProtectedFromScaleIn?: boolean | undefined;
      defaultCooldown?: number | undefined;
      healthCheckType?: string | undefined;
      healthCheckGracePeriod?: number | undefined;
      capacityRebalance?: boolean | undefined;
      terminationPolicies?: string[] | undefined;
    },
  ): void {
    const min = patch.minSize ?? group.minSize;
    const max = patch.maxSize ?? group.maxSize;
    let desired = patch.desiredCapacity;
    validateBounds(min, max, desired);
    if (desired === undefined) desired = Math.min(max, Math.max(min, group.desiredCapacity));
    const launchTemplate = patch.launchTemplate ? this.#resolveTemplate(patch.launchTemplate) : undefined;
    if (patch.subnetIds) {
      if (patch.subnetIds.length === 0) {
        throw new ServiceError(
          'ValidationError',
          'At least one Availability Zone or VPC Subnet is required.',
        );
      }
      for (const id of patch.subnetIds) {
        if (!this.#ec2.getSubnet(id))
          throw new ServiceError('ValidationError', `The subnet ID '${id}' does not exist`);
      }
      group.subnetIds = [...new Set(patch.subnetIds)];
    }
    if (launchTemplate) group.launchTemplate = launchTemplate;
    const before = group.desiredCapacity;
    group.minSize = min;
    group.maxSize = max;
    group.desiredCapacity = desired;
    if (patch.newInstancesProtectedFromScaleIn !== undefined) {
      group.newInstancesProtectedFromScaleIn = patch.newInstancesProtectedFromScaleIn;
    }
    if (patch.defaultCooldown !== undefined) group.defaultCooldown = patch.defaultCooldown;
    if (patch.healthCheckType !== undefined) group.healthCheckType = patch.healthCheckType;
    if (patch.healthCheckGracePeriod !== undefined)
      group.healthCheckGracePeriod = patch.healthCheckGracePeriod;
    if (patch.capacityRebalance !== undefined) group.capacityRebalance = patch.capacityRebalance;
    if (patch.terminationPolicies !== undefined) group.terminationPolicies = patch.terminationPolicies;
    this.capacity.reconcile(
      group,
      `a user request update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${desired} changing the desired capacity from ${before} to ${desired}`,
    );
  }

  /**
   * Sets the desired capacity (clamped to the group's bounds, as a capacity provider's
   * managed scaling does); scale-in only terminates unprotected instances.
   */
  setDesiredCapacity(nameOrArn: string, n: number): void {
    const group = this.requireMutableGroup(nameOrArn);
    const desired = Math.min(group.maxSize, Math.max(group.minSize, n));
    const before = group.desiredCapacity;
    group.desiredCapacity = desired;
    this.capacity.reconcile(
      group,
      `a user request explicitly set group desired capacity changing the desired capacity from ${before} to ${desired}`,
    );
  }

  /** SetDesiredCapacity with AWS's bound errors. */
  setDesiredCapacityStrict(nameOrArn: string, n: number): void {
    const group = this.requireMutableGroup(nameOrArn);
    if (n > group.maxSize) {
      throw new ServiceError(
        'ValidationError',
        `New SetDesiredCapacity value ${n} is above max value ${group.maxSize} for the AutoScalingGroup.`,
      );
    }
    if (n < group.minSize) {
      throw new ServiceError(
        'ValidationError',
        `New SetDesiredCapacity value ${n} is below min value ${group.minSize} for the AutoScalingGroup.`,
      );
    }
    this.setDesiredCapacity(group.name, n);
  }

  /** Sets scale-in protection on instances of the group. */
  setInstanceProtection(nameOrArn: string, instanceIds: string[], protect: boolean): void {
    const group = this.requireGroup(nameOrArn);
    for (const id of instanceIds) {
      const i = group.instances.get(id);
      if (!i || i.lifecycleState === 'Terminated') {
        throw new ServiceError(
          'ValidationError',
          `The instance ${id} is not part of Auto Scaling group ${group.name}.`,
        );
      }
      // Protection can only change on instances in service or on standby; Pending and Terminating
      // ones are refused (guardian/riff-raff PR #510, infrahouse-toolkit issue #223).
      if (!PROTECTABLE_STATES.has(i.lifecycleState)) {
        throw new ServiceError(
          'ValidationError',
          `The instance ${id} is not in InService or EnteringStandby or Standby.`,
        );
      }
    }
    for (const id of instanceIds) {
      const i = group.instances.get(id);
      if (i) i.protectedFromScaleIn = protect;
    }
    this.capacity.reconcile(group, 'instance protection changed');
  }

  /** The group holding `instanceId`, if any. */
  groupOfInstance(instanceId: string): AutoScalingGroup | undefined {
    for (const g of this.groups.values()) if (g.instances.has(instanceId)) return g;
    return undefined;
  }

  /** TerminateInstanceInAutoScalingGroup. */
  terminateInstance(instanceId: string, decrement: boolean): Activity {
    const group = this.groupOfInstance(instanceId);
    const inst = group?.instances.get(instanceId);
    if (!group || !inst) {
      throw new ServiceError(
        'ValidationError',
        `Instance Id not found - No managed instance found for instance ID: ${instanceId}`,
      );
    }
    if (decrement && group.desiredCapacity <= group.minSize) {
      throw new ServiceError(
        'ValidationError',
        `Currently, desiredCapacity (${group.desiredCapacity}) is equal to minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
      );
    }
    const before = group.desiredCapacity;
    if (decrement) group.desiredCapacity -= 1;
    const cause = decrement
      ? `At ${iso(this.cloud.clock.now())} instance ${instanceId} was taken out of service in response to a user request, shrinking the capacity from ${before} to ${group.desiredCapacity}.`
      : `At ${iso(this.cloud.clock.now())} instance ${instanceId} was taken out of service in response to a user request.`;
    const activity = this.capacity.terminate(group, inst, cause);
    this.capacity.reconcile(group, 'an instance was terminated by a user request');
    return activity;
  }

  /** DeleteAutoScalingGroup: ResourceInUse with instances unless forced; removed after the termination delay. */
  deleteGroup(nameOrArn: string, force: boolean): void {
    const group = this.requireGroup(nameOrArn);
    if (group.status === 'Delete in progress') return;
    const live = [...group.instances.values()].filter((i) => i.lifecycleState !== 'Terminated');
    if (live.length > 0 && !force) {
      throw new ServiceError(
        'ResourceInUse',
        'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
      );
    }
    group.status = 'Delete in progress';
    group.desiredCapacity = 0;
    group.minSize = 0;
    this.capacity.cancelRetry(group);
    for (const i of live) {
      if (i.lifecycleState !== 'Terminating') {
        this.capacity.terminate(
          group,
          i,
          `At ${iso(this.cloud.clock.now())} the AutoScalingGroup was deleted with ForceDelete.`,
        );
      }
    }
    this.cloud.clock.timer(BASE_DELAYS.instanceTermination, () => {
      this.capacity.deletionDelayOver(group);
    });
  }

  /** A JSON view for `/_berth/state`. */
  dump(): unknown {
    return [...this.groups.values()].map((g) => ({
      name: g.name,
      status: g.status,
      minSize: g.minSize,
      maxSize: g.maxSize,
      desiredCapacity: g.desiredCapacity,
      launchTemplate: g.launchTemplate,
      subnetIds: g.subnetIds,
      instances: [...g.instances.values()].map((i) => ({
        instanceId: i.instanceId,
        lifecycleState: i.lifecycleState,
        availabilityZone: i.availabilityZone,
        protectedFromScaleIn: i.protectedFromScaleIn,
      })),
      lastActivities: g.activities
        .slice(0, 5)
        .map((a) => ({ description: a.Description, status: a.StatusCode })),
    }));
  }
}
