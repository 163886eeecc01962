import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteLaunchTemplateCommand,
  DeleteSecurityGroupCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ec2Client } from '../../../functions/adapters/aws/clients.ts';
import { AwsEc2Adapter } from '../../../functions/adapters/ec2.ts';

const ec2 = mockClient(EC2Client);
const adapter = new AwsEc2Adapter(ec2Client({ region: 'us-east-1', maxAttempts: 1 }));
const TAGS = { 'berth:env': 'demo', 'berth:managed-by': 'berth', 'berth:owner': 'ana' };
const awsError = (name: string, message = name) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });

beforeEach(() => ec2.reset());

describe('AwsEc2Adapter.observeSecurityGroups', () => {
  it('reads each group with its tags and TCP ingress, one entry per source', async () => {
    ec2
      .on(DescribeSecurityGroupsCommand)
      .callsFake((input: { Filters: { Name: string; Values: string[] }[] }) => {
        const name = input.Filters.find((f) => f.Name === 'group-name')?.Values[0];
        if (name !== 'berth-demo-instances') return { SecurityGroups: [] };
        return {
          SecurityGroups: [
            {
              GroupId: 'sg-inst',
              GroupName: name,
              Tags: [{ Key: 'berth:env', Value: 'demo' }],
              IpPermissions: [
                {
                  IpProtocol: 'tcp',
                  FromPort: 32768,
                  ToPort: 65535,
                  UserIdGroupPairs: [{ GroupId: 'sg-alb' }],
                },
                { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
                { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
              ],
            },
          ],
        };
      });

    const groups = await adapter.observeSecurityGroups('vpc-1', {
      alb: 'berth-demo-alb',
      instances: 'berth-demo-instances',
    });

    expect(groups).toEqual({
      instances: {
        id: 'sg-inst',
        name: 'berth-demo-instances',
        tags: { 'berth:env': 'demo' },
        ingress: [
          { from: 32768, to: 65535, groupId: 'sg-alb' },
          { from: 22, to: 22, cidr: '10.0.0.0/8' },
        ],
      },
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, {
      Filters: [
        { Name: 'vpc-id', Values: ['vpc-1'] },
        { Name: 'group-name', Values: ['berth-demo-alb'] },
      ],
    });
  });
});

describe('AwsEc2Adapter.createSecurityGroup', () => {
  const input = { env: 'demo', vpcId: 'vpc-1', name: 'berth-demo-alb', description: 'd', tags: TAGS };

  it('creates the tagged group and returns its id without describing it first', async () => {
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-new' });
    expect(await adapter.createSecurityGroup(input)).toBe('sg-new');
    expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, {
      GroupName: 'berth-demo-alb',
      VpcId: 'vpc-1',
      TagSpecifications: [
        {
          ResourceType: 'security-group',
          Tags: [
            { Key: 'berth:env', Value: 'demo' },
            { Key: 'berth:managed-by', Value: 'berth' },
            { Key: 'berth:owner', Value: 'ana' },
            { Key: 'Name', Value: 'berth-demo-alb' },
          ],
        },
      ],
    });
    expect(ec2).not.toHaveReceivedCommand(DescribeSecurityGroupsCommand);
  });

  it('returns the group another branch created meanwhile when it is the environment’s', async () => {
    ec2.on(CreateSecurityGroupCommand).rejects(awsError('InvalidGroup.Duplicate'));
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        {
          GroupId: 'sg-raced',
          GroupName: 'berth-demo-alb',
          Tags: [
            { Key: 'berth:env', Value: 'demo' },
            { Key: 'berth:managed-by', Value: 'berth' },
          ],
        },
      ],
    });
    expect(await adapter.createSecurityGroup(input)).toBe('sg-raced');
  });

  it('refuses a duplicate that is not the environment’s', async () => {
    ec2.on(CreateSecurityGroupCommand).rejects(awsError('InvalidGroup.Duplicate'));
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: 'sg-x', GroupName: 'berth-demo-alb', Tags: [{ Key: 'team', Value: 'x' }] }],
    });
    await expect(adapter.createSecurityGroup(input)).rejects.toMatchObject({
      name: 'OwnershipConflictError',
      message:
        'security group berth-demo-alb exists but is not tagged as belonging to environment "demo" (berth:env/berth:managed-by); Berth will neither adopt nor delete it',
    });
  });
});

describe('AwsEc2Adapter.authorizeIngress', () => {
  it('sends CIDR and group sources with their descriptions', async () => {
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    await adapter.authorizeIngress('sg-inst', [
      { from: 80, to: 80, cidr: '203.0.113.0/24', note: 'HTTP' },
      { from: 32768, to: 65535, groupId: 'sg-alb', note: 'ports' },
    ]);
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: 'sg-inst',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 80,
          ToPort: 80,
          IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'HTTP' }],
        },
        {
          IpProtocol: 'tcp',
          FromPort: 32768,
          ToPort: 65535,
          UserIdGroupPairs: [{ GroupId: 'sg-alb', Description: 'ports' }],
        },
      ],
    });
  });

  it('counts a rule that exists meanwhile as added', async () => {
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(awsError('InvalidPermission.Duplicate'));
    await expect(
      adapter.authorizeIngress('sg-1', [{ from: 80, to: 80, cidr: '0.0.0.0/0', note: 'HTTP' }]),
    ).resolves.toBeUndefined();
  });

  it('sends nothing for no rules', async () => {
    await adapter.authorizeIngress('sg-1', []);
    expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
  });
});

describe('AwsEc2Adapter deletions', () => {
  it('deletes a security group by the observed id; gone counts as deleted', async () => {
    ec2.on(DeleteSecurityGroupCommand).rejects(awsError('InvalidGroup.NotFound'));
    expect(await adapter.deleteSecurityGroup('sg-1', 'berth-demo-alb')).toBe(false);
    expect(ec2).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: 'sg-1' });
    expect(ec2).not.toHaveReceivedCommand(DescribeSecurityGroupsCommand);
  });

  it('maps DependencyViolation to a retryable DependencyPendingError naming the group', async () => {
    ec2
      .on(DeleteSecurityGroupCommand)
      .rejects(awsError('DependencyViolation', 'resource sg-1 has a dependent object'));
    await expect(adapter.deleteSecurityGroup('sg-1', 'berth-demo-alb')).rejects.toMatchObject({
      name: 'DependencyPendingError',
      retryable: true,
      message: 'ec2.DeleteSecurityGroup berth-demo-alb: resource sg-1 has a dependent object',
    });
  });

  it('deletes a launch template by name without describing it; gone counts as deleted', async () => {
    ec2.on(DeleteLaunchTemplateCommand).rejects(awsError('InvalidLaunchTemplateName.NotFoundException'));
    expect(await adapter.deleteLaunchTemplate('berth-demo-lt')).toBe(false);
    expect(ec2).not.toHaveReceivedCommand(DescribeLaunchTemplatesCommand);
  });
});
