import type { Cloud } from '../../core/cloud.ts';
import { privateIp, resourceId } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { checkImageForInstanceType, ecsOptimizedImages, type Image, launchRefusal } from './images.ts';
import {
  type Instance,
  type InstanceStateName,
  InstanceStore,
  type LaunchInstanceInput,
} from './instances.ts';
import { type LaunchTemplate, LaunchTemplateStore, type LaunchTemplateVersion } from './launch-templates.ts';
import { type NetworkInterface, NetworkInterfaceStore } from './network-interfaces.ts';
import {
  type PermissionInput,
  type SecurityGroup,
  SecurityGroupStore,
  type SgRule,
} from './security-groups.ts';
import { type Subnet, type Vpc, VpcNetwork } from './vpc.ts';

// The resource types and helpers the protocol layer (handlers.ts) reads, from their modules.
export type { Instance, LaunchInstanceInput } from './instances.ts';
export { INSTANCE_TYPES, instanceStateCode } from './instances.ts';
export type { LaunchTemplate, LaunchTemplateVersion } from './launch-templates.ts';
export type { PermissionInput, SecurityGroup, SgRule } from './security-groups.ts';
export type { Subnet, Vpc } from './vpc.ts';

/** The EC2 backend of one account and region (created on first use). */
export function ec2Backend(cloud: Cloud, accountId: string, region: string): Ec2Backend {
  return cloud.backend('ec2', accountId, region, () => new Ec2Backend(cloud, accountId, region));
}

/**
 * EC2 of one account and region: the default VPC and subnets, tags, and the stores it composes —
 * the network (vpc.ts), security groups (security-groups.ts), launch templates
 * (launch-templates.ts), instances (instances.ts), network interfaces (network-interfaces.ts) and
 * images (images.ts).
 */
