import {
  type AutoScalingClient,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  InstanceRunningEvent,
  InstanceTerminatingEvent,
} from '../../../../../local/cloud/core/cloud.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError, waitFor } from '../../helpers/errors.ts';
import { createGroup } from '../../helpers/fixtures.ts';

let t: TestCloud;
let asg: AutoScalingClient;
let ec2: EC2Client;
const running: InstanceRunningEvent[] = [];
const terminating: InstanceTerminatingEvent[] = [];

const group = async (name: string) =>
  (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
    .AutoScalingGroups?.[0];
const inService = async (name: string, n: number) =>
  waitFor(async () => {
    const g = await group(name);
    const ids = (g?.Instances ?? [])
      .filter((i) => i.LifecycleState === 'InService')
      .map((i) => i.InstanceId as string);
    return ids.length === n && (g?.Instances ?? []).length === n ? ids : undefined;
  });
const instanceCount = async (name: string, n: number) =>
  waitFor(async () => ((await group(name))?.Instances ?? []).length === n);

beforeAll(async () => {
  t = await startTestCloud();
  asg = t.clients.autoScaling;
  ec2 = t.clients.ec2;
  t.cloud.bus.on('instance:running', (e: InstanceRunningEvent) => running.push(e));
  t.cloud.bus.on('instance:terminating', (e: InstanceTerminatingEvent) => terminating.push(e));
});
afterAll(() => t.stop());

describe('launching', () => {
  test('launches desired instances Pending, then InService after the boot delay, across both zones', async () => {
    await createGroup(t, 'launch', { desired: 2 });
    const first = await group('launch');
    expect(first?.Instances?.map((i) => i.LifecycleState)).toEqual(['Pending', 'Pending']);
    await inService('launch', 2);
    expect(new Set((await group('launch'))?.Instances?.map((i) => i.AvailabilityZone))).toEqual(
      new Set(['us-east-1a', 'us-east-1b']),
    );
  });

  test('emits instance:running with the decoded user data, size and group name', async () => {
    const [id] = await (async () => {
      await createGroup(t, 'events', { desired: 1, instanceType: 't3.medium' });
      return inService('events', 1);
    })();
    const event = running.find((e) => e.instanceId === id);
    expect(event).toMatchObject({
      accountId: '000000000000',
      region: 'us-east-1',
      instanceType: 't3.medium',
      cpu: 2,
      memoryMiB: 4096,
      autoScalingGroupName: 'events',
    });
    expect(event?.userData).toContain('ECS_CLUSTER=events');
    expect(event?.privateIpAddress).toMatch(/^10\.0\.[01]\.\d+$/);
  });

  test('describes group instances through EC2 as running, with propagated and aws: tags', async () => {
    const { securityGroupId } = await createGroup(t, 'ec2-view', { desired: 1 });
    const [id] = await inService('ec2-view', 1);
    const out = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: ['ec2-view'] }],
      }),
    );
    const instance = out.Reservations?.[0]?.Instances?.[0];
    expect(instance).toMatchObject({
      InstanceId: id,
      InstanceType: 't3.small',
      State: { Code: 16, Name: 'running' },
    });
    expect(instance?.SecurityGroups).toEqual([{ GroupId: securityGroupId, GroupName: 'ec2-view-lt-hosts' }]);
    expect(instance?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'berth:env', Value: 'ec2-view' },
        { Key: 'aws:autoscaling:groupName', Value: 'ec2-view' },
      ]),
    );
  });

  test('pages DescribeInstances and filters by instance-state-name', async () => {
    await createGroup(t, 'paging', { desired: 3 });
    await inService('paging', 3);
    const filters = [
      { Name: 'tag:aws:autoscaling:groupName', Values: ['paging'] },
      { Name: 'instance-state-name', Values: ['running'] },
    ];
    const first = await ec2.send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 5 }));
    expect(first.Reservations).toHaveLength(3);
    expect(first.NextToken).toBeUndefined();
    const stopped = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }] }),
    );
    expect(stopped.Reservations).toEqual([]);
    await expectAwsError(
      ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000000'], MaxResults: 5 })),
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  });

  test('lists group instances in DescribeAutoScalingInstances', async () => {
    await createGroup(t, 'asg-instances', { desired: 1, protect: true });
    const [id] = await inService('asg-instances', 1);
    const out = await asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id as string] }));
    expect(out.AutoScalingInstances).toEqual([
      expect.objectContaining({
        InstanceId: id,
        AutoScalingGroupName: 'asg-instances',
        LifecycleState: 'InService',
        HealthStatus: 'HEALTHY',
        ProtectedFromScaleIn: true,
      }),
    ]);
  });

  test('shows an ENI for each running instance in DescribeNetworkInterfaces', async () => {
    const { securityGroupId } = await createGroup(t, 'enis', { desired: 1 });
    const [id] = await inService('enis', 1);
    const out = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [securityGroupId] }] }),
    );
    expect(out.NetworkInterfaces?.map((n) => n.Attachment?.InstanceId)).toEqual([id]);
  });
});

