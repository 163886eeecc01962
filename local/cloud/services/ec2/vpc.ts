import { hex, resourceId } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { type Cidr, cidrContains, cidrOverlaps, formatCidr, parseCidr } from './cidr.ts';

/**
 * The VPC family of one account and region: VPCs, subnets, internet gateways, route tables,
 * routes and associations, with the validation and dependency rules EC2 applies.
 *
 * Error codes and messages are AWS's (Amazon EC2 API Reference, "Error codes"; the texts as EC2
 * answers them, e.g. `InvalidSubnet.Conflict: The CIDR '10.0.1.0/24' conflicts with another
 * subnet`, `DependencyViolation: The vpc 'vpc-…' has dependencies and cannot be deleted.`,
 * `Resource.AlreadyAssociated: resource igw-… is already attached to network vpc-…`).
 */

export interface Vpc {
  vpcId: string;
  cidrBlock: string;
  isDefault: boolean;
  state: 'available';
  instanceTenancy: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
  cidrAssociationId: string;
}

export interface Subnet {
  subnetId: string;
  vpcId: string;
  cidrBlock: string;
  availabilityZone: string;
  availabilityZoneId: string;
  mapPublicIpOnLaunch: boolean;
  defaultForAz: boolean;
}

export interface InternetGateway {
  internetGatewayId: string;
  /** At most one: an internet gateway attaches to one VPC. */
  attachments: Array<{ vpcId: string; state: 'available' }>;
}

export interface Route {
  destinationCidrBlock: string;
  /** `local` for the VPC's own range, else an internet gateway id. */
  gatewayId: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTableAssociation {
  associationId: string;
  routeTableId: string;
  /** Absent for the main association. */
  subnetId?: string;
  main: boolean;
}

export interface RouteTable {
  routeTableId: string;
  vpcId: string;
  routes: Route[];
  associations: RouteTableAssociation[];
}

export interface AvailabilityZone {
  zoneName: string;
  zoneId: string;
}

const DIRECTIONS: Record<string, string> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  southeast: 'se',
  northwest: 'nw',
  southwest: 'sw',
};

/**
 * The zones of a region: `<region>a|b|c` with zone ids `<use1>-az1…3`. (On AWS the name → id
 * mapping differs per account; here it is fixed.)
 */
function availabilityZones(region: string): AvailabilityZone[] {
  const [geo = 'xx', direction = '', number = '1'] = region.split('-');
  const short = `${geo}${DIRECTIONS[direction] ?? direction.slice(0, 1)}${number}`;
  return ['a', 'b', 'c'].map((letter, i) => ({
    zoneName: `${region}${letter}`,
    zoneId: `${short}-az${i + 1}`,
  }));
}

/** What the rest of EC2 tells the VPC family: tags, and who else uses a VPC or subnet. */
export interface VpcHost {
  setTags(id: string, tags: Record<string, string>): void;
  dropTags(id: string): void;
  /** Creates the VPC's `default` security group; returns its id. */
  createDefaultSecurityGroup(vpcId: string): string;
  /** Removes the VPC's `default` security group (with the VPC). */
  deleteDefaultSecurityGroup(vpcId: string): void;
  /** Ids of other resources in the VPC that block its deletion (security groups, instances, ENIs). */
  dependentsOfVpc(vpcId: string): string[];
  /** Ids of resources in the subnet that block its deletion (instances, ENIs, load balancers). */
  dependentsOfSubnet(subnetId: string): string[];
  /** Public addresses mapped in the VPC (instances launched with one). */
  publicAddressesIn(vpcId: string): string[];
}

const vpcNotFound = (id: string) =>
  new ServiceError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
const subnetNotFound = (id: string) =>
  new ServiceError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);

/** The VPC family's state and rules (see the file comment). */
export class VpcNetwork {
  readonly vpcs = new Map<string, Vpc>();
  readonly subnets = new Map<string, Subnet>();
  readonly internetGateways = new Map<string, InternetGateway>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly zones: AvailabilityZone[];
  readonly #host: VpcHost;

  constructor(region: string, host: VpcHost) {
    this.zones = availabilityZones(region);
    this.#host = host;
  }

  // ---------- VPCs ----------

  /** The VPC, or `InvalidVpcID.NotFound`. */
  requireVpc(id: string): Vpc {
    const vpc = this.vpcs.get(id);
    if (!vpc) {
      if (!/^vpc-[0-9a-f]+$/.test(id)) {
        throw new ServiceError('InvalidVpcID.Malformed', `Invalid id: "${id}" (expecting "vpc-...")`);
      }
      throw vpcNotFound(id);
    }
    return vpc;
  }

