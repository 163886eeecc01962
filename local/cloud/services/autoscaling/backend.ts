import type { Cloud } from '../../core/cloud.ts';
import { autoScalingGroupArn, parseAutoScalingGroupArn, uuid } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import { type Ec2Backend, ec2Backend, type Instance } from '../ec2/backend.ts';

type LifecycleState = 'Pending' | 'InService' | 'EnteringStandby' | 'Standby' | 'Terminating' | 'Terminated';

export interface AsgInstance {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  lifecycleState: LifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
  protectedFromScaleIn: boolean;
  launchTemplate: { LaunchTemplateId: string; LaunchTemplateName: string; Version: string };
  launchedAt: number;
}

export interface AsgTag {
  key: string;
  value: string;
  propagateAtLaunch: boolean;
}

export interface Activity {
  ActivityId: string;
  AutoScalingGroupName: string;
  AutoScalingGroupARN: string;
  Description: string;
  Cause: string;
  StartTime: Date;
  EndTime?: Date;
  StatusCode: 'InProgress' | 'Successful' | 'Failed' | 'Cancelled' | 'PreInService' | 'WaitingForInstanceId';
  StatusMessage?: string;
  Progress: number;
  Details: string;
}

export interface AutoScalingGroup {
  name: string;
  arn: string;
  launchTemplate: { id: string; name: string; version: string };
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  defaultCooldown: number;
  subnetIds: string[];
  healthCheckType: string;
  healthCheckGracePeriod: number;
  newInstancesProtectedFromScaleIn: boolean;
  capacityRebalance: boolean;
  targetGroupARNs: string[];
  terminationPolicies: string[];
  serviceLinkedRoleARN: string;
  tags: Map<string, AsgTag>;
  instances: Map<string, AsgInstance>;
  createdTime: Date;
  /** `Delete in progress` while being deleted. */
  status?: string;
  activities: Activity[];
}

export interface CreateGroupInput {
  name: string;
  launchTemplate: { id?: string | undefined; name?: string | undefined; version?: string | undefined };
  minSize: number;
  maxSize: number;
  desiredCapacity?: number | undefined;
  subnetIds: string[];
  newInstancesProtectedFromScaleIn: boolean;
  tags: AsgTag[];
  defaultCooldown?: number | undefined;
  healthCheckType?: string | undefined;
  healthCheckGracePeriod?: number | undefined;
  capacityRebalance?: boolean | undefined;
  targetGroupARNs?: string[] | undefined;
  terminationPolicies?: string[] | undefined;
}

