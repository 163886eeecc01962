import {
  type CapacityProvider,
  type Cluster,
  type ContainerDefinition,
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  type CreateServiceCommandInput,
  DeleteCapacityProviderCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  type ServiceEvent,
  type Task,
  type TaskDefinition,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  AwsRequestError,
  DependencyPendingError,
  NotFoundError,
  ResourceNotReadyError,
  TransientAwsError,
} from '../core/errors.ts';
import type {
  ObservedCapacityProvider,
  ObservedCluster,
  ObservedService,
  ObservedTask,
  ObservedTaskDefinition,
  Tags,
} from '../core/observed.ts';
import { fromEcsTags, toEcsTags } from '../core/tags.ts';
import { deleteUnlessGone, hasAwsCode, mapAwsError } from './map-aws-error.ts';

const CLUSTER_GONE = ['ClusterNotFoundException'];
const SERVICE_GONE = ['ServiceNotFoundException', 'ServiceNotActiveException'];
const CP_GONE = /does not exist|not found|INACTIVE/i;
/** DeleteCluster while a detached provider's attachment is still being deleted (terraform-provider-aws PR #45794). */
const CLUSTER_SCOPED_PROVIDERS_ATTACHED = /Cluster Scoped Capacity Providers are attached/i;
/** PutClusterCapacityProviders right after CreateCapacityProvider (terraform-provider-aws PR #45567). */
const PROVIDER_NOT_ACTIVE = /is not in an ACTIVE state/i;
/** CreateCapacityProvider in a new account, before the ECS service-linked role propagated (containers-roadmap #631). */
const SERVICE_LINKED_ROLE_MISSING = /Service Linked Role does not exist/i;
/** CreateCapacityProvider for a name that exists (ClientException). */
const PROVIDER_EXISTS = /capacity provider already exists/i;
/** CreateService for a name that exists (InvalidParameterException). */
const SERVICE_EXISTS = /Creation of service was not idempotent/i;
/** CreateService for the name of a deleted service whose tasks are still stopping (InvalidParameterException). */
const SERVICE_DRAINING = /Unable to Start a service that is still Draining/i;

type EcsNetworkMode = 'bridge' | 'awsvpc' | 'host';

export interface ClusterInput {
  readonly env: string;
  readonly name: string;
  readonly tags: Tags;
  /** FARGATE clusters get the FARGATE provider; EC2 clusters get theirs via `attachCapacityProvider`. */
  readonly fargate?: boolean;
}

export interface CapacityProviderInput {
  readonly env: string;
  readonly name: string;
  readonly autoScalingGroupArn: string;
  readonly tags: Tags;
  /** Managed scaling target utilisation (percent, default 100). */
  readonly targetCapacity?: number;
}

export interface TaskDefinitionInput {
  readonly env: string;
  readonly family: string;
  readonly containerName: string;
  readonly image: string;
  readonly containerPort: number;
  readonly networkMode: EcsNetworkMode;
  readonly launchType: 'EC2' | 'FARGATE';
  /** CPU units (container-level on EC2, task-level on Fargate). */
  readonly cpu: number;
  /** Hard memory limit, MiB. */
  readonly memory: number;
  /** Soft memory limit, MiB (EC2). */
  readonly memoryReservation?: number;
  readonly environment?: Readonly<Record<string, string>>;
  readonly executionRoleArn?: string;
  /** The `awslogs` driver's options: the container writes to `<streamPrefix>/<container>/<task id>` in `group`. */
  readonly logs?: { readonly group: string; readonly region: string; readonly streamPrefix: string };
  readonly tags: Tags;
}

export interface ServiceInput {
  readonly env: string;
  readonly cluster: string;
  readonly name: string;
  readonly taskDefinitionArn: string;
  readonly desiredCount: number;
  readonly targetGroupArn: string;
  readonly containerName: string;
  readonly containerPort: number;
  readonly healthCheckGracePeriodSeconds: number;
  /** EC2: the env's capacity provider. Absent with `fargate`. */
  readonly capacityProvider?: string;
  readonly fargate?: boolean;
  /** awsvpc: subnets and security groups of the tasks' ENIs. */
  readonly awsvpc?: { readonly subnets: readonly string[]; readonly securityGroups: readonly string[] };
  readonly tags: Tags;
}

