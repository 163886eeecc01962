import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  type _InstanceType,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  type EC2Client,
  ModifySubnetAttributeCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError, waitFor } from '../../helpers/errors.ts';

let t: TestCloud;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = t.clients.ec2;
});
afterAll(() => t.stop());

const AL2023 = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
const AL2023_ARM = '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id';

async function ami(name: string): Promise<string> {
  return (await t.clients.ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value as string;
}

async function vpc(cidr = '10.20.0.0/16'): Promise<string> {
  return (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
}

async function subnet(vpcId: string, cidr: string, zone = 'us-east-1a'): Promise<string> {
  const out = await ec2.send(
    new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone }),
  );
  return out.Subnet?.SubnetId as string;
}

async function attachedGateway(vpcId: string): Promise<string> {
  const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway
    ?.InternetGatewayId as string;
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
  return igw;
}

/** A launch template (the given AMI and type) and a group of `desired` instances in `subnets`. */
async function group(name: string, subnets: string[], imageId: string, type: string, desired: number) {
  const lt = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: { ImageId: imageId, InstanceType: type as _InstanceType },
    }),
  );
  await t.clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: name, Version: '$Latest' },
      MinSize: 0,
      MaxSize: 4,
      DesiredCapacity: desired,
      VPCZoneIdentifier: subnets.join(','),
    }),
  );
  return lt.LaunchTemplate?.LaunchTemplateId as string;
}

describe('the default VPC', () => {
  test('routes its public subnets to its internet gateway and keeps the private ones on the main table', async () => {
    const vpcs = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
    );
    const vpcId = vpcs.Vpcs?.[0]?.VpcId as string;
    const igws = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }),
    );
    const igw = igws.InternetGateways?.[0]?.InternetGatewayId;
    expect(igw).toMatch(/^igw-[0-9a-f]{17}$/);
    const subnets =
      (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
        .Subnets ?? [];
    const byName = (n: string) =>
      subnets.find((x) => x.Tags?.some((tag) => tag.Value === n))?.SubnetId as string;
    const tableOf = async (subnetId: string) =>
      (
        await ec2.send(
          new DescribeRouteTablesCommand({
            Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }],
          }),
        )
      ).RouteTables ?? [];
    const [publicTable] = await tableOf(byName('berth-local-public-a'));
    expect(publicTable?.Routes).toContainEqual(
      expect.objectContaining({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw, State: 'active' }),
    );
    expect(await tableOf(byName('berth-local-private-a'))).toEqual([]);
    const state = await t.control('/_berth/state');
    const tables = state.ec2['000000000000/us-east-1'].routeTables as Array<{ vpcId: string }>;
    expect(tables.filter((x) => x.vpcId === vpcId)).toHaveLength(2);
  });
});