describe('scale-in', () => {
  test('terminates unprotected instances only; protected ones stay above the desired capacity', async () => {
    await createGroup(t, 'protected', { desired: 3, protect: true });
    const ids = await inService('protected', 3);
    await asg.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: 'protected',
        InstanceIds: [ids[0] as string],
        ProtectedFromScaleIn: false,
      }),
    );
    await asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'protected', DesiredCapacity: 0 }));
    await instanceCount('protected', 2);
    const remaining = (await group('protected'))?.Instances?.map((i) => i.InstanceId);
    expect(remaining?.sort()).toEqual([ids[1], ids[2]].sort());
    expect(terminating.map((e) => e.instanceId)).toContain(ids[0]);
    expect((await group('protected'))?.DesiredCapacity).toBe(0);
  });

  test('rejects protecting an instance of another group', async () => {
    await createGroup(t, 'other', { desired: 0 });
    await expectAwsError(
      asg.send(
        new SetInstanceProtectionCommand({
          AutoScalingGroupName: 'other',
          InstanceIds: ['i-0123456789abcdef0'],
          ProtectedFromScaleIn: true,
        }),
      ),
      'ValidationError',
      'The instance i-0123456789abcdef0 is not part of Auto Scaling group other.',
    );
  });
});

describe('terminating instances', () => {
  test('TerminateInstanceInAutoScalingGroup with decrement removes the instance without replacement', async () => {
    await createGroup(t, 'decrement', { desired: 2 });
    const [id] = await inService('decrement', 2);
    const out = await asg.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: id,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    expect(out.Activity?.Description).toBe(`Terminating EC2 instance: ${id}`);
    expect((await group('decrement'))?.DesiredCapacity).toBe(1);
    await instanceCount('decrement', 1);
  });

  test('TerminateInstanceInAutoScalingGroup without decrement launches a replacement', async () => {
    await createGroup(t, 'replace', { desired: 1 });
    const [id] = await inService('replace', 1);
    await asg.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: id,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const [replacement] = await inService('replace', 1);
    expect(replacement).not.toBe(id);
  });

  test('refuses to decrement below the min size', async () => {
    await createGroup(t, 'at-min', { min: 1, desired: 1 });
    const [id] = await inService('at-min', 1);
    await expectAwsError(
      asg.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: id,
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
      'ValidationError',
      "Currently, desiredCapacity (1) is equal to minSize (1). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
    );
  });

  test('answers an unknown instance with ValidationError', async () => {
    await expectAwsError(
      asg.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: 'i-00000000000000000',
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
      'ValidationError',
      'Instance Id not found - No managed instance found for instance ID: i-00000000000000000',
    );
  });

  test('EC2 TerminateInstances moves the instance to shutting-down, and the group replaces it', async () => {
    await createGroup(t, 'ec2-terminate', { desired: 1 });
    const [id] = await inService('ec2-terminate', 1);
    const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id as string] }));
    expect(out.TerminatingInstances).toEqual([
      {
        InstanceId: id,
        CurrentState: { Code: 32, Name: 'shutting-down' },
        PreviousState: { Code: 16, Name: 'running' },
      },
    ]);
    await waitFor(async () => {
      const r = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id as string] }));
      return r.Reservations?.[0]?.Instances?.[0]?.State?.Name === 'terminated';
    });
    const [replacement] = await inService('ec2-terminate', 1);
    expect(replacement).not.toBe(id);
  });

  test('EC2 TerminateInstances answers an unknown id with InvalidInstanceID.NotFound', async () => {
    await expectAwsError(
      ec2.send(new TerminateInstancesCommand({ InstanceIds: ['i-00000000000000000'] })),
      'InvalidInstanceID.NotFound',
      "The instance ID 'i-00000000000000000' does not exist",
    );
  });
});

