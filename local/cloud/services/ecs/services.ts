import { uuid } from '../../core/ids.ts';
import { getCluster } from './clusters.ts';
import { ECS_ERRORS } from './errors.ts';
import type {
  CapacityProviderStrategyItem,
  Cluster,
  Deployment,
  DeploymentConfig,
  LoadBalancerRef,
  Service,
  Tags,
  TaskDefinition,
} from './model.ts';
import { type EcsState, nameOf } from './state.ts';
import { findTaskDefinition, getTaskDefinition } from './task-definitions.ts';

/**
 * ECS services: create and update (the launch, network, load-balancer and deployment checks AWS
 * makes), delete (DRAINING, then INACTIVE once the scheduler has stopped its tasks), deployments
 * and service events. The scheduler (dataplane/scheduler.ts) rolls the deployments out.
 */

export function createService(
  ecs: EcsState,
  input: {
    cluster?: string;
    serviceName: string;
    taskDefinition: string;
    desiredCount: number;
    loadBalancers: LoadBalancerRef[];
    launchType?: string;
    capacityProviderStrategy?: CapacityProviderStrategyItem[];
    deploymentConfiguration: DeploymentConfig;
    healthCheckGracePeriodSeconds?: number;
    networkConfiguration?: Record<string, unknown>;
    tags: Tags;
    schedulingStrategy?: string;
    placementConstraints?: unknown[];
    placementStrategy?: unknown[];
    enableECSManagedTags?: boolean;
    propagateTags?: string;
  },
): Service {
  const cluster = getCluster(ecs, input.cluster);
  const name = input.serviceName;
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name))
    throw ECS_ERRORS.invalid(
      'Service name must be between 1 and 255 characters. Only letters, numbers, hyphens and underscores are allowed.',
    );
  const existing = ecs.services.get(`${cluster.name}/${name}`);
  // A deleted service keeps its name while its tasks stop (DRAINING), which can take minutes: a service that
  // "is still draining can't be created" (hashicorp/terraform issue #9397, InvalidParameterException; PR #9521:
  // DRAINING → INACTIVE can take more than 5 minutes).
  if (existing?.status === 'DRAINING')
    throw ECS_ERRORS.invalid('Unable to Start a service that is still Draining.');
  if (existing && existing.status !== 'INACTIVE')
    throw ECS_ERRORS.invalid('Creation of service was not idempotent.');
  const td = findTaskDefinition(ecs, input.taskDefinition);
  if (!td) throw ECS_ERRORS.invalid('TaskDefinition not found.');
  if (td.status !== 'ACTIVE') throw ECS_ERRORS.invalid(`TaskDefinition is inactive`);
  if (input.desiredCount < 0)
    throw ECS_ERRORS.invalid('Invalid desiredCount: the desired count must be 0 or greater.');
  checkLaunchConfig(
    cluster,
    td,
    input.launchType,
    input.capacityProviderStrategy,
    input.networkConfiguration,
  );
  checkLoadBalancers(ecs, td, input.loadBalancers);
  if (input.healthCheckGracePeriodSeconds !== undefined && input.loadBalancers.length === 0)
    throw ECS_ERRORS.invalid(
      'Health check grace period is only valid for services configured to use load balancers',
    );
  checkDeploymentConfig(input.deploymentConfiguration);
  const now = ecs.cloud.clock.now();
  const service: Service = {
    arn: ecs.arn('service', `${cluster.name}/${name}`),
    name,
    clusterName: cluster.name,
    status: 'ACTIVE',
    desiredCount: input.desiredCount,
    taskDefinitionArn: td.arn,
    loadBalancers: input.loadBalancers,
    ...(input.launchType === undefined ? {} : { launchType: input.launchType }),
    ...(input.capacityProviderStrategy === undefined
      ? {}
      : { capacityProviderStrategy: input.capacityProviderStrategy }),
    ...(input.networkConfiguration === undefined ? {} : { networkConfiguration: input.networkConfiguration }),
    deploymentConfiguration: input.deploymentConfiguration,
    ...(input.healthCheckGracePeriodSeconds === undefined
      ? {}
      : { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds }),
    deployments: [],
    events: [],
    createdAt: now,
    createdBy: `arn:aws:iam::${ecs.accountId}:root`,
    schedulingStrategy: input.schedulingStrategy ?? 'REPLICA',
    placementConstraints: input.placementConstraints ?? [],
    placementStrategy: input.placementStrategy ?? [],
    enableECSManagedTags: input.enableECSManagedTags ?? false,
    propagateTags: input.propagateTags ?? 'NONE',
  };
  if (
    !service.launchType &&
    !service.capacityProviderStrategy &&
    cluster.defaultCapacityProviderStrategy.length === 0
  )
    service.launchType = 'EC2';
  service.deployments.push(newDeployment(ecs, service, td.arn));
  ecs.services.set(`${cluster.name}/${name}`, service);
  ecs.tags.set(service.arn, input.tags);
  ecs.markCreated(service.arn);
  ecs.scheduler.kick();
  return service;
}

