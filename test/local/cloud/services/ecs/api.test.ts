import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterContainerInstanceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListContainerInstancesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoScalingBackend } from '../../../../../local/cloud/services/autoscaling/backend.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { clusterWithHosts, publicSubnets, until } from '../../helpers/dataplane-fixtures.ts';

let tc: TestCloud;

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant' });
});

afterAll(async () => {
  await tc?.stop();
});

const ecs = () => tc.clients.ecs;

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

async function web(family: string, extra: Record<string, unknown> = {}) {
  const out = await ecs().send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [
        {
          name: 'web',
          image: 'nginx:1',
          memoryReservation: 64,
          portMappings: [{ containerPort: 80, hostPort: 0 }],
        },
      ],
      ...extra,
    }),
  );
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

describe('clusters', () => {
  it('creates and describes a cluster with tags and counts', async () => {
    await ecs().send(
      new CreateClusterCommand({ clusterName: 'c-desc', tags: [{ key: 'berth:env', value: 'pr-1' }] }),
    );
    // A new cluster is MISSING from DescribeClusters for a moment (eventual consistency).
    await tc.settle('ecsResourcePropagation');
    const out = await ecs().send(
      new DescribeClustersCommand({ clusters: ['c-desc', 'c-missing'], include: ['TAGS'] }),
    );
    expect(out.clusters?.[0]).toMatchObject({
      clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c-desc',
      clusterName: 'c-desc',
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      activeServicesCount: 0,
      capacityProviders: [],
      tags: [{ key: 'berth:env', value: 'pr-1' }],
    });
    expect(out.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/c-missing', reason: 'MISSING' },
    ]);
  });

  it('pages ListClusters', async () => {
    await ecs().send(new CreateClusterCommand({ clusterName: 'c-page-1' }));
    await ecs().send(new CreateClusterCommand({ clusterName: 'c-page-2' }));
    const first = await ecs().send(new ListClustersCommand({ maxResults: 1 }));
    expect(first.clusterArns).toHaveLength(1);
    expect(first.nextToken).toBeDefined();
    const second = await ecs().send(new ListClustersCommand({ maxResults: 1, nextToken: first.nextToken }));
    expect(second.clusterArns?.[0]).not.toBe(first.clusterArns?.[0]);
  });

  it('answers ClusterNotFoundException for an unknown cluster', async () => {
    const err = await failure(ecs().send(new DeleteClusterCommand({ cluster: 'ghost' })));
    expect(err.name).toBe('ClusterNotFoundException');
    expect(err.message).toBe('Cluster not found.');
  });

  it('refuses to delete a cluster with services', async () => {
    await ecs().send(new CreateClusterCommand({ clusterName: 'c-svc' }));
    const td = await web('c-svc-web');
    await ecs().send(
      new CreateServiceCommand({ cluster: 'c-svc', serviceName: 's', taskDefinition: td, desiredCount: 0 }),
    );
    const err = await failure(ecs().send(new DeleteClusterCommand({ cluster: 'c-svc' })));
    expect(err.name).toBe('ClusterContainsServicesException');
    expect(err.message).toBe('The Cluster cannot be deleted while Services are active.');
  });

  it('refuses to delete a cluster with container instances, then deletes it once they are gone', async () => {
    await clusterWithHosts(tc, 'c-ci', 1);
    const err = await failure(ecs().send(new DeleteClusterCommand({ cluster: 'c-ci' })));
    expect(err.name).toBe('ClusterContainsContainerInstancesException');
    expect(err.message).toBe(
      'The Cluster cannot be deleted while Container Instances are active or draining.',
    );
    const list = await ecs().send(new ListContainerInstancesCommand({ cluster: 'c-ci' }));
    await ecs().send(
      new DeregisterContainerInstanceCommand({
        cluster: 'c-ci',
        containerInstance: list.containerInstanceArns?.[0],
      }),
    );
    await ecs().send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'c-ci',
        capacityProviders: [],
        defaultCapacityProviderStrategy: [],
      }),
    );
    // The provider's attachment is deleted asynchronously (test/local/cloud/capacity-behaviours.test.ts).
    await until(() => ecs().send(new DeleteClusterCommand({ cluster: 'c-ci' })));
    const out = await ecs().send(new DescribeClustersCommand({ clusters: ['c-ci'] }));
    expect(out.clusters?.[0]?.status).toBe('INACTIVE');
  });

  it('refuses to delete a cluster with running tasks', async () => {
    const { subnetIds } = await publicSubnets(tc);
    await ecs().send(new CreateClusterCommand({ clusterName: 'c-task' }));
    const td = await ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'c-task-fg',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'busybox' }],
      }),
    );
    await ecs().send(
      new RunTaskCommand({
        cluster: 'c-task',
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: subnetIds } },
      }),
    );
    const err = await failure(ecs().send(new DeleteClusterCommand({ cluster: 'c-task' })));
    expect(err.name).toBe('ClusterContainsTasksException');
    expect(err.message).toBe('The Cluster cannot be deleted while Tasks are active.');
  });
});

