import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type IpPermission,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

let t: TestCloud;
let ec2: EC2Client;
let vpcId: string;
let n = 0;
const uniqueName = (base: string) => `${base}-${++n}`;

async function createGroup(name = uniqueName('group')): Promise<string> {
  const out = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: name, Description: `group ${name}`, VpcId: vpcId }),
  );
  // EC2 is eventually consistent: a new group's id is usable once it has propagated.
  await t.settle('securityGroupPropagation');
  return out.GroupId as string;
}

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = t.clients.ec2;
  vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId as string;
});
afterAll(() => t.stop());

describe('CreateSecurityGroup', () => {
  test('creates a group with an sg- id, tags from TagSpecifications and the default egress rule', async () => {
    const out = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'berth-demo-alb',
        Description: 'ALB',
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'berth:env', Value: 'demo' }] }],
      }),
    );
    expect(out.GroupId).toMatch(/^sg-[0-9a-f]{17}$/);
    await t.settle('securityGroupPropagation');
    const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [out.GroupId as string] })))
      .SecurityGroups?.[0];
    expect(g).toMatchObject({
      GroupName: 'berth-demo-alb',
      Description: 'ALB',
      VpcId: vpcId,
      OwnerId: '000000000000',
    });
    expect(g?.Tags).toEqual([{ Key: 'berth:env', Value: 'demo' }]);
    expect(g?.IpPermissionsEgress).toEqual([
      expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
    ]);
  });

  test('rejects a duplicate name in the same VPC with InvalidGroup.Duplicate', async () => {
    const name = uniqueName('dup');
    await createGroup(name);
    await expectAwsError(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: 'again', VpcId: vpcId })),
      'InvalidGroup.Duplicate',
      `The security group '${name}' already exists for VPC '${vpcId}'`,
    );
  });

  test('requires GroupName and Description', async () => {
    await expectAwsError(
      ec2.send(new CreateSecurityGroupCommand({ Description: 'x', VpcId: vpcId } as never)),
      'MissingParameter',
      'The request must contain the parameter GroupName',
    );
    await expectAwsError(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: uniqueName('nodesc'), VpcId: vpcId } as never)),
      'MissingParameter',
      'The request must contain the parameter GroupDescription',
    );
  });

  test('rejects an unknown VPC with InvalidVpcID.NotFound', async () => {
    await expectAwsError(
      ec2.send(
        new CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x', VpcId: 'vpc-00000000000000000' }),
      ),
      'InvalidVpcID.NotFound',
      "The vpc ID 'vpc-00000000000000000' does not exist",
    );
  });

  test('rejects names in the sg-* format', async () => {
    await expectAwsError(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: 'sg-mine', Description: 'x', VpcId: vpcId })),
      'InvalidParameterValue',
      'Group names may not be in the format sg-*.',
    );
  });
});

describe('DescribeSecurityGroups', () => {
  test('finds groups by the group-name, vpc-id, tag:* and tag-key filters', async () => {
    const name = uniqueName('filtered');
    const id = (
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: 'f',
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: 'blue' }] }],
        }),
      )
    ).GroupId;
    const byName = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'group-name', Values: [name] },
        ],
      }),
    );
    expect(byName.SecurityGroups?.map((g) => g.GroupId)).toEqual([id]);
    const byTag = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:team', Values: ['blue'] }] }),
    );
    expect(byTag.SecurityGroups?.map((g) => g.GroupId)).toEqual([id]);
    const byKey = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag-key', Values: ['team'] }] }),
    );
    expect(byKey.SecurityGroups?.map((g) => g.GroupId)).toEqual([id]);
  });

  test('finds a group by name in the default VPC', async () => {
    const name = uniqueName('byname');
    const id = await createGroup(name);
    const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: [name] }));
    expect(out.SecurityGroups?.map((g) => g.GroupId)).toEqual([id]);
  });

  test('answers InvalidGroup.NotFound for an unknown id', async () => {
    await expectAwsError(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef0'] })),
      'InvalidGroup.NotFound',
      "The security group 'sg-0123456789abcdef0' does not exist",
    );
  });

  test('answers InvalidGroup.NotFound for an unknown name', async () => {
    await expectAwsError(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ['nope'] })),
      'InvalidGroup.NotFound',
      `The security group 'nope' does not exist in default VPC '${vpcId}'`,
    );
  });

  test('rejects an unknown filter name', async () => {
    await expectAwsError(
      ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })),
      'InvalidParameterValue',
      "The filter 'colour' is invalid",
    );
  });

  test('pages with MaxResults and NextToken', async () => {
    for (let i = 0; i < 6; i++) {
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: uniqueName('page'),
          Description: 'p',
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'paged', Value: 'yes' }] }],
        }),
      );
    }
    const filter = [{ Name: 'tag:paged', Values: ['yes'] }];
    const first = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: filter, MaxResults: 5 }));
    expect(first.SecurityGroups).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const second = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: filter, MaxResults: 5, NextToken: first.NextToken }),
    );
    expect(second.SecurityGroups).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
  });

  test('rejects MaxResults below 5', async () => {
    await expectAwsError(
      ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 3 })),
      'InvalidParameterValue',
      'Value ( 3 ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.',
    );
  });
});

