import { readFileSync } from 'node:fs';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsAutoScalingAdapter } from '../../../functions/adapters/autoscaling.ts';
import { AwsEc2Adapter } from '../../../functions/adapters/ec2.ts';
import { AwsEcsAdapter } from '../../../functions/adapters/ecs.ts';
import { AwsElbv2Adapter } from '../../../functions/adapters/elbv2.ts';
import { AwsLogsAdapter } from '../../../functions/adapters/logs.ts';
import { resourceNames } from '../../../functions/core/names.ts';
import { loadConfig } from '../../../functions/handlers/config.ts';
import { silentLogger } from '../../../functions/handlers/lifecycle-deps.ts';
import { makeHandler } from '../../../functions/handlers/teardown-network.ts';
import type { TeardownResult } from '../../../functions/handlers/teardown-stage.ts';
import { startTestCloud, type TestCloud } from '../../local/cloud/helpers/cloud.ts';
import { publicSubnets, until } from '../../local/cloud/helpers/dataplane-fixtures.ts';

/**
 * Issue 9 item 5: an ALB's network interfaces outlive it, so its security group stays undeletable
 * after DescribeLoadBalancers stops listing it. The network stage waits on the interfaces (done:
 * false, naming them) instead of failing on DependencyViolation, and gives up after 20 minutes
 * (AWS time) with DependencyTimeoutError naming what still holds the group.
 */
let t: TestCloud;
let vpcId: string;
const names = resourceNames('demo');
const tags = { 'berth:env': 'demo', 'berth:managed-by': 'berth' };

