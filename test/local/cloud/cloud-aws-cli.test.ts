import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runAwsCliJson } from './helpers/aws-cli.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud.ts';
import { createGroup } from './helpers/fixtures.ts';

let t: TestCloud;

/** Runs the AWS CLI v2 against the test cloud and parses its JSON output. */
const aws = (...args: string[]): Promise<any> => runAwsCliJson(t.url, args);

beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(() => t.stop());

describe('AWS CLI v2 against the local cloud', () => {
  test('creates a security group and describes it by name', async () => {
    const created = await aws(
      'ec2',
      'create-security-group',
      '--group-name',
      'cli-sg',
      '--description',
      'from the CLI',
    );
    expect(created.GroupId).toMatch(/^sg-[0-9a-f]{17}$/);
    const described = await aws(
      'ec2',
      'describe-security-groups',
      '--filters',
      'Name=group-name,Values=cli-sg',
    );
    expect(described.SecurityGroups).toEqual([
      expect.objectContaining({
        GroupId: created.GroupId,
        GroupName: 'cli-sg',
        Description: 'from the CLI',
        OwnerId: '000000000000',
      }),
    ]);
  }, 90_000);

  test('describes Auto Scaling groups with their instances', async () => {
    await createGroup(t, 'cli-asg', { desired: 1 });
    const out = await aws(
      'autoscaling',
      'describe-auto-scaling-groups',
      '--auto-scaling-group-names',
      'cli-asg',
    );
    expect(out.AutoScalingGroups).toHaveLength(1);
    expect(out.AutoScalingGroups[0]).toMatchObject({
      AutoScalingGroupName: 'cli-asg',
      MinSize: 0,
      MaxSize: 4,
      DesiredCapacity: 1,
    });
    expect(out.AutoScalingGroups[0].Instances).toHaveLength(1);
  }, 90_000);
});
