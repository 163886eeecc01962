import type { Cloud, InstanceRunningEvent } from '../../core/cloud.ts';
import { hex, privateIp, resourceId } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import { parseCidr } from './cidr.ts';
import { type Architecture, ecsOptimizedImages, type Image, instanceTypeArchitecture } from './images.ts';
import { type NetworkInterface, NetworkInterfaceStore } from './network-interfaces.ts';
import { type Subnet, type Vpc, VpcNetwork } from './vpc.ts';

export type { Subnet, Vpc } from './vpc.ts';

/** One flattened security group rule (one protocol/port range and one peer). */
export interface SgRule {
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIp?: string;
  cidrIpv6?: string;
  groupId?: string;
  description?: string;
  /** `sgr-…`, assigned when the rule is added. */
  ruleId?: string;
}

/** One `IpPermission` of an Authorize/Revoke request, as the protocol layer read it. */
export interface PermissionInput {
  ipProtocol: string;
  fromPort: number | undefined;
  toPort: number | undefined;
  ipRanges: Array<{ cidrIp: string; description?: string }>;
  ipv6Ranges: Array<{ cidrIpv6: string; description?: string }>;
  groups: Array<{ groupId?: string; groupName?: string; description?: string }>;
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  ownerId: string;
  ingress: SgRule[];
  egress: SgRule[];
}

export interface LaunchTemplateVersion {
  versionNumber: number;
  versionDescription?: string;
  createTime: Date;
  /** The request's `LaunchTemplateData` as parsed (EC2 query member names, string values). */
  data: Record<string, any>;
}

export interface LaunchTemplate {
  launchTemplateId: string;
  launchTemplateName: string;
  createTime: Date;
  createdBy: string;
  defaultVersionNumber: number;
  latestVersionNumber: number;
  versions: LaunchTemplateVersion[];
}

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

/** The EC2 backend of one account and region (created on first use). */
export function ec2Backend(cloud: Cloud, accountId: string, region: string): Ec2Backend {
  return cloud.backend('ec2', accountId, region, () => new Ec2Backend(cloud, accountId, region));
}

/**
 * EC2 of one account and region: the default VPC and subnets, security groups (with
 * holders that block deletion), tags, launch templates and instances.
 */
export class Ec2Backend {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
  /** VPCs, subnets, internet gateways and route tables (`vpc.ts`). */
  readonly network: VpcNetwork;
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly launchTemplates = new Map<string, LaunchTemplate>();
  readonly instances = new Map<string, Instance>();
  /** The public images this region offers (the ECS-optimized AMIs, both architectures). */
  readonly images: readonly Image[];
  /** Tags per resource id. */
  readonly tags = new Map<string, Map<string, string>>();
  readonly #holders = new Map<string, Set<string>>();
  readonly #subnetHolders = new Map<string, Set<string>>();
  /** Network interfaces (instances, ALBs, awsvpc tasks): see network-interfaces.ts. */
  readonly networkInterfaces: NetworkInterfaceStore;
  readonly defaultVpcId: string;

  constructor(cloud: Cloud, accountId: string, region: string) {
    this.cloud = cloud;
    this.networkInterfaces = new NetworkInterfaceStore(cloud.clock);
    this.accountId = accountId;
    this.region = region;
    this.images = ecsOptimizedImages(region);
    this.network = new VpcNetwork(region, {
      setTags: (id, tags) => this.setTags(id, tags),
      dropTags: (id) => this.tags.delete(id),
      createDefaultSecurityGroup: (vpcId) => {
        const sg = this.#newGroup('default', `default VPC security group`, vpcId);
        sg.ingress.push({ ipProtocol: '-1', groupId: sg.groupId, ruleId: resourceId('sgr') });
        return sg.groupId;
      },
      deleteDefaultSecurityGroup: (vpcId) => {
        for (const sg of [...this.securityGroups.values()]) {
          if (sg.vpcId === vpcId && sg.groupName === 'default') {
            this.securityGroups.delete(sg.groupId);
            this.tags.delete(sg.groupId);
          }
        }
      },
      dependentsOfVpc: (vpcId) => [
        ...[...this.securityGroups.values()]
          .filter((sg) => sg.vpcId === vpcId && sg.groupName !== 'default')
          .map((sg) => sg.groupId),
        ...[...this.instances.values()]
          .filter((i) => i.vpcId === vpcId && i.state !== 'terminated')
          .map((i) => i.instanceId),
      ],
      dependentsOfSubnet: (subnetId) => [
        ...[...this.instances.values()]
          .filter((i) => i.subnetId === subnetId && i.state !== 'terminated')
          .map((i) => i.instanceId),
        ...(this.#subnetHolders.get(subnetId) ?? []),
      ],
      publicAddressesIn: (vpcId) =>
        [...this.instances.values()]
          .filter((i) => i.vpcId === vpcId && i.state !== 'terminated' && i.publicIpAddress)
          .map((i) => i.publicIpAddress as string),
    });
    this.defaultVpcId = this.#createDefaultNetwork();
  }

  /**
   * The account's default VPC. Decision (docs/local-cloud-coverage.md, "Default VPC"): every
   * account and region starts with one VPC flagged `isDefault`, shaped like the network Berth's
   * stack builds (public and private subnets in two zones, an internet gateway routing the public
   * ones) rather than AWS's 172.31.0.0/16 with one public /20 per zone, because the local
   * platform deploys Berth into it. A flow that builds its own VPC (the blog's, through the CLI)
   * works beside it.
   */
  #createDefaultNetwork(): string {
    const net = this.network;
    const vpc = net.createVpc({ cidrBlock: '10.0.0.0/16', tags: { Name: 'berth-local' }, isDefault: true });
    const igw = net.createInternetGateway({ Name: 'berth-local' });
    net.attachInternetGateway(igw, vpc.vpcId);
    const publicTable = net.createRouteTable(vpc.vpcId, { Name: 'berth-local-public' });
    net.createRoute(publicTable, '0.0.0.0/0', igw.internetGatewayId);
    const layout: Array<[string, string, string, boolean]> = [
      ['public-a', 'a', '10.0.0.0/24', true],
      ['public-b', 'b', '10.0.1.0/24', true],
      ['private-a', 'a', '10.0.2.0/24', false],
      ['private-b', 'b', '10.0.3.0/24', false],
    ];
    for (const [name, az, cidr, isPublic] of layout) {
      const subnet = net.createSubnet({
        vpcId: vpc.vpcId,
        cidrBlock: cidr,
        availabilityZone: `${this.region}${az}`,
        mapPublicIpOnLaunch: isPublic,
        tags: { Name: `berth-local-${name}`, 'berth:subnet-type': isPublic ? 'public' : 'private' },
      });
      if (isPublic) net.associateRouteTable(publicTable, subnet.subnetId);
    }
    return vpc.vpcId;
  }