describe('capacity providers', () => {
  async function asg(name: string, protectedFromScaleIn: boolean): Promise<string> {
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
        MaxSize: 1,
        DesiredCapacity: 0,
        VPCZoneIdentifier: subnetIds.join(','),
        NewInstancesProtectedFromScaleIn: protectedFromScaleIn,
      }),
    );
    return (autoScalingBackend(tc.cloud, '000000000000', 'us-east-1').getGroup(name) as { arn: string }).arn;
  }

  it('requires scale-in protection on the group for managed termination protection', async () => {
    const arn = await asg('cp-unprotected', false);
    const err = await failure(
      ecs().send(
        new CreateCapacityProviderCommand({
          name: 'cp-unprotected',
          autoScalingGroupProvider: {
            autoScalingGroupArn: arn,
            managedScaling: { status: 'ENABLED' },
            managedTerminationProtection: 'ENABLED',
          },
        }),
      ),
    );
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe(
      'The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the Auto Scaling group must have instance protection from scale in enabled.',
    );
  });

  it('refuses an Auto Scaling group that does not exist', async () => {
    const arn =
      'arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/none';
    const err = await failure(
      ecs().send(
        new CreateCapacityProviderCommand({
          name: 'cp-none',
          autoScalingGroupProvider: { autoScalingGroupArn: arn },
        }),
      ),
    );
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe(
      `The specified Auto Scaling group ARN '${arn}' does not exist. Specify a valid Auto Scaling group ARN and try again.`,
    );
  });

  it('refuses a reserved name prefix', async () => {
    const err = await failure(
      ecs().send(
        new CreateCapacityProviderCommand({
          name: 'ecs-provider',
          autoScalingGroupProvider: {
            autoScalingGroupArn:
              'arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:x:autoScalingGroupName/y',
          },
        }),
      ),
    );
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe(
      "The capacity provider name cannot start with 'aws', 'ecs', or 'fargate'. Specify a different name and try again.",
    );
  });
});

