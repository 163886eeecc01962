import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  type _InstanceType,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DescribeSubnetsCommand,
} from '@aws-sdk/client-ec2';
import type { TestCloud } from './cloud.ts';

/** The two public subnet ids of the default VPC. */
export async function publicSubnets(t: TestCloud): Promise<string[]> {
  const out = await t.clients.ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:Name', Values: ['berth-local-public-*'] }] }),
  );
  return (out.Subnets ?? []).map((s) => s.SubnetId as string);
}

/** A security group and a launch template whose user data joins `cluster`. */
export async function createHostTemplate(
  t: TestCloud,
  name: string,
  opts: { cluster?: string; instanceType?: string } = {},
): Promise<{ launchTemplateId: string; securityGroupId: string }> {
  const sg = await t.clients.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: `${name}-hosts`, Description: 'hosts' }),
  );
  const lt = await t.clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: {
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: (opts.instanceType ?? 't3.small') as _InstanceType,
        SecurityGroupIds: [sg.GroupId as string],
        UserData: Buffer.from(
          `#!/bin/bash\necho ECS_CLUSTER=${opts.cluster ?? name} >> /etc/ecs/ecs.config\n`,
        ).toString('base64'),
      },
    }),
  );
  return {
    launchTemplateId: lt.LaunchTemplate?.LaunchTemplateId as string,
    securityGroupId: sg.GroupId as string,
  };
}

/** Creates a launch template and an Auto Scaling group over the public subnets. */
export async function createGroup(
  t: TestCloud,
  name: string,
  opts: { min?: number; max?: number; desired?: number; protect?: boolean; instanceType?: string } = {},
): Promise<{ launchTemplateId: string; securityGroupId: string; subnets: string[] }> {
  const tpl = await createHostTemplate(t, `${name}-lt`, {
    cluster: name,
    ...(opts.instanceType ? { instanceType: opts.instanceType } : {}),
  });
  const subnets = await publicSubnets(t);
  await t.clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateId: tpl.launchTemplateId, Version: '$Latest' },
      MinSize: opts.min ?? 0,
      MaxSize: opts.max ?? 4,
      DesiredCapacity: opts.desired ?? 0,
      VPCZoneIdentifier: subnets.join(','),
      NewInstancesProtectedFromScaleIn: opts.protect ?? false,
      Tags: [{ Key: 'berth:env', Value: name, PropagateAtLaunch: true }],
    }),
  );
  // DescribeAutoScalingGroups lists a new group only after a moment (eventual consistency,
  // docs/aws-behaviours.md row 7): callers describe it right away, so wait that window out.
  await t.settle('autoScalingGroupPropagation');
  return { ...tpl, subnets };
}