/**
 * The container definition for a spec (bridge: host port 0 → dynamic host port). Its environment
 * is the spec's plus `BERTH_ENV=<env name>` (set last, so it always names the environment).
 */
export function containerDefinition(input: TaskDefinitionInput): ContainerDefinition {
  const hostPort = input.networkMode === 'bridge' ? 0 : input.containerPort;
  const environment = Object.entries({ ...input.environment, BERTH_ENV: input.env }).map(([name, value]) => ({
    name,
    value,
  }));
  return {
    name: input.containerName,
    image: input.image,
    essential: true,
    portMappings: [{ containerPort: input.containerPort, hostPort, protocol: 'tcp' }],
    ...(input.launchType === 'EC2' ? { cpu: input.cpu, memory: input.memory } : {}),
    ...(input.memoryReservation !== undefined ? { memoryReservation: input.memoryReservation } : {}),
    environment,
    ...(input.logs
      ? {
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': input.logs.group,
              'awslogs-region': input.logs.region,
              'awslogs-stream-prefix': input.logs.streamPrefix,
            },
          },
        }
      : {}),
  };
}

const toObservedCluster = (c: Cluster): ObservedCluster => ({
  arn: c.clusterArn ?? '',
  name: c.clusterName ?? '',
  status: c.status ?? 'INACTIVE',
  tags: fromEcsTags(c.tags),
  registeredContainerInstances: c.registeredContainerInstancesCount ?? 0,
  activeServices: c.activeServicesCount ?? 0,
  runningTasks: (c.runningTasksCount ?? 0) + (c.pendingTasksCount ?? 0),
  capacityProviders: c.capacityProviders ?? [],
  attachments: (c.attachments ?? [])
    .filter((a) => a.type === 'as_policy' && a.status !== 'DELETED')
    .map((a) => ({
      capacityProvider: a.details?.find((d) => d.name === 'capacityProviderName')?.value ?? '',
      status: a.status ?? '',
    })),
});

const toObservedCapacityProvider = (
  cp: CapacityProvider,
  fallbackName: string,
): ObservedCapacityProvider => ({
  name: cp.name ?? fallbackName,
  arn: cp.capacityProviderArn ?? '',
  status: cp.status ?? 'INACTIVE',
  ...(cp.updateStatus ? { updateStatus: cp.updateStatus } : {}),
  ...(cp.updateStatusReason ? { updateStatusReason: cp.updateStatusReason } : {}),
  ...(cp.autoScalingGroupProvider?.autoScalingGroupArn
    ? { autoScalingGroupArn: cp.autoScalingGroupProvider.autoScalingGroupArn }
    : {}),
  tags: fromEcsTags(cp.tags),
});

const toObservedService = (s: Service): ObservedService => ({
  arn: s.serviceArn ?? '',
  name: s.serviceName ?? '',
  status: s.status ?? 'INACTIVE',
  desiredCount: s.desiredCount ?? 0,
  runningCount: s.runningCount ?? 0,
  pendingCount: s.pendingCount ?? 0,
  taskDefinition: s.taskDefinition ?? '',
  deployments: (s.deployments ?? []).map((d) => ({
    id: d.id ?? '',
    status: d.status ?? '',
    ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
    ...(d.rolloutStateReason ? { rolloutStateReason: d.rolloutStateReason } : {}),
    taskDefinition: d.taskDefinition ?? '',
    desiredCount: d.desiredCount ?? 0,
    runningCount: d.runningCount ?? 0,
    failedTasks: d.failedTasks ?? 0,
  })),
  tags: fromEcsTags(s.tags),
  ...(s.events && s.events.length > 0 ? { events: recentEventMessages(s.events) } : {}),
});

