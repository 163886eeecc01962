/**
 * AWS's capacity-provider and Auto Scaling behaviours, as the local cloud models them, seen through
 * the SDK (docs/aws-behaviours.md lists the public sources). A slower time factor than `instant`
 * keeps each asynchronous window wide enough to observe deterministically.
 */
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteCapacityProviderCommand,
  DeleteClusterCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoScalingBackend } from '../../../local/cloud/services/autoscaling/backend.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud.ts';
import { clusterWithHosts, publicSubnets, until } from './helpers/dataplane-fixtures.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

/** An Auto Scaling group (protected from scale-in) of `desired` t3.micro instances; its ARN. */
async function group(tc: TestCloud, name: string, desired = 0): Promise<string> {
  const { subnetIds } = await publicSubnets(tc);
  await tc.clients.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${name}-lt`,
      LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' },
    }),
  );
  await tc.clients.autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: `${name}-lt` },
      MinSize: 0,
      MaxSize: 2,
      DesiredCapacity: desired,
      VPCZoneIdentifier: subnetIds.join(','),
      NewInstancesProtectedFromScaleIn: true,
    }),
  );
  return (autoScalingBackend(tc.cloud, ACCOUNT, REGION).getGroup(name) as { arn: string }).arn;
}

const providerInput = (name: string, asgArn: string) =>
  new CreateCapacityProviderCommand({
    name,
    autoScalingGroupProvider: {
      autoScalingGroupArn: asgArn,
      managedScaling: { status: 'ENABLED', targetCapacity: 100 },
      managedTerminationProtection: 'ENABLED',
    },
  });

describe('capacity providers (time factor 0.05)', () => {
  let tc: TestCloud;
  const ecs = () => tc.clients.ecs;

  beforeAll(async () => {
    tc = await startTestCloud({ profile: 'fast', factor: 0.05 });
  });
  afterAll(async () => {
    await tc?.stop();
  });

  /** A cluster with an ACTIVE provider associated (the service-linked role already usable). */
  async function clusterWithProvider(name: string): Promise<string> {
    await ecs().send(new CreateClusterCommand({ clusterName: name }));
    const arn = await group(tc, `${name}-asg`);
    const cp = `${name}-cp`;
    await until(() => ecs().send(providerInput(cp, arn)));
    await until(async () => {
      const out = await ecs().send(new DescribeCapacityProvidersCommand({ capacityProviders: [cp] }));
      return out.capacityProviders?.[0]?.status === 'ACTIVE';
    });
    await ecs().send(
      new PutClusterCapacityProvidersCommand({
        cluster: name,
        capacityProviders: [cp],
        defaultCapacityProviderStrategy: [{ capacityProvider: cp, weight: 1 }],
      }),
    );
    return cp;
  }

  it('refuses CreateCapacityProvider until the service-linked role of a new account has propagated', async () => {
    const arn = await group(tc, 'slr-asg');
    const before = await failure(ecs().send(providerInput('slr-cp', arn)));
    expect(before).toMatchObject({
      name: 'ClientException',
      message:
        'ECS Service Linked Role does not exist. Please create a Service linked role for ECS and try again.',
    });
    await ecs().send(new CreateClusterCommand({ clusterName: 'slr' })); // creates the role
    const right = await failure(ecs().send(providerInput('slr-cp', arn)));
    expect(right.message).toBe(
      'ECS Service Linked Role does not exist. Please create a Service linked role for ECS and try again.',
    );
    const created = await until(() => ecs().send(providerInput('slr-cp', arn)));
    expect(created.capacityProvider?.name).toBe('slr-cp');
  });

  it('keeps a new provider PROVISIONING for a while: PutClusterCapacityProviders answers InvalidParameterException', async () => {
    await ecs().send(new CreateClusterCommand({ clusterName: 'young' }));
    const arn = await group(tc, 'young-asg');
    const created = await until(() => ecs().send(providerInput('young-cp', arn)));
    expect(created.capacityProvider).toMatchObject({
      status: 'PROVISIONING',
      updateStatus: 'CREATE_IN_PROGRESS',
    });
    const put = new PutClusterCapacityProvidersCommand({
      cluster: 'young',
      capacityProviders: ['young-cp'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'young-cp', weight: 1 }],
    });
    const err = await failure(ecs().send(put));
    expect(err).toMatchObject({
      name: 'InvalidParameterException',
      message:
        "The specified capacity provider 'young-cp' is not in an ACTIVE state. Specify a valid capacity provider and try again.",
    });
    await until(async () => {
      const out = await ecs().send(new DescribeCapacityProvidersCommand({ capacityProviders: ['young-cp'] }));
      return out.capacityProviders?.[0]?.status === 'ACTIVE';
    });
    const out = await ecs().send(put);
    expect(out.cluster?.capacityProviders).toEqual(['young-cp']);
  });

  it('detaches a provider asynchronously: DeleteCluster answers ClientException until the attachment is gone', async () => {
    const cp = await clusterWithProvider('detach');
    const attached = await ecs().send(
      new DescribeClustersCommand({ clusters: ['detach'], include: ['ATTACHMENTS'] }),
    );
    expect(attached.clusters?.[0]?.attachments).toEqual([
      expect.objectContaining({
        type: 'as_policy',
        details: expect.arrayContaining([{ name: 'capacityProviderName', value: cp }]),
      }),
    ]);
    await ecs().send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'detach',
        capacityProviders: [],
        defaultCapacityProviderStrategy: [],
      }),
    );
    const detaching = await ecs().send(
      new DescribeClustersCommand({ clusters: ['detach'], include: ['ATTACHMENTS'] }),
    );
    expect(detaching.clusters?.[0]).toMatchObject({
      capacityProviders: [],
      attachmentsStatus: 'UPDATE_IN_PROGRESS',
      attachments: [expect.objectContaining({ type: 'as_policy', status: 'DELETING' })],
    });
    const err = await failure(ecs().send(new DeleteClusterCommand({ cluster: 'detach' })));
    expect(err).toMatchObject({
      name: 'ClientException',
      message:
        'The Cluster cannot be deleted while Cluster Scoped Capacity Providers are attached to the cluster',
    });
    const settled = await until(async () => {
      const out = await ecs().send(
        new DescribeClustersCommand({ clusters: ['detach'], include: ['ATTACHMENTS'] }),
      );
      return out.clusters?.[0]?.attachments?.length === 0 ? out.clusters[0] : undefined;
    });
    expect(settled.attachmentsStatus).toBe('UPDATE_COMPLETE');
    const deleted = await ecs().send(new DeleteClusterCommand({ cluster: 'detach' }));
    expect(deleted.cluster?.status).toBe('INACTIVE');
  });

  it('answers DeleteCapacityProvider with 200 and DELETE_FAILED while the provider is still associated', async () => {
    const cp = await clusterWithProvider('assoc');
    const failed = await ecs().send(new DeleteCapacityProviderCommand({ capacityProvider: cp }));
    const reason = `The capacity provider cannot be deleted because it is associated with cluster: assoc. Remove the capacity provider from the cluster and try again.`;
    expect(failed.capacityProvider).toMatchObject({
      status: 'ACTIVE',
      updateStatus: 'DELETE_FAILED',
      updateStatusReason: reason,
    });
    const described = await ecs().send(new DescribeCapacityProvidersCommand({ capacityProviders: [cp] }));
    expect(described.capacityProviders?.[0]).toMatchObject({
      status: 'ACTIVE',
      updateStatus: 'DELETE_FAILED',
    });

    await ecs().send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'assoc',
        capacityProviders: [],
        defaultCapacityProviderStrategy: [],
      }),
    );
    const stillAttached = await ecs().send(new DeleteCapacityProviderCommand({ capacityProvider: cp }));
    expect(stillAttached.capacityProvider).toMatchObject({ status: 'ACTIVE', updateStatus: 'DELETE_FAILED' });

    const deleting = await until(async () => {
      const out = await ecs().send(new DeleteCapacityProviderCommand({ capacityProvider: cp }));
      return out.capacityProvider?.updateStatus === 'DELETE_IN_PROGRESS' ? out.capacityProvider : undefined;
    });
    expect(deleting.status).toBe('ACTIVE');
    expect(deleting.updateStatusReason).toBeUndefined();
    const again = await failure(
      ecs().send(
        providerInput(cp, 'arn:aws:autoscaling:us-east-1:0:autoScalingGroup:x:autoScalingGroupName/y'),
      ),
    );
    expect(again.message).toBe(
      'The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.',
    );
    const gone = await until(async () => {
      const out = await ecs().send(new DescribeCapacityProvidersCommand({ capacityProviders: [cp] }));
      return out.capacityProviders?.[0]?.status === 'INACTIVE' ? out.capacityProviders[0] : undefined;
    });
    expect(gone.updateStatus).toBe('DELETE_COMPLETE');
  });

  it('refuses SetInstanceProtection for an instance that is not InService or Standby', async () => {
    await group(tc, 'protect-asg', 1);
    const [pending] = await until(async () => {
      const out = await tc.clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['protect-asg'] }),
      );
      const instances = out.AutoScalingGroups?.[0]?.Instances ?? [];
      return instances.length === 1 ? instances : undefined;
    });
    expect(pending?.LifecycleState).toBe('Pending');
    const id = pending?.InstanceId ?? '';
    const protect = new SetInstanceProtectionCommand({
      AutoScalingGroupName: 'protect-asg',
      InstanceIds: [id],
      ProtectedFromScaleIn: false,
    });
    const err = await failure(tc.clients.autoScaling.send(protect));
    expect(err).toMatchObject({
      name: 'ValidationError',
      message: `The instance ${id} is not in InService or EnteringStandby or Standby.`,
    });
    await until(async () => {
      const out = await tc.clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['protect-asg'] }),
      );
      return out.AutoScalingGroups?.[0]?.Instances?.[0]?.LifecycleState === 'InService';
    });
    await tc.clients.autoScaling.send(protect);
    const out = await tc.clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['protect-asg'] }),
    );
    expect(out.AutoScalingGroups?.[0]?.Instances?.[0]?.ProtectedFromScaleIn).toBe(false);
  });
});

describe('managed scaling with managed termination protection (instant)', () => {
  let tc: TestCloud;

  beforeAll(async () => {
    tc = await startTestCloud({ profile: 'instant' });
  });
  afterAll(async () => {
    await tc?.stop();
  });

  /** A service of 3 tasks, each needing most of a host's memory (one per instance), on 3 protected hosts. */
  async function threeHosts(name: string): Promise<string> {
    const { asgName } = await clusterWithHosts(tc, name, 3);
    const td = await tc.clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${name}-web`,
        containerDefinitions: [
          {
            name: 'web',
            image: 'nginx:1',
            memoryReservation: 3072,
            portMappings: [{ containerPort: 80, hostPort: 0 }],
          },
        ],
      }),
    );
    await tc.clients.ecs.send(
      new CreateServiceCommand({
        cluster: name,
        serviceName: 'web',
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        desiredCount: 3,
      }),
    );
    await until(async () => {
      const out = await tc.clients.ecs.send(
        new DescribeServicesCommand({ cluster: name, services: ['web'] }),
      );
      return out.services?.[0]?.runningCount === 3;
    });
    return asgName;
  }

  async function instances(asgName: string) {
    const out = await tc.clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }),
    );
    const g = out.AutoScalingGroups?.[0];
    return {
      desired: g?.DesiredCapacity,
      live: (g?.Instances ?? []).filter(
        (i) => i.LifecycleState === 'InService' || i.LifecycleState === 'Pending',
      ),
    };
  }

  /** The scale-in period (15 minutes of AWS time) at this profile, plus margin. */
  const scaleInPeriodMs = () => tc.cloud.clock.delay('managedScaleIn') * 3;

  it('scales the group in after a service scale-in: idle instances lose protection and terminate', async () => {
    const asgName = await threeHosts('msin');
    await tc.clients.ecs.send(new UpdateServiceCommand({ cluster: 'msin', service: 'web', desiredCount: 1 }));
    const after = await until(async () => {
      const now = await instances(asgName);
      return now.live.length === 1 && now.desired === 1 ? now : undefined;
    }, 15_000);
    expect(after.live).toHaveLength(1);
  });

  it('leaves protected instances running when the desired capacity was lowered by hand', async () => {
    const asgName = await threeHosts('fight');
    await tc.clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'fight', service: 'web', desiredCount: 1 }),
    );
    await tc.clients.autoScaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: asgName, DesiredCapacity: 1 }),
    );
    await new Promise((r) => setTimeout(r, scaleInPeriodMs()));
    const after = await instances(asgName);
    expect(after.desired).toBe(1);
    expect(after.live).toHaveLength(3);
    expect(after.live.every((i) => i.ProtectedFromScaleIn)).toBe(true);
  });
});
