import type { Clock } from '../../core/clock.ts';
import { resourceId } from '../../core/ids.ts';

/**
 * Elastic network interfaces of one EC2 backend: the primary interface of each instance, the
 * interfaces an Application Load Balancer keeps in each of its subnets, and the interface ECS
 * attaches to each `awsvpc` task. An interface carries security groups, so a group cannot be
 * deleted while any interface — attached or already detached (`available`) — still lists it
 * (`DependencyViolation`).
 *
 * What AWS does, and how this models it:
 * - An ALB's interfaces (description `ELB app/<name>/<id>`, requester `amazon-elb`,
 *   requester-managed) outlive the load balancer by minutes: `DescribeLoadBalancers` stops listing
 *   it while `DeleteSecurityGroup` still answers `DependencyViolation` (terraform-provider-aws
 *   issue #40, "its network interfaces can take a while to go away (some minutes)"; iasql PR #654
 *   raised its wait to 20 minutes and shows such an interface, `Status: available`). Here they
 *   turn `available` when the ALB is gone and disappear {@link BASE_DELAYS}`.albNetworkInterfaceRelease`
 *   later.
 * - An `awsvpc` task's interface (description `arn:aws:ecs:…:attachment/<id>`, requester-managed)
 *   is detached after the task stops and deleted some time later
 *   (`taskNetworkInterfaceRelease`).
 * - An instance's primary interface is deleted with the instance (`DeleteOnTermination`), i.e.
 *   once it is `terminated`, not when termination starts.
 */
export interface NetworkInterface {
  networkInterfaceId: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  description: string;
  ownerId: string;
  requesterId?: string;
  requesterManaged: boolean;
  status: 'in-use' | 'available';
  interfaceType: 'interface';
  privateIpAddress: string;
  macAddress: string;
  groupIds: string[];
  attachment?: {
    attachmentId: string;
    instanceId?: string;
    instanceOwnerId: string;
    deviceIndex: number;
    status: 'attached';
    attachTime: Date;
    deleteOnTermination: boolean;
  };
  /** What the interface belongs to (an instance id, an ALB ARN, an ECS task ARN). Not an AWS field. */
  owner: string;
}

export interface CreateNetworkInterfaceInput {
  owner: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  description: string;
  ownerId: string;
  requesterId?: string;
  requesterManaged: boolean;
  privateIpAddress: string;
  groupIds: readonly string[];
  /** Instance the interface is attached to (primary interface), if any. */
  instanceId?: string;
  /** Attached at creation (instances, ALBs, running tasks). */
  attached: boolean;
  deleteOnTermination?: boolean;
}

const mac = (): string =>
  `02:${Array.from({ length: 5 }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0'),
  ).join(':')}`;

/** The interfaces of one account and region. */
export class NetworkInterfaceStore {
  readonly #byId = new Map<string, NetworkInterface>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Creates an interface (status `in-use` when attached, else `available`). */
  create(input: CreateNetworkInterfaceInput): NetworkInterface {
    const eni: NetworkInterface = {
      networkInterfaceId: resourceId('eni'),
      subnetId: input.subnetId,
      vpcId: input.vpcId,
      availabilityZone: input.availabilityZone,
      description: input.description,
      ownerId: input.ownerId,
      ...(input.requesterId === undefined ? {} : { requesterId: input.requesterId }),
      requesterManaged: input.requesterManaged,
      status: input.attached ? 'in-use' : 'available',
      interfaceType: 'interface',
      privateIpAddress: input.privateIpAddress,
      macAddress: mac(),
      groupIds: [...input.groupIds],
      owner: input.owner,
    };
    if (input.attached) {
      eni.attachment = {
        attachmentId: `eni-attach-${resourceId('eni').slice(4)}`,
        ...(input.instanceId === undefined ? {} : { instanceId: input.instanceId }),
        instanceOwnerId: input.requesterId ?? input.ownerId,
        deviceIndex: input.instanceId === undefined ? 1 : 0,
        status: 'attached',
        attachTime: this.#clock.now(),
        deleteOnTermination: input.deleteOnTermination ?? true,
      };
    }
    this.#byId.set(eni.networkInterfaceId, eni);
    return eni;
  }

  /** Every interface, in creation order. */
  list(): NetworkInterface[] {
    return [...this.#byId.values()];
  }

  /** The interfaces of `owner`. */
  ownedBy(owner: string): NetworkInterface[] {
    return this.list().filter((e) => e.owner === owner);
  }

  /** The interfaces that list `groupId` (attached or not). */
  usingGroup(groupId: string): NetworkInterface[] {
    return this.list().filter((e) => e.groupIds.includes(groupId));
  }

  /**
   * Detaches the owner's interfaces now (`available`, no attachment) and deletes them
   * `afterAwsMs` (AWS time, scaled by the profile) later, then calls `onDeleted`.
   */
  release(owner: string, afterAwsMs: number, onDeleted?: () => void): void {
    const enis = this.ownedBy(owner);
    if (enis.length === 0) {
      onDeleted?.();
      return;
    }
    for (const eni of enis) {
      eni.status = 'available';
      delete eni.attachment;
    }
    this.#clock.timer(afterAwsMs, () => {
      for (const eni of enis) this.#byId.delete(eni.networkInterfaceId);
      onDeleted?.();
    });
  }

  /** Deletes the owner's interfaces now (an instance's primary interface when it is terminated). */
  remove(owner: string): void {
    for (const eni of this.ownedBy(owner)) this.#byId.delete(eni.networkInterfaceId);
  }
}
