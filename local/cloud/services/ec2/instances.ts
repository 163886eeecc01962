import type { Cloud, InstanceRunningEvent } from '../../core/cloud.ts';
import { hex, privateIp, resourceId } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import type { NetworkInterfaceStore } from './network-interfaces.ts';
import type { Subnet } from './vpc.ts';

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated';

export interface Instance {
  instanceId: string;
  imageId: string;
  instanceType: string;
  state: InstanceStateName;
  launchTime: Date;
  privateIpAddress: string;
  /** Set when launched into a subnet that maps public addresses on launch. */
  publicIpAddress?: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  securityGroupIds: string[];
  userData: string;
  launchTemplate?: { launchTemplateId: string; launchTemplateName: string; version: string };
  autoScalingGroupName?: string;
  stateTransitionReason: string;
}

export interface LaunchInstanceInput {
  imageId: string;
  instanceType: string;
  subnetId: string;
  securityGroupIds: string[];
  /** Base64 user data as in the launch template. */
  userData: string;
  tags: Record<string, string>;
  launchTemplate?: { launchTemplateId: string; launchTemplateName: string; version: string };
  autoScalingGroupName?: string;
  /** Called once the instance is running (after the boot delay). */
  onRunning?: (instance: Instance) => void;
  /** Called when termination starts (by anyone). */
  onTerminating?: (instance: Instance) => void;
  /** Called once the instance is terminated (after the termination delay). */
  onTerminated?: (instance: Instance) => void;
}

/** vCPUs and memory of the instance types the local cloud knows (others: 2 vCPU, 4 GiB). */
export const INSTANCE_TYPES: Record<string, { cpu: number; memoryMiB: number }> = {
  't2.micro': { cpu: 1, memoryMiB: 1024 },
  't2.small': { cpu: 1, memoryMiB: 2048 },
  't2.medium': { cpu: 2, memoryMiB: 4096 },
  't3.nano': { cpu: 2, memoryMiB: 512 },
  't3.micro': { cpu: 2, memoryMiB: 1024 },
  't3.small': { cpu: 2, memoryMiB: 2048 },
  't3.medium': { cpu: 2, memoryMiB: 4096 },
  't3.large': { cpu: 2, memoryMiB: 8192 },
  't3.xlarge': { cpu: 4, memoryMiB: 16384 },
  't4g.micro': { cpu: 2, memoryMiB: 1024 },
  't4g.small': { cpu: 2, memoryMiB: 2048 },
  't4g.medium': { cpu: 2, memoryMiB: 4096 },
  't4g.large': { cpu: 2, memoryMiB: 8192 },
  't4g.xlarge': { cpu: 4, memoryMiB: 16384 },
  'm6g.large': { cpu: 2, memoryMiB: 8192 },
  'm7g.large': { cpu: 2, memoryMiB: 8192 },
  'c6g.large': { cpu: 2, memoryMiB: 4096 },
  'c7g.large': { cpu: 2, memoryMiB: 4096 },
  'm5.large': { cpu: 2, memoryMiB: 8192 },
  'm5.xlarge': { cpu: 4, memoryMiB: 16384 },
  'm6i.large': { cpu: 2, memoryMiB: 8192 },
  'c5.large': { cpu: 2, memoryMiB: 4096 },
  'c5.xlarge': { cpu: 4, memoryMiB: 8192 },
};

const INSTANCE_STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
};

/** The numeric code EC2 reports for an instance state. */
export function instanceStateCode(state: InstanceStateName): number {
  return INSTANCE_STATE_CODES[state];
}

function decodeBase64(s: string): string {
  try {
    return Buffer.from(s, 'base64').toString('utf8');
  } catch {
    return '';
  }
}

/** What the instances need from the rest of their EC2 backend. */
export interface InstanceHost {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
  readonly networkInterfaces: NetworkInterfaceStore;
  subnet(subnetId: string): Subnet | undefined;
  /** Throws RunInstances' error when the image does not suit the instance type. */
  checkImageForInstanceType(imageId: string, instanceType: string): void;
  setTags(id: string, tags: Record<string, string>): void;
}

/**
 * The instances of one account and region: launch (`pending`, then `running` after the boot
 * delay, announced on the bus as `instance:running`) and termination (`shutting-down`, announced
 * as `instance:terminating`, then `terminated`), each with its primary network interface.
 */
export class InstanceStore {
  readonly byId = new Map<string, Instance>();
  readonly #host: InstanceHost;

  constructor(host: InstanceHost) {
    this.#host = host;
  }

  /** The instance, or InvalidInstanceID.NotFound. */
  requireInstance(id: string): Instance {
    if (!/^i-[0-9a-f]+$/.test(id)) {
      throw new ServiceError('InvalidInstanceID.Malformed', `Invalid id: "${id}" (expecting "i-...")`);
    }
    const i = this.byId.get(id);
    if (!i) throw new ServiceError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return i;
  }