describe('ingress and egress rules', () => {
  test('authorizes CIDR and group rules and describes them grouped by port range', async () => {
    const alb = await createGroup();
    const hosts = await createGroup();
    const out = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: hosts,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 32768,
            ToPort: 65535,
            UserIdGroupPairs: [{ GroupId: alb, Description: 'from ALB' }],
          },
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
        ],
      }),
    );
    expect(out.Return).toBe(true);
    expect(out.SecurityGroupRules?.[0]?.SecurityGroupRuleId).toMatch(/^sgr-/);
    const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [hosts] }))).SecurityGroups?.[0];
    expect(g?.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 32768,
        ToPort: 65535,
        UserIdGroupPairs: [{ GroupId: alb, UserId: '000000000000', Description: 'from ALB' }],
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
      },
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        UserIdGroupPairs: [],
        IpRanges: [{ CidrIp: '10.0.0.0/8' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
      },
    ]);
  });

  test('rejects a rule that exists with InvalidPermission.Duplicate', async () => {
    const id = await createGroup();
    const perm = { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [perm] }));
    await expectAwsError(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [perm] })),
      'InvalidPermission.Duplicate',
      'the specified rule "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW" already exists',
    );
  });

  test.each<{
    what: string;
    direction: 'ingress' | 'egress';
    permission: IpPermission;
    code: string;
    message: string;
  }>([
    {
      what: 'a duplicate egress rule',
      direction: 'egress',
      permission: { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      code: 'InvalidPermission.Duplicate',
      message: 'the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists',
    },
    {
      what: 'a malformed CIDR',
      direction: 'ingress',
      permission: { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0/8' }] },
      code: 'InvalidParameterValue',
      message: 'CIDR block 10.0.0/8 is malformed',
    },
    {
      what: 'a rule that references an unknown group',
      direction: 'ingress',
      permission: {
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        UserIdGroupPairs: [{ GroupId: 'sg-00000000000000000' }],
      },
      code: 'InvalidGroup.NotFound',
      message: "The security group 'sg-00000000000000000' does not exist",
    },
  ])('rejects $what', async ({ direction, permission, code, message }) => {
    const id = await createGroup();
    const input = { GroupId: id, IpPermissions: [permission] };
    const sent =
      direction === 'egress'
        ? ec2.send(new AuthorizeSecurityGroupEgressCommand(input))
        : ec2.send(new AuthorizeSecurityGroupIngressCommand(input));
    await expectAwsError(sent, code, message);
  });

  test('revokes a rule, and answers InvalidPermission.NotFound for one that does not exist', async () => {
    const id = await createGroup();
    const perm = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [perm] }));
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [perm] }));
    const g = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups?.[0];
    expect(g?.IpPermissions).toEqual([]);
    await expectAwsError(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: id, IpPermissions: [perm] })),
      'InvalidPermission.NotFound',
      'The specified rule does not exist in this security group.',
    );
  });
});

describe('DeleteSecurityGroup', () => {
  test('deletes a group, after which it is not found', async () => {
    const id = await createGroup();
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }));
    await expectAwsError(
      ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })),
      'InvalidGroup.NotFound',
      `The security group '${id}' does not exist`,
    );
  });

  test("answers DependencyViolation while another group's rule references it", async () => {
    const alb = await createGroup();
    const hosts = await createGroup();
    const perm = { IpProtocol: 'tcp', FromPort: 32768, ToPort: 65535, UserIdGroupPairs: [{ GroupId: alb }] };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: hosts, IpPermissions: [perm] }));
    await expectAwsError(
      ec2.send(new DeleteSecurityGroupCommand({ GroupId: alb })),
      'DependencyViolation',
      `resource ${alb} has a dependent object`,
    );
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: hosts, IpPermissions: [perm] }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: alb }));
  });

  test('refuses to delete the default group', async () => {
    const def = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ['default'] })))
      .SecurityGroups?.[0];
    await expectAwsError(
      ec2.send(new DeleteSecurityGroupCommand({ GroupId: def?.GroupId as string })),
      'CannotDelete',
      `the specified group: "${def?.GroupId}" name: "default" cannot be deleted by a user`,
    );
  });

  test('rejects a malformed group id', async () => {
    await expectAwsError(
      ec2.send(new DeleteSecurityGroupCommand({ GroupId: 'banana' })),
      'InvalidGroupId.Malformed',
      'Invalid id: "banana" (expecting "sg-...")',
    );
  });
});