  /** VPCs by id (the default VPC and any created through CreateVpc). */
  get vpcs(): Map<string, Vpc> {
    return this.network.vpcs;
  }

  /** Subnets by id. */
  get subnets(): Map<string, Subnet> {
    return this.network.subnets;
  }

  // ---------- lookups used by other services ----------

  /** A subnet by id. */
  getSubnet(
    id: string,
  ): { subnetId: string; vpcId: string; availabilityZone: string; cidrBlock: string } | undefined {
    const s = this.subnets.get(id);
    return s
      ? { subnetId: s.subnetId, vpcId: s.vpcId, availabilityZone: s.availabilityZone, cidrBlock: s.cidrBlock }
      : undefined;
  }

  /** A security group by id. */
  getSecurityGroup(id: string): SecurityGroup | undefined {
    return this.securityGroups.get(id);
  }

  /** Marks `sgId` as used by `holder` (an ALB ARN, an ENI id): deleting it gives DependencyViolation. */
  attachSecurityGroup(sgId: string, holder: string): void {
    let set = this.#holders.get(sgId);
    if (!set) {
      set = new Set();
      this.#holders.set(sgId, set);
    }
    set.add(holder);
  }

  /** Releases a hold taken with {@link attachSecurityGroup}. */
  detachSecurityGroup(sgId: string, holder: string): void {
    const set = this.#holders.get(sgId);
    set?.delete(holder);
    if (set && set.size === 0) this.#holders.delete(sgId);
  }

  /**
   * Marks `subnetId` as used by `holder` (a load balancer ARN, an ENI id): DeleteSubnet answers
   * DependencyViolation until {@link releaseSubnet}.
   */
  holdSubnet(subnetId: string, holder: string): void {
    let set = this.#subnetHolders.get(subnetId);
    if (!set) {
      set = new Set();
      this.#subnetHolders.set(subnetId, set);
    }
    set.add(holder);
  }

  /** Releases a hold taken with {@link holdSubnet}. */
  releaseSubnet(subnetId: string, holder: string): void {
    const set = this.#subnetHolders.get(subnetId);
    set?.delete(holder);
    if (set && set.size === 0) this.#subnetHolders.delete(subnetId);
  }