  /**
   * Launches one instance: `pending` now, `running` after the boot delay (then the bus
   * gets `instance:running`).
   */
  launchInstance(input: LaunchInstanceInput): Instance {
    const subnet = this.#host.subnet(input.subnetId);
    if (!subnet)
      throw new ServiceError('InvalidSubnetID.NotFound', `The subnet ID '${input.subnetId}' does not exist`);
    this.#host.checkImageForInstanceType(input.imageId, input.instanceType);
    const instance: Instance = {
      instanceId: resourceId('i'),
      imageId: input.imageId,
      instanceType: input.instanceType,
      state: 'pending',
      launchTime: this.#host.cloud.clock.now(),
      privateIpAddress: privateIp(subnet.cidrBlock),
      subnetId: subnet.subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      securityGroupIds: [...input.securityGroupIds],
      userData: input.userData,
      stateTransitionReason: '',
    };
    if (input.launchTemplate) instance.launchTemplate = input.launchTemplate;
    if (input.autoScalingGroupName) instance.autoScalingGroupName = input.autoScalingGroupName;
    if (subnet.mapPublicIpOnLaunch) instance.publicIpAddress = publicIp();
    this.byId.set(instance.instanceId, instance);
    this.#host.setTags(instance.instanceId, input.tags);
    this.#host.networkInterfaces.create({
      owner: instance.instanceId,
      subnetId: subnet.subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      description: '',
      ownerId: this.#host.accountId,
      requesterManaged: false,
      privateIpAddress: instance.privateIpAddress,
      groupIds: instance.securityGroupIds,
      instanceId: instance.instanceId,
      attached: true,
      deleteOnTermination: true,
    });
    this.#host.cloud.clock.timer(BASE_DELAYS.instanceBoot, () => {
      if (instance.state !== 'pending') return;
      instance.state = 'running';
      const spec = INSTANCE_TYPES[instance.instanceType] ?? { cpu: 2, memoryMiB: 4096 };
      const event: InstanceRunningEvent = {
        accountId: this.#host.accountId,
        region: this.#host.region,
        instanceId: instance.instanceId,
        instanceType: instance.instanceType,
        cpu: spec.cpu,
        memoryMiB: spec.memoryMiB,
        userData: decodeBase64(instance.userData),
        privateIpAddress: instance.privateIpAddress,
        availabilityZone: instance.availabilityZone,
      };
      if (instance.autoScalingGroupName) event.autoScalingGroupName = instance.autoScalingGroupName;
      input.onRunning?.(instance);
      this.#host.cloud.bus.emit('instance:running', event);
    });
    this.#callbacks.set(instance.instanceId, {
      onTerminating: input.onTerminating,
      onTerminated: input.onTerminated,
    });
    return instance;
  }

  readonly #callbacks = new Map<
    string,
    { onTerminating: ((i: Instance) => void) | undefined; onTerminated: ((i: Instance) => void) | undefined }
  >();

  /**
   * Terminates an instance: `shutting-down` now (the bus gets `instance:terminating`),
   * `terminated` after the termination delay. Returns the previous state.
   */
  terminateInstance(instance: Instance, reason = 'User initiated'): InstanceStateName {
    const previous = instance.state;
    if (previous === 'shutting-down' || previous === 'terminated') return previous;
    instance.state = 'shutting-down';
    instance.stateTransitionReason = `${reason} (${this.#host.cloud.clock.now().toISOString().replace('T', ' ').slice(0, 19)} GMT)`;
    const callbacks = this.#callbacks.get(instance.instanceId);
    callbacks?.onTerminating?.(instance);
    this.#host.cloud.bus.emit('instance:terminating', {
      accountId: this.#host.accountId,
      region: this.#host.region,
      instanceId: instance.instanceId,
    });
    this.#host.cloud.clock.timer(BASE_DELAYS.instanceTermination, () => {
      instance.state = 'terminated';
      // The primary interface (DeleteOnTermination) goes with the terminated instance.
      this.#host.networkInterfaces.remove(instance.instanceId);
      this.#callbacks.delete(instance.instanceId);
      callbacks?.onTerminated?.(instance);
    });
    return previous;
  }

  /**
   * TerminateInstances: every id must exist (`InvalidInstanceID.NotFound`, naming all the missing
   * ones) before any instance is touched. Returns each instance with its previous state.
   */
  terminateInstances(ids: string[]): Array<{ instance: Instance; previous: InstanceStateName }> {
    const missing = ids.filter((id) => !this.byId.has(id));
    if (missing.length === 1) this.requireInstance(missing[0] as string);
    if (missing.length > 1) {
      throw new ServiceError(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${missing.join(', ')}' do not exist`,
      );
    }
    return ids.map((id) => {
      const instance = this.requireInstance(id);
      return { instance, previous: this.terminateInstance(instance) };
    });
  }

  /** The primary network interface id of an instance ('' once it is gone). */
  eniIdFor(instanceId: string): string {
    return this.#host.networkInterfaces.ownedBy(instanceId)[0]?.networkInterfaceId ?? '';
  }
}

/** A public IPv4 address from a documentation-free range, for instances that map one at launch. */
function publicIp(): string {
  const b = Number.parseInt(hex(6), 16);
  return `3.${(b >> 16) & 255}.${(b >> 8) & 255}.${Math.max(1, b & 255)}`;
}