const MAX_ACTIVITIES = 100;

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
  readonly #retryTimer = new Map<string, () => void>();
  readonly #retryDelay = new Map<string, number>();
  readonly #deleteTimerDone = new Set<string>();

  constructor(cloud: Cloud, accountId: string, region: string) {
    this.cloud = cloud;
    this.accountId = accountId;
    this.region = region;
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
    this.reconcile(group, `a user request created an AutoScalingGroup`);
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
    this.reconcile(
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
    this.reconcile(
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
    this.reconcile(group, 'instance protection changed');
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
    const activity = this.#terminate(group, inst, cause);
    this.reconcile(group, 'an instance was terminated by a user request');
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
    this.#retryTimer.get(group.name)?.();
    this.#retryTimer.delete(group.name);
    for (const i of live) {
      if (i.lifecycleState !== 'Terminating') {
        this.#terminate(
          group,
          i,
          `At ${iso(this.cloud.clock.now())} the AutoScalingGroup was deleted with ForceDelete.`,
        );
      }
    }
    this.cloud.clock.timer(BASE_DELAYS.instanceTermination, () => {
      this.#deleteTimerDone.add(group.arn);
      this.#finishDelete(group);
    });
  }

  #finishDelete(group: AutoScalingGroup): void {
    if (group.status !== 'Delete in progress' || !this.#deleteTimerDone.has(group.arn)) return;
    if ([...group.instances.values()].some((i) => i.lifecycleState !== 'Terminated')) return;
    this.#deleteTimerDone.delete(group.arn);
    if (this.groups.get(group.name) === group) this.groups.delete(group.name);
  }

  #addActivity(
    group: AutoScalingGroup,
    a: Omit<
      Activity,
      'ActivityId' | 'AutoScalingGroupName' | 'AutoScalingGroupARN' | 'StartTime' | 'Details' | 'Progress'
    > & { Progress?: number },
  ): Activity {
    const activity: Activity = {
      ActivityId: uuid(),
      AutoScalingGroupName: group.name,
      AutoScalingGroupARN: group.arn,
      StartTime: this.cloud.clock.now(),
      Details: JSON.stringify({ 'Subnet ID': group.subnetIds[0] ?? '', 'Availability Zone': '' }),
      Progress: 0,
      ...a,
    };
    group.activities.unshift(activity);
    if (group.activities.length > MAX_ACTIVITIES) group.activities.length = MAX_ACTIVITIES;
    return activity;
  }

  #finishActivity(a: Activity, status: Activity['StatusCode'], message?: string): void {
    a.StatusCode = status;
    a.Progress = 100;
    a.EndTime = this.cloud.clock.now();
    if (message !== undefined) a.StatusMessage = message;
  }

  #terminate(group: AutoScalingGroup, inst: AsgInstance, cause: string): Activity {
    inst.lifecycleState = 'Terminating';
    const activity = this.#addActivity(group, {
      Description: `Terminating EC2 instance: ${inst.instanceId}`,
      Cause: cause,
      StatusCode: 'InProgress',
      Progress: 50,
    });
    (inst as AsgInstance & { terminateActivity?: Activity }).terminateActivity = activity;
    const ec2Instance = this.#ec2.instances.get(inst.instanceId);
    if (ec2Instance) this.#ec2.terminateInstance(ec2Instance, 'User initiated');
    return activity;
  }

  /** Brings the group's instance count to its desired capacity. */
  reconcile(group: AutoScalingGroup, reason: string): void {
    if (group.status === 'Delete in progress' || this.groups.get(group.name) !== group) return;
    const active = [...group.instances.values()].filter(
      (i) => i.lifecycleState === 'Pending' || i.lifecycleState === 'InService',
    );
    const diff = group.desiredCapacity - active.length;
    const now = iso(this.cloud.clock.now());
    if (diff > 0) {
      for (let k = 0; k < diff; k++) {
        if (
          !this.#launch(
            group,
            `At ${now} ${reason}. At ${now} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${active.length + k} to ${active.length + k + 1}.`,
          )
        ) {
          break;
        }
      }
    } else if (diff < 0) {
      const candidates = active.filter((i) => !i.protectedFromScaleIn);
      const byAz = new Map<string, number>();
      for (const i of active) byAz.set(i.availabilityZone, (byAz.get(i.availabilityZone) ?? 0) + 1);
      const victims: AsgInstance[] = [];
      for (let k = 0; k < -diff && candidates.length > 0; k++) {
        candidates.sort(
          (a, b) =>
            (byAz.get(b.availabilityZone) ?? 0) - (byAz.get(a.availabilityZone) ?? 0) ||
            (a.lifecycleState === 'Pending' ? -1 : 0) - (b.lifecycleState === 'Pending' ? -1 : 0) ||
            a.launchedAt - b.launchedAt,
        );
        const v = candidates.shift() as AsgInstance;
        byAz.set(v.availabilityZone, (byAz.get(v.availabilityZone) ?? 1) - 1);
        victims.push(v);
      }
      let count = active.length;
      for (const v of victims) {
        this.#terminate(
          group,
          v,
          `At ${now} ${reason}. At ${now} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${count} to ${count - 1}.`,
        );
        count--;
      }
    }
  }

  /** Launches one instance; false (and a failed activity, and a retry) when it cannot. */
  #launch(group: AutoScalingGroup, cause: string): boolean {
    const ec2 = this.#ec2;
    const lt = ec2.launchTemplates.get(group.launchTemplate.id);
    const version = lt ? ec2.resolveVersion(lt, group.launchTemplate.version) : undefined;
    const active = [...group.instances.values()].filter(
      (i) => i.lifecycleState === 'Pending' || i.lifecycleState === 'InService',
    );
    const perAz = new Map<string, number>();
    for (const i of active) perAz.set(i.availabilityZone, (perAz.get(i.availabilityZone) ?? 0) + 1);
    const subnets = group.subnetIds.map((id) => ec2.getSubnet(id)).filter((s) => s !== undefined);
    subnets.sort((a, b) => (perAz.get(a.availabilityZone) ?? 0) - (perAz.get(b.availabilityZone) ?? 0));
    const subnet = subnets[0];
    if (!lt || !version || !subnet) {
      const message = !lt
        ? `The specified launch template, with template ID ${group.launchTemplate.id}, does not exist. Launching EC2 instance failed.`
        : !version
          ? `The specified launch template version ${group.launchTemplate.version} does not exist. Launching EC2 instance failed.`
          : 'No valid subnet. Launching EC2 instance failed.';
      this.#failLaunch(group, cause, message);
      return false;
    }
    const data = version.data;
    const instanceType = String(data.InstanceType ?? 'm1.small');
    if (this.cloud.faults.insufficientCapacity(instanceType)) {
      const others = [...new Set(subnets.map((s) => s.availabilityZone))].filter(
        (az) => az !== subnet.availabilityZone,
      );
      const message = `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${subnet.availabilityZone}). Our system will be working on provisioning additional capacity. You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request or choosing ${others.join(', ') || subnet.availabilityZone}. Launching EC2 instance failed.`;
      this.#failLaunch(group, cause, message);
      return false;
    }
    // RunInstances refusing the image (e.g. another architecture after a template change): the
    // scaling activity fails with EC2's message, and the group retries with back-off.
    const refused = ec2.launchRefusal(String(data.ImageId ?? ''), instanceType);
    if (refused) {
      this.#failLaunch(group, cause, `${refused} Launching EC2 instance failed.`);
      return false;
    }
    const sgIds =
      asList(data.SecurityGroupId).length > 0
        ? asList(data.SecurityGroupId)
        : asList((asList(data.NetworkInterface)[0] as any)?.SecurityGroupId);
    const tags: Record<string, string> = {};
    for (const spec of asList(data.TagSpecification) as any[]) {
      if (spec?.ResourceType !== 'instance') continue;
      for (const t of asList(spec.Tag) as any[]) tags[String(t?.Key ?? '')] = String(t?.Value ?? '');
    }
    for (const t of group.tags.values()) if (t.propagateAtLaunch) tags[t.key] = t.value;
    tags['aws:autoscaling:groupName'] = group.name;
    tags['aws:ec2launchtemplate:id'] = lt.launchTemplateId;
    tags['aws:ec2launchtemplate:version'] = String(version.versionNumber);
    const activity = this.#addActivity(group, {
      Description: 'Launching a new EC2 instance',
      Cause: cause,
      StatusCode: 'InProgress',
      Progress: 30,
    });
    let asgInstance: AsgInstance | undefined;
    const instance = ec2.launchInstance({
      imageId: String(data.ImageId ?? ''),
      instanceType,
      subnetId: subnet.subnetId,
      securityGroupIds: sgIds.map(String),
      userData: String(data.UserData ?? ''),
      tags,
      launchTemplate: {
        launchTemplateId: lt.launchTemplateId,
        launchTemplateName: lt.launchTemplateName,
        version: String(version.versionNumber),
      },
      autoScalingGroupName: group.name,
      onRunning: () => {
        if (asgInstance?.lifecycleState === 'Pending') asgInstance.lifecycleState = 'InService';
        this.#finishActivity(activity, 'Successful');
      },
      onTerminating: (i: Instance) => {
        const ai = group.instances.get(i.instanceId);
        if (!ai) return;
        if (activity.StatusCode === 'InProgress')
          this.#finishActivity(activity, 'Cancelled', 'Instance terminated before it came into service.');
        if (ai.lifecycleState !== 'Terminating') {
          // Terminated outside Auto Scaling (EC2 TerminateInstances): replace it.
          ai.lifecycleState = 'Terminating';
          ai.healthStatus = 'Unhealthy';
          this.#terminateActivityFor(group, ai);
          this.reconcile(
            group,
            `an instance was taken out of service in response to an EC2 instance status check failure`,
          );
        }
      },
      onTerminated: (i: Instance) => {
        const ai = group.instances.get(i.instanceId);
        if (!ai) return;
        ai.lifecycleState = 'Terminated';
        const ta = (ai as AsgInstance & { terminateActivity?: Activity }).terminateActivity;
        if (ta) this.#finishActivity(ta, 'Successful');
        group.instances.delete(i.instanceId);
        this.#finishDelete(group);
      },
    });
    activity.Description = `Launching a new EC2 instance: ${instance.instanceId}`;
    activity.Details = JSON.stringify({
      'Subnet ID': subnet.subnetId,
      'Availability Zone': subnet.availabilityZone,
    });
    asgInstance = {
      instanceId: instance.instanceId,
      instanceType,
      availabilityZone: subnet.availabilityZone,
      lifecycleState: 'Pending',
      healthStatus: 'Healthy',
      protectedFromScaleIn: group.newInstancesProtectedFromScaleIn,
      launchTemplate: {
        LaunchTemplateId: lt.launchTemplateId,
        LaunchTemplateName: lt.launchTemplateName,
        Version: String(version.versionNumber),
      },
      launchedAt: performance.now(),
    };
    group.instances.set(instance.instanceId, asgInstance);
    this.#retryTimer.get(group.name)?.();
    this.#retryTimer.delete(group.name);
    this.#retryDelay.delete(group.name);
    return true;
  }

  #terminateActivityFor(group: AutoScalingGroup, ai: AsgInstance): void {
    const activity = this.#addActivity(group, {
      Description: `Terminating EC2 instance: ${ai.instanceId}`,
      Cause: `At ${iso(this.cloud.clock.now())} an instance was taken out of service in response to an EC2 instance status check failure.`,
      StatusCode: 'InProgress',
      Progress: 50,
    });
    (ai as AsgInstance & { terminateActivity?: Activity }).terminateActivity = activity;
  }

  #failLaunch(group: AutoScalingGroup, cause: string, message: string): void {
    const a = this.#addActivity(group, {
      Description: `Launching a new EC2 instance.  Status Reason: ${message}`,
      Cause: cause,
      StatusCode: 'Failed',
    });
    this.#finishActivity(a, 'Failed', message);
    if (this.#retryTimer.has(group.name)) return;
    const delay = Math.min(300_000, (this.#retryDelay.get(group.name) ?? 5_000) * 2);
    this.#retryDelay.set(group.name, delay);
    const cancel = this.cloud.clock.timer(delay, () => {
      this.#retryTimer.delete(group.name);
      this.reconcile(group, 'a retry of a failed launch');
    });
    this.#retryTimer.set(group.name, cancel);
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

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
