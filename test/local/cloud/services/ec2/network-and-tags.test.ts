import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

let t: TestCloud;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = t.clients.ec2;
});
afterAll(() => t.stop());

describe('default VPC', () => {
  test('has one 10.0.0.0/16 VPC tagged berth-local', async () => {
    const vpcs = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    expect(vpcs).toHaveLength(1);
    expect(vpcs[0]).toMatchObject({ CidrBlock: '10.0.0.0/16', State: 'available', IsDefault: true });
    expect(vpcs[0]?.VpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(vpcs[0]?.Tags).toEqual([{ Key: 'Name', Value: 'berth-local' }]);
  });

  test('has two public and two private subnets in two zones of the region', async () => {
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
    const named = subnets.map((s) => [
      s.Tags?.find((x) => x.Key === 'Name')?.Value,
      s.AvailabilityZone,
      s.CidrBlock,
    ]);
    expect(named).toEqual([
      ['berth-local-public-a', 'us-east-1a', '10.0.0.0/24'],
      ['berth-local-public-b', 'us-east-1b', '10.0.1.0/24'],
      ['berth-local-private-a', 'us-east-1a', '10.0.2.0/24'],
      ['berth-local-private-b', 'us-east-1b', '10.0.3.0/24'],
    ]);
  });

  test('filters subnets by vpc-id, tag:Name wildcard and subnet-id', async () => {
    const vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId as string;
    const pub = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'tag:Name', Values: ['berth-local-public-*'] },
        ],
      }),
    );
    expect(pub.Subnets?.map((s) => s.MapPublicIpOnLaunch)).toEqual([true, true]);
    const id = pub.Subnets?.[0]?.SubnetId as string;
    const one = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [id] }] }),
    );
    expect(one.Subnets?.map((s) => s.SubnetId)).toEqual([id]);
    const none = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: ['vpc-00000000000000000'] }] }),
    );
    expect(none.Subnets).toEqual([]);
  });

  test('answers InvalidSubnetID.NotFound for an unknown subnet id', async () => {
    await expectAwsError(
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-00000000000000000'] })),
      'InvalidSubnetID.NotFound',
      "The subnet ID 'subnet-00000000000000000' does not exist",
    );
  });

  test('gives each region its own VPC and zones', async () => {
    const other = await startTestCloud({ region: 'eu-west-1' });
    try {
      const subnets = (await other.clients.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
      expect(new Set(subnets.map((s) => s.AvailabilityZone))).toEqual(new Set(['eu-west-1a', 'eu-west-1b']));
    } finally {
      await other.stop();
    }
  });

  test('lists the availability zones of the region', async () => {
    const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
    expect(zones.map((z) => [z.ZoneName, z.State, z.RegionName])).toEqual([
      ['us-east-1a', 'available', 'us-east-1'],
      ['us-east-1b', 'available', 'us-east-1'],
      ['us-east-1c', 'available', 'us-east-1'],
    ]);
  });
});

describe('tags', () => {
  test('creates, describes and deletes tags on a security group', async () => {
    const id = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'tagged', Description: 't' })))
      .GroupId as string;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [id],
        Tags: [
          { Key: 'env', Value: 'demo' },
          { Key: 'owner', Value: 'me' },
        ],
      }),
    );
    const described = await ec2.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }),
    );
    expect(described.Tags).toEqual([
      { ResourceId: id, ResourceType: 'security-group', Key: 'env', Value: 'demo' },
      { ResourceId: id, ResourceType: 'security-group', Key: 'owner', Value: 'me' },
    ]);
    await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'owner' }] }));
    const after = await ec2.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }),
    );
    expect(after.Tags?.map((x) => x.Key)).toEqual(['env']);
  });

  test('keeps a tag whose value does not match the DeleteTags value', async () => {
    const id = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'tagged-2', Description: 't' })))
      .GroupId as string;
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'env', Value: 'demo' }] }));
    await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'env', Value: 'prod' }] }));
    const after = await ec2.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }),
    );
    expect(after.Tags?.map((x) => x.Value)).toEqual(['demo']);
  });

  test('filters tags by resource-type and key', async () => {
    const out = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'resource-type', Values: ['subnet'] },
          { Name: 'key', Values: ['Name'] },
        ],
      }),
    );
    expect(out.Tags).toHaveLength(4);
  });

  test('rejects tagging an unknown security group', async () => {
    await expectAwsError(
      ec2.send(
        new CreateTagsCommand({ Resources: ['sg-00000000000000000'], Tags: [{ Key: 'a', Value: 'b' }] }),
      ),
      'InvalidGroup.NotFound',
      "The security group 'sg-00000000000000000' does not exist",
    );
  });

  test('rejects an id of no known resource type', async () => {
    await expectAwsError(
      ec2.send(new CreateTagsCommand({ Resources: ['thing-1'], Tags: [{ Key: 'a', Value: 'b' }] })),
      'InvalidID',
      "The ID 'thing-1' is not valid",
    );
  });

  test('reserves the aws: prefix', async () => {
    const vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId as string;
    await expectAwsError(
      ec2.send(new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'aws:x', Value: 'b' }] })),
      'InvalidParameterValue',
      "Tag keys starting with 'aws:' are reserved for internal use",
    );
  });

  test('limits a resource to 50 tags', async () => {
    const id = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'many-tags', Description: 't' })))
      .GroupId as string;
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expectAwsError(
      ec2.send(new CreateTagsCommand({ Resources: [id], Tags: tags })),
      'TagLimitExceeded',
      'The maximum number of Tags for a resource has been reached.',
    );
  });
});

describe('state checks of the EC2 backend', () => {
  test('DescribeNetworkInterfaces names an unknown interface id', async () => {
    await expectAwsError(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0000000000000000a'] })),
      'InvalidNetworkInterfaceID.NotFound',
      "The networkInterface ID 'eni-0000000000000000a' does not exist",
    );
  });

  test('RevokeSecurityGroupIngress names an unknown rule id', async () => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'revoke-unknown-rule', Description: 'test' }),
    );
    // EC2 is eventually consistent: a new group's id is usable once it has propagated.
    await t.settle('securityGroupPropagation');
    await expectAwsError(
      ec2.send(
        new RevokeSecurityGroupIngressCommand({ GroupId, SecurityGroupRuleIds: ['sgr-0000000000000000a'] }),
      ),
      'InvalidSecurityGroupRuleId.NotFound',
      "The security group rule ID 'sgr-0000000000000000a' does not exist",
    );
  });
});
