import { ServiceError } from '../../core/service-error.ts';
import type { ActionHandler, RequestContext } from '../../core/types.ts';
import { bool, list, str } from '../../protocol/params.ts';
import { type Ec2Backend, ec2Backend, INSTANCE_TYPES } from './backend.ts';
import { type Cidr, parseCidr, usableAddresses } from './cidr.ts';
import { applyFilters, paginate, readFilters } from './filters.ts';
import { type Image, instanceTypeArchitecture } from './images.ts';
import { required, tagSet, tagsFromSpecs } from './request.ts';
import type { InternetGateway, RouteTable, Subnet, Vpc } from './vpc.ts';

/**
 * The EC2 Query actions of the VPC family (VPCs, subnets, internet gateways, route tables,
 * availability zones) and of public images. The rules live in `vpc.ts` and `backend.ts`; these
 * handlers read parameters and shape responses as EC2 does.
 */

const ec2Of = (ctx: RequestContext): Ec2Backend => ec2Backend(ctx.cloud, ctx.accountId, ctx.region);

/** Rejects ids that do not exist, in the order given (EC2 names the first). */
function requireAll<T>(ids: string[], find: (id: string) => T): T[] {
  return ids.map(find);
}

function renderVpc(ec2: Ec2Backend, v: Vpc): unknown {
  return {
    vpcId: v.vpcId,
    ownerId: ec2.accountId,
    state: v.state,
    cidrBlock: v.cidrBlock,
    cidrBlockAssociationSet: [
      { associationId: v.cidrAssociationId, cidrBlock: v.cidrBlock, cidrBlockState: { state: 'associated' } },
    ],
    dhcpOptionsId: 'dopt-00000000000000000',
    instanceTenancy: v.instanceTenancy,
    isDefault: v.isDefault,
    tagSet: tagSet(ec2.tagsOf(v.vpcId)),
  };
}

function renderSubnet(ec2: Ec2Backend, s: Subnet): unknown {
  const used = [...ec2.instances.values()].filter(
    (i) => i.subnetId === s.subnetId && i.state !== 'terminated',
  );
  return {
    subnetId: s.subnetId,
    subnetArn: `arn:aws:ec2:${ec2.region}:${ec2.accountId}:subnet/${s.subnetId}`,
    state: 'available',
    ownerId: ec2.accountId,
    vpcId: s.vpcId,
    cidrBlock: s.cidrBlock,
    availableIpAddressCount: Math.max(0, usableAddresses(parseCidr(s.cidrBlock) as Cidr) - used.length),
    availabilityZone: s.availabilityZone,
    availabilityZoneId: s.availabilityZoneId,
    defaultForAz: s.defaultForAz,
    mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
    assignIpv6AddressOnCreation: false,
    tagSet: tagSet(ec2.tagsOf(s.subnetId)),
  };
}

function renderGateway(ec2: Ec2Backend, g: InternetGateway): unknown {
  return {
    internetGatewayId: g.internetGatewayId,
    ownerId: ec2.accountId,
    attachmentSet: g.attachments.map((a) => ({ vpcId: a.vpcId, state: a.state })),
    tagSet: tagSet(ec2.tagsOf(g.internetGatewayId)),
  };
}

function renderRouteTable(ec2: Ec2Backend, t: RouteTable): unknown {
  return {
    routeTableId: t.routeTableId,
    vpcId: t.vpcId,
    ownerId: ec2.accountId,
    routeSet: t.routes.map((r) => ({
      destinationCidrBlock: r.destinationCidrBlock,
      gatewayId: r.gatewayId,
      state: ec2.network.routeState(t, r),
      origin: r.origin,
    })),
    associationSet: t.associations.map((a) => ({
      main: a.main,
      routeTableAssociationId: a.associationId,
      routeTableId: a.routeTableId,
      subnetId: a.subnetId,
      associationState: { state: 'associated' },
    })),
    propagatingVgwSet: [],
    tagSet: tagSet(ec2.tagsOf(t.routeTableId)),
  };
}