describe('CreateVpc', () => {
  test('creates the VPC with its main route table (local route) and its default security group', async () => {
    const vpcId = await vpc('10.1.0.0/16');
    const described = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs ?? [];
    expect(described).toEqual([
      expect.objectContaining({
        VpcId: vpcId,
        CidrBlock: '10.1.0.0/16',
        State: 'available',
        IsDefault: false,
      }),
    ]);
    const tables =
      (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
        .RouteTables ?? [];
    expect(tables).toHaveLength(1);
    expect(tables[0]?.Associations).toEqual([expect.objectContaining({ Main: true })]);
    expect(tables[0]?.Routes).toEqual([
      expect.objectContaining({ DestinationCidrBlock: '10.1.0.0/16', GatewayId: 'local', State: 'active' }),
    ]);
    const groups =
      (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
        .SecurityGroups ?? [];
    expect(groups.map((g) => g.GroupName)).toEqual(['default']);
  });

  test('refuses a block larger than /16 or smaller than /28', async () => {
    await expectAwsError(
      ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8' })),
      'InvalidVpc.Range',
      "The CIDR '10.0.0.0/8' is invalid.",
    );
    await expectAwsError(
      ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/29' })),
      'InvalidVpc.Range',
      "The CIDR '10.0.0.0/29' is invalid.",
    );
  });

  test('refuses a malformed block, naming the value', async () => {
    await expectAwsError(
      ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.300/16' })),
      'InvalidParameterValue',
      'Value (10.0.0.300/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.',
    );
  });
});

describe('CreateSubnet', () => {
  test('creates a subnet inside the VPC with AWS-reserved addresses taken off', async () => {
    const vpcId = await vpc('10.2.0.0/16');
    const out = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: '10.2.1.0/24',
        AvailabilityZone: 'us-east-1b',
        TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: 'web-b' }] }],
      }),
    );
    expect(out.Subnet).toMatchObject({
      VpcId: vpcId,
      CidrBlock: '10.2.1.0/24',
      AvailabilityZone: 'us-east-1b',
      AvailabilityZoneId: 'use1-az2',
      AvailableIpAddressCount: 251,
      MapPublicIpOnLaunch: false,
      DefaultForAz: false,
      Tags: [{ Key: 'Name', Value: 'web-b' }],
    });
  });

  test('refuses a block outside the VPC with InvalidSubnet.Range', async () => {
    const vpcId = await vpc('10.3.0.0/16');
    await expectAwsError(
      ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.4.0.0/24' })),
      'InvalidSubnet.Range',
      "The CIDR '10.4.0.0/24' is invalid.",
    );
  });

  test('refuses an overlapping block with InvalidSubnet.Conflict', async () => {
    const vpcId = await vpc('10.5.0.0/16');
    await subnet(vpcId, '10.5.0.0/20');
    await expectAwsError(
      ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.5.1.0/24' })),
      'InvalidSubnet.Conflict',
      "The CIDR '10.5.1.0/24' conflicts with another subnet",
    );
  });

  test('refuses a zone outside the region, listing the valid ones', async () => {
    const vpcId = await vpc('10.6.0.0/16');
    await expectAwsError(
      ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.6.0.0/24', AvailabilityZone: 'us-east-1z' }),
      ),
      'InvalidParameterValue',
      'Value (us-east-1z) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, us-east-1b, us-east-1c.',
    );
  });

  test('refuses an unknown VPC', async () => {
    await expectAwsError(
      ec2.send(new CreateSubnetCommand({ VpcId: 'vpc-0123456789abcdef0', CidrBlock: '10.0.0.0/24' })),
      'InvalidVpcID.NotFound',
      "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    );
  });

  test('ModifySubnetAttribute turns on public addresses at launch', async () => {
    const vpcId = await vpc('10.7.0.0/16');
    const subnetId = await subnet(vpcId, '10.7.0.0/24');
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }),
    );
    const out = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
    expect(out.Subnets?.[0]?.MapPublicIpOnLaunch).toBe(true);
  });
});

describe('DeleteVpc', () => {
  test('answers DependencyViolation while a subnet, a gateway, a security group or a route table remain', async () => {
    const vpcId = await vpc('10.8.0.0/16');
    const subnetId = await subnet(vpcId, '10.8.0.0/24');
    const igw = await attachedGateway(vpcId);
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web', VpcId: vpcId }),
    );
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
      ?.RouteTableId as string;
    const message = `The vpc '${vpcId}' has dependencies and cannot be deleted.`;

    await expectAwsError(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', message);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId }));
    await expectAwsError(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', message);
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw }));
    await expectAwsError(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', message);
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg.GroupId }));
    await expectAwsError(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })), 'DependencyViolation', message);
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb }));

    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    await expectAwsError(
      ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })),
      'InvalidVpcID.NotFound',
      `The vpc ID '${vpcId}' does not exist`,
    );
    const left = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    expect(left.RouteTables).toEqual([]);
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    expect(groups.SecurityGroups).toEqual([]);
  });
});

