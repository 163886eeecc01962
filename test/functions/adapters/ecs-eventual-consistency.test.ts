import { readFileSync } from 'node:fs';
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsEcsAdapter } from '../../../functions/adapters/ecs.ts';
import { autoScalingBackend } from '../../../local/cloud/services/autoscaling/backend.ts';
import { startTestCloud, type TestCloud } from '../../local/cloud/helpers/cloud.ts';
import { albWithTargetGroup, publicSubnets, until } from '../../local/cloud/helpers/dataplane-fixtures.ts';

/**
 * Issue 9 item 7, ECS: the ECS API is eventually consistent ("the result of an API command you run
 * that affects your Amazon ECS resources might not be immediately visible to all subsequent commands
 * you run", ECS API reference). Right after CreateCluster / CreateCapacityProvider / CreateService,
 * the describe calls answer the new resource as a `failures` entry with reason MISSING
 * (terraform-provider-aws PRs #11701, #3387). The local cloud hides each new resource for a scaled
 * moment; Berth turns the "already exists" answer of a create retried within that moment (core
 * planned it because Describe said MISSING) into the retryable TransientAwsError, and the retry
 * converges once ECS is consistent.
 */
let t: TestCloud;
let subnetIds: string[];
const tags = { 'berth:env': 'demo', 'berth:managed-by': 'berth' };

beforeAll(async () => {
  // realistic × 0.1: a new ECS resource stays MISSING for 500 ms.
  t = await startTestCloud({ profile: 'realistic', factor: 0.1 });
  ({ subnetIds } = await publicSubnets(t));
  await t.clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'berth-demo-lt',
      LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.small' },
    }),
  );
}, 30_000);
afterAll(() => t.stop());

const newGroup = async (name: string): Promise<string> => {
  await t.clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: 'berth-demo-lt', Version: '$Latest' },
      MinSize: 0,
      MaxSize: 1,
      DesiredCapacity: 0,
      VPCZoneIdentifier: subnetIds.join(','),
      NewInstancesProtectedFromScaleIn: true,
    }),
  );
  const group = autoScalingBackend(t.cloud, '000000000000', 'us-east-1').getGroup(name);
  if (!group) throw new Error(`no group ${name}`);
  return group.arn;
};

describe('ECS eventual consistency (local cloud)', () => {
  it('answers DescribeClusters with a MISSING failure for a cluster created moments ago, then describes it', async () => {
    await t.clients.ecs.send(new CreateClusterCommand({ clusterName: 'fresh-cluster' }));
    const early = await t.clients.ecs.send(new DescribeClustersCommand({ clusters: ['fresh-cluster'] }));
    expect(early.clusters).toEqual([]);
    expect(early.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/fresh-cluster', reason: 'MISSING' },
    ]);
    await t.settle('ecsResourcePropagation');
    const later = await t.clients.ecs.send(new DescribeClustersCommand({ clusters: ['fresh-cluster'] }));
    expect(later.clusters?.map((c) => [c.clusterName, c.status])).toEqual([['fresh-cluster', 'ACTIVE']]);
    expect(later.failures).toEqual([]);
  });

  it('answers DescribeCapacityProviders and DescribeServices with MISSING for new ones, then describes them', async () => {
    await t.clients.ecs.send(new CreateClusterCommand({ clusterName: 'fresh-svc' }));
    const asgArn = await newGroup('fresh-cp-asg');
    // The account's ECS service-linked role (created by its first CreateCluster) propagates first.
    await until(
      () =>
        new AwsEcsAdapter(t.clients.ecs)
          .createCapacityProvider({ env: 'fresh', name: 'fresh-cp', autoScalingGroupArn: asgArn, tags })
          .then(() => true),
      5_000,
    );
    const providers = await t.clients.ecs.send(
      new DescribeCapacityProvidersCommand({ capacityProviders: ['fresh-cp'] }),
    );
    expect(providers.capacityProviders).toEqual([]);
    expect(providers.failures).toEqual([{ arn: 'fresh-cp', reason: 'MISSING' }]);

    const td = await t.clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'fresh-web',
        containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, essential: true }],
      }),
    );
    await t.clients.ecs.send(
      new CreateServiceCommand({
        cluster: 'fresh-svc',
        serviceName: 'fresh-web',
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        desiredCount: 0,
        launchType: 'EC2',
      }),
    );
    const services = await t.clients.ecs.send(
      new DescribeServicesCommand({ cluster: 'fresh-svc', services: ['fresh-web'] }),
    );
    expect(services.services).toEqual([]);
    expect(services.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:service/fresh-svc/fresh-web', reason: 'MISSING' },
    ]);

    await t.settle('ecsResourcePropagation');
    const providersLater = await t.clients.ecs.send(
      new DescribeCapacityProvidersCommand({ capacityProviders: ['fresh-cp'] }),
    );
    expect(providersLater.capacityProviders?.map((c) => c.name)).toEqual(['fresh-cp']);
    const servicesLater = await t.clients.ecs.send(
      new DescribeServicesCommand({ cluster: 'fresh-svc', services: ['fresh-web'] }),
    );
    expect(servicesLater.services?.map((s) => [s.serviceName, s.status])).toEqual([['fresh-web', 'ACTIVE']]);
  });
});

