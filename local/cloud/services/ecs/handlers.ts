import type { Cloud, InstanceRunningEvent, InstanceTerminatingEvent } from '../../core/cloud.ts';
import type { RequestContext, ServiceDefinition } from '../../core/types.ts';
import { EcsBackend, ecsBackend } from './backend.ts';
import { ECS_ERRORS } from './errors.ts';
import {
  type CapacityProvider,
  type CapacityProviderStrategyItem,
  type Cluster,
  type ContainerInstance,
  type DeploymentConfig,
  type LoadBalancerRef,
  type Service,
  type Tags,
  type Task,
  type TaskDefinition,
  tagsFromList,
} from './model.ts';

const backendOf = (ctx: RequestContext): EcsBackend => ecsBackend(ctx.cloud, ctx.accountId, ctx.region);

const tagList = (tags: Tags | undefined): { key: string; value: string }[] =>
  Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }));

const includes = (p: any, what: string): boolean => Array.isArray(p.include) && p.include.includes(what);

/** `nextToken` pagination (the token is the next offset). */
function page<T>(items: T[], p: any, max = 100): { items: T[]; nextToken?: string } {
  const size = p.maxResults === undefined ? max : Number(p.maxResults);
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw ECS_ERRORS.invalid(`maxResults must be between 1 and ${max}.`);
  let start = 0;
  if (p.nextToken !== undefined) {
    start = Number(Buffer.from(String(p.nextToken), 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw ECS_ERRORS.invalid('Invalid nextToken.');
  }
  const slice = items.slice(start, start + size);
  return start + size < items.length
    ? { items: slice, nextToken: Buffer.from(String(start + size)).toString('base64') }
    : { items: slice };
}

/**
 * A Describe* answer over the requested refs: what `describe` renders for each ref it finds, and a `MISSING`
 * failure naming `arnOf(ref)` for each other one (ECS answers unknown resources in `failures`, not with an error).
 */
function describeEach(
  refs: readonly string[],
  describe: (ref: string) => Record<string, unknown> | undefined,
  arnOf: (ref: string) => string = (ref) => ref,
): { found: unknown[]; failures: unknown[] } {
  const found: unknown[] = [];
  const failures: unknown[] = [];
  for (const ref of refs) {
    const rendered = describe(ref);
    if (rendered) found.push(rendered);
    else failures.push({ arn: arnOf(ref), reason: 'MISSING' });
  }
  return { found, failures };
}

function strategyParam(value: unknown): CapacityProviderStrategyItem[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((i: any) => ({
    capacityProvider: String(i.capacityProvider ?? ''),
    weight: Number(i.weight ?? 0),
    base: Number(i.base ?? 0),
  }));
}

function deploymentConfigParam(value: any, base?: DeploymentConfig): DeploymentConfig {
  return {
    maximumPercent: Number(value?.maximumPercent ?? base?.maximumPercent ?? 200),
    minimumHealthyPercent: Number(value?.minimumHealthyPercent ?? base?.minimumHealthyPercent ?? 100),
    circuitBreaker: value?.deploymentCircuitBreaker
      ? {
          enable: Boolean(value.deploymentCircuitBreaker.enable),
          rollback: Boolean(value.deploymentCircuitBreaker.rollback),
        }
      : (base?.circuitBreaker ?? { enable: false, rollback: false }),
  };
}

function loadBalancersParam(value: unknown): LoadBalancerRef[] {
  if (!Array.isArray(value)) return [];
  return value.map((l: any) => ({
    targetGroupArn: String(l.targetGroupArn ?? ''),
    containerName: String(l.containerName ?? ''),
    containerPort: Number(l.containerPort),
  }));
}

function renderCluster(b: EcsBackend, c: Cluster, p: any): Record<string, unknown> {
  return {
    clusterArn: c.arn,
    clusterName: c.name,
    status: c.status,
    ...b.clusterCounts(c),
    statistics: [],
    ...(includes(p, 'TAGS') ? { tags: tagList(b.tags.get(c.arn)) } : {}),
    settings: c.settings,
    capacityProviders: c.capacityProviders,
    defaultCapacityProviderStrategy: c.defaultCapacityProviderStrategy,
    ...(includes(p, 'ATTACHMENTS')
      ? {
          attachments: c.attachments.map((a) => ({
            id: a.id,
            type: a.type,
            status: a.status,
            details: [
              { name: 'capacityProviderName', value: a.capacityProviderName },
              { name: 'scalingPolicyName', value: a.scalingPolicyName },
            ],
          })),
          attachmentsStatus: EcsBackend.attachmentsStatus(c),
        }
      : {}),
  };
}

function renderCapacityProvider(
  b: EcsBackend,
  cp: CapacityProvider,
  withTags: boolean,
): Record<string, unknown> {
  return {
    capacityProviderArn: cp.arn,
    name: cp.name,
    status: cp.status,
    ...(cp.autoScalingGroupArn
      ? {
          autoScalingGroupProvider: {
            autoScalingGroupArn: cp.autoScalingGroupArn,
            managedScaling: cp.managedScaling,
            managedTerminationProtection: cp.managedTerminationProtection,
            managedDraining: cp.managedDraining,
          },
        }
      : {}),
    ...(cp.updateStatus ? { updateStatus: cp.updateStatus } : {}),
    ...(cp.updateStatusReason ? { updateStatusReason: cp.updateStatusReason } : {}),
    ...(withTags ? { tags: tagList(b.tags.get(cp.arn)) } : {}),
  };
}

function renderTaskDefinition(td: TaskDefinition): Record<string, unknown> {
  const { extra } = td;
  return {
    ...extra,
    taskDefinitionArn: td.arn,
    containerDefinitions: td.containerDefinitions,
    family: td.family,
    revision: td.revision,
    status: td.status,
    networkMode: td.networkMode,
    ...(td.cpu === undefined ? {} : { cpu: td.cpu }),
    ...(td.memory === undefined ? {} : { memory: td.memory }),
    requiresCompatibilities: td.requiresCompatibilities,
    compatibilities: td.networkMode === 'awsvpc' ? ['EC2', 'FARGATE'] : ['EC2'],
    requiresAttributes: [],
    volumes: extra.volumes ?? [],
    placementConstraints: extra.placementConstraints ?? [],
    registeredAt: td.registeredAt,
    ...(td.deregisteredAt ? { deregisteredAt: td.deregisteredAt } : {}),
    registeredBy: 'arn:aws:iam::000000000000:root',
  };
}

function renderService(b: EcsBackend, s: Service, withTags: boolean): Record<string, unknown> {
  const tasks = [...b.tasks.values()].filter(
    (t) => t.clusterName === s.clusterName && t.serviceName === s.name && t.desiredStatus === 'RUNNING',
  );
  return {
    serviceArn: s.arn,
    serviceName: s.name,
    clusterArn: `arn:aws:ecs:${b.region}:${b.accountId}:cluster/${s.clusterName}`,
    loadBalancers: s.loadBalancers,
    serviceRegistries: [],
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: tasks.filter((t) => t.lastStatus !== 'RUNNING').length,
    ...(s.launchType ? { launchType: s.launchType } : {}),
    ...(s.capacityProviderStrategy ? { capacityProviderStrategy: s.capacityProviderStrategy } : {}),
    taskDefinition: s.taskDefinitionArn,
    deploymentConfiguration: {
      deploymentCircuitBreaker: {
        enable: s.deploymentConfiguration.circuitBreaker.enable,
        rollback: s.deploymentConfiguration.circuitBreaker.rollback,
      },
      maximumPercent: s.deploymentConfiguration.maximumPercent,
      minimumHealthyPercent: s.deploymentConfiguration.minimumHealthyPercent,
    },
    deployments: s.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinitionArn,
      desiredCount: d.desiredCount,
      pendingCount: d.pendingCount,
      runningCount: d.runningCount,
      failedTasks: d.failedTasks,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      ...(d.launchType ? { launchType: d.launchType } : {}),
      ...(d.capacityProviderStrategy ? { capacityProviderStrategy: d.capacityProviderStrategy } : {}),
      ...(d.networkConfiguration ? { networkConfiguration: d.networkConfiguration } : {}),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
    })),
    events: s.events,
    createdAt: s.createdAt,
    placementConstraints: s.placementConstraints,
    placementStrategy: s.placementStrategy,
    ...(s.networkConfiguration ? { networkConfiguration: s.networkConfiguration } : {}),
    ...(s.healthCheckGracePeriodSeconds === undefined
      ? {}
      : { healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds }),
    schedulingStrategy: s.schedulingStrategy,
    createdBy: s.createdBy,
    enableECSManagedTags: s.enableECSManagedTags,
    propagateTags: s.propagateTags,
    enableExecuteCommand: false,
    ...(withTags ? { tags: tagList(b.tags.get(s.arn)) } : {}),
  };
}

