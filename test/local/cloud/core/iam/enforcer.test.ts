import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateLaunchTemplateCommand, CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, DeleteClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyIdForFunction } from '../../../../../local/cloud/core/iam/credentials.ts';
import { LOCAL_ACCOUNT_ID } from '../../../../../local/runtime/lambda.ts';
import {
  localFunctionPrincipals,
  REGISTRY_TABLE,
  registryTable,
} from '../../../../../local/runtime/platform.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { publicSubnets } from '../../helpers/dataplane-fixtures.ts';
import { expectAwsError } from '../../helpers/errors.ts';

let tc: TestCloud;
let vpcId: string;
let subnetIds: string[];
const made: Array<{ destroy(): void }> = [];

/** SDK clients signing with a local function's own credentials. */
function as(functionName: string) {
  const config = {
    endpoint: tc.url,
    region: 'us-east-1',
    credentials: { accessKeyId: accessKeyIdForFunction(functionName), secretAccessKey: 'x' },
    maxAttempts: 1,
  };
  const clients = {
    ecs: new ECSClient(config),
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    autoScaling: new AutoScalingClient(config),
    ssm: new SSMClient(config),
    dynamodb: new DynamoDBClient(config),
    logs: new CloudWatchLogsClient(config),
  };
  made.push(...Object.values(clients));
  return clients;
}