describe('task definitions', () => {
  it('registers revisions and describes them with tags', async () => {
    const first = await web('td-rev', { tags: [{ key: 'team', value: 'a' }] });
    const second = await web('td-rev');
    expect(first).toBe('arn:aws:ecs:us-east-1:000000000000:task-definition/td-rev:1');
    expect(second).toBe('arn:aws:ecs:us-east-1:000000000000:task-definition/td-rev:2');
    const latest = await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: 'td-rev' }));
    expect(latest.taskDefinition).toMatchObject({ revision: 2, status: 'ACTIVE', networkMode: 'bridge' });
    const tagged = await ecs().send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'td-rev:1', include: ['TAGS'] }),
    );
    expect(tagged.tags).toEqual([{ key: 'team', value: 'a' }]);
  });

  it('requires matching host and container ports in awsvpc mode', async () => {
    const err = await failure(
      ecs().send(
        new RegisterTaskDefinitionCommand({
          family: 'td-awsvpc',
          networkMode: 'awsvpc',
          memory: '512',
          containerDefinitions: [
            { name: 'web', image: 'nginx', portMappings: [{ containerPort: 80, hostPort: 8080 }] },
          ],
        }),
      ),
    );
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe(
      'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
    );
  });

  it('rejects a CPU and memory combination Fargate does not offer', async () => {
    const err = await failure(
      ecs().send(
        new RegisterTaskDefinitionCommand({
          family: 'td-fargate',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '4096',
          containerDefinitions: [{ name: 'web', image: 'nginx' }],
        }),
      ),
    );
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe(
      'No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid combinations.',
    );
  });

  it('requires memoryReservation not to exceed memory', async () => {
    const err = await failure(
      ecs().send(
        new RegisterTaskDefinitionCommand({
          family: 'td-mem',
          containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, memoryReservation: 256 }],
        }),
      ),
    );
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe(
      "Invalid 'memoryReservation' setting for container 'web'. 'memoryReservation' must be less than or equal to 'memory'.",
    );
  });

  it('requires container memory when the task has none', async () => {
    const err = await failure(
      ecs().send(
        new RegisterTaskDefinitionCommand({
          family: 'td-nomem',
          containerDefinitions: [{ name: 'web', image: 'nginx' }],
        }),
      ),
    );
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe(
      "Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified.",
    );
  });

  it('lists by family prefix with pagination, and lists families', async () => {
    await web('td-list');
    await web('td-list');
    await web('td-list');
    const first = await ecs().send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'td-list', maxResults: 2 }),
    );
    expect(first.taskDefinitionArns).toHaveLength(2);
    const rest = await ecs().send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'td-list', maxResults: 2, nextToken: first.nextToken }),
    );
    expect(rest.taskDefinitionArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:task-definition/td-list:3']);
    const families = await ecs().send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'td-li' }));
    expect(families.families).toEqual(['td-list']);
  });

  it('deregisters, then deletes only inactive revisions', async () => {
    const arn = await web('td-del');
    const active = await ecs().send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
    expect(active.failures?.[0]?.reason).toBe(
      'The specified task definition is still in ACTIVE status. Please deregister the target and try again.',
    );
    const dereg = await ecs().send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    expect(dereg.taskDefinition?.status).toBe('INACTIVE');
    const deleted = await ecs().send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn] }));
    expect(deleted.taskDefinitions?.[0]?.status).toBe('DELETE_IN_PROGRESS');
  });

  it('answers ClientException for an unknown task definition', async () => {
    const err = await failure(ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:9' })));
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe('Unable to describe task definition.');
  });
});