describe('internet gateways', () => {
  test('attach once, to one VPC; a VPC takes one gateway', async () => {
    const vpcId = await vpc('10.9.0.0/16');
    const other = await vpc('10.10.0.0/16');
    const igw = await attachedGateway(vpcId);
    await expectAwsError(
      ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: other })),
      'Resource.AlreadyAssociated',
      `resource ${igw} is already attached to network ${vpcId}`,
    );
    const second = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway
      ?.InternetGatewayId as string;
    await expectAwsError(
      ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: second, VpcId: vpcId })),
      'InvalidParameterValue',
      `Network ${vpcId} already has an internet gateway attached`,
    );
    const described = await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [igw] }));
    expect(described.InternetGateways?.[0]?.Attachments).toEqual([{ VpcId: vpcId, State: 'available' }]);
  });

  test('detaching from another VPC is Gateway.NotAttached; deleting an attached one is DependencyViolation', async () => {
    const vpcId = await vpc('10.11.0.0/16');
    const other = await vpc('10.12.0.0/16');
    const igw = await attachedGateway(vpcId);
    await expectAwsError(
      ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: other })),
      'Gateway.NotAttached',
      `resource ${igw} is not attached to network ${other}`,
    );
    await expectAwsError(
      ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw })),
      'DependencyViolation',
      `The internetGateway '${igw}' has dependencies and cannot be deleted.`,
    );
  });

  test('an unknown gateway is InvalidInternetGatewayID.NotFound', async () => {
    await expectAwsError(
      ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: 'igw-0123456789abcdef0' })),
      'InvalidInternetGatewayID.NotFound',
      "The internetGateway ID 'igw-0123456789abcdef0' does not exist",
    );
  });
});

describe('route tables', () => {
  test('routes to the VPC gateway, once per destination; a detached gateway leaves a blackhole', async () => {
    const vpcId = await vpc('10.13.0.0/16');
    const igw = await attachedGateway(vpcId);
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
      ?.RouteTableId as string;
    await ec2.send(
      new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
    );
    await expectAwsError(
      ec2.send(
        new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
      ),
      'RouteAlreadyExists',
      'The route identified by 0.0.0.0/0 already exists.',
    );
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const out = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtb] }));
    expect(out.RouteTables?.[0]?.Routes).toEqual([
      expect.objectContaining({ DestinationCidrBlock: '10.13.0.0/16', GatewayId: 'local', State: 'active' }),
      expect.objectContaining({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw, State: 'blackhole' }),
    ]);
    await ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0' }));
    await expectAwsError(
      ec2.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0' })),
      'InvalidRoute.NotFound',
      `no route with destination-cidr-block 0.0.0.0/0 in route table ${rtb}`,
    );
  });

  test('refuses a route to a gateway of another VPC', async () => {
    const vpcId = await vpc('10.14.0.0/16');
    const igw = await attachedGateway(await vpc('10.15.0.0/16'));
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
      ?.RouteTableId as string;
    await expectAwsError(
      ec2.send(
        new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
      ),
      'InvalidParameterValue',
      `route table ${rtb} and network gateway ${igw} belong to different networks`,
    );
  });

  test('associates a subnet once; an associated table cannot be deleted', async () => {
    const vpcId = await vpc('10.16.0.0/16');
    const subnetId = await subnet(vpcId, '10.16.0.0/24');
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
      ?.RouteTableId as string;
    const other = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
      ?.RouteTableId as string;
    const assoc = await ec2.send(new AssociateRouteTableCommand({ RouteTableId: rtb, SubnetId: subnetId }));
    expect(assoc.AssociationId).toMatch(/^rtbassoc-[0-9a-f]{17}$/);
    await expectAwsError(
      ec2.send(new AssociateRouteTableCommand({ RouteTableId: other, SubnetId: subnetId })),
      'Resource.AlreadyAssociated',
      `the specified association for route table ${other} conflicts with an existing association`,
    );
    await expectAwsError(
      ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb })),
      'DependencyViolation',
      `The routeTable '${rtb}' has dependencies and cannot be deleted.`,
    );
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: assoc.AssociationId }));
    await expectAwsError(
      ec2.send(new DisassociateRouteTableCommand({ AssociationId: assoc.AssociationId })),
      'InvalidAssociationID.NotFound',
      `The association ID '${assoc.AssociationId}' does not exist`,
    );
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb }));
  });

  test('gateways and route tables take tags and are listed by DescribeTags', async () => {
    const vpcId = await vpc('10.17.0.0/16');
    const igw = await attachedGateway(vpcId);
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable
      ?.RouteTableId as string;
    await ec2.send(new CreateTagsCommand({ Resources: [igw, rtb], Tags: [{ Key: 'env', Value: 'blog' }] }));
    const tags = await ec2.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [igw, rtb] }] }),
    );
    expect(tags.Tags?.map((x) => [x.ResourceType, x.Key, x.Value]).sort()).toEqual([
      ['internet-gateway', 'env', 'blog'],
      ['route-table', 'env', 'blog'],
    ]);
  });
});

