import { CreateLaunchTemplateCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsAutoScalingAdapter } from '../../../functions/adapters/autoscaling.ts';
import { AwsEc2Adapter } from '../../../functions/adapters/ec2.ts';
import { AwsEcsAdapter } from '../../../functions/adapters/ecs.ts';
import { AwsElbv2Adapter } from '../../../functions/adapters/elbv2.ts';
import { AwsLogsAdapter } from '../../../functions/adapters/logs.ts';
import { resourceNames } from '../../../functions/core/names.ts';
import { CLUSTER_PROPAGATION_WAIT_SECONDS } from '../../../functions/core/plan-teardown.ts';
import { loadConfig } from '../../../functions/handlers/config.ts';
import { silentLogger } from '../../../functions/handlers/lifecycle-deps.ts';
import { makeHandler } from '../../../functions/handlers/teardown-service.ts';
import type { TeardownResult } from '../../../functions/handlers/teardown-stage.ts';
import { startTestCloud, type TestCloud } from '../../local/cloud/helpers/cloud.ts';
import { until } from '../../local/cloud/helpers/dataplane-fixtures.ts';

/**
 * Issue 9 item 7, ECS: right after CreateCluster, DescribeClusters answers the new cluster as a
 * MISSING failure (ECS API reference, "eventual consistency"; terraform-provider-aws PR #11701).
 * A teardown at that moment (a rollback right after a fast failure, `down` right after `up`) must
 * not conclude there is no cluster when the environment's capacity resources show it was created:
 * the first stage waits (bounded) until the cluster is described.
 */
let t: TestCloud;
let vpcId: string;

beforeAll(async () => {
  // realistic × 0.1: a new ECS resource stays MISSING for 500 ms.
  t = await startTestCloud({ profile: 'realistic', factor: 0.1 });
  vpcId = (await t.clients.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId as string;
}, 30_000);
afterAll(() => t.stop());

const teardownService = () =>
  makeHandler({
    config: loadConfig({ BERTH_VPC_ID: vpcId }),
    ecs: new AwsEcsAdapter(t.clients.ecs),
    elbv2: new AwsElbv2Adapter(t.clients.elbv2),
    autoScaling: new AwsAutoScalingAdapter(t.clients.autoScaling),
    ec2: new AwsEc2Adapter(t.clients.ec2),
    logs: new AwsLogsAdapter(t.clients.logs),
    now: () => new Date('2026-11-30T01:00:00Z'),
    logger: silentLogger,
  });

/** What `up`'s CreateCluster step leaves right after it ran: the cluster, then its launch template. */
async function justCreated(env: string): Promise<void> {
  const names = resourceNames(env);
  const tags = [
    { key: 'berth:env', value: env },
    { key: 'berth:managed-by', value: 'berth' },
  ];
  await t.clients.ecs.send(new CreateClusterCommand({ clusterName: names.cluster, tags }));
  await t.clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: names.launchTemplate,
      LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.small' },
      TagSpecifications: [
        {
          ResourceType: 'launch-template',
          Tags: tags.map(({ key, value }) => ({ Key: key, Value: value })),
        },
      ],
    }),
  );
}

describe('teardown right after the cluster was created (ECS eventual consistency)', () => {
  it('waits while DescribeClusters answers MISSING, then goes on once the cluster is described', async () => {
    await justCreated('fresh');
    const cluster = resourceNames('fresh').cluster;
    const early = await t.clients.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
    expect(early.failures?.map((f) => f.reason)).toEqual(['MISSING']);

    const state = { operation: 'down', env: 'fresh', timing: { deleteIntervalSeconds: 15 } };
    const first = await teardownService()(state);
    expect(first).toEqual({
      done: false,
      remaining: [
        `wait ECS cluster ${cluster}: launch template ${resourceNames('fresh').launchTemplate} exists but DescribeClusters does not describe the cluster yet (ECS eventual consistency)`,
      ],
      executed: [],
      waitedSeconds: 0,
      // ECS propagation takes seconds: a short wait, not a drain's.
      waitingFor: 'cluster-propagation',
      waitSeconds: 10,
      waitStep: 0,
    });

    await t.settle('ecsResourcePropagation');
    const later: TeardownResult = await until(async () => {
      const result = await teardownService()({ ...state, teardown: { service: first } });
      return result.done ? result : undefined;
    });
    expect(later).toEqual({ done: true, remaining: [], executed: [] });
  });

  it('goes on past the wait once its bound is reached (a cluster really gone)', async () => {
    await justCreated('gone');
    const waited: TeardownResult = {
      done: false,
      remaining: [],
      executed: [],
      waitedSeconds: CLUSTER_PROPAGATION_WAIT_SECONDS - 15,
    };
    const state = {
      operation: 'down',
      env: 'gone',
      timing: { deleteIntervalSeconds: 15 },
      teardown: { service: waited },
    };
    // Still MISSING (created moments ago), but the stage has waited its bound: it does not wait again.
    const early = await t.clients.ecs.send(
      new DescribeClustersCommand({ clusters: [resourceNames('gone').cluster] }),
    );
    expect(early.failures?.map((f) => f.reason)).toEqual(['MISSING']);
    expect(await teardownService()(state)).toEqual({ done: true, remaining: [], executed: [] });
  });
});