  /**
   * CreateVpc: a /16–/28 IPv4 block (`InvalidVpc.Range` otherwise). The new VPC gets its main
   * route table (with the `local` route) and its `default` security group, as on AWS.
   */
  createVpc(input: {
    cidrBlock: string;
    tags: Record<string, string>;
    instanceTenancy?: string | undefined;
    isDefault?: boolean;
  }): Vpc {
    const cidr = parseCidr(input.cidrBlock);
    if (!cidr) {
      throw new ServiceError(
        'InvalidParameterValue',
        `Value (${input.cidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
      );
    }
    if (cidr.prefix < 16 || cidr.prefix > 28) {
      throw new ServiceError('InvalidVpc.Range', `The CIDR '${input.cidrBlock}' is invalid.`);
    }
    const tenancy = input.instanceTenancy ?? 'default';
    if (tenancy !== 'default' && tenancy !== 'dedicated') {
      throw new ServiceError(
        'InvalidParameterValue',
        `Value (${tenancy}) for parameter instanceTenancy is invalid. Valid values: default, dedicated`,
      );
    }
    const vpc: Vpc = {
      vpcId: resourceId('vpc'),
      cidrBlock: formatCidr(cidr),
      isDefault: input.isDefault ?? false,
      state: 'available',
      instanceTenancy: tenancy,
      enableDnsSupport: true,
      enableDnsHostnames: input.isDefault ?? false,
      cidrAssociationId: `vpc-cidr-assoc-${hex(17)}`,
    };
    this.vpcs.set(vpc.vpcId, vpc);
    if (Object.keys(input.tags).length > 0) this.#host.setTags(vpc.vpcId, input.tags);
    const main = this.#newRouteTable(vpc);
    main.associations.push({
      associationId: resourceId('rtbassoc'),
      routeTableId: main.routeTableId,
      main: true,
    });
    this.#host.createDefaultSecurityGroup(vpc.vpcId);
    return vpc;
  }

  /**
   * DeleteVpc: `DependencyViolation` while subnets, an attached internet gateway, non-main route
   * tables, non-default security groups or anything else in it remain. Its main route table and
   * default security group go with it.
   */
  deleteVpc(id: string): void {
    const vpc = this.requireVpc(id);
    const blocking = [
      ...[...this.subnets.values()].filter((s) => s.vpcId === id).map((s) => s.subnetId),
      ...[...this.internetGateways.values()]
        .filter((g) => g.attachments.some((a) => a.vpcId === id))
        .map((g) => g.internetGatewayId),
      ...[...this.routeTables.values()]
        .filter((t) => t.vpcId === id && !t.associations.some((a) => a.main))
        .map((t) => t.routeTableId),
      ...this.#host.dependentsOfVpc(id),
    ];
    if (blocking.length > 0) {
      throw new ServiceError(
        'DependencyViolation',
        `The vpc '${id}' has dependencies and cannot be deleted.`,
      );
    }
    for (const t of [...this.routeTables.values()]) {
      if (t.vpcId === id) {
        this.routeTables.delete(t.routeTableId);
        this.#host.dropTags(t.routeTableId);
      }
    }
    this.#host.deleteDefaultSecurityGroup(id);
    this.vpcs.delete(vpc.vpcId);
    this.#host.dropTags(vpc.vpcId);
  }

  /** ModifyVpcAttribute (one attribute per call, as AWS requires). */
  modifyVpcAttribute(
    vpc: Vpc,
    attribute: { enableDnsSupport?: boolean; enableDnsHostnames?: boolean },
  ): void {
    const keys = Object.keys(attribute);
    if (keys.length !== 1) {
      throw new ServiceError(
        'InvalidParameterCombination',
        'Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames',
      );
    }
    if (attribute.enableDnsHostnames === true && !vpc.enableDnsSupport) {
      throw new ServiceError(
        'InvalidParameterValue',
        'Cannot enable DNS hostnames when DNS resolution is disabled for the VPC.',
      );
    }
    if (attribute.enableDnsSupport !== undefined) vpc.enableDnsSupport = attribute.enableDnsSupport;
    if (attribute.enableDnsHostnames !== undefined) vpc.enableDnsHostnames = attribute.enableDnsHostnames;
  }

  // ---------- subnets ----------

  /** The subnet, or `InvalidSubnetID.NotFound`. */
  requireSubnet(id: string): Subnet {
    const subnet = this.subnets.get(id);
    if (!subnet) {
      if (!/^subnet-[0-9a-f]+$/.test(id)) {
        throw new ServiceError('InvalidSubnetID.Malformed', `Invalid id: "${id}" (expecting "subnet-...")`);
      }
      throw subnetNotFound(id);
    }
    return subnet;
  }

  /**
   * CreateSubnet: the block must lie within the VPC's and be /16–/28 (`InvalidSubnet.Range`),
   * overlap no other subnet of the VPC (`InvalidSubnet.Conflict`), and sit in a zone of the region.
   * Without a zone, EC2 picks one (here: the zone with the fewest subnets of this VPC).
   */
  createSubnet(input: {
    vpcId: string;
    cidrBlock: string;
    availabilityZone?: string | undefined;
    availabilityZoneId?: string | undefined;
    tags: Record<string, string>;
    mapPublicIpOnLaunch?: boolean;
    defaultForAz?: boolean;
  }): Subnet {
    const vpc = this.requireVpc(input.vpcId);
    const cidr = parseCidr(input.cidrBlock);
    if (!cidr) {
      throw new ServiceError(
        'InvalidParameterValue',
        `Value (${input.cidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
      );
    }
    const vpcCidr = parseCidr(vpc.cidrBlock) as Cidr;
    if (cidr.prefix < 16 || cidr.prefix > 28 || !cidrContains(vpcCidr, cidr)) {
      throw new ServiceError('InvalidSubnet.Range', `The CIDR '${input.cidrBlock}' is invalid.`);
    }
    for (const other of this.subnets.values()) {
      if (other.vpcId === vpc.vpcId && cidrOverlaps(parseCidr(other.cidrBlock) as Cidr, cidr)) {
        throw new ServiceError(
          'InvalidSubnet.Conflict',
          `The CIDR '${input.cidrBlock}' conflicts with another subnet`,
        );
      }
    }
    const zone = this.#pickZone(vpc.vpcId, input.availabilityZone, input.availabilityZoneId);
    const subnet: Subnet = {
      subnetId: resourceId('subnet'),
      vpcId: vpc.vpcId,
      cidrBlock: formatCidr(cidr),
      availabilityZone: zone.zoneName,
      availabilityZoneId: zone.zoneId,
      mapPublicIpOnLaunch: input.mapPublicIpOnLaunch ?? false,
      defaultForAz: input.defaultForAz ?? false,
    };
    this.subnets.set(subnet.subnetId, subnet);
    if (Object.keys(input.tags).length > 0) this.#host.setTags(subnet.subnetId, input.tags);
    return subnet;
  }

  #pickZone(vpcId: string, name: string | undefined, id: string | undefined): AvailabilityZone {
    if (name !== undefined && id !== undefined) {
      throw new ServiceError(
        'InvalidParameterCombination',
        'The parameters availabilityZone and availabilityZoneId cannot be used together',
      );
    }
    if (name !== undefined || id !== undefined) {
      const zone = this.zones.find((z) => (name !== undefined ? z.zoneName === name : z.zoneId === id));
      if (!zone) {
        const field = name !== undefined ? 'availabilityZone' : 'availabilityZoneId';
        const valid = this.zones.map((z) => (name !== undefined ? z.zoneName : z.zoneId)).join(', ');
        throw new ServiceError(
          'InvalidParameterValue',
          `Value (${name ?? id}) for parameter ${field} is invalid. Subnets can currently only be created in the following availability zones: ${valid}.`,
        );
      }
      return zone;
    }
    const count = (z: AvailabilityZone) =>
      [...this.subnets.values()].filter((s) => s.vpcId === vpcId && s.availabilityZone === z.zoneName).length;
    return [...this.zones].sort((a, b) => count(a) - count(b))[0] as AvailabilityZone;
  }

  /**
   * DeleteSubnet: `DependencyViolation` while instances, network interfaces or load balancers
   * use it; its explicit route table association goes with it.
   */
  deleteSubnet(id: string): void {
    const subnet = this.requireSubnet(id);
    if (this.#host.dependentsOfSubnet(id).length > 0) {
      throw new ServiceError(
        'DependencyViolation',
        `The subnet '${id}' has dependencies and cannot be deleted.`,
      );
    }
    for (const t of this.routeTables.values()) {
      t.associations = t.associations.filter((a) => a.subnetId !== id);
    }
    this.subnets.delete(subnet.subnetId);
    this.#host.dropTags(subnet.subnetId);
  }

  // ---------- internet gateways ----------

  /** The gateway, or `InvalidInternetGatewayID.NotFound`. */
  requireInternetGateway(id: string): InternetGateway {
    const igw = this.internetGateways.get(id);
    if (!igw) {
      if (!/^igw-[0-9a-f]+$/.test(id)) {
        throw new ServiceError(
          'InvalidInternetGatewayId.Malformed',
          `Invalid id: "${id}" (expecting "igw-...")`,
        );
      }
      throw new ServiceError(
        'InvalidInternetGatewayID.NotFound',
        `The internetGateway ID '${id}' does not exist`,
      );
    }
    return igw;
  }

  /** CreateInternetGateway (detached). */
  createInternetGateway(tags: Record<string, string>): InternetGateway {
    const igw: InternetGateway = { internetGatewayId: resourceId('igw'), attachments: [] };
    this.internetGateways.set(igw.internetGatewayId, igw);
    if (Object.keys(tags).length > 0) this.#host.setTags(igw.internetGatewayId, tags);
    return igw;
  }

  /**
   * AttachInternetGateway: `Resource.AlreadyAssociated` when the gateway is attached already,
   * `InvalidParameterValue` when the VPC has a gateway already (one per VPC).
   */
  attachInternetGateway(igw: InternetGateway, vpcId: string): void {
    const vpc = this.requireVpc(vpcId);
    const current = igw.attachments[0];
    if (current) {
      throw new ServiceError(
        'Resource.AlreadyAssociated',
        `resource ${igw.internetGatewayId} is already attached to network ${current.vpcId}`,
      );
    }
    if (this.#gatewayOf(vpc.vpcId)) {
      throw new ServiceError(
        'InvalidParameterValue',
        `Network ${vpc.vpcId} already has an internet gateway attached`,
      );
    }
    igw.attachments.push({ vpcId: vpc.vpcId, state: 'available' });
  }

  /**
   * DetachInternetGateway: `Gateway.NotAttached` unless attached to that VPC;
   * `DependencyViolation` while public addresses are mapped in the VPC. Routes to it turn
   * `blackhole`.
   */
  detachInternetGateway(igw: InternetGateway, vpcId: string): void {
    this.requireVpc(vpcId);
    if (!igw.attachments.some((a) => a.vpcId === vpcId)) {
      throw new ServiceError(
        'Gateway.NotAttached',
        `resource ${igw.internetGatewayId} is not attached to network ${vpcId}`,
      );
    }
    if (this.#host.publicAddressesIn(vpcId).length > 0) {
      throw new ServiceError(
        'DependencyViolation',
        `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      );
    }
    igw.attachments = igw.attachments.filter((a) => a.vpcId !== vpcId);
  }

  /** DeleteInternetGateway: `DependencyViolation` while attached. */
  deleteInternetGateway(igw: InternetGateway): void {
    if (igw.attachments.length > 0) {
      throw new ServiceError(
        'DependencyViolation',
        `The internetGateway '${igw.internetGatewayId}' has dependencies and cannot be deleted.`,
      );
    }
    this.internetGateways.delete(igw.internetGatewayId);
    this.#host.dropTags(igw.internetGatewayId);
  }

  #gatewayOf(vpcId: string): InternetGateway | undefined {
    for (const g of this.internetGateways.values())
      if (g.attachments.some((a) => a.vpcId === vpcId)) return g;
    return undefined;
  }

  // ---------- route tables ----------

  /** The route table, or `InvalidRouteTableID.NotFound`. */
  requireRouteTable(id: string): RouteTable {
    const t = this.routeTables.get(id);
    if (!t) {
      if (!/^rtb-[0-9a-f]+$/.test(id)) {
        throw new ServiceError('InvalidRouteTableId.Malformed', `Invalid id: "${id}" (expecting "rtb-...")`);
      }
      throw new ServiceError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
    }
    return t;
  }

  #newRouteTable(vpc: Vpc): RouteTable {
    const t: RouteTable = {
      routeTableId: resourceId('rtb'),
      vpcId: vpc.vpcId,
      routes: [{ destinationCidrBlock: vpc.cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable' }],
      associations: [],
    };
    this.routeTables.set(t.routeTableId, t);
    return t;
  }

  /** CreateRouteTable (with the VPC's `local` route). */
  createRouteTable(vpcId: string, tags: Record<string, string>): RouteTable {
    const t = this.#newRouteTable(this.requireVpc(vpcId));
    if (Object.keys(tags).length > 0) this.#host.setTags(t.routeTableId, tags);
    return t;
  }

  /** DeleteRouteTable: `DependencyViolation` while associated with a subnet or main. */
  deleteRouteTable(t: RouteTable): void {
    if (t.associations.length > 0) {
      throw new ServiceError(
        'DependencyViolation',
        `The routeTable '${t.routeTableId}' has dependencies and cannot be deleted.`,
      );
    }
    this.routeTables.delete(t.routeTableId);
    this.#host.dropTags(t.routeTableId);
  }

  /** `active`, or `blackhole` for a route to a gateway no longer attached to the table's VPC. */
  routeState(t: RouteTable, r: Route): 'active' | 'blackhole' {
    if (r.gatewayId === 'local') return 'active';
    const igw = this.internetGateways.get(r.gatewayId);
    return igw?.attachments.some((a) => a.vpcId === t.vpcId) ? 'active' : 'blackhole';
  }

  /**
   * CreateRoute to an internet gateway: `RouteAlreadyExists` for a taken destination,
   * `InvalidGatewayID.NotFound`, `InvalidParameterValue` when the gateway is not the VPC's.
   */
  createRoute(t: RouteTable, destinationCidrBlock: string, gatewayId: string): void {
    const cidr = parseCidr(destinationCidrBlock);
    if (!cidr) {
      throw new ServiceError(
        'InvalidParameterValue',
        `Value (${destinationCidrBlock}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`,
      );
    }
    const destination = formatCidr(cidr);
    const igw = this.internetGateways.get(gatewayId);
    if (!igw)
      throw new ServiceError('InvalidGatewayID.NotFound', `The gateway ID '${gatewayId}' does not exist`);
    if (!igw.attachments.some((a) => a.vpcId === t.vpcId)) {
      throw new ServiceError(
        'InvalidParameterValue',
        `route table ${t.routeTableId} and network gateway ${gatewayId} belong to different networks`,
      );
    }
    if (t.routes.some((r) => r.destinationCidrBlock === destination)) {
      throw new ServiceError('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
    }
    t.routes.push({ destinationCidrBlock: destination, gatewayId, origin: 'CreateRoute' });
  }

  /** DeleteRoute: `InvalidRoute.NotFound`; the `local` route cannot be deleted. */
  deleteRoute(t: RouteTable, destinationCidrBlock: string): void {
    const cidr = parseCidr(destinationCidrBlock);
    const destination = cidr ? formatCidr(cidr) : destinationCidrBlock;
    const route = t.routes.find((r) => r.destinationCidrBlock === destination);
    if (!route) {
      throw new ServiceError(
        'InvalidRoute.NotFound',
        `no route with destination-cidr-block ${destinationCidrBlock} in route table ${t.routeTableId}`,
      );
    }
    if (route.gatewayId === 'local') {
      throw new ServiceError(
        'InvalidParameterValue',
        `cannot remove local route ${destination} in route table ${t.routeTableId}`,
      );
    }
    t.routes = t.routes.filter((r) => r !== route);
  }

  /**
   * AssociateRouteTable: `Resource.AlreadyAssociated` when the subnet has an explicit
   * association already; `InvalidParameterValue` across VPCs. Returns the association id.
   */
  associateRouteTable(t: RouteTable, subnetId: string): RouteTableAssociation {
    const subnet = this.requireSubnet(subnetId);
    if (subnet.vpcId !== t.vpcId) {
      throw new ServiceError(
        'InvalidParameterValue',
        `Route table ${t.routeTableId} and subnet ${subnetId} belong to different networks`,
      );
    }
    for (const other of this.routeTables.values()) {
      if (other.associations.some((a) => a.subnetId === subnetId)) {
        throw new ServiceError(
          'Resource.AlreadyAssociated',
          `the specified association for route table ${t.routeTableId} conflicts with an existing association`,
        );
      }
    }
    const association: RouteTableAssociation = {
      associationId: resourceId('rtbassoc'),
      routeTableId: t.routeTableId,
      subnetId,
      main: false,
    };
    t.associations.push(association);
    return association;
  }

  /** DisassociateRouteTable: `InvalidAssociationID.NotFound`; the main association stays. */
  disassociateRouteTable(associationId: string): void {
    for (const t of this.routeTables.values()) {
      const a = t.associations.find((x) => x.associationId === associationId);
      if (!a) continue;
      if (a.main) {
        throw new ServiceError(
          'InvalidParameterValue',
          `cannot disassociate the main route table association ${associationId}`,
        );
      }
      t.associations = t.associations.filter((x) => x !== a);
      return;
    }
    throw new ServiceError(
      'InvalidAssociationID.NotFound',
      `The association ID '${associationId}' does not exist`,
    );
  }
}