function renderTask(b: EcsBackend, t: Task, withTags: boolean): Record<string, unknown> {
  return {
    taskArn: t.arn,
    clusterArn: `arn:aws:ecs:${b.region}:${b.accountId}:cluster/${t.clusterName}`,
    taskDefinitionArn: t.taskDefinitionArn,
    ...(t.containerInstanceArn ? { containerInstanceArn: t.containerInstanceArn } : {}),
    overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...t.overrides },
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    cpu: String(t.cpu),
    memory: String(t.memory),
    containers: t.containers.map((c) => ({
      containerArn: c.arn,
      taskArn: t.arn,
      name: c.name,
      image: c.image,
      lastStatus: c.lastStatus,
      ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
      ...(c.reason === undefined ? {} : { reason: c.reason }),
      networkBindings: c.networkBindings,
      networkInterfaces:
        t.networkMode === 'awsvpc' ? [{ attachmentId: t.id, privateIpv4Address: '127.0.0.1' }] : [],
      healthStatus: 'UNKNOWN',
      ...(c.cpu === undefined ? {} : { cpu: String(c.cpu) }),
      ...(c.memory === undefined ? {} : { memory: String(c.memory) }),
      ...(c.memoryReservation === undefined ? {} : { memoryReservation: String(c.memoryReservation) }),
    })),
    ...(t.startedBy ? { startedBy: t.startedBy } : {}),
    version: 1,
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    ...(t.stopCode ? { stopCode: t.stopCode } : {}),
    connectivity: t.lastStatus === 'RUNNING' ? 'CONNECTED' : undefined,
    ...(t.connectivityAt ? { connectivityAt: t.connectivityAt } : {}),
    ...(t.pullStartedAt ? { pullStartedAt: t.pullStartedAt } : {}),
    ...(t.pullStoppedAt ? { pullStoppedAt: t.pullStoppedAt } : {}),
    createdAt: t.createdAt,
    ...(t.startedAt ? { startedAt: t.startedAt } : {}),
    ...(t.stoppingAt ? { stoppingAt: t.stoppingAt } : {}),
    ...(t.stoppedAt ? { stoppedAt: t.stoppedAt, executionStoppedAt: t.stoppedAt } : {}),
    group: t.group,
    launchType: t.launchType,
    ...(t.capacityProviderName ? { capacityProviderName: t.capacityProviderName } : {}),
    availabilityZone: t.availabilityZone,
    attachments:
      t.networkMode === 'awsvpc'
        ? [
            {
              id: t.id,
              type: 'ElasticNetworkInterface',
              status: t.lastStatus === 'STOPPED' ? 'DELETED' : 'ATTACHED',
              details: [{ name: 'privateIPv4Address', value: '127.0.0.1' }],
            },
          ]
        : [],
    healthStatus: 'UNKNOWN',
    ...(withTags ? { tags: tagList(b.tags.get(t.arn)) } : {}),
  };
}

