import { readFileSync } from 'node:fs';
import { DescribeSecurityGroupsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsEc2Adapter } from '../../../functions/adapters/ec2.ts';
import { parseEnvSpec } from '../../../functions/core/env-spec.ts';
import { loadConfig } from '../../../functions/handlers/config.ts';
import { makeHandler } from '../../../functions/handlers/create-network.ts';
import { silentLogger } from '../../../functions/handlers/lifecycle-deps.ts';
import { startTestCloud, type TestCloud } from '../../local/cloud/helpers/cloud.ts';

/**
 * Issue 9 item 7: right after CreateSecurityGroup, AuthorizeSecurityGroupIngress can answer
 * InvalidGroup.NotFound (EC2 eventual consistency). create-network creates the groups only;
 * create-load-balancer authorizes their rules after requesting the ALB, reporting the window as the
 * retryable TransientAwsError, and the idempotent step's retry completes the rules.
 */
let t: TestCloud;
let vpcId: string;

beforeAll(async () => {
  // realistic × 0.1: the propagation window lasts 500 ms, so the first authorize meets it.
  t = await startTestCloud({ profile: 'realistic', factor: 0.1 });
  vpcId = (await t.clients.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId as string;
});
afterAll(() => t.stop());

const createNetwork = () =>
  makeHandler({
    config: loadConfig({ BERTH_VPC_ID: vpcId }),
    ec2: new AwsEc2Adapter(t.clients.ec2),
    logger: silentLogger,
  } as never);

const state = {
  operation: 'up',
  env: 'demo',
  requestId: 'r-1',
  requestedBy: 'ana',
  spec: parseEnvSpec({ name: 'demo', image: 'nginx:1.27', owner: 'ana' }),
} as never;

describe('create-network during EC2 eventual consistency', () => {
  it('creates both groups at once, without rules, so it never meets the window', async () => {
    const ids = await createNetwork()(state);
    const groups = await t.clients.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['berth-demo-*'] }] }),
    );
    expect(groups.SecurityGroups?.map((g) => g.GroupId).sort()).toEqual(
      [ids.albSecurityGroupId, ids.instanceSecurityGroupId].sort(),
    );
    expect(groups.SecurityGroups?.flatMap((g) => g.IpPermissions ?? [])).toEqual([]);
  });

  it('throws TransientAwsError for a rule naming a just-created group, then authorizes it without duplicates', async () => {
    const ec2 = new AwsEc2Adapter(t.clients.ec2);
    const tags = { 'berth:env': 'late', 'berth:managed-by': 'berth' };
    const create = (name: string) =>
      ec2.createSecurityGroup({ env: 'late', vpcId, name, description: name, tags });
    const alb = await create('berth-late-alb');
    const hosts = await create('berth-late-instances');
    const rule = { from: 32768, to: 65535, note: 'ECS dynamic host ports from the ALB', groupId: alb };
    const first = await ec2.authorizeIngress(hosts, [rule]).catch((err: unknown) => err);
    expect(first).toMatchObject({ name: 'TransientAwsError', retryable: true });
    expect((first as Error).message).toMatch(
      /ec2\.AuthorizeSecurityGroupIngress sg-[0-9a-f]+: InvalidGroup\.NotFound right after the group was created \(EC2 eventual consistency\)/,
    );

    // The state machine's Retry runs the idempotent step again once the groups are visible.
    await t.settle('securityGroupPropagation');
    await ec2.authorizeIngress(hosts, [rule]);
    await ec2.authorizeIngress(hosts, [rule]); // a retry after a lost answer: InvalidPermission.Duplicate is success
    const described = await t.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [hosts] }));
    expect(
      described.SecurityGroups?.[0]?.IpPermissions?.[0]?.UserIdGroupPairs?.map((p) => p.GroupId),
    ).toEqual([alb]);
  });

  it('is retried by the CreateLoadBalancer task of the lifecycle machine, which authorizes the rules (TransientAwsError, bounded)', () => {
    const asl = readFileSync(new URL('../../../statemachine/lifecycle.asl.json', import.meta.url), 'utf8');
    type Task = { Retry?: { ErrorEquals: string[]; MaxAttempts: number }[] };
    const states = JSON.parse(asl).States as Record<
      string,
      Task & { Branches?: { States: Record<string, Task> }[] }
    >;
    const branch = states.ProvisionInParallel?.Branches?.find(
      (b) => b.States.CreateLoadBalancer !== undefined,
    );
    const retry = branch?.States.CreateLoadBalancer?.Retry?.find((r) =>
      r.ErrorEquals.includes('TransientAwsError'),
    );
    expect(retry?.MaxAttempts).toBeGreaterThanOrEqual(3);
  });
});