describe('ECS eventual consistency (Berth)', () => {
  it('makes a capacity provider create retried within the window retryable, and the retry observes it', async () => {
    const ecs = new AwsEcsAdapter(t.clients.ecs);
    const input = {
      env: 'demo',
      name: 'berth-demo-cp',
      autoScalingGroupArn: await newGroup('berth-demo-asg'),
      tags,
    };
    // (The first CreateCluster of this account has long created the ECS service-linked role.)
    await ecs.createCapacityProvider(input);
    // An immediate retry of the step: the observation misses the provider, so core plans the create
    // again, and CreateCapacityProvider answers "already exists".
    expect(await ecs.observeCapacityProvider(input.name)).toBeUndefined();
    await expect(ecs.createCapacityProvider(input)).rejects.toMatchObject({
      name: 'TransientAwsError',
      message:
        'ecs.CreateCapacityProvider berth-demo-cp: exists but DescribeCapacityProviders answers MISSING (eventual consistency); will retry',
    });
    await t.settle('ecsResourcePropagation');
    // The next retry observes the provider (and plans no create).
    expect(await ecs.observeCapacityProvider(input.name)).toMatchObject({ name: 'berth-demo-cp', tags });
  });

  it('makes a service create retried within the window retryable, and the retry observes it', async () => {
    const ecs = new AwsEcsAdapter(t.clients.ecs);
    await ecs.createCluster({ env: 'demo', name: 'berth-demo', tags });
    const { targetGroupArn } = await albWithTargetGroup(t, 'berth-demo-alb');
    const td = await ecs.registerTaskDefinition({
      env: 'demo',
      family: 'berth-demo',
      containerName: 'web',
      image: 'nginx:1.27',
      containerPort: 80,
      networkMode: 'bridge',
      launchType: 'EC2',
      cpu: 256,
      memory: 256,
      tags,
    });
    await t.settle('ecsResourcePropagation');
    const input = {
      env: 'demo',
      cluster: 'berth-demo',
      name: 'berth-demo-svc',
      taskDefinitionArn: td.arn,
      desiredCount: 0,
      targetGroupArn,
      containerName: 'web',
      containerPort: 80,
      healthCheckGracePeriodSeconds: 60,
      tags,
    };
    await ecs.createService(input);
    expect(await ecs.observeService('berth-demo', input.name)).toBeUndefined();
    await expect(ecs.createService(input)).rejects.toMatchObject({
      name: 'TransientAwsError',
      message:
        'ecs.CreateService berth-demo-svc: exists but DescribeServices answers MISSING (eventual consistency); will retry',
    });
    await t.settle('ecsResourcePropagation');
    expect(await ecs.observeService('berth-demo', input.name)).toMatchObject({
      name: 'berth-demo-svc',
      status: 'ACTIVE',
    });
  });

  it('is retried by the CreateCluster and CreateService tasks of the lifecycle machine (TransientAwsError, bounded)', () => {
    const asl = readFileSync(new URL('../../../statemachine/lifecycle.asl.json', import.meta.url), 'utf8');
    const states = JSON.parse(asl).States as Record<string, unknown>;
    const retriers: { ErrorEquals: string[]; MaxAttempts: number }[] = [];
    // CreateCluster runs inside the Parallel of `up`: collect the Retry of every state named so.
    const visit = (node: unknown, name?: string): void => {
      if (node === null || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if ((name === 'CreateCluster' || name === 'CreateService') && Array.isArray(record['Retry'])) {
        retriers.push(
          ...(record['Retry'] as { ErrorEquals: string[]; MaxAttempts: number }[]).filter((r) =>
            r.ErrorEquals.includes('TransientAwsError'),
          ),
        );
      }
      for (const [key, value] of Object.entries(record)) {
        if (key === 'States' && value && typeof value === 'object') {
          for (const [child, state] of Object.entries(value)) visit(state, child);
        } else if (typeof value === 'object') visit(value);
      }
    };
    for (const [name, state] of Object.entries(states)) visit(state, name);
    expect(retriers.length).toBeGreaterThanOrEqual(2);
    for (const r of retriers) expect(r.MaxAttempts).toBeGreaterThanOrEqual(3);
  });
});
