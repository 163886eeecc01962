import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

describe('teardown next to a foreign resource', () => {
  let e2e: E2EPlatform;
  let foreignGroupId: string;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
    // Another team owns a security group that happens to carry Berth's name for env "clash".
    const foreign = await e2e.clients.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'berth-clash-alb',
        Description: 'created by another team',
        VpcId: e2e.platform.env['BERTH_VPC_ID'],
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: 'payments' }] }],
      }),
    );
    foreignGroupId = foreign.GroupId!;
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  async function foreignGroupStillExists(): Promise<void> {
    const found = await e2e.clients.ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [foreignGroupId] }),
    );
    expect(found.SecurityGroups?.[0]).toMatchObject({
      GroupName: 'berth-clash-alb',
      Tags: [{ Key: 'team', Value: 'payments' }],
    });
  }

  it('fails up with OwnershipConflictError and its rollback keeps the foreign group', async () => {
    const up = await e2e.api('POST', '/environments', spec('clash'));
    expect(up.status, up.text).toBe(202);
    const execution = await e2e.waitForExecution(up.body.executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('OwnershipConflictError');
    expect(execution.cause).toContain('berth-clash-alb');
    await foreignGroupStillExists();
  });

  it('fails down with OwnershipConflictError and keeps the foreign group', async () => {
    const down = await e2e.api('DELETE', '/environments/clash');
    expect(down.status, down.text).toBe(202);
    const execution = await e2e.waitForExecution(down.body.executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('OwnershipConflictError');
    expect(JSON.parse(execution.cause!).errorMessage).toContain(
      'not tagged as belonging to environment "clash"',
    );
    await foreignGroupStillExists();
    await e2e.assertNothingLeft('clash');
  });
});