describe('services', () => {
  beforeAll(async () => {
    await ecs().send(new CreateClusterCommand({ clusterName: 'svc' }));
  });

  it('refuses a second active service with the same name', async () => {
    const td = await web('svc-dup');
    await ecs().send(
      new CreateServiceCommand({ cluster: 'svc', serviceName: 'dup', taskDefinition: td, desiredCount: 0 }),
    );
    const err = await failure(
      ecs().send(
        new CreateServiceCommand({ cluster: 'svc', serviceName: 'dup', taskDefinition: td, desiredCount: 0 }),
      ),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Creation of service was not idempotent.');
  });

  it('requires the target group to be attached to a load balancer', async () => {
    const { vpcId } = await publicSubnets(tc);
    const tg = await tc.clients.elbv2.send(
      new CreateTargetGroupCommand({ Name: 'svc-lonely', Protocol: 'HTTP', Port: 80, VpcId: vpcId }),
    );
    const arn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
    const td = await web('svc-lb');
    const err = await failure(
      ecs().send(
        new CreateServiceCommand({
          cluster: 'svc',
          serviceName: 'lb',
          taskDefinition: td,
          desiredCount: 1,
          loadBalancers: [{ targetGroupArn: arn, containerName: 'web', containerPort: 80 }],
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(
      `The target group with targetGroupArn ${arn} does not have an associated load balancer.`,
    );
  });

  it('requires a network configuration for awsvpc task definitions', async () => {
    const td = await ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'svc-awsvpc',
        networkMode: 'awsvpc',
        containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }],
      }),
    );
    const err = await failure(
      ecs().send(
        new CreateServiceCommand({
          cluster: 'svc',
          serviceName: 'awsvpc',
          taskDefinition: td.taskDefinition?.taskDefinitionArn,
          desiredCount: 1,
        }),
      ),
    );
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  });

  it('refuses to delete a service scaled above 0 unless forced, then drains it to INACTIVE', async () => {
    const td = await web('svc-del');
    await ecs().send(
      new CreateServiceCommand({ cluster: 'svc', serviceName: 'del', taskDefinition: td, desiredCount: 1 }),
    );
    const err = await failure(ecs().send(new DeleteServiceCommand({ cluster: 'svc', service: 'del' })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('The service cannot be stopped while it is scaled above 0.');
    const out = await ecs().send(new DeleteServiceCommand({ cluster: 'svc', service: 'del', force: true }));
    expect(out.service?.status).toBe('DRAINING');
    const notActive = await failure(
      ecs().send(new UpdateServiceCommand({ cluster: 'svc', service: 'del', desiredCount: 2 })),
    );
    expect(notActive.name).toBe('ServiceNotActiveException');
    expect(notActive.message).toBe('Service was not ACTIVE.');
    await until(async () => {
      const d = await ecs().send(new DescribeServicesCommand({ cluster: 'svc', services: ['del'] }));
      return d.services?.[0]?.status === 'INACTIVE';
    });
  });

  it('answers ServiceNotFoundException when updating an unknown service', async () => {
    const err = await failure(
      ecs().send(new UpdateServiceCommand({ cluster: 'svc', service: 'ghost', desiredCount: 1 })),
    );
    expect(err.name).toBe('ServiceNotFoundException');
    expect(err.message).toBe('Service not found.');
  });

  it('pages ListServices and describes services with tags and deployments', async () => {
    await ecs().send(new CreateClusterCommand({ clusterName: 'svc-list' }));
    const td = await web('svc-list');
    for (const name of ['a', 'b', 'c'])
      await ecs().send(
        new CreateServiceCommand({
          cluster: 'svc-list',
          serviceName: name,
          taskDefinition: td,
          desiredCount: 0,
          tags: [{ key: 'berth:env', value: name }],
        }),
      );
    const first = await ecs().send(new ListServicesCommand({ cluster: 'svc-list', maxResults: 2 }));
    const rest = await ecs().send(
      new ListServicesCommand({ cluster: 'svc-list', maxResults: 2, nextToken: first.nextToken }),
    );
    expect([...(first.serviceArns ?? []), ...(rest.serviceArns ?? [])]).toHaveLength(3);
    // New services are MISSING from DescribeServices for a moment (eventual consistency).
    await tc.settle('ecsResourcePropagation');
    const described = await ecs().send(
      new DescribeServicesCommand({ cluster: 'svc-list', services: ['b', 'zzz'], include: ['TAGS'] }),
    );
    expect(described.services?.[0]).toMatchObject({
      serviceName: 'b',
      status: 'ACTIVE',
      taskDefinition: td,
      tags: [{ key: 'berth:env', value: 'b' }],
      deployments: [{ status: 'PRIMARY', taskDefinition: td, failedTasks: 0 }],
    });
    expect(described.failures?.[0]?.reason).toBe('MISSING');
  });
});

describe('tasks and container instances', () => {
  it('runs, lists, stops and describes a task with its host port and stop reason', async () => {
    await clusterWithHosts(tc, 'tasks', 1);
    const td = await web('tasks-web');
    const run = await ecs().send(
      new RunTaskCommand({ cluster: 'tasks', taskDefinition: td, tags: [{ key: 'k', value: 'v' }] }),
    );
    const taskArn = run.tasks?.[0]?.taskArn ?? '';
    expect(taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/tasks\/[0-9a-f]{32}$/);
    const running = await until(async () => {
      const out = await ecs().send(
        new DescribeTasksCommand({ cluster: 'tasks', tasks: [taskArn], include: ['TAGS'] }),
      );
      return out.tasks?.[0]?.lastStatus === 'RUNNING' ? out.tasks[0] : undefined;
    });
    expect(running.tags).toEqual([{ key: 'k', value: 'v' }]);
    const port = running.containers?.[0]?.networkBindings?.[0]?.hostPort ?? 0;
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    const listed = await ecs().send(new ListTasksCommand({ cluster: 'tasks', family: 'tasks-web' }));
    expect(listed.taskArns).toEqual([taskArn]);
    const ci = await ecs().send(
      new DescribeContainerInstancesCommand({
        cluster: 'tasks',
        containerInstances: [running.containerInstanceArn ?? ''],
      }),
    );
    const remaining = ci.containerInstances?.[0]?.remainingResources?.find(
      (r) => r.name === 'MEMORY',
    )?.integerValue;
    const registered = ci.containerInstances?.[0]?.registeredResources?.find(
      (r) => r.name === 'MEMORY',
    )?.integerValue;
    expect((registered ?? 0) - (remaining ?? 0)).toBe(64);
    const refused = await failure(
      ecs().send(
        new DeregisterContainerInstanceCommand({
          cluster: 'tasks',
          containerInstance: running.containerInstanceArn,
        }),
      ),
    );
    expect(refused.name).toBe('InvalidParameterException');
    expect(refused.message).toBe('Found running tasks on the instance.');
    await ecs().send(new StopTaskCommand({ cluster: 'tasks', task: taskArn, reason: 'done here' }));
    const stopped = await until(async () => {
      const out = await ecs().send(new DescribeTasksCommand({ cluster: 'tasks', tasks: [taskArn] }));
      return out.tasks?.[0]?.lastStatus === 'STOPPED' ? out.tasks[0] : undefined;
    });
    expect(stopped).toMatchObject({
      stoppedReason: 'done here',
      stopCode: 'UserInitiated',
      desiredStatus: 'STOPPED',
    });
    const listedStopped = await ecs().send(
      new ListTasksCommand({ cluster: 'tasks', desiredStatus: 'STOPPED' }),
    );
    expect(listedStopped.taskArns).toContain(taskArn);
  });
});

describe('host ports', () => {
  it('places only one task per instance for a fixed host port', async () => {
    await clusterWithHosts(tc, 'ports', 1);
    const td = await ecs().send(
      new RegisterTaskDefinitionCommand({
        family: 'ports-web',
        containerDefinitions: [
          {
            name: 'web',
            image: 'nginx',
            memoryReservation: 32,
            portMappings: [{ containerPort: 80, hostPort: 18_080 }],
          },
        ],
      }),
    );
    const out = await ecs().send(
      new RunTaskCommand({
        cluster: 'ports',
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        count: 2,
      }),
    );
    expect(out.tasks).toHaveLength(1);
    expect(out.failures).toEqual([{ reason: 'RESOURCE:PORTS' }]);
  });
});

describe('tags', () => {
  it('tags, lists and untags a cluster', async () => {
    const c = await ecs().send(new CreateClusterCommand({ clusterName: 'tagged' }));
    const arn = c.cluster?.clusterArn;
    await ecs().send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
      }),
    );
    await ecs().send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
    const out = await ecs().send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(out.tags).toEqual([{ key: 'b', value: '2' }]);
  });

  it('answers ClusterNotFoundException when tagging an unknown cluster', async () => {
    const err = await failure(
      ecs().send(
        new TagResourceCommand({
          resourceArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/none',
          tags: [{ key: 'a', value: '1' }],
        }),
      ),
    );
    expect(err.name).toBe('ClusterNotFoundException');
    expect(err.message).toBe('Cluster not found.');
  });
});