function renderImage(img: Image): unknown {
  return {
    imageId: img.imageId,
    imageLocation: `amazon/${img.name}`,
    imageState: 'available',
    imageOwnerId: img.ownerId,
    creationDate: img.creationDate,
    isPublic: true,
    architecture: img.architecture,
    imageType: 'machine',
    name: img.name,
    description: img.description,
    imageOwnerAlias: img.ownerAlias,
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    blockDeviceMapping: [
      {
        deviceName: '/dev/xvda',
        ebs: { deleteOnTermination: true, volumeSize: 30, volumeType: 'gp3', encrypted: false },
      },
    ],
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    enaSupport: true,
    sriovNetSupport: 'simple',
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
    bootMode: img.architecture === 'arm64' ? 'uefi' : 'uefi-preferred',
  };
}

/** `Attribute.Value` params (`MapPublicIpOnLaunch.Value=true`) as a boolean, or undefined. */
function attributeValue(raw: unknown): boolean | undefined {
  if (raw === undefined) return undefined;
  const v = bool((raw as { Value?: unknown })?.Value);
  if (v === undefined) {
    throw new ServiceError('InvalidParameterValue', 'The attribute value must be true or false');
  }
  return v;
}

/** The VPC family's actions, merged into the EC2 service's table. */
export const vpcActions: Record<string, ActionHandler> = {
  CreateVpc(params, ctx) {
    const ec2 = ec2Of(ctx);
    const vpc = ec2.network.createVpc({
      cidrBlock: required(params, 'CidrBlock'),
      instanceTenancy: str(params.InstanceTenancy),
      tags: tagsFromSpecs(params.TagSpecification, 'vpc'),
    });
    return { vpc: renderVpc(ec2, vpc) };
  },

  DescribeVpcs(params, ctx) {
    const ec2 = ec2Of(ctx);
    const ids = list<string>(params.VpcId);
    requireAll(ids, (id) => ec2.network.requireVpc(id));
    let vpcs = [...ec2.vpcs.values()].filter((v) => ids.length === 0 || ids.includes(v.vpcId));
    vpcs = applyFilters(
      vpcs,
      readFilters(params.Filter),
      {
        'vpc-id': (v) => v.vpcId,
        'is-default': (v) => String(v.isDefault),
        'cidr-block': (v) => v.cidrBlock,
        cidr: (v) => v.cidrBlock,
        'cidr-block-association.cidr-block': (v) => v.cidrBlock,
        state: (v) => v.state,
        'owner-id': () => ec2.accountId,
        'instance-tenancy': (v) => v.instanceTenancy,
      },
      (v) => ec2.tagsOf(v.vpcId),
    );
    const { page, nextToken } = paginate(vpcs, params);
    return { vpcSet: page.map((v) => renderVpc(ec2, v)), nextToken };
  },

  DeleteVpc(params, ctx) {
    ec2Of(ctx).network.deleteVpc(required(params, 'VpcId'));
    return { return: true };
  },

  ModifyVpcAttribute(params, ctx) {
    const ec2 = ec2Of(ctx);
    const vpc = ec2.network.requireVpc(required(params, 'VpcId'));
    const change: { enableDnsSupport?: boolean; enableDnsHostnames?: boolean } = {};
    const support = attributeValue(params.EnableDnsSupport);
    const hostnames = attributeValue(params.EnableDnsHostnames);
    if (support !== undefined) change.enableDnsSupport = support;
    if (hostnames !== undefined) change.enableDnsHostnames = hostnames;
    if (Object.keys(change).length === 0) {
      throw new ServiceError('MissingParameter', 'The request must contain the parameter attribute');
    }
    ec2.network.modifyVpcAttribute(vpc, change);
    return { return: true };
  },

  DescribeVpcAttribute(params, ctx) {
    const ec2 = ec2Of(ctx);
    const vpc = ec2.network.requireVpc(required(params, 'VpcId'));
    const attribute = required(params, 'Attribute');
    if (attribute === 'enableDnsSupport')
      return { vpcId: vpc.vpcId, enableDnsSupport: { value: vpc.enableDnsSupport } };
    if (attribute === 'enableDnsHostnames') {
      return { vpcId: vpc.vpcId, enableDnsHostnames: { value: vpc.enableDnsHostnames } };
    }
    throw new ServiceError(
      'InvalidParameterValue',
      `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`,
    );
  },

  CreateSubnet(params, ctx) {
    const ec2 = ec2Of(ctx);
    const subnet = ec2.network.createSubnet({
      vpcId: required(params, 'VpcId'),
      cidrBlock: required(params, 'CidrBlock'),
      availabilityZone: str(params.AvailabilityZone),
      availabilityZoneId: str(params.AvailabilityZoneId),
      tags: tagsFromSpecs(params.TagSpecification, 'subnet'),
    });
    return { subnet: renderSubnet(ec2, subnet) };
  },

  DescribeSubnets(params, ctx) {
    const ec2 = ec2Of(ctx);
    const ids = list<string>(params.SubnetId);
    requireAll(ids, (id) => ec2.network.requireSubnet(id));
    let subnets = [...ec2.subnets.values()].filter((s) => ids.length === 0 || ids.includes(s.subnetId));
    subnets = applyFilters(
      subnets,
      readFilters(params.Filter),
      {
        'vpc-id': (s) => s.vpcId,
        'subnet-id': (s) => s.subnetId,
        'availability-zone': (s) => s.availabilityZone,
        'availability-zone-id': (s) => s.availabilityZoneId,
        'cidr-block': (s) => s.cidrBlock,
        'default-for-az': (s) => String(s.defaultForAz),
        'map-public-ip-on-launch': (s) => String(s.mapPublicIpOnLaunch),
        state: () => 'available',
        'owner-id': () => ec2.accountId,
      },
      (s) => ec2.tagsOf(s.subnetId),
    );
    const { page, nextToken } = paginate(subnets, params);
    return { subnetSet: page.map((s) => renderSubnet(ec2, s)), nextToken };
  },

  DeleteSubnet(params, ctx) {
    ec2Of(ctx).network.deleteSubnet(required(params, 'SubnetId'));
    return { return: true };
  },

  ModifySubnetAttribute(params, ctx) {
    const ec2 = ec2Of(ctx);
    const subnet = ec2.network.requireSubnet(required(params, 'SubnetId'));
    const mapPublic = attributeValue(params.MapPublicIpOnLaunch);
    if (mapPublic === undefined) {
      throw new ServiceError('MissingParameter', 'The request must contain the parameter attribute');
    }
    subnet.mapPublicIpOnLaunch = mapPublic;
    return { return: true };
  },

  CreateInternetGateway(params, ctx) {
    const ec2 = ec2Of(ctx);
    const igw = ec2.network.createInternetGateway(tagsFromSpecs(params.TagSpecification, 'internet-gateway'));
    return { internetGateway: renderGateway(ec2, igw) };
  },

  DescribeInternetGateways(params, ctx) {
    const ec2 = ec2Of(ctx);
    const ids = list<string>(params.InternetGatewayId);
    requireAll(ids, (id) => ec2.network.requireInternetGateway(id));
    const gateways = applyFilters(
      [...ec2.network.internetGateways.values()].filter(
        (g) => ids.length === 0 || ids.includes(g.internetGatewayId),
      ),
      readFilters(params.Filter),
      {
        'internet-gateway-id': (g) => g.internetGatewayId,
        'attachment.vpc-id': (g) => g.attachments.map((a) => a.vpcId),
        'attachment.state': (g) => g.attachments.map((a) => a.state),
        'owner-id': () => ec2.accountId,
      },
      (g) => ec2.tagsOf(g.internetGatewayId),
    );
    const { page, nextToken } = paginate(gateways, params);
    return { internetGatewaySet: page.map((g) => renderGateway(ec2, g)), nextToken };
  },

  AttachInternetGateway(params, ctx) {
    const ec2 = ec2Of(ctx);
    const igw = ec2.network.requireInternetGateway(required(params, 'InternetGatewayId'));
    ec2.network.attachInternetGateway(igw, required(params, 'VpcId'));
    return { return: true };
  },

  DetachInternetGateway(params, ctx) {
    const ec2 = ec2Of(ctx);
    const igw = ec2.network.requireInternetGateway(required(params, 'InternetGatewayId'));
    ec2.network.detachInternetGateway(igw, required(params, 'VpcId'));
    return { return: true };
  },

  DeleteInternetGateway(params, ctx) {
    const ec2 = ec2Of(ctx);
    ec2.network.deleteInternetGateway(
      ec2.network.requireInternetGateway(required(params, 'InternetGatewayId')),
    );
    return { return: true };
  },

  CreateRouteTable(params, ctx) {
    const ec2 = ec2Of(ctx);
    const t = ec2.network.createRouteTable(
      required(params, 'VpcId'),
      tagsFromSpecs(params.TagSpecification, 'route-table'),
    );
    return { routeTable: renderRouteTable(ec2, t) };
  },

  DescribeRouteTables(params, ctx) {
    const ec2 = ec2Of(ctx);
    const ids = list<string>(params.RouteTableId);
    requireAll(ids, (id) => ec2.network.requireRouteTable(id));
    const tables = applyFilters(
      [...ec2.network.routeTables.values()].filter((t) => ids.length === 0 || ids.includes(t.routeTableId)),
      readFilters(params.Filter),
      {
        'route-table-id': (t) => t.routeTableId,
        'vpc-id': (t) => t.vpcId,
        'owner-id': () => ec2.accountId,
        'association.main': (t) => String(t.associations.some((a) => a.main)),
        'association.subnet-id': (t) => t.associations.flatMap((a) => (a.subnetId ? [a.subnetId] : [])),
        'association.route-table-association-id': (t) => t.associations.map((a) => a.associationId),
        'route.gateway-id': (t) => t.routes.map((r) => r.gatewayId),
        'route.destination-cidr-block': (t) => t.routes.map((r) => r.destinationCidrBlock),
        'route.state': (t) => t.routes.map((r) => ec2.network.routeState(t, r)),
      },
      (t) => ec2.tagsOf(t.routeTableId),
    );
    const { page, nextToken } = paginate(tables, params, { min: 5, max: 100 });
    return { routeTableSet: page.map((t) => renderRouteTable(ec2, t)), nextToken };
  },

  DeleteRouteTable(params, ctx) {
    const ec2 = ec2Of(ctx);
    ec2.network.deleteRouteTable(ec2.network.requireRouteTable(required(params, 'RouteTableId')));
    return { return: true };
  },

  CreateRoute(params, ctx) {
    const ec2 = ec2Of(ctx);
    const t = ec2.network.requireRouteTable(required(params, 'RouteTableId'));
    const destination = required(params, 'DestinationCidrBlock');
    const gatewayId = str(params.GatewayId);
    if (gatewayId === undefined) {
      throw new ServiceError(
        'InvalidParameterCombination',
        'The local cloud routes to internet gateways only: the request must contain the parameter gatewayId',
      );
    }
    ec2.network.createRoute(t, destination, gatewayId);
    return { return: true };
  },

  DeleteRoute(params, ctx) {
    const ec2 = ec2Of(ctx);
    const t = ec2.network.requireRouteTable(required(params, 'RouteTableId'));
    ec2.network.deleteRoute(t, required(params, 'DestinationCidrBlock'));
    return { return: true };
  },

  AssociateRouteTable(params, ctx) {
    const ec2 = ec2Of(ctx);
    const t = ec2.network.requireRouteTable(required(params, 'RouteTableId'));
    const association = ec2.network.associateRouteTable(t, required(params, 'SubnetId'));
    return { associationId: association.associationId, associationState: { state: 'associated' } };
  },

  DisassociateRouteTable(params, ctx) {
    ec2Of(ctx).network.disassociateRouteTable(required(params, 'AssociationId'));
    return { return: true };
  },

  DescribeAvailabilityZones(params, ctx) {
    const ec2 = ec2Of(ctx);
    const zones = ec2.network.zones.map((z) => ({
      zoneName: z.zoneName,
      zoneId: z.zoneId,
      zoneState: 'available',
      regionName: ctx.region,
      optInStatus: 'opt-in-not-required',
      groupName: ctx.region,
      networkBorderGroup: ctx.region,
      zoneType: 'availability-zone',
      messages: [],
    }));
    const names = list<string>(params.ZoneName);
    for (const n of names) {
      if (!zones.some((z) => z.zoneName === n)) {
        throw new ServiceError('InvalidParameterValue', `The zone '${n}' does not exist.`);
      }
    }
    const filtered = applyFilters(
      zones.filter((z) => names.length === 0 || names.includes(z.zoneName)),
      readFilters(params.Filter),
      {
        'zone-name': (z) => z.zoneName,
        'zone-id': (z) => z.zoneId,
        state: (z) => z.zoneState,
        'region-name': (z) => z.regionName,
        'zone-type': (z) => z.zoneType,
      },
      () => ({}),
    );
    return { availabilityZoneInfo: filtered };
  },

  DescribeInstanceTypes(params, ctx) {
    const known = Object.keys(INSTANCE_TYPES).sort();
    const asked = list<string>(params.InstanceType);
    const unknown = asked.filter((t) => !known.includes(t));
    if (unknown.length > 0) {
      throw new ServiceError(
        'InvalidInstanceType',
        `The following supplied instance types do not exist: [${unknown.join(', ')}]`,
      );
    }
    const types = applyFilters(
      known.filter((t) => asked.length === 0 || asked.includes(t)),
      readFilters(params.Filter),
      {
        'instance-type': (t) => t,
        'processor-info.supported-architecture': (t) => instanceTypeArchitecture(t),
        'vcpu-info.default-vcpus': (t) => String(INSTANCE_TYPES[t]?.cpu),
        'memory-info.size-in-mib': (t) => String(INSTANCE_TYPES[t]?.memoryMiB),
        'current-generation': () => 'true',
      },
      () => ({}),
    );
    const { page, nextToken } = paginate(types, params, { min: 5, max: 100 });
    void ctx;
    return {
      instanceTypeSet: page.map((t) => ({
        instanceType: t,
        currentGeneration: true,
        supportedUsageClasses: ['on-demand', 'spot'],
        supportedRootDeviceTypes: ['ebs'],
        supportedVirtualizationTypes: ['hvm'],
        hypervisor: 'nitro',
        processorInfo: { supportedArchitectures: [instanceTypeArchitecture(t)] },
        vCpuInfo: { defaultVCpus: INSTANCE_TYPES[t]?.cpu },
        memoryInfo: { sizeInMiB: INSTANCE_TYPES[t]?.memoryMiB },
      })),
      nextToken,
    };
  },

  DescribeImages(params, ctx) {
    const ec2 = ec2Of(ctx);
    const ids = list<string>(params.ImageId);
    for (const id of ids) {
      if (!/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) {
        throw new ServiceError('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
      }
    }
    const missing = ids.filter((id) => !ec2.images.some((img) => img.imageId === id));
    if (missing.length > 0) {
      throw new ServiceError(
        'InvalidAMIID.NotFound',
        `The image id '[${missing.join(', ')}]' does not exist`,
      );
    }
    const owners = list<string>(params.Owner);
    let images = ec2.images.filter(
      (img) =>
        (ids.length === 0 || ids.includes(img.imageId)) &&
        (owners.length === 0 || owners.some((o) => o === img.ownerAlias || o === img.ownerId)),
    );
    images = applyFilters(
      images,
      readFilters(params.Filter),
      {
        'image-id': (i) => i.imageId,
        name: (i) => i.name,
        description: (i) => i.description,
        architecture: (i) => i.architecture,
        'owner-alias': (i) => i.ownerAlias,
        'owner-id': (i) => i.ownerId,
        state: () => 'available',
        'is-public': () => 'true',
        'image-type': () => 'machine',
        'root-device-type': () => 'ebs',
        'virtualization-type': () => 'hvm',
        'platform-details': () => 'Linux/UNIX',
      },
      () => ({}),
    );
    const { page, nextToken } = paginate(images, params);
    return { imagesSet: page.map(renderImage), nextToken };
  },
};
