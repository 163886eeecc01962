import {
  type AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DeleteAutoScalingGroupCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeTagsCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';
import { createGroup, createHostTemplate, publicSubnets } from '../../helpers/fixtures.ts';

let t: TestCloud;
let asg: AutoScalingClient;
let lt: string;
let subnets: string[];

/** The group as DescribeAutoScalingGroups lists it, once a new group has had time to be listed (eventual consistency). */
const describeGroup = async (name: string) => {
  await t.settle('autoScalingGroupPropagation');
  return (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
    .AutoScalingGroups?.[0];
};

beforeAll(async () => {
  t = await startTestCloud();
  asg = t.clients.autoScaling;
  lt = (await createHostTemplate(t, 'shared-lt')).launchTemplateId;
  subnets = await publicSubnets(t);
});
afterAll(() => t.stop());

const base = () => ({
  LaunchTemplate: { LaunchTemplateId: lt, Version: '$Latest' },
  VPCZoneIdentifier: subnets.join(','),
});

describe('CreateAutoScalingGroup', () => {
  test('creates a group described with its ARN, template, bounds, zones and tags', async () => {
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'described',
        ...base(),
        MinSize: 0,
        MaxSize: 3,
        DesiredCapacity: 0,
        NewInstancesProtectedFromScaleIn: true,
        Tags: [{ Key: 'berth:env', Value: 'demo', PropagateAtLaunch: true }],
      }),
    );
    const g = await describeGroup('described');
    expect(g).toMatchObject({
      AutoScalingGroupName: 'described',
      LaunchTemplate: { LaunchTemplateId: lt, LaunchTemplateName: 'shared-lt', Version: '$Latest' },
      MinSize: 0,
      MaxSize: 3,
      DesiredCapacity: 0,
      AvailabilityZones: ['us-east-1a', 'us-east-1b'],
      VPCZoneIdentifier: subnets.join(','),
      NewInstancesProtectedFromScaleIn: true,
      Instances: [],
      Tags: [
        {
          ResourceId: 'described',
          ResourceType: 'auto-scaling-group',
          Key: 'berth:env',
          Value: 'demo',
          PropagateAtLaunch: true,
        },
      ],
    });
    expect(g?.AutoScalingGroupARN).toMatch(
      /^arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName\/described$/,
    );
  });

  test('accepts the launch template by name', async () => {
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'by-name',
        LaunchTemplate: { LaunchTemplateName: 'shared-lt', Version: '1' },
        VPCZoneIdentifier: subnets[0],
        MinSize: 0,
        MaxSize: 1,
      }),
    );
    expect((await describeGroup('by-name'))?.LaunchTemplate).toEqual({
      LaunchTemplateId: lt,
      LaunchTemplateName: 'shared-lt',
      Version: '1',
    });
  });

  test('rejects a duplicate name with AlreadyExistsFault', async () => {
    await asg.send(
      new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'twice', ...base(), MinSize: 0, MaxSize: 1 }),
    );
    await expectAwsError(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'twice',
          ...base(),
          MinSize: 0,
          MaxSize: 1,
        }),
      ),
      'AlreadyExistsFault',
      'AutoScalingGroup by this name already exists - A group with the name twice already exists',
    );
  });

  test('rejects a max below the min', async () => {
    await expectAwsError(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'bad-bounds',
          ...base(),
          MinSize: 2,
          MaxSize: 1,
        }),
      ),
      'ValidationError',
      'Max bound, 1, must be greater than or equal to min bound, 2',
    );
  });

  test('rejects a desired capacity outside the bounds', async () => {
    await expectAwsError(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'bad-desired',
          ...base(),
          MinSize: 0,
          MaxSize: 2,
          DesiredCapacity: 5,
        }),
      ),
      'ValidationError',
      'Desired capacity:5 must be between the specified min size:0 and max size:2',
    );
  });

  test('rejects an unknown subnet in VPCZoneIdentifier', async () => {
    await expectAwsError(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'bad-subnet',
          LaunchTemplate: { LaunchTemplateId: lt },
          VPCZoneIdentifier: `${subnets[0]},subnet-00000000000000000`,
          MinSize: 0,
          MaxSize: 1,
        }),
      ),
      'ValidationError',
      "The subnet ID 'subnet-00000000000000000' does not exist",
    );
  });

  test('requires a launch template', async () => {
    await expectAwsError(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'no-lt',
          VPCZoneIdentifier: subnets[0],
          MinSize: 0,
          MaxSize: 1,
        }),
      ),
      'ValidationError',
      'Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.',
    );
  });

  test('rejects an unknown launch template name', async () => {
    await expectAwsError(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'ghost-lt',
          LaunchTemplate: { LaunchTemplateName: 'ghost' },
          VPCZoneIdentifier: subnets[0],
          MinSize: 0,
          MaxSize: 1,
        }),
      ),
      'ValidationError',
      'You must use a valid fully-formed launch template. The specified launch template, with template name ghost, does not exist.',
    );
  });

  test('requires subnets or zones', async () => {
    await expectAwsError(
      asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'nowhere',
          LaunchTemplate: { LaunchTemplateId: lt },
          MinSize: 0,
          MaxSize: 1,
        }),
      ),
      'ValidationError',
      'At least one Availability Zone or VPC Subnet is required.',
    );
  });
});