const BERTH_TAGS = [
  { key: 'berth:managed-by', value: 'berth' },
  { key: 'berth:env', value: 'demo' },
];
const ACCOUNT = LOCAL_ACCOUNT_ID;
let roles: Record<string, string> = {};
const denial = (fn: string, action: string, resource: string) =>
  `User: arn:aws:sts::${ACCOUNT}:assumed-role/${roles[fn]}/${fn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

beforeAll(async () => {
  tc = await startTestCloud({ iam: { mode: 'enforce', principals: [] } });
  ({ vpcId, subnetIds } = await publicSubnets(tc));
  // The local platform's principals: the synthesized policies, bound to this cloud's default VPC.
  const principals = localFunctionPrincipals(vpcId);
  tc.iam.setPrincipals(principals);
  roles = Object.fromEntries(principals.map((p) => [p.functionName, p.roleName]));
});
afterAll(async () => {
  for (const c of made) c.destroy();
  await tc?.stop();
});

describe('IAM enforcement in the local cloud', () => {
  it('lets the admin principal (any other access key) do what no function may', async () => {
    const created = await tc.clients.ecs.send(new CreateClusterCommand({ clusterName: 'admin-made' }));
    expect(created.cluster?.clusterName).toBe('admin-made');
  });

  it('lets create-cluster create a berth-* cluster tagged berth:managed-by=berth (with ecs:TagResource)', async () => {
    const created = await as('berth-create-cluster').ecs.send(
      new CreateClusterCommand({ clusterName: 'berth-demo', tags: BERTH_TAGS }),
    );
    expect(created.cluster?.status).toBe('ACTIVE');
  });

  it('answers ECS AccessDeniedException (HTTP 400) for an untagged create', async () => {
    const err = await expectAwsError(
      as('berth-create-cluster').ecs.send(new CreateClusterCommand({ clusterName: 'berth-untagged' })),
      'AccessDeniedException',
      denial(
        'berth-create-cluster',
        'ecs:CreateCluster',
        `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/berth-untagged`,
      ),
    );
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it("denies deleting a berth-* cluster that is not Berth's (foreign tags) and one of another function", async () => {
    await tc.clients.ecs.send(
      new CreateClusterCommand({
        clusterName: 'berth-foreign',
        tags: [{ key: 'berth:managed-by', value: 'someone' }],
      }),
    );
    const foreign = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/berth-foreign`;
    await expectAwsError(
      as('berth-teardown-cluster').ecs.send(new DeleteClusterCommand({ cluster: 'berth-foreign' })),
      'AccessDeniedException',
      denial('berth-teardown-cluster', 'ecs:DeleteCluster', foreign),
    );
    await expectAwsError(
      as('berth-verify').ecs.send(new DeleteClusterCommand({ cluster: 'berth-demo' })),
      'AccessDeniedException',
      denial('berth-verify', 'ecs:DeleteCluster', `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/berth-demo`),
    );
    const deleted = await as('berth-teardown-cluster').ecs.send(
      new DeleteClusterCommand({ cluster: 'berth-demo' }),
    );
    expect(deleted.cluster?.status).toBe('INACTIVE');
  });

  it('answers EC2 UnauthorizedOperation (HTTP 403) with an encoded authorization message', async () => {
    const ec2 = as('berth-create-network').ec2;
    const tagged = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'berth-demo-alb',
        Description: 'alb',
        VpcId: vpcId,
        TagSpecifications: [
          { ResourceType: 'security-group', Tags: [{ Key: 'berth:managed-by', Value: 'berth' }] },
        ],
      }),
    );
    expect(tagged.GroupId).toMatch(/^sg-/);
    const err = await expectAwsError(
      ec2.send(
        new CreateSecurityGroupCommand({ GroupName: 'berth-untagged', Description: 'x', VpcId: vpcId }),
      ),
      'UnauthorizedOperation',
      /^You are not authorized to perform this operation\. User: .*berth-create-network is not authorized to perform: ec2:CreateSecurityGroup on resource: arn:aws:ec2:us-east-1:000000000000:security-group\/\* because no identity-based policy allows the ec2:CreateSecurityGroup action\. Encoded authorization failure message: \S+$/,
    );
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it('answers ELBv2 AccessDenied (HTTP 403) for a target group created without the Berth tag', async () => {
    const err = await expectAwsError(
      as('berth-create-load-balancer').elbv2.send(
        new CreateTargetGroupCommand({ Name: 'berth-demo-tg', Protocol: 'HTTP', Port: 80, VpcId: vpcId }),
      ),
      'AccessDenied',
      denial(
        'berth-create-load-balancer',
        'elasticloadbalancing:CreateTargetGroup',
        `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/berth-demo-tg/*`,
      ),
    );
    expect(err.$metadata?.httpStatusCode).toBe(403);
  });

  it("refuses an Auto Scaling group whose launch template is not Berth's: not authorized to use launch template", async () => {
    const lt = await tc.clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'foreign-lt',
        LaunchTemplateData: { ImageId: 'ami-12345678', InstanceType: 't3.micro' },
      }),
    );
    const id = lt.LaunchTemplate?.LaunchTemplateId ?? '';
    await expectAwsError(
      as('berth-create-cluster').autoScaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'berth-demo-asg',
          MinSize: 0,
          MaxSize: 1,
          LaunchTemplate: { LaunchTemplateId: id },
          VPCZoneIdentifier: subnetIds.join(','),
          Tags: [{ Key: 'berth:managed-by', Value: 'berth' }],
        }),
      ),
      'AccessDenied',
      `You are not authorized to use launch template: ${id}`,
    );
  });

  it('answers DynamoDB and SSM AccessDeniedException for calls outside the policy', async () => {
    await tc.clients.dynamodb.send(new CreateTableCommand(registryTable()));
    const verify = as('berth-verify');
    const key = { pk: { S: 'env#demo' }, sk: { S: 'env' } };
    const read = await verify.dynamodb.send(new GetItemCommand({ TableName: REGISTRY_TABLE, Key: key }));
    expect(read.Item).toBeUndefined();
    await expectAwsError(
      verify.dynamodb.send(new PutItemCommand({ TableName: REGISTRY_TABLE, Item: key })),
      'AccessDeniedException',
      denial(
        'berth-verify',
        'dynamodb:PutItem',
        `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${REGISTRY_TABLE}`,
      ),
    );
    await expectAwsError(
      verify.ssm.send(
        new GetParameterCommand({
          Name: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
        }),
      ),
      'AccessDeniedException',
      denial(
        'berth-verify',
        'ssm:GetParameter',
        'arn:aws:ssm:us-east-1::parameter/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
      ),
    );
  });

  it('authorizes CloudWatch Logs calls on the log group (or log-group:* for DescribeLogGroups)', async () => {
    const create = as('berth-create-task-definition');
    const group = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}`;
    await create.logs.send(
      new CreateLogGroupCommand({ logGroupName: '/berth/demo', tags: { 'berth:managed-by': 'berth' } }),
    );
    const described = await create.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/berth/' }));
    expect(described.logGroups?.map((g) => g.logGroupName)).toEqual(['/berth/demo']);
    const tags = await create.logs.send(
      new ListTagsForResourceCommand({ resourceArn: group('/berth/demo') }),
    );
    expect(tags.tags).toEqual({ 'berth:managed-by': 'berth' });
    // Outside /berth/*: denied on the group's ARN.
    await expectAwsError(
      create.logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/other' })),
      'AccessDeniedException',
      denial('berth-create-task-definition', 'logs:CreateLogGroup', group('/aws/lambda/other')),
    );
    // create-task-definition may not delete a group; teardown-task-definitions may.
    await expectAwsError(
      create.logs.send(new DeleteLogGroupCommand({ logGroupName: '/berth/demo' })),
      'AccessDeniedException',
      denial('berth-create-task-definition', 'logs:DeleteLogGroup', group('/berth/demo')),
    );
    await as('berth-teardown-task-definitions').logs.send(
      new DeleteLogGroupCommand({ logGroupName: '/berth/demo' }),
    );
    // verify reads streams only: DescribeLogGroups is not in its policy.
    await expectAwsError(
      as('berth-verify').logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/berth/' })),
      'AccessDeniedException',
      denial('berth-verify', 'logs:DescribeLogGroups', group('*')),
    );
  });

  it('records each (function, action) pair it evaluated, allowed or not', () => {
    const usage = tc.iam.usage();
    expect(usage).toContainEqual(
      expect.objectContaining({
        functionName: 'berth-create-cluster',
        action: 'ecs:TagResource',
        allowed: true,
      }),
    );
    expect(usage).toContainEqual(
      expect.objectContaining({ functionName: 'berth-verify', action: 'dynamodb:PutItem', allowed: false }),
    );
  });
});
