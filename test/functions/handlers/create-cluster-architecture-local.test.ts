import { DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSubnetsCommand,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsAutoScalingAdapter } from '../../../functions/adapters/autoscaling.ts';
import { AwsEc2Adapter } from '../../../functions/adapters/ec2.ts';
import { AwsEcsAdapter } from '../../../functions/adapters/ecs.ts';
import { AwsParameterAdapter } from '../../../functions/adapters/ssm-parameter.ts';
import { loadConfig } from '../../../functions/handlers/config.ts';
import { makeHandler as createCluster } from '../../../functions/handlers/create-cluster.ts';
import { silentLogger } from '../../../functions/handlers/lifecycle-deps.ts';
import { startTestCloud, type TestCloud } from '../../local/cloud/helpers/cloud.ts';
import { waitFor } from '../../local/cloud/helpers/errors.ts';

const ARM_PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id';
let t: TestCloud;
let privateSubnets: string[];
let vpcId: string;

beforeAll(async () => {
  t = await startTestCloud();
  const subnets =
    (
      await t.clients.ec2.send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:berth:subnet-type', Values: ['private'] }] }),
      )
    ).Subnets ?? [];
  privateSubnets = subnets.map((s) => s.SubnetId as string);
  vpcId = subnets[0]?.VpcId as string;
});
afterAll(() => t.stop());

/** create-cluster over real adapters against the local cloud, for an EC2 spec of `instanceType`. */
async function up(env: string, instanceType: string, amiParameter?: string) {
  const config = loadConfig({
    BERTH_VPC_ID: vpcId,
    BERTH_PRIVATE_SUBNETS: privateSubnets.join(','),
    BERTH_INSTANCE_PROFILE_ARN: 'arn:aws:iam::000000000000:instance-profile/ecsInstanceRole',
    BERTH_ALLOWED_CIDR: '0.0.0.0/0',
    ...(amiParameter ? { BERTH_AMI_PARAMETER: amiParameter } : {}),
  });
  const sg = await t.clients.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `berth-${env}-instances`,
      Description: 'hosts',
      VpcId: vpcId,
    }),
  );
  const handler = createCluster({
    config,
    ecs: new AwsEcsAdapter(t.clients.ecs),
    ec2: new AwsEc2Adapter(t.clients.ec2, new AwsParameterAdapter(t.clients.ssm)),
    autoScaling: new AwsAutoScalingAdapter(t.clients.autoScaling),
    registry: undefined as never,
    logger: silentLogger,
  });
  const state = {
    operation: 'up',
    env,
    requestId: `req-${env}`,
    spec: {
      name: env,
      image: 'nginx:1.27',
      owner: 'ana',
      capacity: { instanceType, minSize: 1, maxSize: 1, desiredCapacity: 1 },
    },
    resources: { network: { instanceSecurityGroupId: sg.GroupId as string } },
  } as never;
  // As the state machine does: retry while AWS has not made the new capacity provider (or a new
  // account's ECS service-linked role, or a new Auto Scaling group) usable yet (docs/aws-behaviours.md).
  for (let attempt = 1; ; attempt++) {
    try {
      return await handler(state);
    } catch (err) {
      if (!['ResourceNotReadyError', 'TransientAwsError'].includes((err as Error).name) || attempt >= 200)
        throw err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('create-cluster on a Graviton instance type (local cloud)', () => {
  it('builds the launch template on the arm64 ECS-optimized AMI, and the group launches', async () => {
    const out = await up('graviton', 't4g.small');
    expect(out.autoScalingGroupName).toBe('berth-graviton-asg');
    const armAmi = (await t.clients.ssm.send(new GetParameterCommand({ Name: ARM_PARAMETER }))).Parameter
      ?.Value;
    const versions = await t.clients.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'berth-graviton-lt' }),
    );
    expect(versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData).toMatchObject({
      ImageId: armAmi,
      InstanceType: 't4g.small',
    });
    const instance = await waitFor(async () => {
      const described = await t.clients.ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: ['berth-graviton-asg'] }],
        }),
      );
      return described.Reservations?.[0]?.Instances?.[0];
    });
    expect(instance.Architecture).toBe('arm64');
    const activities = await t.clients.autoScaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'berth-graviton-asg' }),
    );
    expect(activities.Activities?.some((a) => a.StatusCode === 'Failed')).toBe(false);
  });

  it('fails at once, with AWS reason, when an operator-owned parameter names an AMI of the other architecture', async () => {
    const x86Ami = (
      await t.clients.ssm.send(
        new GetParameterCommand({
          Name: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
        }),
      )
    ).Parameter?.Value as string;
    await t.clients.ssm.send(
      new PutParameterCommand({
        Name: '/acme/ecs-ami',
        Value: x86Ami,
        Type: 'String',
      }),
    );
    await expect(up('mismatch', 'm7g.large', '/acme/ecs-ami')).rejects.toMatchObject({
      name: 'AwsRequestError',
      message: expect.stringContaining(
        "The architecture 'arm64' of the specified instance type does not match the architecture 'x86_64' of the specified AMI.",
      ),
    });
  });
});