function resources(cpu: number, memory: number, ports: number[]): Record<string, unknown>[] {
  return [
    { name: 'CPU', type: 'INTEGER', integerValue: cpu, doubleValue: 0, longValue: 0 },
    { name: 'MEMORY', type: 'INTEGER', integerValue: memory, doubleValue: 0, longValue: 0 },
    {
      name: 'PORTS',
      type: 'STRINGSET',
      stringSetValue: ports.map(String),
      integerValue: 0,
      doubleValue: 0,
      longValue: 0,
    },
    {
      name: 'PORTS_UDP',
      type: 'STRINGSET',
      stringSetValue: [],
      integerValue: 0,
      doubleValue: 0,
      longValue: 0,
    },
  ];
}

function renderContainerInstance(
  b: EcsBackend,
  ci: ContainerInstance,
  withTags: boolean,
): Record<string, unknown> {
  const tasks = [...b.tasks.values()].filter(
    (t) => t.containerInstanceArn === ci.arn && t.lastStatus !== 'STOPPED',
  );
  return {
    containerInstanceArn: ci.arn,
    ec2InstanceId: ci.ec2InstanceId,
    ...(ci.capacityProviderName ? { capacityProviderName: ci.capacityProviderName } : {}),
    version: 1,
    versionInfo: { agentVersion: '1.89.0', agentHash: 'local', dockerVersion: 'DockerVersion: 25.0.0' },
    remainingResources: resources(
      ci.remainingCpu,
      ci.remainingMemory,
      [...ci.usedPorts].sort((x, y) => x - y),
    ),
    registeredResources: resources(ci.cpu, ci.memory, [22, 2375, 2376, 51678, 51679]),
    status: ci.status,
    agentConnected: ci.status !== 'INACTIVE',
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter((t) => t.lastStatus !== 'RUNNING').length,
    attributes: [
      { name: 'ecs.availability-zone', value: ci.availabilityZone },
      { name: 'ecs.instance-type', value: ci.instanceType },
      { name: 'ecs.os-type', value: 'linux' },
      { name: 'ecs.cpu-architecture', value: 'x86_64' },
      { name: 'ecs.capability.task-eni' },
    ],
    registeredAt: ci.registeredAt,
    attachments: [],
    ...(withTags ? { tags: tagList(b.tags.get(ci.arn)) } : {}),
  };
}