describe('DescribeAutoScalingGroups', () => {
  test('filters by tag and pages with MaxRecords', async () => {
    for (const name of ['paged-a', 'paged-b', 'paged-c']) {
      await asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          ...base(),
          MinSize: 0,
          MaxSize: 1,
          Tags: [{ Key: 'suite', Value: 'paging', PropagateAtLaunch: false }],
        }),
      );
    }
    // Auto Scaling is eventually consistent: new groups are listed a moment after creation.
    await t.settle('autoScalingGroupPropagation');
    const filter = [{ Name: 'tag:suite', Values: ['paging'] }];
    const first = await asg.send(new DescribeAutoScalingGroupsCommand({ Filters: filter, MaxRecords: 2 }));
    expect(first.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['paged-a', 'paged-b']);
    const second = await asg.send(
      new DescribeAutoScalingGroupsCommand({ Filters: filter, MaxRecords: 2, NextToken: first.NextToken }),
    );
    expect(second.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['paged-c']);
    expect(second.NextToken).toBeUndefined();
  });

  test('returns nothing for an unknown name', async () => {
    const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['unknown'] }));
    expect(out.AutoScalingGroups).toEqual([]);
  });

  test('rejects MaxRecords above 100', async () => {
    await expectAwsError(
      asg.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })),
      'ValidationError',
      "1 validation error detected: Value '101' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
  });
});

describe('UpdateAutoScalingGroup and SetDesiredCapacity', () => {
  test('lowers the desired capacity implicitly when MaxSize drops below it', async () => {
    await createGroup(t, 'shrink', { max: 3, desired: 2 });
    await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'shrink', MaxSize: 1 }));
    expect(await describeGroup('shrink')).toMatchObject({ MaxSize: 1, DesiredCapacity: 1 });
  });

  test('rejects an update whose desired capacity is out of bounds', async () => {
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'update-bad',
        ...base(),
        MinSize: 0,
        MaxSize: 2,
      }),
    );
    await expectAwsError(
      asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'update-bad', DesiredCapacity: 3 })),
      'ValidationError',
      'Desired capacity:3 must be between the specified min size:0 and max size:2',
    );
  });

  test('answers an unknown group with ValidationError', async () => {
    await expectAwsError(
      asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'nobody', MaxSize: 1 })),
      'ValidationError',
      'AutoScalingGroup name not found - AutoScalingGroup nobody not found',
    );
  });

  test('rejects SetDesiredCapacity above the max and below the min', async () => {
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'set-bad',
        ...base(),
        MinSize: 1,
        MaxSize: 2,
        DesiredCapacity: 1,
      }),
    );
    await expectAwsError(
      asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'set-bad', DesiredCapacity: 5 })),
      'ValidationError',
      'New SetDesiredCapacity value 5 is above max value 2 for the AutoScalingGroup.',
    );
    await expectAwsError(
      asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'set-bad', DesiredCapacity: 0 })),
      'ValidationError',
      'New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.',
    );
  });
});

describe('tags', () => {
  test('creates, updates, describes and deletes group tags', async () => {
    await asg.send(
      new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'tags', ...base(), MinSize: 0, MaxSize: 1 }),
    );
    const tag = {
      ResourceId: 'tags',
      ResourceType: 'auto-scaling-group',
      Key: 'team',
      Value: 'blue',
      PropagateAtLaunch: false,
    };
    await asg.send(new CreateOrUpdateTagsCommand({ Tags: [tag] }));
    await asg.send(
      new CreateOrUpdateTagsCommand({ Tags: [{ ...tag, Value: 'green', PropagateAtLaunch: true }] }),
    );
    const out = await asg.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: ['tags'] }] }),
    );
    expect(out.Tags).toEqual([{ ...tag, Value: 'green', PropagateAtLaunch: true }]);
    await asg.send(
      new DeleteTagsCommand({
        Tags: [{ ResourceId: 'tags', ResourceType: 'auto-scaling-group', Key: 'team' }],
      }),
    );
    const after = await asg.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: ['tags'] }] }),
    );
    expect(after.Tags).toEqual([]);
  });

  test('rejects tags for an unknown group', async () => {
    await expectAwsError(
      asg.send(
        new CreateOrUpdateTagsCommand({
          Tags: [{ ResourceId: 'ghost', ResourceType: 'auto-scaling-group', Key: 'a', Value: 'b' }],
        }),
      ),
      'ValidationError',
      'AutoScalingGroup name not found - AutoScalingGroup ghost not found',
    );
  });
});

describe('DeleteAutoScalingGroup', () => {
  test('deletes an empty group after the termination delay, showing Delete in progress meanwhile', async () => {
    // Its own cloud, slower than `instant` (termination delay 1.5 s instead of 60 ms): the window between the
    // delete and the removal must outlast a describe round trip on a loaded machine.
    const slow = await startTestCloud({ factor: 0.05 });
    try {
      const template = (await createHostTemplate(slow, 'slow-lt')).launchTemplateId;
      const client = slow.clients.autoScaling;
      const listed = async () => {
        await slow.settle('autoScalingGroupPropagation');
        return (await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['empty'] })))
          .AutoScalingGroups?.[0];
      };
      await client.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'empty',
          LaunchTemplate: { LaunchTemplateId: template, Version: '$Latest' },
          VPCZoneIdentifier: (await publicSubnets(slow)).join(','),
          MinSize: 0,
          MaxSize: 1,
        }),
      );
      await client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'empty' }));
      expect((await listed())?.Status).toBe('Delete in progress');
      const deadline = Date.now() + 10_000;
      while ((await listed()) !== undefined && Date.now() < deadline)
        await slow.settle('autoScalingGroupPropagation');
      expect(await listed()).toBeUndefined();
    } finally {
      await slow.stop();
    }
  });

  test('answers an unknown group with ValidationError', async () => {
    await expectAwsError(
      asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'gone' })),
      'ValidationError',
      'AutoScalingGroup name not found - AutoScalingGroup gone not found',
    );
  });
});