beforeAll(async () => {
  t = await startTestCloud({ maxAttempts: 3 });
  vpcId = (await t.clients.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId as string;
});
afterAll(() => t.stop());

const teardownNetwork = () =>
  makeHandler({
    config: loadConfig({ BERTH_VPC_ID: vpcId }),
    ecs: new AwsEcsAdapter(t.clients.ecs),
    elbv2: new AwsElbv2Adapter(t.clients.elbv2),
    autoScaling: new AwsAutoScalingAdapter(t.clients.autoScaling),
    ec2: new AwsEc2Adapter(t.clients.ec2),
    logs: new AwsLogsAdapter(t.clients.logs),
    now: () => new Date('2026-11-29T20:00:00Z'),
    logger: silentLogger,
  });

/** The env's groups and an ALB in the ALB group, deleted and gone from DescribeLoadBalancers. */
async function groupsHeldByADeletedAlb(): Promise<{ albGroup: string }> {
  const ec2 = new AwsEc2Adapter(t.clients.ec2);
  const create = (name: string) =>
    until(() =>
      ec2.createSecurityGroup({ env: 'demo', vpcId, name, description: `Berth demo ${name}`, tags }),
    );
  const ids = {
    albSecurityGroupId: await create(names.albSecurityGroup),
    instanceSecurityGroupId: await create(names.instanceSecurityGroup),
  };
  const { subnetIds } = await publicSubnets(t);
  const lb = await t.clients.elbv2.send(
    new CreateLoadBalancerCommand({
      Name: names.loadBalancer,
      Subnets: subnetIds,
      SecurityGroups: [ids.albSecurityGroupId],
    }),
  );
  const arn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
  await t.clients.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  await until(async () => {
    const out = await t.clients.elbv2.send(new DescribeLoadBalancersCommand({}));
    return !(out.LoadBalancers ?? []).some((l) => l.LoadBalancerArn === arn);
  });
  return { albGroup: ids.albSecurityGroupId };
}

describe('teardown-network while the ALB interfaces linger', () => {
  it('waits on the interfaces, naming them, then deletes both groups once they are gone', async () => {
    const { albGroup } = await groupsHeldByADeletedAlb();
    const state = { operation: 'down', env: 'demo', timing: { deleteIntervalSeconds: 15 } };

    const first = await teardownNetwork()(state);
    expect(first.done).toBe(false);
    expect(first.executed).toEqual([
      expect.stringMatching(
        `^delete security group ${names.instanceSecurityGroup}: sg-[0-9a-f]+; no network interface uses it$`,
      ),
    ]);
    expect(first.remaining).toHaveLength(1);
    expect(first.remaining[0]).toMatch(
      new RegExp(
        `^wait security group ${names.albSecurityGroup}: ${albGroup} still used by 2 network interfaces: eni-[0-9a-f]+ \\(ELB app/${names.loadBalancer}/[0-9a-f]+, available\\), eni-[0-9a-f]+ \\(ELB app/`,
      ),
    );
    expect(first.waitedSeconds).toBe(0);
    // Sized to what holds the group: an ALB's interfaces, released about 4 minutes after it is gone (+ 5 s).
    expect(first).toMatchObject({ waitingFor: 'network-interfaces', waitSeconds: 245, waitStep: 0 });

    // The state machine Waits waitSeconds and calls again with the previous result.
    const second = await teardownNetwork()({ ...state, teardown: { network: first } });
    expect(second.waitedSeconds).toBe(245);
    // Past the expectation, with no deletion time to count from: backing off.
    expect(second).toMatchObject({ waitingFor: 'network-interfaces', waitSeconds: 15, waitStep: 1 });

    const last = await until(async () => {
      const result: TeardownResult = await teardownNetwork()({ ...state, teardown: { network: second } });
      return result.done ? result : undefined;
    });
    expect(last.executed).toEqual([
      `delete security group ${names.albSecurityGroup}: ${albGroup}; no network interface uses it`,
    ]);
    expect(await new AwsEc2Adapter(t.clients.ec2).observeSecurityGroup(vpcId, names.albSecurityGroup)).toBe(
      undefined,
    );
  });

  it('gives up after 20 minutes with DependencyTimeoutError naming what still holds the group', async () => {
    const { albGroup } = await groupsHeldByADeletedAlb();
    const waited: TeardownResult = { done: false, remaining: [], executed: [], waitedSeconds: 1185 };
    const state = { operation: 'down', env: 'demo', teardown: { network: waited } };
    await expect(teardownNetwork()(state)).rejects.toMatchObject({
      name: 'DependencyTimeoutError',
      message: expect.stringMatching(
        new RegExp(
          `^teardown-network: security group ${names.albSecurityGroup} still waited for after 1200 s \\(bound 1200 s\\): ${albGroup} still used by 2 network interfaces: eni-`,
        ),
      ),
    });
  });

  it("sizes the wait from this teardown's DeleteLoadBalancer when the load-balancer stage reports it", async () => {
    // Last of the cloud tests: it leaves the groups held (the ones before delete theirs or only read them).
    await groupsHeldByADeletedAlb();
    const loadBalancer: TeardownResult = {
      done: true,
      remaining: [],
      executed: [],
      loadBalancerDeletedAt: '2026-11-29T19:59:00Z', // 60 s before the handler's now
    };
    const result = await teardownNetwork()({ operation: 'down', env: 'demo', teardown: { loadBalancer } });
    // 30 s deletion + 240 s release − 60 s already past + 5 s margin.
    expect(result).toMatchObject({ done: false, waitingFor: 'network-interfaces', waitSeconds: 215 });
  });

  it('polls the network stage with a Wait sized by its result in both teardown chains', () => {
    const asl = JSON.parse(
      readFileSync(new URL('../../../statemachine/lifecycle.asl.json', import.meta.url), 'utf8'),
    ) as { States: Record<string, { Type: string; Next?: string; SecondsPath?: string }> };
    for (const suffix of ['Down', 'Rollback']) {
      expect(asl.States[`TeardownNetwork${suffix}`]?.Next).toBe(`TeardownNetworkDone${suffix}`);
      expect(asl.States[`TeardownNetworkWait${suffix}`]).toMatchObject({
        Type: 'Wait',
        SecondsPath: `$.teardown.network.waitSeconds`,
        Next: `TeardownNetwork${suffix}`,
      });
    }
  });
});