function checkDeploymentConfig(config: DeploymentConfig): void {
  if (config.maximumPercent < 100 || config.maximumPercent > 200 * 10)
    throw ECS_ERRORS.invalid(
      'maximumPercent must be at least 100 for services using the REPLICA scheduling strategy.',
    );
  if (config.minimumHealthyPercent < 0 || config.minimumHealthyPercent > 100)
    throw ECS_ERRORS.invalid('minimumHealthyPercent must be between 0 and 100.');
}

function checkLaunchConfig(
  cluster: Cluster,
  td: TaskDefinition,
  launchType: string | undefined,
  strategy: CapacityProviderStrategyItem[] | undefined,
  networkConfiguration: Record<string, unknown> | undefined,
): void {
  if (launchType && strategy && strategy.length > 0)
    throw ECS_ERRORS.invalid(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  if (launchType && !['EC2', 'FARGATE', 'EXTERNAL'].includes(launchType))
    throw ECS_ERRORS.invalid(`Invalid launch type '${launchType}'. Valid values are EC2, FARGATE, EXTERNAL.`);
  for (const item of strategy ?? []) {
    if (item.capacityProvider === 'FARGATE' || item.capacityProvider === 'FARGATE_SPOT') {
      if (!cluster.capacityProviders.includes(item.capacityProvider))
        throw ECS_ERRORS.invalid(
          'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
        );
      continue;
    }
    if (!cluster.capacityProviders.includes(item.capacityProvider))
      throw ECS_ERRORS.invalid(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.',
      );
  }
  const usesFargate =
    launchType === 'FARGATE' ||
    (strategy ?? (launchType ? [] : cluster.defaultCapacityProviderStrategy)).some((i) =>
      i.capacityProvider.startsWith('FARGATE'),
    );
  if (usesFargate && !td.requiresCompatibilities.includes('FARGATE'))
    throw ECS_ERRORS.invalid('Task definition does not support launch_type FARGATE.');
  if (td.networkMode === 'awsvpc' && !networkConfiguration)
    throw ECS_ERRORS.invalid(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  if (td.networkMode !== 'awsvpc' && networkConfiguration)
    throw ECS_ERRORS.invalid(
      'Network Configuration is not valid for the given networkMode of this task definition.',
    );
  const subnets = (networkConfiguration?.awsvpcConfiguration as any)?.subnets;
  if (networkConfiguration && (!Array.isArray(subnets) || subnets.length === 0))
    throw ECS_ERRORS.invalid('subnets can not be empty.');
}

function checkLoadBalancers(ecs: EcsState, td: TaskDefinition, refs: LoadBalancerRef[]): void {
  const elb = ecs.scheduler.elb();
  for (const ref of refs) {
    if (!ref.targetGroupArn) throw ECS_ERRORS.invalid('Target Group Arn can not be blank.');
    const tg = elb.targetGroups.get(ref.targetGroupArn);
    if (!tg) throw ECS_ERRORS.invalid(`Unable to find target group ${ref.targetGroupArn}.`);
    if (elb.loadBalancerArnsOf(tg.arn).length === 0)
      throw ECS_ERRORS.invalid(
        `The target group with targetGroupArn ${tg.arn} does not have an associated load balancer.`,
      );
    const container = td.containerDefinitions.find((c) => c.name === ref.containerName);
    if (!container)
      throw ECS_ERRORS.invalid(`The container ${ref.containerName} does not exist in the task definition.`);
    if (!container.portMappings.some((pm) => pm.containerPort === ref.containerPort))
      throw ECS_ERRORS.invalid(
        `The container ${ref.containerName} did not have a container port ${ref.containerPort} defined.`,
      );
    if (td.networkMode === 'awsvpc' && tg.targetType !== 'ip')
      throw ECS_ERRORS.invalid(
        `The provided target group ${tg.arn} has target type ${tg.targetType}, which is incompatible with the awsvpc network mode specified in the task definition.`,
      );
    if (td.networkMode !== 'awsvpc' && tg.targetType === 'ip')
      throw ECS_ERRORS.invalid(
        `The provided target group ${tg.arn} has target type ip, which is incompatible with the ${td.networkMode} network mode specified in the task definition.`,
      );
  }
}

export function newDeployment(
  ecs: EcsState,
  service: Service,
  taskDefinitionArn: string,
  reason = '',
): Deployment {
  const now = ecs.cloud.clock.now();
  let digits = '';
  while (digits.length < 19) digits += String(Math.floor(Math.random() * 10));
  return {
    id: `ecs-svc/${digits.replace(/^0/, '1')}`,
    status: 'PRIMARY',
    taskDefinitionArn,
    desiredCount: service.desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    ...(service.launchType === undefined ? {} : { launchType: service.launchType }),
    ...(service.capacityProviderStrategy === undefined
      ? {}
      : { capacityProviderStrategy: service.capacityProviderStrategy }),
    ...(service.networkConfiguration === undefined
      ? {}
      : { networkConfiguration: service.networkConfiguration }),
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: reason || 'ECS deployment ecs-svc in progress.',
  };
}

export function findService(ecs: EcsState, clusterName: string, ref: string): Service | undefined {
  return ecs.services.get(`${clusterName}/${nameOf(ref)}`);
}

export function getActiveService(ecs: EcsState, clusterRef: string | undefined, ref: string): Service {
  const cluster = getCluster(ecs, clusterRef);
  const service = findService(ecs, cluster.name, ref);
  if (!service) throw ECS_ERRORS.serviceNotFound();
  if (service.status !== 'ACTIVE') throw ECS_ERRORS.serviceNotActive();
  return service;
}

export function updateService(
  ecs: EcsState,
  input: {
    cluster?: string;
    service: string;
    desiredCount?: number;
    taskDefinition?: string;
    forceNewDeployment?: boolean;
    deploymentConfiguration?: Partial<DeploymentConfig>;
    capacityProviderStrategy?: CapacityProviderStrategyItem[];
    networkConfiguration?: Record<string, unknown>;
    healthCheckGracePeriodSeconds?: number;
    loadBalancers?: LoadBalancerRef[];
  },
): Service {
  const service = getActiveService(ecs, input.cluster, input.service);
  const cluster = getCluster(ecs, service.clusterName);
  let td = getTaskDefinitionOf(ecs, service);
  let redeploy = input.forceNewDeployment === true;
  if (input.taskDefinition !== undefined) {
    const next = findTaskDefinition(ecs, input.taskDefinition);
    if (!next) throw ECS_ERRORS.invalid('TaskDefinition not found.');
    if (next.status !== 'ACTIVE') throw ECS_ERRORS.invalid('TaskDefinition is inactive');
    if (next.arn !== service.taskDefinitionArn) redeploy = true;
    td = next;
  }
  if (input.desiredCount !== undefined && input.desiredCount < 0)
    throw ECS_ERRORS.invalid('Invalid desiredCount: the desired count must be 0 or greater.');
  const strategy = input.capacityProviderStrategy ?? service.capacityProviderStrategy;
  const launchType = input.capacityProviderStrategy ? undefined : service.launchType;
  checkLaunchConfig(
    cluster,
    td,
    launchType,
    strategy,
    input.networkConfiguration ?? service.networkConfiguration,
  );
  if (input.loadBalancers) checkLoadBalancers(ecs, td, input.loadBalancers);
  else checkLoadBalancers(ecs, td, service.loadBalancers);
  if (input.deploymentConfiguration) {
    const merged: DeploymentConfig = {
      ...service.deploymentConfiguration,
      ...input.deploymentConfiguration,
      circuitBreaker:
        input.deploymentConfiguration.circuitBreaker ?? service.deploymentConfiguration.circuitBreaker,
    };
    checkDeploymentConfig(merged);
    service.deploymentConfiguration = merged;
  }
  if (input.capacityProviderStrategy) {
    service.capacityProviderStrategy = input.capacityProviderStrategy;
    delete service.launchType;
    redeploy = true;
  }
  if (input.networkConfiguration) {
    service.networkConfiguration = input.networkConfiguration;
    redeploy = true;
  }
  if (input.loadBalancers) {
    service.loadBalancers = input.loadBalancers;
    redeploy = true;
  }
  if (input.healthCheckGracePeriodSeconds !== undefined)
    service.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
  if (input.desiredCount !== undefined) service.desiredCount = input.desiredCount;
  if (redeploy) {
    service.taskDefinitionArn = td.arn;
    for (const d of service.deployments) d.status = 'ACTIVE';
    service.deployments.unshift(newDeployment(ecs, service, td.arn));
  }
  const primary = service.deployments[0];
  if (primary) {
    primary.desiredCount = service.desiredCount;
    primary.updatedAt = ecs.cloud.clock.now();
  }
  service.steady = false;
  ecs.scheduler.kick();
  return service;
}

function getTaskDefinitionOf(ecs: EcsState, service: Service): TaskDefinition {
  return (
    findTaskDefinition(ecs, service.taskDefinitionArn) ?? getTaskDefinition(ecs, service.taskDefinitionArn)
  );
}

export function deleteService(
  ecs: EcsState,
  clusterRef: string | undefined,
  ref: string,
  force: boolean,
): Service {
  const cluster = getCluster(ecs, clusterRef);
  const service = findService(ecs, cluster.name, ref);
  if (!service || service.status === 'INACTIVE') throw ECS_ERRORS.serviceNotFound();
  if (service.status === 'DRAINING') return service;
  if (service.desiredCount > 0 && !force)
    throw ECS_ERRORS.invalid('The service cannot be stopped while it is scaled above 0.');
  service.desiredCount = 0;
  service.status = 'DRAINING';
  for (const d of service.deployments) d.desiredCount = 0;
  ecs.scheduler.kick();
  return service;
}

export function addServiceEvent(ecs: EcsState, service: Service, message: string): void {
  service.events.unshift({ id: uuid(), createdAt: ecs.cloud.clock.now(), message });
  if (service.events.length > 100) service.events.length = 100;
}
