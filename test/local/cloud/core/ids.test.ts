import { CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoScalingGroupArn, parseAutoScalingGroupArn } from '../../../../local/cloud/core/ids.ts';
import { autoScalingBackend } from '../../../../local/cloud/services/autoscaling/backend.ts';
import { asgNameOf } from '../../../../local/cloud/services/ecs/model.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { publicSubnets } from '../helpers/dataplane-fixtures.ts';

const ID = '5d6f0b9c-1a2b-4c3d-8e9f-0a1b2c3d4e5f';

describe('parseAutoScalingGroupArn', () => {
  it('reads back what autoScalingGroupArn builds', () => {
    const arn = autoScalingGroupArn('eu-west-1', '123456789012', 'berth-pr-42-asg', ID);
    expect(parseAutoScalingGroupArn(arn)).toEqual({
      region: 'eu-west-1',
      account: '123456789012',
      id: ID,
      name: 'berth-pr-42-asg',
    });
  });

  it('keeps a name containing slashes and colons whole', () => {
    const arn = `arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:${ID}:autoScalingGroupName/a/b:c`;
    expect(parseAutoScalingGroupArn(arn)?.name).toBe('a/b:c');
  });

  it('answers undefined for a plain name or another ARN', () => {
    expect(parseAutoScalingGroupArn('berth-pr-42-asg')).toBeUndefined();
    expect(parseAutoScalingGroupArn('autoScalingGroupName/x')).toBeUndefined();
    expect(
      parseAutoScalingGroupArn('arn:aws:ecs:us-east-1:000000000000:capacity-provider/autoScalingGroupName/x'),
    ).toBeUndefined();
  });

  it('is what the ECS model uses to name a capacity provider’s group', () => {
    expect(asgNameOf(autoScalingGroupArn('us-east-1', '000000000000', 'g1', ID))).toBe('g1');
    expect(asgNameOf('g1')).toBe('g1');
  });
});

describe('AutoScalingBackend.getGroup by ARN', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await startTestCloud();
  });
  afterAll(() => t.stop());

  it('finds the group by its ARN, and not by the ARN of a deleted group of the same name', async () => {
    const { subnetIds } = await publicSubnets(t);
    await t.clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'ids-lt',
        LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' },
      }),
    );
    const create = () =>
      t.clients.autoScaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'ids-asg',
          LaunchTemplate: { LaunchTemplateName: 'ids-lt' },
          MinSize: 0,
          MaxSize: 1,
          VPCZoneIdentifier: subnetIds.join(','),
        }),
      );
    const backend = autoScalingBackend(t.cloud, '000000000000', 'us-east-1');
    await create();
    const first = backend.getGroup('ids-asg')?.arn as string;
    expect(parseAutoScalingGroupArn(first)?.name).toBe('ids-asg');
    expect(backend.getGroup(first)?.name).toBe('ids-asg');
    await t.clients.autoScaling.send(
      new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'ids-asg', ForceDelete: true }),
    );
    for (let i = 0; i < 200 && backend.getGroup('ids-asg'); i++) await new Promise((r) => setTimeout(r, 25));
    await create();
    const second = backend.getGroup('ids-asg')?.arn as string;
    expect(second).not.toBe(first);
    expect(backend.getGroup(second)?.arn).toBe(second);
    expect(backend.getGroup(first)).toBeUndefined();
  });
});
