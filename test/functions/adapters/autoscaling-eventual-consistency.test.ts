import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsAutoScalingAdapter } from '../../../functions/adapters/autoscaling.ts';
import { startTestCloud, type TestCloud } from '../../local/cloud/helpers/cloud.ts';
import { publicSubnets } from '../../local/cloud/helpers/dataplane-fixtures.ts';

/**
 * Issue 9 item 7, Auto Scaling: DescribeAutoScalingGroups can miss a group created moments ago
 * (terraform-provider-aws PR #40088). The local cloud hides a new group for a scaled moment; Berth
 * treats "not listed after create" and "AlreadyExists while not listed" as the retryable
 * TransientAwsError (the create-cluster step is idempotent) instead of failing `up`.
 */
let t: TestCloud;
let subnetIds: string[];

beforeAll(async () => {
  // realistic × 0.1: a new group stays unlisted for 300 ms.
  t = await startTestCloud({ profile: 'realistic', factor: 0.1 });
  ({ subnetIds } = await publicSubnets(t));
  await t.clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'berth-demo-lt',
      LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.small' },
    }),
  );
});
afterAll(() => t.stop());

const listed = async (name: string) =>
  (await t.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
    .AutoScalingGroups ?? [];

describe('Auto Scaling eventual consistency', () => {
  it('does not list a group created moments ago, then does (local cloud)', async () => {
    await t.clients.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'fresh-asg',
        LaunchTemplate: { LaunchTemplateName: 'berth-demo-lt', Version: '$Latest' },
        MinSize: 0,
        MaxSize: 1,
        DesiredCapacity: 0,
        VPCZoneIdentifier: subnetIds.join(','),
      }),
    );
    expect(await listed('fresh-asg')).toEqual([]);
    await t.settle('autoScalingGroupPropagation');
    expect((await listed('fresh-asg')).map((g) => g.AutoScalingGroupName)).toEqual(['fresh-asg']);
  });

  it('makes createGroup retryable while the new group is not listed, and the observation of the retry converges (Berth)', async () => {
    const adapter = new AwsAutoScalingAdapter(t.clients.autoScaling);
    const input = {
      env: 'demo',
      name: 'berth-demo-asg',
      launchTemplateName: 'berth-demo-lt',
      subnets: subnetIds,
      minSize: 0,
      maxSize: 1,
      desiredCapacity: 0,
      tags: { 'berth:env': 'demo', 'berth:managed-by': 'berth' },
    };
    await expect(adapter.createGroup(input)).rejects.toMatchObject({
      name: 'TransientAwsError',
      message:
        'autoscaling.DescribeAutoScalingGroups berth-demo-asg: not listed yet right after CreateAutoScalingGroup (eventual consistency); will retry',
    });
    // An immediate retry: the observation still misses it, so core plans the create again, and
    // Create answers AlreadyExists.
    expect(await adapter.observeGroup(input.name)).toBeUndefined();
    await expect(adapter.createGroup(input)).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: expect.stringContaining('exists but DescribeAutoScalingGroups does not list it yet'),
    });
    await t.settle('autoScalingGroupPropagation');
    // The next retry observes the group and plans no create.
    const group = await adapter.observeGroup(input.name);
    if (group === undefined) throw new Error('the group is still not listed');
    expect(group).toMatchObject({ name: 'berth-demo-asg', desiredCapacity: 0 });
    expect(group.arn).toMatch(/^arn:aws:autoscaling:us-east-1:\d{12}:autoScalingGroup:.*berth-demo-asg$/);
  });
});