  /** The holders of a security group (ALBs, ENIs, instances). */
  holdersOf(sgId: string): string[] {
    return [...(this.#holders.get(sgId) ?? [])];
  }

  /**
   * An ALB's network interfaces, one per subnet (description `ELB app/<name>/<id>`, requester
   * `amazon-elb`, requester-managed), holding its security groups.
   */
  createLoadBalancerInterfaces(
    loadBalancerArn: string,
    subnetIds: readonly string[],
    groupIds: readonly string[],
  ): NetworkInterface[] {
    const id =
      /:loadbalancer\/((?:app|net)\/[^/]+\/[0-9a-f]+)$/.exec(loadBalancerArn)?.[1] ?? loadBalancerArn;
    return subnetIds.flatMap((subnetId) => {
      const subnet = this.subnets.get(subnetId);
      if (!subnet) return [];
      return [
        this.networkInterfaces.create({
          owner: loadBalancerArn,
          subnetId,
          vpcId: subnet.vpcId,
          availabilityZone: subnet.availabilityZone,
          description: `ELB ${id}`,
          ownerId: this.accountId,
          requesterId: 'amazon-elb',
          requesterManaged: true,
          privateIpAddress: privateIp(subnet.cidrBlock),
          groupIds,
          attached: true,
        }),
      ];
    });
  }

  /** An `awsvpc` task's interface (description `arn:aws:ecs:…:attachment/<id>`, requester-managed). */
  createTaskInterface(
    taskArn: string,
    attachmentId: string,
    subnetId: string,
    groupIds: readonly string[],
  ): NetworkInterface | undefined {
    const subnet = this.subnets.get(subnetId);
    if (!subnet) return undefined;
    return this.networkInterfaces.create({
      owner: taskArn,
      subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      description: `arn:aws:ecs:${this.region}:${this.accountId}:attachment/${attachmentId}`,
      ownerId: this.accountId,
      requesterManaged: true,
      privateIpAddress: privateIp(subnet.cidrBlock),
      groupIds: groupIds.length > 0 ? groupIds : [this.defaultGroupId(subnet.vpcId)],
      attached: true,
    });
  }

  /** The `default` group of a VPC. */
  defaultGroupId(vpcId: string): string {
    for (const sg of this.securityGroups.values()) {
      if (sg.vpcId === vpcId && sg.groupName === 'default') return sg.groupId;
    }
    return '';
  }

  // ---------- tags ----------

  /** Tags of a resource as a plain record. */
  tagsOf(id: string): Record<string, string> {
    return Object.fromEntries(this.tags.get(id) ?? []);
  }

  /** Adds or overwrites tags on a resource. */
  setTags(id: string, tags: Record<string, string>): void {
    let m = this.tags.get(id);
    if (!m) {
      m = new Map();
      this.tags.set(id, m);
    }
    for (const [k, v] of Object.entries(tags)) m.set(k, v);
  }

  /** Removes tags (all values of `key` when `value` is undefined). */
  deleteTag(id: string, key: string, value?: string): void {
    const m = this.tags.get(id);
    if (!m) return;
    if (value === undefined || m.get(key) === value) m.delete(key);
  }

  /**
   * CreateTags: every resource must exist (each type's not-found error) and stay within 50 tags
   * (`TagLimitExceeded`); nothing is tagged unless all pass.
   */
  tagResources(ids: string[], tags: Record<string, string>): void {
    for (const [key, value] of Object.entries(tags)) validateTag(key, value);
    for (const id of ids) {
      this.requireTaggable(id);
      if (Object.keys({ ...this.tagsOf(id), ...tags }).length > 50) {
        throw new ServiceError(
          'TagLimitExceeded',
          'The maximum number of Tags for a resource has been reached.',
        );
      }
    }
    for (const id of ids) this.setTags(id, tags);
  }

  /** Nothing when `id` names a taggable resource that exists; else its type's not-found error. */
  requireTaggable(id: string): void {
    if (this.resourceExists(id)) return;
    switch (resourceTypeOf(id)) {
      case 'security-group':
        this.requireGroup(id);
        return;
      case 'instance':
        this.requireInstance(id);
        return;
      case 'launch-template':
        throw new ServiceError(
          'InvalidLaunchTemplateId.NotFound',
          `The specified launch template, with template ID ${id}, does not exist.`,
        );
      case 'vpc':
        this.network.requireVpc(id);
        return;
      case 'subnet':
        this.network.requireSubnet(id);
        return;
      case 'internet-gateway':
        this.network.requireInternetGateway(id);
        return;
      case 'route-table':
        this.network.requireRouteTable(id);
        return;
      case 'image':
        throw new ServiceError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
      default:
        throw new ServiceError('InvalidID', `The ID '${id}' is not valid`);
    }
  }

  /** True when a resource with this id exists (for tagging). */
  resourceExists(id: string): boolean {
    return (
      this.vpcs.has(id) ||
      this.subnets.has(id) ||
      this.network.internetGateways.has(id) ||
      this.network.routeTables.has(id) ||
      this.securityGroups.has(id) ||
      this.launchTemplates.has(id) ||
      this.instances.has(id) ||
      this.images.some((img) => img.imageId === id)
    );
  }

  // ---------- security groups ----------

  #newGroup(groupName: string, description: string, vpcId: string): SecurityGroup {
    const sg: SecurityGroup = {
      groupId: resourceId('sg'),
      groupName,
      description,
      vpcId,
      ownerId: this.accountId,
      ingress: [],
      egress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0', ruleId: resourceId('sgr') }],
    };
    this.securityGroups.set(sg.groupId, sg);
    return sg;
  }

  /** Creates a security group (validation as AWS). */
  createSecurityGroup(
    groupName: string,
    description: string,
    vpcId: string | undefined,
    tags: Record<string, string>,
  ): SecurityGroup {
    const vpc = vpcId ?? this.defaultVpcId;
    if (!this.vpcs.has(vpc))
      throw new ServiceError('InvalidVpcID.NotFound', `The vpc ID '${vpc}' does not exist`);
    if (groupName.length > 255) {
      throw new ServiceError(
        'InvalidParameterValue',
        'Invalid value for parameter groupName: must be at most 255 characters',
      );
    }
    if (/^sg-/i.test(groupName)) {
      throw new ServiceError('InvalidParameterValue', 'Group names may not be in the format sg-*.');
    }
    if (description.length > 255) {
      throw new ServiceError(
        'InvalidParameterValue',
        'Invalid value for parameter groupDescription: must be at most 255 characters',
      );
    }
    for (const sg of this.securityGroups.values()) {
      if (sg.vpcId === vpc && sg.groupName === groupName) {
        throw new ServiceError(
          'InvalidGroup.Duplicate',
          `The security group '${groupName}' already exists for VPC '${vpc}'`,
        );
      }
    }
    const sg = this.#newGroup(groupName, description, vpc);
    if (Object.keys(tags).length > 0) this.setTags(sg.groupId, tags);
    this.#propagatedAt.set(
      sg.groupId,
      this.cloud.clock.now().getTime() + this.cloud.clock.delay('securityGroupPropagation'),
    );
    return sg;
  }