/** Service events kept in an observation (they travel in Step Functions payloads). */
export const OBSERVED_SERVICE_EVENTS = 5;

/** ECS's event when it replaces a task whose target failed ELB health checks. */
const TARGET_UNHEALTHY_EVENT = /\bis unhealthy in \(target-group /;

/**
 * The newest {@link OBSERVED_SERVICE_EVENTS} event messages, newest first, plus the newest
 * "is unhealthy in (target-group …)" event when it is older than those (it is the one that says
 * why tasks were replaced; draining and rollback events soon push it down the list).
 */
function recentEventMessages(events: readonly ServiceEvent[]): string[] {
  const messages = events
    .map((event, index) => ({ event, index }))
    .sort(
      (a, b) =>
        (b.event.createdAt?.getTime() ?? 0) - (a.event.createdAt?.getTime() ?? 0) || a.index - b.index,
    )
    .flatMap(({ event }) => (event.message ? [event.message] : []));
  const recent = messages.slice(0, OBSERVED_SERVICE_EVENTS);
  const unhealthy = messages.find((message) => TARGET_UNHEALTHY_EVENT.test(message));
  return unhealthy !== undefined && !recent.includes(unhealthy) ? [...recent, unhealthy] : recent;
}

const toObservedTask = (t: Task): ObservedTask => ({
  arn: t.taskArn ?? '',
  lastStatus: t.lastStatus ?? '',
  taskDefinitionArn: t.taskDefinitionArn ?? '',
  ...(t.startedAt ? { startedAt: t.startedAt.toISOString() } : {}),
  ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
  ...(t.stopCode ? { stopCode: t.stopCode } : {}),
});

/** Revisions {@link AwsEcsAdapter.findRevisionTagged} describes at most by default. */
export const TAGGED_REVISION_LOOKBACK = 10;

/**
 * ECS side of an environment: cluster, capacity provider, task definitions, service, tasks.
 *
 * @example
 * const ecs = new AwsEcsAdapter(clients.ecs);
 * const cluster = await ecs.createCluster({ env: 'demo', name: 'berth-demo', tags });
 */
export class AwsEcsAdapter {
  constructor(private readonly client: ECSClient) {}

  /** The cluster (INACTIVE included, so callers can tell "deleted"), or `undefined`. */
  async observeCluster(name: string): Promise<ObservedCluster | undefined> {
    try {
      const out = await this.client.send(
        new DescribeClustersCommand({ clusters: [name], include: ['TAGS', 'ATTACHMENTS'] }),
      );
      const c = out.clusters?.find((x) => x.clusterName === name);
      return c ? toObservedCluster(c) : undefined;
    } catch (err) {
      if (hasAwsCode(err, CLUSTER_GONE)) return undefined;
      throw mapAwsError(err, `ecs.DescribeClusters ${name}`);
    }
  }

  /** Creates the cluster (`up` decided it is missing). */
  async createCluster(input: ClusterInput): Promise<ObservedCluster> {
    try {
      const out = await this.client.send(
        new CreateClusterCommand({
          clusterName: input.name,
          tags: toEcsTags(input.tags),
          settings: [{ name: 'containerInsights', value: 'disabled' }],
          ...(input.fargate
            ? {
                capacityProviders: ['FARGATE'],
                defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
              }
            : {}),
        }),
      );
      if (!out.cluster) throw new AwsRequestError('MissingCluster', `CreateCluster ${input.name}`);
      return toObservedCluster(out.cluster);
    } catch (err) {
      throw mapAwsError(err, `ecs.CreateCluster ${input.name}`);
    }
  }

  /**
   * Deletes a cluster the caller observed as the environment's (ownership is checked when observing,
   * not again here); gone → `false`. @throws DependencyPendingError while in use.
   */
  async deleteCluster(name: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteClusterCommand({ cluster: name }));
      return true;
    } catch (err) {
      if (hasAwsCode(err, CLUSTER_GONE)) return false;
      if (hasAwsCode(err, [], CLUSTER_SCOPED_PROVIDERS_ATTACHED)) {
        throw new DependencyPendingError(
          `ecs.DeleteCluster ${name}: a capacity provider's attachment is still being deleted`,
          { cause: err },
        );
      }
      throw mapAwsError(err, `ecs.DeleteCluster ${name}`);
    }
  }

  /** The capacity provider (INACTIVE included), or `undefined`. */
  async observeCapacityProvider(name: string): Promise<ObservedCapacityProvider | undefined> {
    try {
      const out = await this.client.send(
        new DescribeCapacityProvidersCommand({ capacityProviders: [name], include: ['TAGS'] }),
      );
      const cp = out.capacityProviders?.find((x) => x.name === name);
      return cp ? toObservedCapacityProvider(cp, name) : undefined;
    } catch (err) {
      throw mapAwsError(err, `ecs.DescribeCapacityProviders ${name}`);
    }
  }

  /**
   * Creates the ASG capacity provider (managed scaling on, managed termination protection
   * ENABLED — the ASG must protect new instances from scale-in).
   */
  async createCapacityProvider(input: CapacityProviderInput): Promise<ObservedCapacityProvider> {
    try {
      const out = await this.client.send(
        new CreateCapacityProviderCommand({
          name: input.name,
          autoScalingGroupProvider: {
            autoScalingGroupArn: input.autoScalingGroupArn,
            managedScaling: {
              status: 'ENABLED',
              targetCapacity: input.targetCapacity ?? 100,
              minimumScalingStepSize: 1,
              maximumScalingStepSize: 10,
            },
            managedTerminationProtection: 'ENABLED',
          },
          tags: toEcsTags(input.tags),
        }),
      );
      const cp = out.capacityProvider;
      return {
        ...(cp
          ? toObservedCapacityProvider(cp, input.name)
          : { name: input.name, arn: '', status: 'PROVISIONING' }),
        tags: input.tags,
      };
    } catch (err) {
      if (hasAwsCode(err, [], SERVICE_LINKED_ROLE_MISSING)) {
        throw new ResourceNotReadyError(
          `ecs.CreateCapacityProvider ${input.name}: the ECS service-linked role of this account is not usable yet`,
          { cause: err },
        );
      }
      // Core planned a create because DescribeCapacityProviders answered MISSING, yet the provider
      // exists: created moments ago (by an earlier attempt of this step) and not described yet — ECS
      // is eventually consistent. The retry observes it once ECS is consistent.
      if (hasAwsCode(err, [], PROVIDER_EXISTS)) {
        throw new TransientAwsError(
          `ecs.CreateCapacityProvider ${input.name}: exists but DescribeCapacityProviders answers MISSING (eventual consistency); will retry`,
          { cause: err },
        );
      }
      throw mapAwsError(err, `ecs.CreateCapacityProvider ${input.name}`);
    }
  }

  /** Associates the capacity provider with the cluster as its default strategy (`up` decided it is not). */
  async attachCapacityProvider(cluster: string, capacityProvider: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutClusterCapacityProvidersCommand({
          cluster,
          capacityProviders: [capacityProvider],
          defaultCapacityProviderStrategy: [{ capacityProvider, weight: 1, base: 0 }],
        }),
      );
      return true;
    } catch (err) {
      if (hasAwsCode(err, [], PROVIDER_NOT_ACTIVE)) {
        throw new ResourceNotReadyError(
          `ecs.PutClusterCapacityProviders ${cluster}: capacity provider ${capacityProvider} is not ACTIVE yet`,
          { cause: err },
        );
      }
      throw mapAwsError(err, `ecs.PutClusterCapacityProviders ${cluster}`);
    }
  }

  /** Removes every capacity provider from the cluster (before deleting the provider); cluster gone → `false`. */
  async detachCapacityProviders(cluster: string): Promise<boolean> {
    return deleteUnlessGone(`ecs.PutClusterCapacityProviders ${cluster}`, { codes: CLUSTER_GONE }, () =>
      this.client.send(
        new PutClusterCapacityProvidersCommand({
          cluster,
          capacityProviders: [],
          defaultCapacityProviderStrategy: [],
        }),
      ),
    );
  }

  /**
   * Deletes a capacity provider observed as the environment's; gone → `false`, deletion started →
   * `true` (the provider turns INACTIVE a while later). AWS answers 200 even when it does not
   * delete: `updateStatus: DELETE_FAILED` with a reason while the provider is still associated with
   * a cluster, its attachment included (aws-nuke PR #542, terraform-provider-aws PR #48156).
   * @throws DependencyPendingError (with AWS's reason) on DELETE_FAILED.
   */
  async deleteCapacityProvider(name: string): Promise<boolean> {
    let answered: CapacityProvider | undefined;
    try {
      const out = await this.client.send(new DeleteCapacityProviderCommand({ capacityProvider: name }));
      answered = out.capacityProvider;
    } catch (err) {
      if (hasAwsCode(err, [], CP_GONE) && !/in use|associated/i.test(String(err))) return false;
      throw mapAwsError(err, `ecs.DeleteCapacityProvider ${name}`);
    }
    if (answered?.updateStatus === 'DELETE_FAILED') {
      throw new DependencyPendingError(
        `ecs.DeleteCapacityProvider ${name}: ${answered.updateStatusReason ?? 'DELETE_FAILED'}`,
      );
    }
    return true;
  }

  /** ACTIVE (and, with `includeInactive`, INACTIVE) revisions of a family, oldest first. */
  async observeTaskDefinitions(family: string): Promise<ObservedTaskDefinition[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.client.send(
          new ListTaskDefinitionsCommand({
            familyPrefix: family,
            status: 'ACTIVE',
            sort: 'ASC',
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        arns.push(...(out.taskDefinitionArns ?? []));
        nextToken = out.nextToken;
      } catch (err) {
        throw mapAwsError(err, `ecs.ListTaskDefinitions ${family}`);
      }
    } while (nextToken);
    // familyPrefix matches prefixes: keep exactly this family.
    const exact = arns.filter((arn) => arn.split('/').pop()?.replace(/:\d+$/, '') === family);
    return exact.map((arn) => ({
      arn,
      family,
      revision: Number(arn.split(':').pop()),
      status: 'ACTIVE',
    }));
  }

  /** Describes one revision (image, sizes, port, network mode, tags). */
  async describeTaskDefinition(
    taskDefinition: string,
  ): Promise<(ObservedTaskDefinition & { tags: Tags; definition: TaskDefinition }) | undefined> {
    try {
      const out = await this.client.send(
        new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] }),
      );
      const td = out.taskDefinition;
      if (!td) return undefined;
      const container = td.containerDefinitions?.[0];
      const cpu = td.cpu !== undefined ? Number(td.cpu) : container?.cpu;
      const memory = td.memory !== undefined ? Number(td.memory) : container?.memory;
      const port = container?.portMappings?.[0]?.containerPort;
      return {
        arn: td.taskDefinitionArn ?? taskDefinition,
        family: td.family ?? '',
        revision: td.revision ?? 0,
        status: td.status ?? 'ACTIVE',
        ...(container?.image ? { image: container.image } : {}),
        ...(cpu !== undefined ? { cpu } : {}),
        ...(memory !== undefined ? { memory } : {}),
        ...(container?.memoryReservation !== undefined
          ? { memoryReservation: container.memoryReservation }
          : {}),
        ...(port !== undefined ? { containerPort: port } : {}),
        ...(td.networkMode ? { networkMode: td.networkMode } : {}),
        launchTypes: td.requiresCompatibilities ?? td.compatibilities ?? ['EC2'],
        logGroup:
          container?.logConfiguration?.logDriver === 'awslogs'
            ? (container.logConfiguration.options?.['awslogs-group'] ?? '')
            : '',
        tags: fromEcsTags(out.tags),
        definition: td,
      };
    } catch (err) {
      if (hasAwsCode(err, [], /unable to describe task definition|does not exist/i)) {
        return undefined;
      }
      throw mapAwsError(err, `ecs.DescribeTaskDefinition ${taskDefinition}`);
    }
  }

  /**
   * Registers a copy of an existing revision, optionally with a new image for the first container
   * (redeploy: the same image is re-pulled by the new deployment).
   */
  async registerRevisionFrom(
    taskDefinition: string,
    change: { readonly image?: string; readonly tags: Tags },
  ): Promise<ObservedTaskDefinition> {
    const current = await this.describeTaskDefinition(taskDefinition);
    if (!current) throw new NotFoundError(`task definition ${taskDefinition} does not exist`);
    const td = current.definition;
    const containers = (td.containerDefinitions ?? []).map((c, i) =>
      i === 0 && change.image !== undefined ? { ...c, image: change.image } : c,
    );
    try {
      const out = await this.client.send(
        new RegisterTaskDefinitionCommand({
          family: td.family,
          containerDefinitions: containers,
          ...(td.networkMode ? { networkMode: td.networkMode } : {}),
          ...(td.requiresCompatibilities ? { requiresCompatibilities: td.requiresCompatibilities } : {}),
          ...(td.cpu ? { cpu: td.cpu } : {}),
          ...(td.memory ? { memory: td.memory } : {}),
          ...(td.executionRoleArn ? { executionRoleArn: td.executionRoleArn } : {}),
          ...(td.taskRoleArn ? { taskRoleArn: td.taskRoleArn } : {}),
          ...(td.volumes && td.volumes.length > 0 ? { volumes: td.volumes } : {}),
          tags: toEcsTags(change.tags),
        }),
      );
      const created = out.taskDefinition;
      if (!created?.taskDefinitionArn) {
        throw new AwsRequestError('MissingArn', `RegisterTaskDefinition ${td.family ?? ''}`);
      }
      const image = containers[0]?.image;
      return {
        arn: created.taskDefinitionArn,
        family: created.family ?? td.family ?? '',
        revision: created.revision ?? 0,
        status: created.status ?? 'ACTIVE',
        ...(image ? { image } : {}),
      };
    } catch (err) {
      throw mapAwsError(err, `ecs.RegisterTaskDefinition ${td.family ?? taskDefinition}`);
    }
  }

  /**
   * The newest ACTIVE revision of `family` tagged `key=value` (redeploy: the revision an earlier
   * attempt of the same request registered), or `undefined`. Describes revisions newest first,
   * at most `limit` (default {@link TAGGED_REVISION_LOOKBACK}) and none older than `minRevision`.
   */
  async findRevisionTagged(
    family: string,
    tag: { readonly key: string; readonly value: string },
    options: { readonly minRevision?: number; readonly limit?: number } = {},
  ): Promise<(ObservedTaskDefinition & { tags: Tags }) | undefined> {
    const limit = options.limit ?? TAGGED_REVISION_LOOKBACK;
    const newest: string[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.client.send(
          new ListTaskDefinitionsCommand({
            familyPrefix: family,
            status: 'ACTIVE',
            sort: 'DESC',
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        // familyPrefix matches prefixes: keep exactly this family.
        for (const arn of out.taskDefinitionArns ?? []) {
          if (arn.split('/').pop()?.replace(/:\d+$/, '') === family) newest.push(arn);
        }
        nextToken = out.nextToken;
      } catch (err) {
        throw mapAwsError(err, `ecs.ListTaskDefinitions ${family}`);
      }
    } while (nextToken && newest.length < limit);
    for (const arn of newest.slice(0, limit)) {
      const revision = Number(arn.split(':').pop());
      if (options.minRevision !== undefined && revision < options.minRevision) break;
      const described = await this.describeTaskDefinition(arn);
      if (described?.status === 'ACTIVE' && described.tags[tag.key] === tag.value) {
        const { definition: _definition, ...observed } = described;
        return observed;
      }
    }
    return undefined;
  }

  /** Registers a new revision (bridge + host port 0 by default; Fargate task-level cpu/memory). */
  async registerTaskDefinition(input: TaskDefinitionInput): Promise<ObservedTaskDefinition> {
    const fargate = input.launchType === 'FARGATE';
    try {
      const out = await this.client.send(
        new RegisterTaskDefinitionCommand({
          family: input.family,
          networkMode: input.networkMode,
          requiresCompatibilities: [input.launchType],
          containerDefinitions: [containerDefinition(input)],
          ...(fargate ? { cpu: String(input.cpu), memory: String(input.memory) } : {}),
          ...(input.executionRoleArn ? { executionRoleArn: input.executionRoleArn } : {}),
          tags: toEcsTags(input.tags),
        }),
      );
      const td = out.taskDefinition;
      if (!td?.taskDefinitionArn) {
        throw new AwsRequestError('MissingArn', `RegisterTaskDefinition ${input.family}`);
      }
      return {
        arn: td.taskDefinitionArn,
        family: td.family ?? input.family,
        revision: td.revision ?? 0,
        status: td.status ?? 'ACTIVE',
        image: input.image,
      };
    } catch (err) {
      throw mapAwsError(err, `ecs.RegisterTaskDefinition ${input.family}`);
    }
  }

  /** Deregisters one revision; already INACTIVE/gone → `false`. */
  async deregisterTaskDefinition(arn: string): Promise<boolean> {
    return deleteUnlessGone(
      `ecs.DeregisterTaskDefinition ${arn}`,
      { message: /INACTIVE|does not exist|unable to describe/i },
      () => this.client.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn })),
    );
  }

  /** The service (DRAINING/INACTIVE included), or `undefined` (cluster gone too). */
  async observeService(cluster: string, name: string): Promise<ObservedService | undefined> {
    try {
      const out = await this.client.send(
        new DescribeServicesCommand({ cluster, services: [name], include: ['TAGS'] }),
      );
      const found = (out.services ?? []).filter((s) => s.serviceName === name);
      // After a delete + re-create ECS can list an INACTIVE twin: prefer the live one.
      const s = found.find((x) => x.status !== 'INACTIVE') ?? found[0];
      return s ? toObservedService(s) : undefined;
    } catch (err) {
      if (hasAwsCode(err, CLUSTER_GONE)) return undefined;
      throw mapAwsError(err, `ecs.DescribeServices ${name}`);
    }
  }

  /**
   * Creates the service: target group → container, circuit breaker with rollback,
   * 100/200 % deployment, grace period, capacity provider strategy (EC2) or FARGATE + awsvpc.
   */
  async createService(input: ServiceInput): Promise<ObservedService> {
    const params: CreateServiceCommandInput = {
      cluster: input.cluster,
      serviceName: input.name,
      taskDefinition: input.taskDefinitionArn,
      desiredCount: input.desiredCount,
      loadBalancers: [
        {
          targetGroupArn: input.targetGroupArn,
          containerName: input.containerName,
          containerPort: input.containerPort,
        },
      ],
      healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        minimumHealthyPercent: 100,
        maximumPercent: 200,
      },
      schedulingStrategy: 'REPLICA',
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
      tags: toEcsTags(input.tags),
    };
    if (input.fargate) params.launchType = 'FARGATE';
    else if (input.capacityProvider) {
      params.capacityProviderStrategy = [{ capacityProvider: input.capacityProvider, weight: 1, base: 0 }];
    }
    if (input.awsvpc) {
      params.networkConfiguration = {
        awsvpcConfiguration: {
          subnets: [...input.awsvpc.subnets],
          securityGroups: [...input.awsvpc.securityGroups],
          assignPublicIp: 'DISABLED',
        },
      };
    }
    try {
      const out = await this.client.send(new CreateServiceCommand(params));
      if (!out.service) throw new AwsRequestError('MissingService', `CreateService ${input.name}`);
      return toObservedService(out.service);
    } catch (err) {
      // Core planned a create because DescribeServices answered MISSING, yet the service exists:
      // created moments ago (an earlier attempt of this step) and not described yet — ECS is
      // eventually consistent (terraform-provider-aws PR #3387). The retry observes it.
      // Core plans a wait for a service it observes DRAINING; one that began draining after the observation (or
      // that DescribeServices did not show yet) is refused the same way, and is waited for the same way.
      if (hasAwsCode(err, [], SERVICE_DRAINING)) {
        throw new ResourceNotReadyError(
          `ecs.CreateService ${input.name}: a service of this name is still draining`,
          {
            cause: err,
          },
        );
      }
      if (hasAwsCode(err, [], SERVICE_EXISTS)) {
        throw new TransientAwsError(
          `ecs.CreateService ${input.name}: exists but DescribeServices answers MISSING (eventual consistency); will retry`,
          { cause: err },
        );
      }
      throw mapAwsError(err, `ecs.CreateService ${input.name}`);
    }
  }

  /** UpdateService: desired count, new revision, force a new deployment. */
  async updateService(input: {
    readonly cluster: string;
    readonly service: string;
    readonly desiredCount?: number;
    readonly taskDefinition?: string;
    readonly forceNewDeployment?: boolean;
  }): Promise<ObservedService> {
    try {
      const out = await this.client.send(
        new UpdateServiceCommand({
          cluster: input.cluster,
          service: input.service,
          ...(input.desiredCount !== undefined ? { desiredCount: input.desiredCount } : {}),
          ...(input.taskDefinition !== undefined ? { taskDefinition: input.taskDefinition } : {}),
          ...(input.forceNewDeployment !== undefined ? { forceNewDeployment: input.forceNewDeployment } : {}),
        }),
      );
      if (!out.service) throw new AwsRequestError('MissingService', `UpdateService ${input.service}`);
      return toObservedService(out.service);
    } catch (err) {
      throw mapAwsError(err, `ecs.UpdateService ${input.service}`);
    }
  }

  /** Deletes the service (desired must already be 0); gone → `false`. */
  async deleteService(cluster: string, name: string): Promise<boolean> {
    return deleteUnlessGone(`ecs.DeleteService ${name}`, { codes: [...SERVICE_GONE, ...CLUSTER_GONE] }, () =>
      this.client.send(new DeleteServiceCommand({ cluster, service: name })),
    );
  }

  /** Tasks of the service (or of the cluster) with the given desired status. */
  async listTasks(input: {
    readonly cluster: string;
    readonly service?: string;
    readonly desiredStatus?: 'RUNNING' | 'STOPPED';
  }): Promise<ObservedTask[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListTasksCommand({
            cluster: input.cluster,
            ...(input.service ? { serviceName: input.service } : {}),
            desiredStatus: input.desiredStatus ?? 'RUNNING',
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        arns.push(...(out.taskArns ?? []));
        nextToken = out.nextToken;
      } while (nextToken);
    } catch (err) {
      if (hasAwsCode(err, [...CLUSTER_GONE, ...SERVICE_GONE])) return [];
      throw mapAwsError(err, `ecs.ListTasks ${input.cluster}`);
    }
    return this.describeTasks(input.cluster, arns);
  }

  /** DescribeTasks in batches of 100 (stopped tasks carry `stoppedReason`/`stopCode`). */
  async describeTasks(cluster: string, arns: readonly string[]): Promise<ObservedTask[]> {
    const tasks: ObservedTask[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      try {
        const out = await this.client.send(
          new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }),
        );
        tasks.push(...(out.tasks ?? []).map(toObservedTask));
      } catch (err) {
        if (hasAwsCode(err, CLUSTER_GONE)) return tasks;
        throw mapAwsError(err, `ecs.DescribeTasks ${cluster}`);
      }
    }
    return tasks;
  }

  /** Recently stopped tasks of the service, with their reasons (for failure messages). */
  async describeStoppedTasks(cluster: string, service: string): Promise<ObservedTask[]> {
    return this.listTasks({ cluster, service, desiredStatus: 'STOPPED' });
  }
}