const registeredClouds = new WeakSet<Cloud>();

/** Container instances follow EC2 instances: registration on `instance:running`, removal on `instance:terminating`. */
function listenToInstances(cloud: Cloud): void {
  if (registeredClouds.has(cloud)) return;
  registeredClouds.add(cloud);
  cloud.bus.on('instance:running', (e: InstanceRunningEvent) =>
    ecsBackend(cloud, e.accountId, e.region).onInstanceRunning(e),
  );
  cloud.bus.on('instance:terminating', (e: InstanceTerminatingEvent) =>
    ecsBackend(cloud, e.accountId, e.region).onInstanceTerminating(e),
  );
  const seen = new Set<EcsBackend>();
  const track = (b: EcsBackend): EcsBackend => {
    seen.add(b);
    return b;
  };
  cloud.onReset(() => seen.clear());
  cloud.addStateDumper('ecs', () => {
    const out: Record<string, unknown> = {};
    for (const b of seen) out[`${b.accountId}/${b.region}`] = b.dump();
    return out;
  });
  trackers.set(cloud, track);
}

const trackers = new WeakMap<Cloud, (b: EcsBackend) => EcsBackend>();

/** ECS (JSON 1.1, `AmazonEC2ContainerServiceV20141113`). */
export function ecsService(cloud: Cloud): ServiceDefinition {
  listenToInstances(cloud);
  const b = (ctx: RequestContext): EcsBackend => (trackers.get(ctx.cloud) ?? ((x) => x))(backendOf(ctx));
  const cluster = (p: any): string | undefined => (p.cluster === undefined ? undefined : String(p.cluster));
  return {
    signingName: 'ecs',
    protocol: 'json',
    jsonTargetPrefix: 'AmazonEC2ContainerServiceV20141113',
    jsonVersion: '1.1',
    actions: {
      CreateCluster: (p, ctx) => {
        const be = b(ctx);
        const strategy = strategyParam(p.defaultCapacityProviderStrategy);
        const c = be.createCluster({
          ...(p.clusterName === undefined ? {} : { name: String(p.clusterName) }),
          tags: tagsFromList(p.tags),
          ...(Array.isArray(p.capacityProviders)
            ? { capacityProviders: p.capacityProviders.map(String) }
            : {}),
          ...(strategy ? { defaultCapacityProviderStrategy: strategy } : {}),
          ...(Array.isArray(p.settings) ? { settings: p.settings } : {}),
        });
        return { cluster: renderCluster(be, c, { include: ['TAGS'] }) };
      },
      DescribeClusters: (p, ctx) => {
        const be = b(ctx);
        const refs: string[] = Array.isArray(p.clusters) && p.clusters.length > 0 ? p.clusters : ['default'];
        const { found, failures } = describeEach(
          refs,
          (ref) => {
            const c = be.clusters.get(EcsBackend.nameOf(ref));
            // A cluster created moments ago is MISSING for a while (eventual consistency).
            return c && be.describable(c.arn) ? renderCluster(be, c, p) : undefined;
          },
          (ref) => (ref.startsWith('arn:') ? ref : `arn:aws:ecs:${be.region}:${be.accountId}:cluster/${ref}`),
        );
        return { clusters: found, failures };
      },
      ListClusters: (p, ctx) => {
        const all = [...b(ctx).clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.arn);
        const { items, nextToken } = page(all, p);
        return { clusterArns: items, nextToken };
      },
      DeleteCluster: (p, ctx) => {
        const be = b(ctx);
        return { cluster: renderCluster(be, be.deleteCluster(String(p.cluster ?? '')), p) };
      },
      PutClusterCapacityProviders: (p, ctx) => {
        const be = b(ctx);
        if (!Array.isArray(p.capacityProviders))
          throw ECS_ERRORS.invalid('capacityProviders can not be null.');
        const c = be.putClusterCapacityProviders(
          String(p.cluster ?? ''),
          p.capacityProviders.map(String),
          strategyParam(p.defaultCapacityProviderStrategy) ?? [],
        );
        return { cluster: renderCluster(be, c, p) };
      },
      UpdateClusterSettings: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        if (Array.isArray(p.settings)) c.settings = p.settings;
        return { cluster: renderCluster(be, c, p) };
      },
      CreateCapacityProvider: (p, ctx) => {
        const be = b(ctx);
        const asg = p.autoScalingGroupProvider ?? {};
        const cp = be.createCapacityProvider({
          name: String(p.name ?? ''),
          ...(asg.autoScalingGroupArn ? { autoScalingGroupArn: String(asg.autoScalingGroupArn) } : {}),
          ...(asg.managedScaling ? { managedScaling: asg.managedScaling } : {}),
          ...(asg.managedTerminationProtection
            ? { managedTerminationProtection: String(asg.managedTerminationProtection) }
            : {}),
          ...(asg.managedDraining ? { managedDraining: String(asg.managedDraining) } : {}),
          tags: tagsFromList(p.tags),
        });
        return { capacityProvider: renderCapacityProvider(be, cp, true) };
      },
      DescribeCapacityProviders: (p, ctx) => {
        const be = b(ctx);
        const builtIn = (name: string): CapacityProvider => ({
          arn: `arn:aws:ecs:${be.region}:${be.accountId}:capacity-provider/${name}`,
          name,
          status: 'ACTIVE',
          scalingUntil: 0,
        });
        const all = [builtIn('FARGATE'), builtIn('FARGATE_SPOT'), ...be.capacityProviders.values()];
        const refs: string[] = Array.isArray(p.capacityProviders) ? p.capacityProviders.map(String) : [];
        const failures: unknown[] = [];
        let chosen = all.filter((cp) => be.describable(cp.arn));
        if (refs.length > 0) {
          chosen = [];
          for (const ref of refs) {
            const cp = all.find((c) => c.name === EcsBackend.nameOf(ref) || c.arn === ref);
            // A provider created moments ago is MISSING for a while (eventual consistency).
            if (cp && be.describable(cp.arn)) chosen.push(cp);
            else failures.push({ arn: ref, reason: 'MISSING' });
          }
        }
        const { items, nextToken } = page(chosen, p, 10);
        return {
          capacityProviders: items.map((cp) => renderCapacityProvider(be, cp, includes(p, 'TAGS'))),
          failures,
          nextToken,
        };
      },
      DeleteCapacityProvider: (p, ctx) => {
        const be = b(ctx);
        return {
          capacityProvider: renderCapacityProvider(
            be,
            be.deleteCapacityProvider(String(p.capacityProvider ?? '')),
            false,
          ),
        };
      },
      RegisterTaskDefinition: (p, ctx) => {
        const be = b(ctx);
        const td = be.registerTaskDefinition(p);
        return { taskDefinition: renderTaskDefinition(td), tags: tagList(be.tags.get(td.arn)) };
      },
      DescribeTaskDefinition: (p, ctx) => {
        const be = b(ctx);
        const td = be.getTaskDefinition(String(p.taskDefinition ?? ''));
        return {
          taskDefinition: renderTaskDefinition(td),
          ...(includes(p, 'TAGS') ? { tags: tagList(be.tags.get(td.arn)) } : {}),
        };
      },
      ListTaskDefinitions: (p, ctx) => {
        const status = String(p.status ?? 'ACTIVE');
        const prefix = p.familyPrefix === undefined ? undefined : String(p.familyPrefix);
        let all = [...b(ctx).taskDefinitions.values()]
          .flat()
          .filter((td) => td.status === status && (prefix === undefined || td.family === prefix))
          .sort((x, y) => x.family.localeCompare(y.family) || x.revision - y.revision);
        if (p.sort === 'DESC') all = all.reverse();
        const { items, nextToken } = page(all, p);
        return { taskDefinitionArns: items.map((td) => td.arn), nextToken };
      },
      ListTaskDefinitionFamilies: (p, ctx) => {
        const status = String(p.status ?? 'ACTIVE');
        const prefix = p.familyPrefix === undefined ? '' : String(p.familyPrefix);
        const families = [...b(ctx).taskDefinitions.entries()]
          .filter(([family, tds]) => {
            if (!family.startsWith(prefix)) return false;
            const active = tds.some((td) => td.status === 'ACTIVE');
            return status === 'ALL' || (status === 'ACTIVE' ? active : !active);
          })
          .map(([family]) => family)
          .sort();
        const { items, nextToken } = page(families, p);
        return { families: items, nextToken };
      },
      DeregisterTaskDefinition: (p, ctx) => ({
        taskDefinition: renderTaskDefinition(b(ctx).deregisterTaskDefinition(String(p.taskDefinition ?? ''))),
      }),
      DeleteTaskDefinitions: (p, ctx) => {
        const be = b(ctx);
        const refs: string[] = Array.isArray(p.taskDefinitions) ? p.taskDefinitions.map(String) : [];
        if (refs.length === 0 || refs.length > 10)
          throw ECS_ERRORS.invalid('taskDefinitions must contain between 1 and 10 task definitions.');
        const taskDefinitions: unknown[] = [];
        const failures: unknown[] = [];
        for (const ref of refs) {
          const td = be.findTaskDefinition(ref);
          if (!td || !/:\d+$/.test(ref))
            failures.push({ arn: ref, reason: 'The specified task definition does not exist.' });
          else if (td.status === 'ACTIVE')
            failures.push({
              arn: td.arn,
              reason:
                'The specified task definition is still in ACTIVE status. Please deregister the target and try again.',
            });
          else {
            td.status = 'DELETE_IN_PROGRESS';
            taskDefinitions.push(renderTaskDefinition(td));
          }
        }
        return { taskDefinitions, failures };
      },
      CreateService: (p, ctx) => {
        const be = b(ctx);
        if (!p.serviceName) throw ECS_ERRORS.invalid('Service name can not be blank.');
        if (!p.taskDefinition) throw ECS_ERRORS.invalid('TaskDefinition can not be blank.');
        const strategy = strategyParam(p.capacityProviderStrategy);
        const s = be.createService({
          ...(p.cluster === undefined ? {} : { cluster: String(p.cluster) }),
          serviceName: String(p.serviceName),
          taskDefinition: String(p.taskDefinition),
          desiredCount: p.desiredCount === undefined ? 0 : Number(p.desiredCount),
          loadBalancers: loadBalancersParam(p.loadBalancers),
          ...(p.launchType ? { launchType: String(p.launchType) } : {}),
          ...(strategy ? { capacityProviderStrategy: strategy } : {}),
          deploymentConfiguration: deploymentConfigParam(p.deploymentConfiguration),
          ...(p.healthCheckGracePeriodSeconds === undefined
            ? {}
            : { healthCheckGracePeriodSeconds: Number(p.healthCheckGracePeriodSeconds) }),
          ...(p.networkConfiguration ? { networkConfiguration: p.networkConfiguration } : {}),
          tags: tagsFromList(p.tags),
          ...(p.schedulingStrategy ? { schedulingStrategy: String(p.schedulingStrategy) } : {}),
          ...(Array.isArray(p.placementConstraints) ? { placementConstraints: p.placementConstraints } : {}),
          ...(Array.isArray(p.placementStrategy) ? { placementStrategy: p.placementStrategy } : {}),
          ...(p.enableECSManagedTags === undefined
            ? {}
            : { enableECSManagedTags: Boolean(p.enableECSManagedTags) }),
          ...(p.propagateTags ? { propagateTags: String(p.propagateTags) } : {}),
        });
        return { service: renderService(be, s, true) };
      },
      DescribeServices: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        const refs: string[] = Array.isArray(p.services) ? p.services.map(String) : [];
        if (refs.length === 0 || refs.length > 10)
          throw ECS_ERRORS.invalid('services must contain between 1 and 10 items.');
        const { found, failures } = describeEach(
          refs,
          (ref) => {
            const s = be.findService(c.name, ref);
            // A service created moments ago is MISSING for a while (eventual consistency).
            return s && be.describable(s.arn) ? renderService(be, s, includes(p, 'TAGS')) : undefined;
          },
          (ref) =>
            ref.startsWith('arn:')
              ? ref
              : `arn:aws:ecs:${be.region}:${be.accountId}:service/${c.name}/${ref}`,
        );
        return { services: found, failures };
      },
      ListServices: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        const all = [...be.services.values()]
          .filter(
            (s) =>
              s.clusterName === c.name &&
              s.status !== 'INACTIVE' &&
              (p.launchType === undefined || s.launchType === p.launchType),
          )
          .map((s) => s.arn);
        const { items, nextToken } = page(all, p);
        return { serviceArns: items, nextToken };
      },
      UpdateService: (p, ctx) => {
        const be = b(ctx);
        const strategy = strategyParam(p.capacityProviderStrategy);
        const existing = be.getActiveService(cluster(p), String(p.service ?? ''));
        const s = be.updateService({
          ...(p.cluster === undefined ? {} : { cluster: String(p.cluster) }),
          service: String(p.service ?? ''),
          ...(p.desiredCount === undefined ? {} : { desiredCount: Number(p.desiredCount) }),
          ...(p.taskDefinition === undefined ? {} : { taskDefinition: String(p.taskDefinition) }),
          ...(p.forceNewDeployment === undefined
            ? {}
            : { forceNewDeployment: Boolean(p.forceNewDeployment) }),
          ...(p.deploymentConfiguration
            ? {
                deploymentConfiguration: deploymentConfigParam(
                  p.deploymentConfiguration,
                  existing.deploymentConfiguration,
                ),
              }
            : {}),
          ...(strategy ? { capacityProviderStrategy: strategy } : {}),
          ...(p.networkConfiguration ? { networkConfiguration: p.networkConfiguration } : {}),
          ...(p.healthCheckGracePeriodSeconds === undefined
            ? {}
            : { healthCheckGracePeriodSeconds: Number(p.healthCheckGracePeriodSeconds) }),
          ...(Array.isArray(p.loadBalancers) ? { loadBalancers: loadBalancersParam(p.loadBalancers) } : {}),
        });
        return { service: renderService(be, s, false) };
      },
      DeleteService: (p, ctx) => {
        const be = b(ctx);
        const s = be.deleteService(cluster(p), String(p.service ?? ''), p.force === true);
        return { service: renderService(be, s, false) };
      },
      RunTask: (p, ctx) => runTasks(b(ctx), p, undefined),
      StartTask: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        const refs: string[] = Array.isArray(p.containerInstances) ? p.containerInstances.map(String) : [];
        if (refs.length === 0) throw ECS_ERRORS.invalid('Container instances can not be empty.');
        const instances = refs.map((ref) => {
          const ci = be.findContainerInstance(c.name, ref);
          if (!ci) throw ECS_ERRORS.invalid('The referenced container instance was not found.');
          return ci;
        });
        const tasks: unknown[] = [];
        const failures: unknown[] = [];
        for (const ci of instances) {
          const out = runTasks(be, { ...p, count: 1 }, ci);
          tasks.push(...out.tasks);
          failures.push(...out.failures);
        }
        return { tasks, failures };
      },
      StopTask: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        const task = be.findTask(c.name, String(p.task ?? ''));
        if (!task) throw ECS_ERRORS.invalid('The referenced task was not found.');
        be.scheduler.stopTask(task, p.reason ? String(p.reason) : 'Task stopped by user', 'UserInitiated');
        return { task: renderTask(be, task, false) };
      },
      ListTasks: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        if (p.serviceName !== undefined && p.family !== undefined)
          throw ECS_ERRORS.invalid('family and serviceName can not be specified together.');
        const desired = String(p.desiredStatus ?? 'RUNNING');
        const serviceName =
          p.serviceName === undefined ? undefined : EcsBackend.nameOf(String(p.serviceName));
        if (serviceName !== undefined && !be.findService(c.name, serviceName))
          throw ECS_ERRORS.serviceNotFound();
        const ci =
          p.containerInstance === undefined
            ? undefined
            : be.findContainerInstance(c.name, String(p.containerInstance));
        const all = [...be.tasks.values()]
          .filter(
            (t) =>
              t.clusterName === c.name &&
              t.desiredStatus === desired &&
              (serviceName === undefined || t.serviceName === serviceName) &&
              (p.family === undefined || t.taskDefinition.family === p.family) &&
              (p.startedBy === undefined || t.startedBy === p.startedBy) &&
              (p.launchType === undefined || t.launchType === p.launchType) &&
              (p.containerInstance === undefined || t.containerInstanceArn === ci?.arn),
          )
          .map((t) => t.arn);
        const { items, nextToken } = page(all, p);
        return { taskArns: items, nextToken };
      },
      DescribeTasks: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        const refs: string[] = Array.isArray(p.tasks) ? p.tasks.map(String) : [];
        if (refs.length === 0 || refs.length > 100) throw ECS_ERRORS.invalid('Tasks cannot be empty.');
        const { found, failures } = describeEach(refs, (ref) => {
          const t = be.findTask(c.name, ref);
          return t && renderTask(be, t, includes(p, 'TAGS'));
        });
        return { tasks: found, failures };
      },
      ListContainerInstances: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        const all = [...be.containerInstances.values()]
          .filter((ci) => ci.clusterName === c.name && (p.status === undefined || ci.status === p.status))
          .map((ci) => ci.arn);
        const { items, nextToken } = page(all, p);
        return { containerInstanceArns: items, nextToken };
      },
      DescribeContainerInstances: (p, ctx) => {
        const be = b(ctx);
        const c = be.getCluster(cluster(p));
        const refs: string[] = Array.isArray(p.containerInstances) ? p.containerInstances.map(String) : [];
        if (refs.length === 0 || refs.length > 100)
          throw ECS_ERRORS.invalid('containerInstances must contain between 1 and 100 items.');
        const { found, failures } = describeEach(refs, (ref) => {
          const ci = be.findContainerInstance(c.name, ref);
          return ci && renderContainerInstance(be, ci, includes(p, 'TAGS'));
        });
        return { containerInstances: found, failures };
      },
      DeregisterContainerInstance: (p, ctx) => {
        const be = b(ctx);
        const ci = be.deregisterContainerInstance(
          cluster(p) ?? 'default',
          String(p.containerInstance ?? ''),
          p.force === true,
        );
        return { containerInstance: renderContainerInstance(be, ci, false) };
      },
      UpdateContainerInstancesState: (p, ctx) => {
        const be = b(ctx);
        const status = String(p.status ?? '');
        if (status !== 'ACTIVE' && status !== 'DRAINING')
          throw ECS_ERRORS.invalid('Container instances status must be ACTIVE or DRAINING.');
        const refs: string[] = Array.isArray(p.containerInstances) ? p.containerInstances.map(String) : [];
        const cis = be.updateContainerInstancesState(cluster(p) ?? 'default', refs, status);
        return { containerInstances: cis.map((ci) => renderContainerInstance(be, ci, false)), failures: [] };
      },
      TagResource: (p, ctx) => {
        const be = b(ctx);
        const arn = String(p.resourceArn ?? '');
        be.checkTaggable(arn);
        const tags = tagsFromList(p.tags);
        const merged = { ...be.tags.get(arn), ...tags };
        if (Object.keys(merged).length > 50)
          throw ECS_ERRORS.invalid('The number of tags exceeds the limit of 50.');
        be.tags.set(arn, merged);
        return {};
      },
      UntagResource: (p, ctx) => {
        const be = b(ctx);
        const arn = String(p.resourceArn ?? '');
        be.checkTaggable(arn);
        const current = be.tags.get(arn) ?? {};
        for (const k of Array.isArray(p.tagKeys) ? p.tagKeys : []) delete current[String(k)];
        return {};
      },
      ListTagsForResource: (p, ctx) => {
        const be = b(ctx);
        const arn = String(p.resourceArn ?? '');
        be.checkTaggable(arn);
        return { tags: tagList(be.tags.get(arn)) };
      },
    },
  };
}

