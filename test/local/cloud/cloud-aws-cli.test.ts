import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestCloud, type TestCloud } from './helpers/cloud.ts';
import { createGroup } from './helpers/fixtures.ts';

const run = promisify(execFile);
const AWS = '/usr/bin/aws';
let t: TestCloud;

/** Runs the AWS CLI v2 against the test cloud and parses its JSON output. */
async function aws(...args: string[]): Promise<any> {
  if (!existsSync(AWS)) {
    throw new Error(
      `${AWS} is missing: install the AWS CLI v2 (Debian: apt-get install -y awscli) to run these tests`,
    );
  }
  // Debian's CLI 2.9 predates AWS_ENDPOINT_URL support: pass --endpoint-url as well.
  const { stdout } = await run(AWS, [...args, '--endpoint-url', t.url, '--output', 'json'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: t.url,
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    timeout: 30_000,
  });
  return stdout.trim() === '' ? {} : JSON.parse(stdout);
}

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