export class Ec2Backend {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
  /** VPCs, subnets, internet gateways and route tables (`vpc.ts`). */
  readonly network: VpcNetwork;
  /** Security groups, their rules and holds (`security-groups.ts`). */
  readonly groupStore: SecurityGroupStore;
  /** Launch templates and their versions (`launch-templates.ts`). */
  readonly templateStore: LaunchTemplateStore;
  /** Instances (`instances.ts`). */
  readonly instanceStore: InstanceStore;
  /** The public images this region offers (the ECS-optimized AMIs, both architectures). */
  readonly images: readonly Image[];
  /** Tags per resource id. */
  readonly tags = new Map<string, Map<string, string>>();
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
    const tagging = {
      setTags: (id: string, tags: Record<string, string>) => this.setTags(id, tags),
      dropTags: (id: string) => this.tags.delete(id),
    };
    this.groupStore = new SecurityGroupStore({
      accountId,
      clock: cloud.clock,
      ...tagging,
      defaultVpcId: () => this.defaultVpcId,
      vpcExists: (vpcId) => this.vpcs.has(vpcId),
      inUse: (groupId) =>
        [...this.instances.values()].some(
          (i) => i.state !== 'terminated' && i.securityGroupIds.includes(groupId),
        ) || this.networkInterfaces.usingGroup(groupId).length > 0,
    });
    this.templateStore = new LaunchTemplateStore({ accountId, clock: cloud.clock, ...tagging });
    this.instanceStore = new InstanceStore({
      cloud,
      accountId,
      region,
      networkInterfaces: this.networkInterfaces,
      setTags: tagging.setTags,
      subnet: (subnetId) => this.subnets.get(subnetId),
      checkImageForInstanceType: (imageId, instanceType) =>
        checkImageForInstanceType(this.images, imageId, instanceType),
    });
    this.region = region;
    this.images = ecsOptimizedImages(region);
    this.network = new VpcNetwork(region, {
      setTags: (id, tags) => this.setTags(id, tags),
      dropTags: (id) => this.tags.delete(id),
      createDefaultSecurityGroup: (vpcId) => {
        const sg = this.groupStore.newGroup('default', `default VPC security group`, vpcId);
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

  /** Security groups by id. */
  get securityGroups(): Map<string, SecurityGroup> {
    return this.groupStore.byId;
  }

  /** Launch templates by id. */
  get launchTemplates(): Map<string, LaunchTemplate> {
    return this.templateStore.byId;
  }

  /** Instances by id. */
  get instances(): Map<string, Instance> {
    return this.instanceStore.byId;
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
      groupIds: groupIds.length > 0 ? groupIds : [this.groupStore.defaultGroupId(subnet.vpcId)],
      attached: true,
    });
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

  // ---------- security groups (security-groups.ts)

  createSecurityGroup(
    groupName: string,
    description: string,
    vpcId: string | undefined,
    tags: Record<string, string>,
  ): SecurityGroup {
    return this.groupStore.createSecurityGroup(groupName, description, vpcId, tags);
  }

  assertPropagated(groupId: string): void {
    this.groupStore.assertPropagated(groupId);
  }

  requireGroup(id: string): SecurityGroup {
    return this.groupStore.requireGroup(id);
  }

  requireGroupByName(name: string): SecurityGroup {
    return this.groupStore.requireGroupByName(name);
  }

  rulesFrom(perms: PermissionInput[]): SgRule[] {
    return this.groupStore.rulesFrom(perms);
  }

  authorize(sg: SecurityGroup, direction: 'ingress' | 'egress', rules: SgRule[]): void {
    this.groupStore.authorize(sg, direction, rules);
  }

  revoke(sg: SecurityGroup, direction: 'ingress' | 'egress', rules: SgRule[]): void {
    this.groupStore.revoke(sg, direction, rules);
  }

  requireRule(sg: SecurityGroup, direction: 'ingress' | 'egress', ruleId: string): SgRule {
    return this.groupStore.requireRule(sg, direction, ruleId);
  }

  deleteSecurityGroup(sg: SecurityGroup): void {
    this.groupStore.deleteSecurityGroup(sg);
  }

  // ---------- launch templates (launch-templates.ts)

  requireLaunchTemplate(ref: { id?: string | undefined; name?: string | undefined }): LaunchTemplate {
    return this.templateStore.requireLaunchTemplate(ref);
  }

  findLaunchTemplateByName(name: string): LaunchTemplate | undefined {
    return this.templateStore.findLaunchTemplateByName(name);
  }

  resolveVersion(lt: LaunchTemplate, version: string | undefined): LaunchTemplateVersion | undefined {
    return this.templateStore.resolveVersion(lt, version);
  }

  requireVersion(lt: LaunchTemplate, version: string | undefined): LaunchTemplateVersion {
    return this.templateStore.requireVersion(lt, version);
  }

  createLaunchTemplate(
    name: string,
    data: Record<string, any>,
    description: string | undefined,
    tags: Record<string, string>,
  ): LaunchTemplate {
    return this.templateStore.createLaunchTemplate(name, data, description, tags);
  }

  createLaunchTemplateVersion(
    lt: LaunchTemplate,
    data: Record<string, any>,
    description: string | undefined,
    sourceVersion: string | undefined,
  ): LaunchTemplateVersion {
    return this.templateStore.createLaunchTemplateVersion(lt, data, description, sourceVersion);
  }

  deleteLaunchTemplate(lt: LaunchTemplate): void {
    this.templateStore.deleteLaunchTemplate(lt);
  }

  // ---------- images (images.ts)

  launchRefusal(imageId: string, instanceType: string): string | undefined {
    return launchRefusal(this.images, imageId, instanceType);
  }

  // ---------- instances (instances.ts)

  requireInstance(id: string): Instance {
    return this.instanceStore.requireInstance(id);
  }

  launchInstance(input: LaunchInstanceInput): Instance {
    return this.instanceStore.launchInstance(input);
  }

  terminateInstance(instance: Instance, reason?: string): InstanceStateName {
    return this.instanceStore.terminateInstance(instance, reason);
  }

  terminateInstances(ids: string[]): Array<{ instance: Instance; previous: InstanceStateName }> {
    return this.instanceStore.terminateInstances(ids);
  }

  eniIdFor(instanceId: string): string {
    return this.instanceStore.eniIdFor(instanceId);
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