function runTasks(
  be: EcsBackend,
  p: any,
  containerInstance: ContainerInstance | undefined,
): { tasks: unknown[]; failures: unknown[] } {
  const c = be.getCluster(p.cluster === undefined ? undefined : String(p.cluster));
  const td = be.findTaskDefinition(String(p.taskDefinition ?? ''));
  if (!td) throw ECS_ERRORS.invalid('TaskDefinition not found.');
  if (td.status !== 'ACTIVE') throw ECS_ERRORS.invalid('TaskDefinition is inactive');
  const count = p.count === undefined ? 1 : Number(p.count);
  if (!Number.isInteger(count) || count < 1 || count > 10)
    throw ECS_ERRORS.invalid('count must be between 1 and 10.');
  const strategy = strategyParam(p.capacityProviderStrategy);
  if (p.launchType && strategy && strategy.length > 0)
    throw ECS_ERRORS.invalid(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  if (td.networkMode === 'awsvpc' && !p.networkConfiguration)
    throw ECS_ERRORS.invalid(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  const tasks: unknown[] = [];
  const failures: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const spec = {
      cluster: c,
      taskDefinition: td,
      ...(p.launchType ? { launchType: String(p.launchType) } : {}),
      ...(strategy ? { capacityProviderStrategy: strategy } : {}),
      ...(p.networkConfiguration ? { networkConfiguration: p.networkConfiguration } : {}),
      ...(p.startedBy ? { startedBy: String(p.startedBy) } : {}),
      ...(p.group ? { group: String(p.group) } : {}),
      ...(p.overrides ? { overrides: p.overrides } : {}),
      ...(containerInstance ? { containerInstance } : {}),
    };
    const placement = be.scheduler.place(spec);
    if (placement.kind === 'none') {
      if (placement.runTaskReason.startsWith('No Container Instances'))
        throw ECS_ERRORS.invalid(placement.runTaskReason);
      failures.push({ arn: containerInstance?.arn, reason: placement.runTaskReason });
      continue;
    }
    const task = be.scheduler.launch(spec, placement);
    be.tags.set(task.arn, tagsFromList(p.tags));
    tasks.push(renderTask(be, task, false));
  }
  be.scheduler.kick();
  return { tasks, failures };
}