  /** When each new group's id becomes visible to calls naming it (eventual consistency). */
  readonly #propagatedAt = new Map<string, number>();

  /**
   * EC2 eventual consistency: right after `CreateSecurityGroup`, a call naming the new group by id
   * can answer `InvalidGroup.NotFound` ("Eventual consistency in the Amazon EC2 API", EC2 developer
   * guide). Here every new group is invisible to such calls for the scaled
   * `securityGroupPropagation` delay — deterministic, so tests can meet it on purpose.
   */
  assertPropagated(groupId: string): void {
    const at = this.#propagatedAt.get(groupId);
    if (at === undefined) return;
    if (this.cloud.clock.now().getTime() >= at) {
      this.#propagatedAt.delete(groupId);
      return;
    }
    throw new ServiceError('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
  }

  /** The group with this id, or InvalidGroup.NotFound. */
  requireGroup(id: string): SecurityGroup {
    if (!/^sg-[0-9a-f]+$/.test(id)) {
      throw new ServiceError('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
    }
    const sg = this.securityGroups.get(id);
    if (!sg) throw new ServiceError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    return sg;
  }

  /** The group named `name` in the default VPC, or InvalidGroup.NotFound. */
  requireGroupByName(name: string): SecurityGroup {
    for (const sg of this.securityGroups.values()) {
      if (sg.vpcId === this.defaultVpcId && sg.groupName === name) return sg;
    }
    throw new ServiceError(
      'InvalidGroup.NotFound',
      `The security group '${name}' does not exist in default VPC '${this.defaultVpcId}'`,
    );
  }

  /**
   * Validates permissions as EC2 does (protocol names and numbers, TCP/UDP port ranges, IPv4
   * CIDRs, at least one peer, peer groups that exist) and flattens them into one rule per peer.
   */
  rulesFrom(perms: PermissionInput[]): SgRule[] {
    if (perms.length === 0)
      throw new ServiceError('MissingParameter', 'The request must contain the parameter ipPermissions');
    const rules: SgRule[] = [];
    for (const p of perms) {
      const rawProto = p.ipProtocol.toLowerCase();
      const ipProtocol = PROTOCOLS[rawProto] ?? rawProto;
      if (!['tcp', 'udp', 'icmp', '-1'].includes(ipProtocol) && !/^\d+$/.test(ipProtocol)) {
        throw new ServiceError(
          'InvalidParameterValue',
          `Invalid value '${rawProto}' for IP protocol. Unknown protocol.`,
        );
      }
      const base: SgRule = { ipProtocol };
      if (ipProtocol !== '-1') {
        const { fromPort: from, toPort: to } = p;
        const tcpOrUdp = ipProtocol === 'tcp' || ipProtocol === 'udp';
        if (tcpOrUdp && (from === undefined || to === undefined)) {
          throw new ServiceError(
            'InvalidParameterValue',
            "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange",
          );
        }
        if (tcpOrUdp && from !== undefined && to !== undefined && (from > to || from < 0 || to > 65535)) {
          throw new ServiceError('InvalidParameterValue', `Invalid TCP/UDP port range (${from} to ${to})`);
        }
        if (from !== undefined) base.fromPort = from;
        if (to !== undefined) base.toPort = to;
      }
      const peers: SgRule[] = [];
      for (const r of p.ipRanges) {
        if (!parseCidr(r.cidrIp)) {
          throw new ServiceError('InvalidParameterValue', `CIDR block ${r.cidrIp} is malformed`);
        }
        peers.push({ ...base, cidrIp: r.cidrIp, ...(r.description ? { description: r.description } : {}) });
      }
      for (const r of p.ipv6Ranges) {
        peers.push({
          ...base,
          cidrIpv6: r.cidrIpv6,
          ...(r.description ? { description: r.description } : {}),
        });
      }
      for (const g of p.groups) {
        const groupId = g.groupId
          ? this.requireGroup(g.groupId).groupId
          : this.requireGroupByName(g.groupName ?? '').groupId;
        peers.push({ ...base, groupId, ...(g.description ? { description: g.description } : {}) });
      }
      if (peers.length === 0) {
        throw new ServiceError(
          'InvalidParameterValue',
          'The request must contain at least one peer (IpRanges, Ipv6Ranges or UserIdGroupPairs) per permission',
        );
      }
      rules.push(...peers);
    }
    return rules;
  }

  /** Adds rules; InvalidPermission.Duplicate when one exists already (nothing is added then). */
  authorize(sg: SecurityGroup, direction: 'ingress' | 'egress', rules: SgRule[]): void {
    const list = direction === 'ingress' ? sg.ingress : sg.egress;
    for (const r of rules) {
      if (r.groupId) {
        this.requireGroup(r.groupId);
        this.assertPropagated(r.groupId);
      }
      const seen =
        list.find((x) => sameRule(x, r)) ??
        rules.find((x) => x !== r && sameRule(x, r) && rules.indexOf(x) < rules.indexOf(r));
      if (seen) {
        throw new ServiceError(
          'InvalidPermission.Duplicate',
          `the specified rule "${describeRule(r)}" already exists`,
        );
      }
    }
    for (const r of rules) r.ruleId ??= resourceId('sgr');
    list.push(...rules);
  }

  /** Removes rules; InvalidPermission.NotFound when one does not exist. */
  revoke(sg: SecurityGroup, direction: 'ingress' | 'egress', rules: SgRule[]): void {
    const list = direction === 'ingress' ? sg.ingress : sg.egress;
    for (const r of rules) {
      if (!list.some((x) => sameRule(x, r))) {
        throw new ServiceError(
          'InvalidPermission.NotFound',
          'The specified rule does not exist in this security group.',
        );
      }
    }
    for (const r of rules) {
      const i = list.findIndex((x) => sameRule(x, r));
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** Deletes a group: DependencyViolation while referenced by another group's rule or held. */
  deleteSecurityGroup(sg: SecurityGroup): void {
    if (sg.groupName === 'default') {
      throw new ServiceError(
        'CannotDelete',
        `the specified group: "${sg.groupId}" name: "default" cannot be deleted by a user`,
      );
    }
    const referenced = [...this.securityGroups.values()].some(
      (other) =>
        other.groupId !== sg.groupId &&
        [...other.ingress, ...other.egress].some((r) => r.groupId === sg.groupId),
    );
    const held = (this.#holders.get(sg.groupId)?.size ?? 0) > 0;
    const usedByInstance = [...this.instances.values()].some(
      (i) => i.state !== 'terminated' && i.securityGroupIds.includes(sg.groupId),
    );
    // Any interface listing the group blocks it, attached or already detached (`available`).
    const usedByInterface = this.networkInterfaces.usingGroup(sg.groupId).length > 0;
    if (referenced || held || usedByInstance || usedByInterface) {
      throw new ServiceError('DependencyViolation', `resource ${sg.groupId} has a dependent object`);
    }
    this.securityGroups.delete(sg.groupId);
    this.tags.delete(sg.groupId);
  }

  /**
   * Whether the groups' ingress admits TCP traffic to `port` from a peer: an address (matched against
   * the rules' CIDRs) and/or the peer's own security groups (matched against group-referencing rules).
   * Security groups are allow-only and stateful: one matching rule of any of the groups admits it.
   */
  ingressAllows(
    groupIds: readonly string[],
    port: number,
    peer: { readonly address?: string; readonly groupIds?: readonly string[] },
  ): boolean {
    return groupIds.some((id) =>
      (this.securityGroups.get(id)?.ingress ?? []).some((rule) => {
        const protocolOk = rule.ipProtocol === '-1' || rule.ipProtocol === 'tcp';
        const portOk =
          rule.ipProtocol === '-1' || ((rule.fromPort ?? 0) <= port && port <= (rule.toPort ?? 65535));
        if (!protocolOk || !portOk) return false;
        if (rule.groupId !== undefined) return peer.groupIds?.includes(rule.groupId) ?? false;
        return (
          rule.cidrIp !== undefined && peer.address !== undefined && cidrContains(rule.cidrIp, peer.address)
        );
      }),
    );
  }

  // ---------- launch templates ----------

  /** The template by id or name, or the AWS not-found error. */
  requireLaunchTemplate(ref: { id?: string | undefined; name?: string | undefined }): LaunchTemplate {
    if (ref.id && !/^lt-[0-9a-f]{17}$/.test(ref.id)) {
      throw new ServiceError(
        'InvalidLaunchTemplateId.Malformed',
        'The specified ID for the launch template ID is not valid. Ensure that you specify the ID in the form lt-xxxxxxxxxxxxxxxxx.',
      );
    }
    if (ref.id) {
      const lt = this.launchTemplates.get(ref.id);
      if (!lt) {
        throw new ServiceError(
          'InvalidLaunchTemplateId.NotFound',
          `The specified launch template, with template ID ${ref.id}, does not exist.`,
        );
      }
      return lt;
    }
    const lt = this.findLaunchTemplateByName(ref.name ?? '');
    if (!lt) {
      throw new ServiceError(
        'InvalidLaunchTemplateName.NotFoundException',
        'At least one of the launch templates specified in the request does not exist.',
      );
    }
    return lt;
  }

  /** The template named `name`, if any. */
  findLaunchTemplateByName(name: string): LaunchTemplate | undefined {
    for (const lt of this.launchTemplates.values()) if (lt.launchTemplateName === name) return lt;
    return undefined;
  }

  /** Resolves `$Latest`, `$Default` or a number to a version, or undefined. */
  resolveVersion(lt: LaunchTemplate, version: string | undefined): LaunchTemplateVersion | undefined {
    const v =
      version === undefined || version === '' || version === '$Default'
        ? lt.defaultVersionNumber
        : version === '$Latest'
          ? lt.latestVersionNumber
          : Number(version);
    return lt.versions.find((x) => x.versionNumber === v);
  }

  /** Resolves a version like {@link resolveVersion}, or InvalidLaunchTemplateId.VersionNotFound. */
  requireVersion(lt: LaunchTemplate, version: string | undefined): LaunchTemplateVersion {
    const v = this.resolveVersion(lt, version);
    if (!v) {
      throw new ServiceError(
        'InvalidLaunchTemplateId.VersionNotFound',
        `Could not find launch template version ${version} for launch template ${lt.launchTemplateId}.`,
      );
    }
    return v;
  }

  /** The group's ingress or egress rule with this id, or InvalidSecurityGroupRuleId.NotFound. */
  requireRule(sg: SecurityGroup, direction: 'ingress' | 'egress', ruleId: string): SgRule {
    const rule = sg[direction].find((r) => r.ruleId === ruleId);
    if (!rule) {
      throw new ServiceError(
        'InvalidSecurityGroupRuleId.NotFound',
        `The security group rule ID '${ruleId}' does not exist`,
      );
    }
    return rule;
  }

  /** The network interfaces with these ids (all of them when none), or InvalidNetworkInterfaceID.NotFound. */
  requireNetworkInterfaces(ids: readonly string[]): NetworkInterface[] {
    const enis = this.networkInterfaces.list();
    for (const id of ids) {
      if (!enis.some((e) => e.networkInterfaceId === id)) {
        throw new ServiceError(
          'InvalidNetworkInterfaceID.NotFound',
          `The networkInterface ID '${id}' does not exist`,
        );
      }
    }
    return enis.filter((e) => ids.length === 0 || ids.includes(e.networkInterfaceId));
  }

  /** Creates a launch template with version 1. */
  createLaunchTemplate(
    name: string,
    data: Record<string, any>,
    description: string | undefined,
    tags: Record<string, string>,
  ): LaunchTemplate {
    if (name.length < 3 || name.length > 128 || !/^[a-zA-Z0-9().\-/_]+$/.test(name)) {
      throw new ServiceError(
        'InvalidLaunchTemplateName.MalformedException',
        "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'",
      );
    }
    if (this.findLaunchTemplateByName(name)) {
      throw new ServiceError(
        'InvalidLaunchTemplateName.AlreadyExistsException',
        `Launch template name already in use.`,
      );
    }
    validateLaunchTemplateData(this, data);
    const now = this.cloud.clock.now();
    const version: LaunchTemplateVersion = { versionNumber: 1, createTime: now, data };
    if (description !== undefined) version.versionDescription = description;
    const lt: LaunchTemplate = {
      launchTemplateId: resourceId('lt'),
      launchTemplateName: name,
      createTime: now,
      createdBy: `arn:aws:iam::${this.accountId}:root`,
      defaultVersionNumber: 1,
      latestVersionNumber: 1,
      versions: [version],
    };
    this.launchTemplates.set(lt.launchTemplateId, lt);
    if (Object.keys(tags).length > 0) this.setTags(lt.launchTemplateId, tags);
    return lt;
  }

  /**
   * CreateLaunchTemplateVersion: version latest + 1; with a source version, the new data
   * overrides the source's top-level fields (as AWS merges them).
   */
  createLaunchTemplateVersion(
    lt: LaunchTemplate,
    data: Record<string, any>,
    description: string | undefined,
    sourceVersion: string | undefined,
  ): LaunchTemplateVersion {
    let base: Record<string, any> = {};
    if (sourceVersion !== undefined) {
      const source = this.requireVersion(lt, sourceVersion);
      base = source.data;
    }
    const merged = { ...base, ...data };
    validateLaunchTemplateData(this, merged);
    const version: LaunchTemplateVersion = {
      versionNumber: lt.latestVersionNumber + 1,
      createTime: this.cloud.clock.now(),
      data: merged,
    };
    if (description !== undefined) version.versionDescription = description;
    lt.versions.push(version);
    lt.latestVersionNumber = version.versionNumber;
    return version;
  }

  /** Deletes a launch template and all its versions. */
  deleteLaunchTemplate(lt: LaunchTemplate): void {
    this.launchTemplates.delete(lt.launchTemplateId);
    this.tags.delete(lt.launchTemplateId);
  }

  // ---------- instances ----------

  // ---------- images ----------

  /** The architecture of an AMI this region knows; undefined for any other id. */
  imageArchitecture(imageId: string): Architecture | undefined {
    return this.images.find((img) => img.imageId === imageId)?.architecture;
  }

  /**
   * The image checks RunInstances makes (and Auto Scaling's launch-template validation repeats):
   * a malformed id is `InvalidAMIID.Malformed`; an ECS-optimized AMI whose architecture differs
   * from the instance type's is `InvalidParameterValue` with AWS's text ("The architecture
   * 'arm64' of the specified instance type does not match the architecture 'x86_64' of the
   * specified AMI. …", as RunInstances answers it — see e.g. aws/aws-parallelcluster#3795,
   * aws/eks-anywhere-build-tooling#2158). Other well-formed AMI ids are taken as private images
   * of the instance type's architecture (the local cloud does not model AMI registration).
   */
  checkImageForInstanceType(imageId: string, instanceType: string): void {
    if (!/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(imageId)) {
      throw new ServiceError('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
    }
    const imageArch = this.imageArchitecture(imageId);
    const typeArch = instanceTypeArchitecture(instanceType);
    if (imageArch !== undefined && imageArch !== typeArch) {
      throw new ServiceError(
        'InvalidParameterValue',
        `The architecture '${typeArch}' of the specified instance type does not match the architecture '${imageArch}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`,
      );
    }
  }

  /** The message RunInstances would refuse this image and type with, or undefined. */
  launchRefusal(imageId: string, instanceType: string): string | undefined {
    try {
      this.checkImageForInstanceType(imageId, instanceType);
      return undefined;
    } catch (err) {
      if (err instanceof ServiceError) return err.message;
      throw err;
    }
  }

  // ---------- instances ----------

  /** The instance, or InvalidInstanceID.NotFound. */
  requireInstance(id: string): Instance {
    if (!/^i-[0-9a-f]+$/.test(id)) {
      throw new ServiceError('InvalidInstanceID.Malformed', `Invalid id: "${id}" (expecting "i-...")`);
    }
    const i = this.instances.get(id);
    if (!i) throw new ServiceError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return i;
  }

  /**
   * Launches one instance: `pending` now, `running` after the boot delay (then the bus
   * gets `instance:running`).
   */
  launchInstance(input: LaunchInstanceInput): Instance {
    const subnet = this.subnets.get(input.subnetId);
    if (!subnet)
      throw new ServiceError('InvalidSubnetID.NotFound', `The subnet ID '${input.subnetId}' does not exist`);
    this.checkImageForInstanceType(input.imageId, input.instanceType);
    const instance: Instance = {
      instanceId: resourceId('i'),
      imageId: input.imageId,
      instanceType: input.instanceType,
      state: 'pending',
      launchTime: this.cloud.clock.now(),
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
    this.instances.set(instance.instanceId, instance);
    this.setTags(instance.instanceId, input.tags);
    this.networkInterfaces.create({
      owner: instance.instanceId,
      subnetId: subnet.subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      description: '',
      ownerId: this.accountId,
      requesterManaged: false,
      privateIpAddress: instance.privateIpAddress,
      groupIds: instance.securityGroupIds,
      instanceId: instance.instanceId,
      attached: true,
      deleteOnTermination: true,
    });
    this.cloud.clock.timer(BASE_DELAYS.instanceBoot, () => {
      if (instance.state !== 'pending') return;
      instance.state = 'running';
      const spec = INSTANCE_TYPES[instance.instanceType] ?? { cpu: 2, memoryMiB: 4096 };
      const event: InstanceRunningEvent = {
        accountId: this.accountId,
        region: this.region,
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
      this.cloud.bus.emit('instance:running', event);
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
    instance.stateTransitionReason = `${reason} (${this.cloud.clock.now().toISOString().replace('T', ' ').slice(0, 19)} GMT)`;
    const callbacks = this.#callbacks.get(instance.instanceId);
    callbacks?.onTerminating?.(instance);
    this.cloud.bus.emit('instance:terminating', {
      accountId: this.accountId,
      region: this.region,
      instanceId: instance.instanceId,
    });
    this.cloud.clock.timer(BASE_DELAYS.instanceTermination, () => {
      instance.state = 'terminated';
      // The primary interface (DeleteOnTermination) goes with the terminated instance.
      this.networkInterfaces.remove(instance.instanceId);
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
    const missing = ids.filter((id) => !this.instances.has(id));
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
    return this.networkInterfaces.ownedBy(instanceId)[0]?.networkInterfaceId ?? '';
  }

  /** A JSON view for `/_berth/state`. */
  dump(): unknown {
    return {
      vpcs: [...this.vpcs.values()].map((v) => ({ ...v, tags: this.tagsOf(v.vpcId) })),
      subnets: [...this.subnets.values()].map((s) => ({ ...s, tags: this.tagsOf(s.subnetId) })),
      internetGateways: [...this.network.internetGateways.values()].map((g) => ({
        ...g,
        tags: this.tagsOf(g.internetGatewayId),
      })),
      routeTables: [...this.network.routeTables.values()].map((t) => ({
        ...t,
        routes: t.routes.map((r) => ({ ...r, state: this.network.routeState(t, r) })),
        tags: this.tagsOf(t.routeTableId),
      })),
      securityGroups: [...this.securityGroups.values()].map((g) => ({
        ...g,
        tags: this.tagsOf(g.groupId),
        holders: this.holdersOf(g.groupId),
      })),
      launchTemplates: [...this.launchTemplates.values()].map((l) => ({
        launchTemplateId: l.launchTemplateId,
        launchTemplateName: l.launchTemplateName,
        latestVersionNumber: l.latestVersionNumber,
      })),
      instances: [...this.instances.values()].map((i) => ({
        ...i,
        userData: undefined,
        tags: this.tagsOf(i.instanceId),
      })),
      networkInterfaces: this.networkInterfaces.list(),
    };
  }
}

/** Protocol numbers EC2 accepts for the named protocols (`6` → `tcp`, `all` → `-1`). */
const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

/** EC2's tag rules: key 1–128 characters, value ≤ 256, no `aws:` prefix (InvalidParameterValue). */
export function validateTag(key: string, value: string): void {
  if (key.length === 0 || key.length > 128) {
    throw new ServiceError('InvalidParameterValue', `Tag key must be between 1 and 128 characters: '${key}'`);
  }
  if (value.length > 256)
    throw new ServiceError('InvalidParameterValue', `Tag value exceeds the maximum length of 256 characters`);
  if (key.toLowerCase().startsWith('aws:')) {
    throw new ServiceError(
      'InvalidParameterValue',
      "Tag keys starting with 'aws:' are reserved for internal use",
    );
  }
}

/** The resource type EC2 reports for an id (`DescribeTags`' `resourceType`). */
export function resourceTypeOf(id: string): string {
  const prefix = id.split('-')[0];
  switch (prefix) {
    case 'sg':
      return 'security-group';
    case 'i':
      return 'instance';
    case 'lt':
      return 'launch-template';
    case 'subnet':
      return 'subnet';
    case 'vpc':
      return 'vpc';
    case 'igw':
      return 'internet-gateway';
    case 'rtb':
      return 'route-table';
    case 'ami':
      return 'image';
    default:
      return prefix ?? 'unknown';
  }
}

/** A public IPv4 address from a documentation-free range, for instances that map one at launch. */
function publicIp(): string {
  const b = Number.parseInt(hex(6), 16);
  return `3.${(b >> 16) & 255}.${(b >> 8) & 255}.${Math.max(1, b & 255)}`;
}

/** True when the IPv4 `address` lies in `cidr` (`0.0.0.0/0` contains every address). */
function cidrContains(cidr: string, address: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const toInt = (ip: string): number | undefined => {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    return (
      ((parts[0] as number) * 2 ** 24 +
        (parts[1] as number) * 2 ** 16 +
        (parts[2] as number) * 2 ** 8 +
        (parts[3] as number)) >>>
      0
    );
  };
  const bits = Number(bitsText ?? '32');
  const a = toInt(base ?? '');
  const b = toInt(address);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function sameRule(a: SgRule, b: SgRule): boolean {
  const ports = (r: SgRule) => (r.ipProtocol === '-1' ? '' : `${r.fromPort ?? ''}:${r.toPort ?? ''}`);
  return (
    a.ipProtocol === b.ipProtocol &&
    ports(a) === ports(b) &&
    (a.cidrIp ?? '') === (b.cidrIp ?? '') &&
    (a.cidrIpv6 ?? '') === (b.cidrIpv6 ?? '') &&
    (a.groupId ?? '') === (b.groupId ?? '')
  );
}

function describeRule(r: SgRule): string {
  const peer = r.cidrIp ?? r.cidrIpv6 ?? r.groupId ?? '';
  const proto = r.ipProtocol === '-1' ? 'ALL' : r.ipProtocol.toUpperCase();
  if (r.ipProtocol === '-1') return `peer: ${peer}, ALL, ALLOW`;
  return `peer: ${peer}, ${proto}, from port: ${r.fromPort}, to port: ${r.toPort}, ALLOW`;
}

function validateLaunchTemplateData(ec2: Ec2Backend, data: Record<string, any>): void {
  const userData = data.UserData;
  if (
    typeof userData === 'string' &&
    userData !== '' &&
    !/^[A-Za-z0-9+/]*={0,2}$/.test(userData.replace(/\s/g, ''))
  ) {
    throw new ServiceError('InvalidUserData.Malformed', 'Invalid BASE64 encoding of user data.');
  }
  void ec2;
}
