import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsAutoScalingAdapter } from '../../../functions/adapters/autoscaling.ts';
import { autoScalingClient } from '../../../functions/adapters/aws/clients.ts';

const asg = mockClient(AutoScalingClient);
const adapter = new AwsAutoScalingAdapter(autoScalingClient({ region: 'us-east-1', maxAttempts: 1 }));
const GROUP = {
  AutoScalingGroupName: 'berth-demo-asg',
  AutoScalingGroupARN: 'arn:asg',
  MinSize: 1,
  MaxSize: 2,
  DesiredCapacity: 1,
  Instances: [
    {
      InstanceId: 'i-1',
      LifecycleState: 'InService' as const,
      ProtectedFromScaleIn: true,
      HealthStatus: 'Healthy',
      AvailabilityZone: 'us-east-1a',
    },
  ],
  Tags: [{ Key: 'berth:env', Value: 'demo' }],
  DefaultCooldown: 300,
  AvailabilityZones: [],
  HealthCheckType: 'EC2',
  CreatedTime: new Date(0),
};

beforeEach(() => asg.reset());

describe('AwsAutoScalingAdapter', () => {
  it('observes the group with its capacity, instances, tags and deletion status', async () => {
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .resolves({ AutoScalingGroups: [{ ...GROUP, Status: 'Delete in progress' }] });
    expect(await adapter.observeGroup('berth-demo-asg')).toMatchObject({
      name: 'berth-demo-asg',
      arn: 'arn:asg',
      minSize: 1,
      maxSize: 2,
      desiredCapacity: 1,
      instances: [{ id: 'i-1', lifecycleState: 'InService', protectedFromScaleIn: true }],
      status: 'Delete in progress',
      tags: { 'berth:env': 'demo' },
    });
  });

  it("observes the group's CreatedTime as an ISO time (verify sizes its wait for instances from it)", async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [{ ...GROUP, CreatedTime: new Date('2026-11-30T05:00:00.000Z') }],
    });
    expect((await adapter.observeGroup('berth-demo-asg'))?.createdTime).toBe('2026-11-30T05:00:00.000Z');
  });

  it('observes a missing group as undefined', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    expect(await adapter.observeGroup('berth-demo-asg')).toBeUndefined();
  });

  it('creates the group protected from scale-in, with propagated tags, and returns it as observed', async () => {
    asg.on(CreateAutoScalingGroupCommand).resolves({});
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [GROUP] });
    const created = await adapter.createGroup({
      env: 'demo',
      name: 'berth-demo-asg',
      launchTemplateName: 'berth-demo-lt',
      subnets: ['subnet-a', 'subnet-b'],
      minSize: 1,
      maxSize: 2,
      desiredCapacity: 1,
      tags: { 'berth:env': 'demo' },
    });
    expect(created.arn).toBe('arn:asg');
    expect(asg).toHaveReceivedCommandWith(CreateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'berth-demo-asg',
      LaunchTemplate: { LaunchTemplateName: 'berth-demo-lt', Version: '$Latest' },
      VPCZoneIdentifier: 'subnet-a,subnet-b',
      NewInstancesProtectedFromScaleIn: true,
    });
    expect(asg.commandCalls(CreateAutoScalingGroupCommand)[0]?.args[0].input.Tags).toContainEqual({
      Key: 'berth:env',
      Value: 'demo',
      PropagateAtLaunch: true,
      ResourceId: 'berth-demo-asg',
      ResourceType: 'auto-scaling-group',
    });
  });

  it('updates only the given capacity fields', async () => {
    asg.on(UpdateAutoScalingGroupCommand).resolves({});
    await adapter.updateCapacity('berth-demo-asg', { desiredCapacity: 3 });
    const input = asg.commandCalls(UpdateAutoScalingGroupCommand)[0]?.args[0].input;
    expect(input).toEqual({ AutoScalingGroupName: 'berth-demo-asg', DesiredCapacity: 3 });
  });

  it('removes scale-in protection in batches of 50 instances', async () => {
    asg.on(SetInstanceProtectionCommand).resolves({});
    const ids = Array.from({ length: 120 }, (_, i) => `i-${i}`);
    await adapter.unprotectInstances('berth-demo-asg', ids);
    const batches = asg
      .commandCalls(SetInstanceProtectionCommand)
      .map((c) => c.args[0].input.InstanceIds?.length);
    expect(batches).toEqual([50, 50, 20]);
    expect(asg).toHaveReceivedCommandWith(SetInstanceProtectionCommand, { ProtectedFromScaleIn: false });
  });

  it('force-deletes the group; a group already gone counts as deleted', async () => {
    asg
      .on(DeleteAutoScalingGroupCommand)
      .resolvesOnce({})
      .rejects(
        Object.assign(
          new Error('AutoScalingGroup name not found - AutoScalingGroup berth-demo-asg not found'),
          {
            name: 'ValidationError',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          },
        ),
      );
    expect(await adapter.forceDelete('berth-demo-asg')).toBe(true);
    expect(await adapter.forceDelete('berth-demo-asg')).toBe(false);
    expect(asg).toHaveReceivedCommandWith(DeleteAutoScalingGroupCommand, { ForceDelete: true });
  });
});
