import type { Cloud } from '../../core/cloud.ts';
import { uuid } from '../../core/ids.ts';
import type { Ec2Backend, Instance } from '../ec2/backend.ts';
import { type Activity, type AsgInstance, type AutoScalingGroup, iso } from './model.ts';

const MAX_ACTIVITIES = 100;

/** What a group's capacity needs from its Auto Scaling backend. */
export interface CapacityHost {
  readonly cloud: Cloud;
  /** The groups by name (a deleted group leaves it once its last instance is terminated). */
  readonly groups: Map<string, AutoScalingGroup>;
  ec2(): Ec2Backend;
}

/**
 * The data plane of Auto Scaling: keeps each group's instances at its desired capacity — launching
 * through EC2 (spread over the zones, tagged, with the template's version), terminating unprotected
 * instances on scale-in, replacing instances terminated outside Auto Scaling, retrying failed launches
 * with back-off — and records each change as a scaling activity.
 */
export class GroupCapacity {
  readonly #host: CapacityHost;
  readonly #retryTimer = new Map<string, () => void>();
  readonly #retryDelay = new Map<string, number>();
  readonly #deleteTimerDone = new Set<string>();

  constructor(host: CapacityHost) {
    this.#host = host;
  }

  /** Stops retrying failed launches of the group (it is being deleted). */
  cancelRetry(group: AutoScalingGroup): void {
    this.#retryTimer.get(group.name)?.();
    this.#retryTimer.delete(group.name);
  }

  /** The deletion's delay is over: the group goes once its last instance is terminated. */
  deletionDelayOver(group: AutoScalingGroup): void {
    this.#deleteTimerDone.add(group.arn);
    this.#finishDelete(group);
  }

  #finishDelete(group: AutoScalingGroup): void {
    if (group.status !== 'Delete in progress' || !this.#deleteTimerDone.has(group.arn)) return;
    if ([...group.instances.values()].some((i) => i.lifecycleState !== 'Terminated')) return;
    this.#deleteTimerDone.delete(group.arn);
    if (this.#host.groups.get(group.name) === group) this.#host.groups.delete(group.name);
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
      StartTime: this.#host.cloud.clock.now(),
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
    a.EndTime = this.#host.cloud.clock.now();
    if (message !== undefined) a.StatusMessage = message;
  }

  /** Starts terminating an instance of the group (a scaling activity), through EC2. */
  terminate(group: AutoScalingGroup, inst: AsgInstance, cause: string): Activity {
    inst.lifecycleState = 'Terminating';
    const activity = this.#addActivity(group, {
      Description: `Terminating EC2 instance: ${inst.instanceId}`,
      Cause: cause,
      StatusCode: 'InProgress',
      Progress: 50,
    });
    (inst as AsgInstance & { terminateActivity?: Activity }).terminateActivity = activity;
    const ec2Instance = this.#host.ec2().instances.get(inst.instanceId);
    if (ec2Instance) this.#host.ec2().terminateInstance(ec2Instance, 'User initiated');
    return activity;
  }

  /** Brings the group's instance count to its desired capacity. */
  reconcile(group: AutoScalingGroup, reason: string): void {
    if (group.status === 'Delete in progress' || this.#host.groups.get(group.name) !== group) return;
    const active = [...group.instances.values()].filter(
      (i) => i.lifecycleState === 'Pending' || i.lifecycleState === 'InService',
    );
    const diff = group.desiredCapacity - active.length;
    const now = iso(this.#host.cloud.clock.now());
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
        this.terminate(
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
    const ec2 = this.#host.ec2();
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
    if (this.#host.cloud.faults.insufficientCapacity(instanceType)) {
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
      Cause: `At ${iso(this.#host.cloud.clock.now())} an instance was taken out of service in response to an EC2 instance status check failure.`,
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
    const cancel = this.#host.cloud.clock.timer(delay, () => {
      this.#retryTimer.delete(group.name);
      this.reconcile(group, 'a retry of a failed launch');
    });
    this.#retryTimer.set(group.name, cancel);
  }
}

function asList(v: unknown): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}