describe('deleting a group with instances', () => {
  test('answers ResourceInUse without ForceDelete', async () => {
    await createGroup(t, 'in-use', { desired: 1 });
    await expectAwsError(
      asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'in-use' })),
      'ResourceInUseFault',
      'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
    );
  });

  test('ForceDelete terminates the instances and removes the group once they are gone', async () => {
    // Its own cloud, slower than `instant` (termination delay 1.5 s instead of 60 ms): the describe right after
    // the delete must land inside the window on a loaded machine.
    const slow = await startTestCloud({ factor: 0.05 });
    try {
      const ended: InstanceTerminatingEvent[] = [];
      slow.cloud.bus.on('instance:terminating', (e: InstanceTerminatingEvent) => ended.push(e));
      const describe = async () =>
        (
          await slow.clients.autoScaling.send(
            new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['forced'] }),
          )
        ).AutoScalingGroups?.[0];
      await createGroup(slow, 'forced', { desired: 2, protect: true });
      const ids = await waitFor(async () => {
        const ready = (await describe())?.Instances ?? [];
        return ready.length === 2 && ready.every((i) => i.LifecycleState === 'InService')
          ? ready.map((i) => i.InstanceId as string)
          : undefined;
      }, 20_000);
      await slow.clients.autoScaling.send(
        new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'forced', ForceDelete: true }),
      );
      const during = await describe();
      expect(during?.Status).toBe('Delete in progress');
      expect(during?.Instances?.map((i) => i.LifecycleState)).toEqual(['Terminating', 'Terminating']);
      await waitFor(async () => (await describe()) === undefined, 20_000);
      expect(ended.map((e) => e.instanceId)).toEqual(expect.arrayContaining(ids));
    } finally {
      await slow.stop();
    }
  });
});

describe('insufficient capacity', () => {
  test('records a failed launch activity with the AWS message and launches no instance', async () => {
    await t.control('/_berth/faults', { body: { capacity: { insufficientInstanceTypes: ['c5.large'] } } });
    try {
      await createGroup(t, 'no-capacity', { desired: 1, instanceType: 'c5.large' });
      const activities =
        (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'no-capacity' })))
          .Activities ?? [];
      expect(activities[0]).toMatchObject({
        StatusCode: 'Failed',
        StatusMessage:
          'We currently do not have sufficient c5.large capacity in the Availability Zone you requested (us-east-1a). Our system will be working on provisioning additional capacity. You can currently get c5.large capacity by not specifying an Availability Zone in your request or choosing us-east-1b. Launching EC2 instance failed.',
      });
      expect((await group('no-capacity'))?.Instances).toEqual([]);
    } finally {
      await t.control('/_berth/faults', { body: { capacity: { insufficientInstanceTypes: [] } } });
    }
  });

  test('launches the instance once capacity returns', async () => {
    await t.control('/_berth/faults', { body: { capacity: { insufficientInstanceTypes: ['c5.xlarge'] } } });
    await createGroup(t, 'capacity-returns', { desired: 1, instanceType: 'c5.xlarge' });
    expect((await group('capacity-returns'))?.Instances).toEqual([]);
    await t.control('/_berth/faults', { body: { capacity: { insufficientInstanceTypes: [] } } });
    await inService('capacity-returns', 1);
  });
});
