import { readFileSync } from 'node:fs';
import { DescribeSecurityGroupsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsEc2Adapter } from '../../functions/adapters/ec2.ts';
import { parseEnvSpec } from '../../functions/core/env-spec.ts';
import { loadConfig } from '../../functions/handlers/config.ts';
import { makeHandler } from '../../functions/handlers/create-network.ts';
import { silentLogger } from '../../functions/handlers/lifecycle-deps.ts';
import { startTestCloud, type TestCloud } from '../local/helpers/cloud.ts';

/**
 * Issue 9 item 7: right after CreateSecurityGroup, AuthorizeSecurityGroupIngress can answer
 * InvalidGroup.NotFound (EC2 eventual consistency). Berth reports it as the retryable
 * TransientAwsError, and the idempotent step's retry completes the rules.
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
  it('throws TransientAwsError for a just-created group, then completes on the retry without duplicates', async () => {
    const first = await createNetwork()(state).catch((err: unknown) => err);
    expect(first).toMatchObject({ name: 'TransientAwsError', retryable: true });
    expect((first as Error).message).toMatch(
      /ec2\.AuthorizeSecurityGroupIngress sg-[0-9a-f]+: InvalidGroup\.NotFound right after the group was created \(EC2 eventual consistency\)/,
    );

    // The state machine's Retry runs the idempotent step again (observe, then only what is missing);
    // each new group has its own window.
    let ids: { albSecurityGroupId: string; instanceSecurityGroupId: string } | undefined;
    for (let attempt = 2; attempt <= 4 && ids === undefined; attempt++) {
      await t.settle('securityGroupPropagation');
      ids = await createNetwork()(state).catch((err: unknown) => {
        expect(err).toMatchObject({ name: 'TransientAwsError' });
        return undefined;
      });
    }
    if (ids === undefined) throw new Error('not converged after 4 attempts');

    const groups = await t.clients.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['berth-demo-*'] }] }),
    );
    expect(groups.SecurityGroups).toHaveLength(2);
    const alb = groups.SecurityGroups?.find((g) => g.GroupId === ids.albSecurityGroupId);
    const hosts = groups.SecurityGroups?.find((g) => g.GroupId === ids.instanceSecurityGroupId);
    expect(alb?.IpPermissions?.map((p) => p.FromPort).sort()).toEqual([443, 80]);
    expect(hosts?.IpPermissions?.[0]?.UserIdGroupPairs?.[0]?.GroupId).toBe(ids.albSecurityGroupId);
  });

  it('is retried by the CreateNetwork task of the lifecycle machine (TransientAwsError, bounded)', () => {
    const asl = readFileSync(new URL('../../statemachine/lifecycle.asl.json', import.meta.url), 'utf8');
    const states = JSON.parse(asl).States as Record<
      string,
      { Retry?: { ErrorEquals: string[]; MaxAttempts: number }[] }
    >;
    const retry = states.CreateNetwork?.Retry?.find((r) => r.ErrorEquals.includes('TransientAwsError'));
    expect(retry?.MaxAttempts).toBeGreaterThanOrEqual(3);
  });
});