describe('instances in a VPC', () => {
  test('hold their subnet and, with public addresses, the gateway, until they are gone', async () => {
    const vpcId = await vpc('10.18.0.0/16');
    const subnetId = await subnet(vpcId, '10.18.0.0/24');
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }),
    );
    const igw = await attachedGateway(vpcId);
    await group('vpc-hosts', [subnetId], await ami(AL2023), 't3.small', 1);
    const instance = await waitFor(async () => {
      const out = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetId] }] }),
      );
      return out.Reservations?.[0]?.Instances?.[0];
    });
    expect(instance.PublicIpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    await expectAwsError(
      ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId })),
      'DependencyViolation',
      `The subnet '${subnetId}' has dependencies and cannot be deleted.`,
    );
    await expectAwsError(
      ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId })),
      'DependencyViolation',
      `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
    );

    await t.clients.autoScaling.send(
      new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'vpc-hosts', ForceDelete: true }),
    );
    await waitFor(async () => {
      const out = await t.clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['vpc-hosts'] }),
      );
      return out.AutoScalingGroups?.length === 0;
    });
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId }));
  });
});

describe('load balancers in a VPC', () => {
  test('hold their subnets until the load balancer is gone', async () => {
    const vpcId = await vpc('10.19.0.0/16');
    await attachedGateway(vpcId);
    const subnets = [
      await subnet(vpcId, '10.19.0.0/24', 'us-east-1a'),
      await subnet(vpcId, '10.19.1.0/24', 'us-east-1b'),
    ];
    const lb = await t.clients.elbv2.send(
      new CreateLoadBalancerCommand({ Name: 'vpc-alb', Subnets: subnets }),
    );
    await expectAwsError(
      ec2.send(new DeleteSubnetCommand({ SubnetId: subnets[0] })),
      'DependencyViolation',
      `The subnet '${subnets[0]}' has dependencies and cannot be deleted.`,
    );
    await t.clients.elbv2.send(
      new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn }),
    );
    await waitFor(async () => {
      try {
        await ec2.send(new DeleteSubnetCommand({ SubnetId: subnets[0] }));
        return true;
      } catch {
        return false;
      }
    });
  });
});

describe('ECS-optimized images and architectures', () => {
  test('DescribeImages lists the AMIs behind both SSM parameters with their architectures', async () => {
    const [x86, arm] = [await ami(AL2023), await ami(AL2023_ARM)];
    const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [x86, arm] }));
    expect(out.Images?.map((i) => [i.ImageId, i.Architecture, i.ImageOwnerAlias, i.State])).toEqual([
      [x86, 'x86_64', 'amazon', 'available'],
      [arm, 'arm64', 'amazon', 'available'],
    ]);
    const filtered = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [
          { Name: 'name', Values: ['al2023-ami-ecs-*'] },
          { Name: 'architecture', Values: ['arm64'] },
        ],
      }),
    );
    expect(filtered.Images?.map((i) => i.ImageId)).toEqual([arm]);
  });

  test('DescribeInstanceTypes tells the architecture of each type, as the mismatch message suggests', async () => {
    const out = await ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: ['t3.small', 't4g.small'] }),
    );
    expect(out.InstanceTypes?.map((i) => [i.InstanceType, i.ProcessorInfo?.SupportedArchitectures])).toEqual([
      ['t3.small', ['x86_64']],
      ['t4g.small', ['arm64']],
    ]);
    const arm = await ec2.send(
      new DescribeInstanceTypesCommand({
        Filters: [{ Name: 'processor-info.supported-architecture', Values: ['arm64'] }],
      }),
    );
    expect(arm.InstanceTypes?.map((i) => i.InstanceType)).toEqual(
      expect.arrayContaining(['t4g.small', 'm6g.large', 'm7g.large', 'c6g.large', 'c7g.large']),
    );
    expect(arm.InstanceTypes?.every((i) => i.ProcessorInfo?.SupportedArchitectures?.[0] === 'arm64')).toBe(
      true,
    );
    await expectAwsError(
      ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['t9.huge' as _InstanceType] })),
      'InvalidInstanceType',
      'The following supplied instance types do not exist: [t9.huge]',
    );
  });

  test('an unknown image is InvalidAMIID.NotFound', async () => {
    await expectAwsError(
      ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })),
      'InvalidAMIID.NotFound',
      "The image id '[ami-0123456789abcdef0]' does not exist",
    );
  });

  test('CreateAutoScalingGroup refuses a template whose AMI does not match the instance type', async () => {
    const subnets =
      (
        await ec2.send(
          new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:Name', Values: ['berth-local-public-*'] }] }),
        )
      ).Subnets?.map((s) => s.SubnetId as string) ?? [];
    await expectAwsError(
      group('graviton-x86-ami', subnets, await ami(AL2023), 't4g.small', 1),
      'ValidationError',
      "You must use a valid fully-formed launch template. The architecture 'arm64' of the specified instance type does not match the architecture 'x86_64' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.",
    );
  });

  test('a Graviton type with the arm64 AMI launches', async () => {
    const subnets =
      (
        await ec2.send(
          new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:Name', Values: ['berth-local-private-*'] }] }),
        )
      ).Subnets?.map((s) => s.SubnetId as string) ?? [];
    await group('graviton-arm-ami', subnets, await ami(AL2023_ARM), 'm7g.large', 1);
    const instance = await waitFor(async () => {
      const out = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: ['graviton-arm-ami'] }],
        }),
      );
      return out.Reservations?.[0]?.Instances?.[0];
    });
    expect(instance).toMatchObject({ InstanceType: 'm7g.large', Architecture: 'arm64' });
  });

  test('a mismatched template version fails the launch as a scaling activity with EC2s message', async () => {
    const subnets =
      (
        await ec2.send(
          new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:Name', Values: ['berth-local-private-*'] }] }),
        )
      ).Subnets?.map((s) => s.SubnetId as string) ?? [];
    const armAmi = await ami(AL2023_ARM);
    const ltId = await group('arch-switch', subnets, armAmi, 't4g.small', 0);
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: ltId,
        LaunchTemplateData: { ImageId: armAmi, InstanceType: 'c5.large' },
      }),
    );
    await t.clients.autoScaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'arch-switch', DesiredCapacity: 1 }),
    );
    const failed = await waitFor(async () => {
      const out = await t.clients.autoScaling.send(
        new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'arch-switch' }),
      );
      return out.Activities?.find((a) => a.StatusCode === 'Failed');
    });
    expect(failed.StatusMessage).toBe(
      "The architecture 'x86_64' of the specified instance type does not match the architecture 'arm64' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI. Launching EC2 instance failed.",
    );
    // Auto Scaling lists a just-created group only after its propagation window (modeled): ask until it does.
    const listed = await waitFor(async () => {
      const out = await t.clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['arch-switch'] }),
      );
      return out.AutoScalingGroups?.[0];
    });
    expect(listed.Instances).toEqual([]);
  });
});
