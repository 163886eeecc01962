import type { Cloud, InstanceRunningEvent, InstanceTerminatingEvent } from '../../core/cloud.ts';
import { hex, uuid } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import { type SchedulerHost, ServiceScheduler } from '../../dataplane/scheduler.ts';
import { type AutoScalingGroup, autoScalingBackend } from '../autoscaling/backend.ts';
import {
  asgNameOf,
  type CapacityProvider,
  type CapacityProviderStrategyItem,
  type Cluster,
  type ClusterAttachment,
  type ContainerDefinition,
  type ContainerInstance,
  type Deployment,
  type DeploymentConfig,
  type LoadBalancerRef,
  type PortMapping,
  type Service,
  type Tags,
  type Task,
  type TaskDefinition,
  tagsFromList,
} from './model.ts';

/** AWS-like messages for ECS errors. */
export const ECS_ERRORS = {
  clusterNotFound: () => new ServiceError('ClusterNotFoundException', 'Cluster not found.'),
  serviceNotFound: () => new ServiceError('ServiceNotFoundException', 'Service not found.'),
  serviceNotActive: () => new ServiceError('ServiceNotActiveException', 'Service was not ACTIVE.'),
  taskDefinitionNotFound: () => new ServiceError('ClientException', 'Unable to describe task definition.'),
  invalid: (message: string) => new ServiceError('InvalidParameterException', message),
  client: (message: string) => new ServiceError('ClientException', message),
};

const FARGATE_MEMORY: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** `"1 vCPU"` → 1024, `"256"` → 256. */
function parseCpu(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*([\d.]+)\s*vcpu\s*$/i.exec(value);
  if (m) return Math.round(Number(m[1]) * 1024);
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** `"2 GB"` → 2048, `"512"` → 512. */
function parseMemory(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*([\d.]+)\s*gb\s*$/i.exec(value);
  if (m) return Math.round(Number(m[1]) * 1024);
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** Providers AWS manages for every account; they are not cluster scoped. */
const BUILT_IN_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

/** The ECS backend of one account and region. */
export function ecsBackend(cloud: Cloud, accountId: string, region: string): EcsBackend {
  return cloud.backend('ecs', accountId, region, () => new EcsBackend(cloud, accountId, region));
}

/** ECS state and the rules AWS enforces; the scheduler runs the data plane. */
export class EcsBackend implements SchedulerHost {
  readonly clusters = new Map<string, Cluster>();
  readonly capacityProviders = new Map<string, CapacityProvider>();
  readonly taskDefinitions = new Map<string, TaskDefinition[]>();
  readonly containerInstances = new Map<string, ContainerInstance>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly tags = new Map<string, Tags>();
  readonly scheduler: ServiceScheduler;
  private readonly pendingRegistrations = new Map<string, () => void>();
  /**
   * Real time (ms) from which the account's ECS service-linked role can be assumed; `undefined`
   * until the role exists. A fresh account has none: its first CreateCluster creates it, as AWS
   * does, and it propagates for a while (BASE_DELAYS.serviceLinkedRolePropagation).
   */
  private serviceLinkedRoleUsableAt: number | undefined;

  constructor(
    readonly cloud: Cloud,
    readonly accountId: string,
    readonly region: string,
  ) {
    this.scheduler = new ServiceScheduler(this);
    cloud.onReset(() => this.shutdown());
    cloud.onStop(() => this.shutdown());
  }

  /** Stops the scheduler, every task's workload and every timer. */
  async shutdown(): Promise<void> {
    for (const cancel of this.pendingRegistrations.values()) cancel();
    this.pendingRegistrations.clear();
    await this.scheduler.stop();
  }

  private arn(kind: string, rest: string): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}:${kind}/${rest}`;
  }

  /** The last path part of an ARN, or the value itself. */
  static nameOf(value: string): string {
    return value.startsWith('arn:') ? (value.split('/').pop() ?? value) : value;
  }

  // ---------- eventual consistency

  /** Real time (ms) from which each new cluster, capacity provider or service (by ARN) is described. */
  readonly #describableAt = new Map<string, number>();

  /**
   * ECS eventual consistency: a resource created moments ago is not described yet — DescribeClusters,
   * DescribeCapacityProviders and DescribeServices answer it as a `failures` entry with reason `MISSING`
   * for the scaled `ecsResourcePropagation` window (ECS API reference, "eventual consistency model";
   * terraform-provider-aws PRs #11701 and #3387). Deterministic, so tests can meet it on purpose.
   */
  markCreated(arn: string): void {
    this.#describableAt.set(
      arn,
      this.cloud.clock.now().getTime() + this.cloud.clock.delay('ecsResourcePropagation'),
    );
  }

  /** False while the resource with this ARN is inside its window of eventual consistency. */
  describable(arn: string): boolean {
    const at = this.#describableAt.get(arn);
    if (at === undefined) return true;
    if (this.cloud.clock.now().getTime() >= at) {
      this.#describableAt.delete(arn);
      return true;
    }
    return false;
  }

  // ---------- service-linked role

  /**
   * Creates the ECS service-linked role if the account has none (CreateCluster does this; so does
   * IAM CreateServiceLinkedRole for `ecs.amazonaws.com`). It becomes usable after a propagation delay.
   */
  createServiceLinkedRole(): void {
    if (this.serviceLinkedRoleUsableAt !== undefined) return;
    this.serviceLinkedRoleUsableAt =
      this.cloud.clock.now().getTime() + Math.max(1, this.cloud.clock.delay('serviceLinkedRolePropagation'));
  }

  /** True once the service-linked role exists and has propagated. */
  serviceLinkedRoleUsable(): boolean {
    return (
      this.serviceLinkedRoleUsableAt !== undefined &&
      this.cloud.clock.now().getTime() >= this.serviceLinkedRoleUsableAt
    );
  }

  // ---------- clusters

  createCluster(input: {
    name?: string;
    tags?: Tags;
    capacityProviders?: string[];
    defaultCapacityProviderStrategy?: CapacityProviderStrategyItem[];
    settings?: { name: string; value: string }[];
  }): Cluster {
    const name = input.name ?? 'default';
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name))
      throw ECS_ERRORS.invalid(
        'Cluster name must be between 1 and 255 characters. Only letters, numbers, hyphens and underscores are allowed.',
      );
    const existing = this.clusters.get(name);
    if (existing?.status === 'ACTIVE') return existing;
    this.createServiceLinkedRole();
    for (const cp of input.capacityProviders ?? []) this.checkProviderUsable(cp);
    const cluster: Cluster = {
      arn: this.arn('cluster', name),
      name,
      status: 'ACTIVE',
      capacityProviders: [...(input.capacityProviders ?? [])],
      defaultCapacityProviderStrategy: [...(input.defaultCapacityProviderStrategy ?? [])],
      settings: input.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
      attachments: [],
    };
    for (const cp of cluster.capacityProviders) this.attach(cluster, cp);
    this.clusters.set(name, cluster);
    this.tags.set(cluster.arn, { ...(input.tags ?? {}) });
    this.markCreated(cluster.arn);
    return cluster;
  }

  /** An ACTIVE cluster by name or ARN (default `default`). */
  getCluster(nameOrArn: string | undefined): Cluster {
    const cluster = this.clusters.get(EcsBackend.nameOf(nameOrArn ?? 'default'));
    if (cluster?.status !== 'ACTIVE') throw ECS_ERRORS.clusterNotFound();
    return cluster;
  }

  clusterCounts(cluster: Cluster): Record<string, number> {
    const tasks = [...this.tasks.values()].filter(
      (t) => t.clusterName === cluster.name && t.lastStatus !== 'STOPPED',
    );
    return {
      registeredContainerInstancesCount: [...this.containerInstances.values()].filter(
        (ci) => ci.clusterName === cluster.name && ci.status !== 'INACTIVE',
      ).length,
      runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: tasks.filter((t) => t.lastStatus !== 'RUNNING').length,
      activeServicesCount: [...this.services.values()].filter(
        (s) => s.clusterName === cluster.name && s.status === 'ACTIVE',
      ).length,
    };
  }

  deleteCluster(nameOrArn: string): Cluster {
    const cluster = this.getCluster(nameOrArn);
    const counts = this.clusterCounts(cluster);
    if ([...this.services.values()].some((s) => s.clusterName === cluster.name && s.status !== 'INACTIVE'))
      throw new ServiceError(
        'ClusterContainsServicesException',
        'The Cluster cannot be deleted while Services are active.',
      );
    if ((counts.registeredContainerInstancesCount ?? 0) > 0)
      throw new ServiceError(
        'ClusterContainsContainerInstancesException',
        'The Cluster cannot be deleted while Container Instances are active or draining.',
      );
    if ((counts.runningTasksCount ?? 0) + (counts.pendingTasksCount ?? 0) > 0)
      throw new ServiceError(
        'ClusterContainsTasksException',
        'The Cluster cannot be deleted while Tasks are active.',
      );
    // Detaching a provider is asynchronous: its attachment stays until ECS has removed the
    // managed-scaling policy (terraform-provider-aws PR #45794; aws-nuke issue #990).
    if (
      cluster.capacityProviders.some((cp) => !BUILT_IN_PROVIDERS.has(cp)) ||
      cluster.attachments.some((a) => a.status !== 'DELETED')
    )
      throw ECS_ERRORS.client(
        'The Cluster cannot be deleted while Cluster Scoped Capacity Providers are attached to the cluster',
      );
    cluster.status = 'INACTIVE';
    cluster.capacityProviders = [];
    cluster.defaultCapacityProviderStrategy = [];
    return cluster;
  }

  putClusterCapacityProviders(
    clusterName: string,
    providers: string[],
    strategy: CapacityProviderStrategyItem[],
  ): Cluster {
    const cluster = this.getCluster(clusterName);
    for (const cp of providers) this.checkProviderUsable(cp, cluster.name);
    for (const item of strategy) {
      if (!providers.includes(item.capacityProvider))
        throw ECS_ERRORS.invalid(
          `The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`,
        );
    }
    const removed = cluster.capacityProviders.filter((cp) => !providers.includes(cp));
    for (const cp of removed) {
      const inUse = [...this.services.values()].some(
        (s) =>
          s.clusterName === cluster.name &&
          s.status !== 'INACTIVE' &&
          (s.capacityProviderStrategy ?? cluster.defaultCapacityProviderStrategy).some(
            (i) => i.capacityProvider === cp,
          ) &&
          !s.launchType,
      );
      if (inUse)
        throw new ServiceError(
          'ResourceInUseException',
          'The specified capacity provider is in use and cannot be removed.',
        );
    }
    for (const cp of removed) this.detach(cluster, cp);
    for (const cp of providers.filter((p) => !cluster.capacityProviders.includes(p)))
      this.attach(cluster, cp);
    cluster.capacityProviders = [...providers];
    cluster.defaultCapacityProviderStrategy = [...strategy];
    return cluster;
  }

  /** `UPDATE_IN_PROGRESS` while an attachment is being created or deleted, else `UPDATE_COMPLETE`. */
  static attachmentsStatus(cluster: Cluster): string {
    return cluster.attachments.some((a) => a.status === 'PRECREATED' || a.status === 'DELETING')
      ? 'UPDATE_IN_PROGRESS'
      : 'UPDATE_COMPLETE';
  }

  /** Associating an Auto Scaling group provider creates its managed-scaling attachment, asynchronously. */
  private attach(cluster: Cluster, name: string): void {
    const cp = this.capacityProviders.get(EcsBackend.nameOf(name));
    if (!cp?.autoScalingGroupArn) return;
    const attachment: ClusterAttachment = {
      id: uuid(),
      type: 'as_policy',
      status: 'PRECREATED',
      capacityProviderName: cp.name,
      scalingPolicyName: `ECSManagedAutoScalingPolicy-${uuid()}`,
    };
    cluster.attachments.push(attachment);
    this.cloud.clock.timer(BASE_DELAYS.capacityProviderAttachment, () => {
      if (attachment.status === 'PRECREATED') attachment.status = 'CREATED';
    });
  }

  /**
   * Disassociating a provider deletes its attachment asynchronously: `DELETING` for a while, then
   * gone. Until then DeleteCluster and DeleteCapacityProvider still see the association.
   */
  private detach(cluster: Cluster, name: string): void {
    for (const attachment of cluster.attachments) {
      if (attachment.capacityProviderName !== EcsBackend.nameOf(name)) continue;
      if (attachment.status === 'DELETING' || attachment.status === 'DELETED') continue;
      attachment.status = 'DELETING';
      this.cloud.clock.timer(BASE_DELAYS.capacityProviderAttachment, () => {
        attachment.status = 'DELETED';
        cluster.attachments = cluster.attachments.filter((a) => a !== attachment);
      });
    }
  }

  // ---------- capacity providers

  private checkProviderUsable(name: string, clusterName?: string): void {
    if (name === 'FARGATE' || name === 'FARGATE_SPOT') return;
    const cp = this.capacityProviders.get(EcsBackend.nameOf(name));
    if (!cp || cp.status === 'INACTIVE')
      throw ECS_ERRORS.invalid(
        `The specified capacity provider '${name}' does not exist. Specify a valid name or ARN and try again.`,
      );
    // A just-created provider is PROVISIONING for a while (terraform-provider-aws PR #45567).
    if (cp.status !== 'ACTIVE')
      throw ECS_ERRORS.invalid(
        `The specified capacity provider '${name}' is not in an ACTIVE state. Specify a valid capacity provider and try again.`,
      );
    const elsewhere = [...this.clusters.values()].find(
      (c) => c.status === 'ACTIVE' && c.name !== clusterName && c.capacityProviders.includes(cp.name),
    );
    if (elsewhere)
      throw ECS_ERRORS.invalid(
        `The specified capacity provider '${cp.name}' is already associated with cluster '${elsewhere.name}'. A capacity provider can only be associated with one cluster.`,
      );
  }

  createCapacityProvider(input: {
    name: string;
    autoScalingGroupArn?: string;
    managedScaling?: Record<string, unknown>;
    managedTerminationProtection?: string;
    managedDraining?: string;
    tags?: Tags;
  }): CapacityProvider {
    const { name } = input;
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name))
      throw ECS_ERRORS.client(
        'The capacity provider name is invalid. Up to 255 letters, numbers, hyphens and underscores are allowed.',
      );
    if (/^(aws|ecs|fargate)/i.test(name))
      throw ECS_ERRORS.client(
        `The capacity provider name cannot start with 'aws', 'ecs', or 'fargate'. Specify a different name and try again.`,
      );
    const previous = this.capacityProviders.get(name);
    if (previous && previous.status !== 'INACTIVE')
      throw ECS_ERRORS.client(
        'The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.',
      );
    const asgArn = input.autoScalingGroupArn;
    if (!asgArn) throw ECS_ERRORS.client('autoScalingGroupProvider.autoScalingGroupArn must be specified.');
    if (!asgArn.startsWith('arn:aws:autoscaling:'))
      throw ECS_ERRORS.client(
        'The specified Auto Scaling group ARN is not valid. Specify a valid ARN and try again.',
      );
    if (
      [...this.capacityProviders.values()].some(
        (cp) => cp.status !== 'INACTIVE' && cp.autoScalingGroupArn === asgArn,
      )
    )
      throw ECS_ERRORS.client(
        'The specified Auto Scaling group ARN is already being used by another capacity provider. Specify a unique Auto Scaling group ARN and try again.',
      );
    // In a new account the service-linked role that CreateCluster created is not usable at once
    // (aws/containers-roadmap #631).
    if (!this.serviceLinkedRoleUsable())
      throw ECS_ERRORS.client(
        'ECS Service Linked Role does not exist. Please create a Service linked role for ECS and try again.',
      );
    const group = this.autoScalingGroup(asgArn);
    if (!group)
      throw ECS_ERRORS.client(
        `The specified Auto Scaling group ARN '${asgArn}' does not exist. Specify a valid Auto Scaling group ARN and try again.`,
      );
    const scalingStatus = String(input.managedScaling?.status ?? 'ENABLED');
    const protection = input.managedTerminationProtection ?? 'DISABLED';
    if (protection === 'ENABLED') {
      if (scalingStatus !== 'ENABLED')
        throw ECS_ERRORS.client(
          'The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the capacity provider must have managed scaling enabled.',
        );
      if (!group.newInstancesProtectedFromScaleIn)
        throw ECS_ERRORS.client(
          'The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, the Auto Scaling group must have instance protection from scale in enabled.',
        );
    }
    const cp: CapacityProvider = {
      arn: this.arn('capacity-provider', name),
      name,
      status: 'PROVISIONING',
      updateStatus: 'CREATE_IN_PROGRESS',
      autoScalingGroupArn: asgArn,
      managedScaling: {
        status: scalingStatus,
        targetCapacity: Number(input.managedScaling?.targetCapacity ?? 100),
        minimumScalingStepSize: Number(input.managedScaling?.minimumScalingStepSize ?? 1),
        maximumScalingStepSize: Number(input.managedScaling?.maximumScalingStepSize ?? 10000),
        instanceWarmupPeriod: Number(input.managedScaling?.instanceWarmupPeriod ?? 300),
      },
      managedTerminationProtection: protection,
      managedDraining: input.managedDraining ?? 'ENABLED',
      scalingUntil: 0,
    };
    this.capacityProviders.set(name, cp);
    this.tags.set(cp.arn, { ...(input.tags ?? {}) });
    this.markCreated(cp.arn);
    this.cloud.clock.timer(BASE_DELAYS.capacityProviderActivation, () => {
      if (cp.status !== 'PROVISIONING') return;
      cp.status = 'ACTIVE';
      cp.updateStatus = 'CREATE_COMPLETE';
    });
    return cp;
  }

  /** The Auto Scaling group behind an ARN or name. */
  autoScalingGroup(nameOrArn: string): AutoScalingGroup | undefined {
    return autoScalingBackend(this.cloud, this.accountId, this.region).getGroup(nameOrArn);
  }

  /**
   * DeleteCapacityProvider answers 200 even when it does not delete: while the provider is still
   * associated with a cluster (its attachment included) the answer carries `updateStatus:
   * DELETE_FAILED` with the reason, and `status` stays ACTIVE (aws-nuke PR #542,
   * terraform-provider-aws PR #48156). Otherwise `DELETE_IN_PROGRESS`, INACTIVE a while later.
   */
  deleteCapacityProvider(nameOrArn: string): CapacityProvider {
    const cp = this.capacityProviders.get(EcsBackend.nameOf(nameOrArn));
    if (!cp || cp.status === 'INACTIVE')
      throw ECS_ERRORS.client(
        'The specified capacity provider does not exist. Specify a valid name or ARN and try again.',
      );
    if (cp.updateStatus === 'DELETE_IN_PROGRESS') return cp;
    const cluster = [...this.clusters.values()].find(
      (c) =>
        c.status === 'ACTIVE' &&
        (c.capacityProviders.includes(cp.name) ||
          c.attachments.some((a) => a.capacityProviderName === cp.name && a.status !== 'DELETED')),
    );
    if (cluster) {
      cp.updateStatus = 'DELETE_FAILED';
      cp.updateStatusReason = `The capacity provider cannot be deleted because it is associated with cluster: ${cluster.name}. Remove the capacity provider from the cluster and try again.`;
      return cp;
    }
    cp.updateStatus = 'DELETE_IN_PROGRESS';
    delete cp.updateStatusReason;
    this.cloud.clock.timer(BASE_DELAYS.capacityProviderDeletion, () => {
      cp.status = 'INACTIVE';
      cp.updateStatus = 'DELETE_COMPLETE';
    });
    return cp;
  }

  // ---------- task definitions

  registerTaskDefinition(input: any): TaskDefinition {
    const family = String(input.family ?? '');
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(family))
      throw ECS_ERRORS.client(
        'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.',
      );
    const compat: string[] = Array.isArray(input.requiresCompatibilities)
      ? input.requiresCompatibilities.map(String)
      : [];
    const fargate = compat.includes('FARGATE');
    const networkMode = String(input.networkMode ?? (fargate ? 'awsvpc' : 'bridge'));
    if (!['bridge', 'host', 'awsvpc', 'none'].includes(networkMode))
      throw ECS_ERRORS.client(
        `Invalid networkMode '${networkMode}'. Valid values are: bridge, host, awsvpc, none.`,
      );
    if (fargate && networkMode !== 'awsvpc')
      throw ECS_ERRORS.client("Fargate only supports network mode 'awsvpc'.");
    const rawContainers: any[] = Array.isArray(input.containerDefinitions) ? input.containerDefinitions : [];
    if (rawContainers.length === 0) throw ECS_ERRORS.client('Container list cannot be empty.');
    const cpu = input.cpu === undefined ? undefined : String(input.cpu);
    const memory = input.memory === undefined ? undefined : String(input.memory);
    const taskCpu = parseCpu(cpu);
    const taskMemory = parseMemory(memory);
    if (taskCpu !== undefined && (Number.isNaN(taskCpu) || taskCpu < 128))
      throw ECS_ERRORS.client(`Invalid 'cpu' setting for task. The minimum is 128 CPU units.`);
    if (taskMemory !== undefined && (Number.isNaN(taskMemory) || taskMemory < 6))
      throw ECS_ERRORS.client(`Invalid 'memory' setting for task. The minimum is 6 MiB.`);
    if (fargate) {
      if (taskCpu === undefined)
        throw ECS_ERRORS.client("Fargate requires that 'cpu' be defined at the task level.");
      if (taskMemory === undefined)
        throw ECS_ERRORS.client("Fargate requires that 'memory' be defined at the task level.");
      if (!(FARGATE_MEMORY[taskCpu] ?? []).includes(taskMemory))
        throw ECS_ERRORS.client(
          `No Fargate configuration exists for given values: ${taskCpu} CPU, ${taskMemory} memory. See the Amazon ECS documentation for the valid combinations.`,
        );
    }
    const names = new Set<string>();
    const containers: ContainerDefinition[] = rawContainers.map((c) => {
      const name = String(c.name ?? '');
      if (!name) throw ECS_ERRORS.client('Container.name should not be null or empty.');
      if (names.has(name))
        throw ECS_ERRORS.client(`Duplicate container name '${name}'. Container names must be unique.`);
      names.add(name);
      if (!c.image) throw ECS_ERRORS.client('Container.image should not be null or empty.');
      const cMemory = c.memory === undefined ? undefined : Number(c.memory);
      const cReservation = c.memoryReservation === undefined ? undefined : Number(c.memoryReservation);
      if (cMemory !== undefined && cMemory < 6)
        throw ECS_ERRORS.client(`Invalid 'memory' setting for container '${name}'. The minimum is 6 MiB.`);
      if (cMemory !== undefined && cReservation !== undefined && cReservation > cMemory)
        throw ECS_ERRORS.client(
          `Invalid 'memoryReservation' setting for container '${name}'. 'memoryReservation' must be less than or equal to 'memory'.`,
        );
      if (taskMemory === undefined && cMemory === undefined && cReservation === undefined)
        throw ECS_ERRORS.client(
          `Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
        );
      if (taskMemory !== undefined && cMemory !== undefined && cMemory > taskMemory)
        throw ECS_ERRORS.client(
          `Invalid 'memory' setting for container '${name}'. The container memory must be less than or equal to the task memory.`,
        );
      const portMappings: PortMapping[] = (Array.isArray(c.portMappings) ? c.portMappings : []).map(
        (pm: any) => {
          const containerPort = Number(pm.containerPort);
          if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535)
            throw ECS_ERRORS.client(`Invalid containerPort in container '${name}'.`);
          const hostPort = pm.hostPort === undefined ? undefined : Number(pm.hostPort);
          if (
            (networkMode === 'awsvpc' || networkMode === 'host') &&
            hostPort !== undefined &&
            hostPort !== 0 &&
            hostPort !== containerPort
          )
            throw ECS_ERRORS.client(
              `When networkMode=${networkMode}, the host ports and container ports in port mappings must match.`,
            );
          if (hostPort !== undefined && (hostPort < 0 || hostPort > 65535))
            throw ECS_ERRORS.client(`Invalid hostPort in container '${name}'.`);
          return {
            containerPort,
            ...(networkMode === 'awsvpc' || networkMode === 'host'
              ? { hostPort: containerPort }
              : hostPort === undefined
                ? {}
                : { hostPort }),
            protocol: String(pm.protocol ?? 'tcp'),
            ...(pm.name ? { name: String(pm.name) } : {}),
          };
        },
      );
      if (networkMode === 'none' && portMappings.length > 0)
        throw ECS_ERRORS.client('Port mappings are not supported when networkMode=none.');
      return {
        ...c,
        name,
        image: String(c.image),
        ...(c.cpu === undefined ? {} : { cpu: Number(c.cpu) }),
        ...(cMemory === undefined ? {} : { memory: cMemory }),
        ...(cReservation === undefined ? {} : { memoryReservation: cReservation }),
        essential: c.essential === undefined ? true : Boolean(c.essential),
        portMappings,
        environment: Array.isArray(c.environment) ? c.environment : [],
      };
    });
    if (!containers.some((c) => c.essential))
      throw ECS_ERRORS.client('A task definition must have at least one essential container.');
    const revisions = this.taskDefinitions.get(family) ?? [];
    const revision = revisions.length + 1;
    const {
      family: _f,
      containerDefinitions: _c,
      cpu: _cpu,
      memory: _m,
      networkMode: _n,
      requiresCompatibilities: _r,
      tags: _t,
      ...extra
    } = input;
    const td: TaskDefinition = {
      arn: this.arn('task-definition', `${family}:${revision}`),
      family,
      revision,
      status: 'ACTIVE',
      networkMode,
      ...(cpu === undefined ? {} : { cpu: String(taskCpu) }),
      ...(memory === undefined ? {} : { memory: String(taskMemory) }),
      requiresCompatibilities: compat,
      containerDefinitions: containers,
      registeredAt: this.cloud.clock.now(),
      extra,
    };
    revisions.push(td);
    this.taskDefinitions.set(family, revisions);
    this.tags.set(td.arn, tagsFromList(input.tags));
    return td;
  }

  /** Resolves `family`, `family:rev` or an ARN (a bare family = its latest ACTIVE revision). */
  findTaskDefinition(ref: string): TaskDefinition | undefined {
    const last = ref.startsWith('arn:') ? (ref.split('task-definition/')[1] ?? '') : ref;
    const [family, rev] = last.split(':');
    const revisions = this.taskDefinitions.get(family ?? '') ?? [];
    if (rev === undefined) return [...revisions].reverse().find((t) => t.status === 'ACTIVE');
    const td = revisions[Number(rev) - 1];
    return td && td.status !== 'DELETE_IN_PROGRESS' ? td : undefined;
  }

  getTaskDefinition(ref: string): TaskDefinition {
    const td = this.findTaskDefinition(ref);
    if (!td) throw ECS_ERRORS.taskDefinitionNotFound();
    return td;
  }

  deregisterTaskDefinition(ref: string): TaskDefinition {
    if (!ref.includes(':') || (ref.startsWith('arn:') && !/:\d+$/.test(ref)))
      throw ECS_ERRORS.client('Invalid revision number. Number: ' + (ref.split(':').pop() ?? ''));
    const td = this.findTaskDefinition(ref);
    if (!td) throw ECS_ERRORS.client('The specified task definition does not exist.');
    if (td.status === 'ACTIVE') {
      td.status = 'INACTIVE';
      td.deregisteredAt = this.cloud.clock.now();
    }
    return td;
  }

  // ---------- container instances (data plane registration)

  /** `instance:running` → registers a container instance when the user data names a cluster. */
  onInstanceRunning(event: InstanceRunningEvent): void {
    const m = /ECS_CLUSTER=["']?([A-Za-z0-9_-]+)/.exec(event.userData ?? '');
    if (!m) return;
    const clusterName = m[1] as string;
    const cancel = this.cloud.clock.timer(BASE_DELAYS.containerInstanceRegistration, () => {
      this.pendingRegistrations.delete(event.instanceId);
      const cluster = this.clusters.get(clusterName);
      if (cluster?.status !== 'ACTIVE') return;
      this.registerContainerInstance(cluster, event);
    });
    this.pendingRegistrations.set(event.instanceId, cancel);
  }

  registerContainerInstance(cluster: Cluster, event: InstanceRunningEvent): ContainerInstance {
    const id = hex(32);
    const provider = event.autoScalingGroupName
      ? [...this.capacityProviders.values()].find(
          (cp) =>
            cp.status === 'ACTIVE' &&
            cp.autoScalingGroupArn !== undefined &&
            asgNameOf(cp.autoScalingGroupArn) === event.autoScalingGroupName,
        )
      : undefined;
    const ci: ContainerInstance = {
      arn: this.arn('container-instance', `${cluster.name}/${id}`),
      id,
      clusterName: cluster.name,
      ec2InstanceId: event.instanceId,
      status: 'ACTIVE',
      cpu: Math.round(event.cpu * 1024),
      memory: event.memoryMiB,
      remainingCpu: Math.round(event.cpu * 1024),
      remainingMemory: event.memoryMiB,
      usedPorts: new Set([22, 2375, 2376, 51678, 51679]),
      instanceType: event.instanceType,
      availabilityZone: event.availabilityZone,
      ...(event.autoScalingGroupName === undefined
        ? {}
        : { autoScalingGroupName: event.autoScalingGroupName }),
      ...(provider ? { capacityProviderName: provider.name } : {}),
      registeredAt: this.cloud.clock.now(),
      privateIpAddress: event.privateIpAddress,
    };
    this.containerInstances.set(ci.arn, ci);
    this.tags.set(ci.arn, {});
    if (provider) provider.scalingUntil = 0;
    this.cloud.bus.emit('ecs:container-instance', {
      accountId: this.accountId,
      region: this.region,
      cluster: cluster.name,
      instanceId: event.instanceId,
      containerInstanceArn: ci.arn,
      status: 'ACTIVE',
    });
    this.scheduler.kick();
    return ci;
  }

  /** `instance:terminating` → the container instance goes away and its tasks stop. */
  onInstanceTerminating(event: InstanceTerminatingEvent): void {
    this.pendingRegistrations.get(event.instanceId)?.();
    this.pendingRegistrations.delete(event.instanceId);
    for (const ci of this.containerInstances.values()) {
      if (ci.ec2InstanceId !== event.instanceId || ci.status === 'INACTIVE') continue;
      for (const task of this.tasks.values()) {
        if (task.containerInstanceArn === ci.arn && task.lastStatus !== 'STOPPED')
          this.scheduler.stopTask(
            task,
            `Host EC2 (instance ${event.instanceId}) terminated.`,
            'TerminationNotice',
            {
              immediate: true,
            },
          );
      }
      this.removeContainerInstance(ci);
    }
  }

  private removeContainerInstance(ci: ContainerInstance): void {
    ci.status = 'INACTIVE';
    this.containerInstances.delete(ci.arn);
    this.cloud.bus.emit('ecs:container-instance', {
      accountId: this.accountId,
      region: this.region,
      cluster: ci.clusterName,
      instanceId: ci.ec2InstanceId,
      containerInstanceArn: ci.arn,
      status: 'INACTIVE',
    });
    this.scheduler.kick();
  }

  findContainerInstance(clusterName: string, ref: string): ContainerInstance | undefined {
    return [...this.containerInstances.values()].find(
      (ci) => ci.clusterName === clusterName && (ci.arn === ref || ci.id === ref || ci.ec2InstanceId === ref),
    );
  }

  deregisterContainerInstance(clusterName: string, ref: string, force: boolean): ContainerInstance {
    const cluster = this.getCluster(clusterName);
    const ci = this.findContainerInstance(cluster.name, ref);
    if (!ci) throw ECS_ERRORS.invalid('The referenced container instance was not found.');
    const tasks = [...this.tasks.values()].filter(
      (t) => t.containerInstanceArn === ci.arn && t.lastStatus !== 'STOPPED',
    );
    if (tasks.length > 0 && !force) throw ECS_ERRORS.invalid('Found running tasks on the instance.');
    for (const task of tasks)
      this.scheduler.stopTask(task, 'Container instance deregistration forced by user', 'UserInitiated', {
        immediate: true,
      });
    this.removeContainerInstance(ci);
    return { ...ci, status: 'INACTIVE' };
  }

  updateContainerInstancesState(
    clusterName: string,
    refs: string[],
    status: 'ACTIVE' | 'DRAINING',
  ): ContainerInstance[] {
    const cluster = this.getCluster(clusterName);
    const out: ContainerInstance[] = [];
    for (const ref of refs) {
      const ci = this.findContainerInstance(cluster.name, ref);
      if (!ci) continue;
      ci.status = status;
      out.push(ci);
    }
    this.scheduler.kick();
    return out;
  }

  // ---------- services

  createService(input: {
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
  }): Service {
    const cluster = this.getCluster(input.cluster);
    const name = input.serviceName;
    if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name))
      throw ECS_ERRORS.invalid(
        'Service name must be between 1 and 255 characters. Only letters, numbers, hyphens and underscores are allowed.',
      );
    const existing = this.services.get(`${cluster.name}/${name}`);
    if (existing && existing.status !== 'INACTIVE')
      throw ECS_ERRORS.invalid('Creation of service was not idempotent.');
    const td = this.findTaskDefinition(input.taskDefinition);
    if (!td) throw ECS_ERRORS.invalid('TaskDefinition not found.');
    if (td.status !== 'ACTIVE') throw ECS_ERRORS.invalid(`TaskDefinition is inactive`);
    if (input.desiredCount < 0)
      throw ECS_ERRORS.invalid('Invalid desiredCount: the desired count must be 0 or greater.');
    this.checkLaunchConfig(
      cluster,
      td,
      input.launchType,
      input.capacityProviderStrategy,
      input.networkConfiguration,
    );
    this.checkLoadBalancers(td, input.loadBalancers);
    if (input.healthCheckGracePeriodSeconds !== undefined && input.loadBalancers.length === 0)
      throw ECS_ERRORS.invalid(
        'Health check grace period is only valid for services configured to use load balancers',
      );
    this.checkDeploymentConfig(input.deploymentConfiguration);
    const now = this.cloud.clock.now();
    const service: Service = {
      arn: this.arn('service', `${cluster.name}/${name}`),
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
      ...(input.networkConfiguration === undefined
        ? {}
        : { networkConfiguration: input.networkConfiguration }),
      deploymentConfiguration: input.deploymentConfiguration,
      ...(input.healthCheckGracePeriodSeconds === undefined
        ? {}
        : { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds }),
      deployments: [],
      events: [],
      createdAt: now,
      createdBy: `arn:aws:iam::${this.accountId}:root`,
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
    service.deployments.push(this.newDeployment(service, td.arn));
    this.services.set(`${cluster.name}/${name}`, service);
    this.tags.set(service.arn, input.tags);
    this.markCreated(service.arn);
    this.scheduler.kick();
    return service;
  }

  private checkDeploymentConfig(config: DeploymentConfig): void {
    if (config.maximumPercent < 100 || config.maximumPercent > 200 * 10)
      throw ECS_ERRORS.invalid(
        'maximumPercent must be at least 100 for services using the REPLICA scheduling strategy.',
      );
    if (config.minimumHealthyPercent < 0 || config.minimumHealthyPercent > 100)
      throw ECS_ERRORS.invalid('minimumHealthyPercent must be between 0 and 100.');
  }

  private checkLaunchConfig(
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
      throw ECS_ERRORS.invalid(
        `Invalid launch type '${launchType}'. Valid values are EC2, FARGATE, EXTERNAL.`,
      );
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

  private checkLoadBalancers(td: TaskDefinition, refs: LoadBalancerRef[]): void {
    const elb = this.scheduler.elb();
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

  newDeployment(service: Service, taskDefinitionArn: string, reason = ''): Deployment {
    const now = this.cloud.clock.now();
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

  findService(clusterName: string, ref: string): Service | undefined {
    return this.services.get(`${clusterName}/${EcsBackend.nameOf(ref)}`);
  }

  getActiveService(clusterRef: string | undefined, ref: string): Service {
    const cluster = this.getCluster(clusterRef);
    const service = this.findService(cluster.name, ref);
    if (!service) throw ECS_ERRORS.serviceNotFound();
    if (service.status !== 'ACTIVE') throw ECS_ERRORS.serviceNotActive();
    return service;
  }

  updateService(input: {
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
  }): Service {
    const service = this.getActiveService(input.cluster, input.service);
    const cluster = this.getCluster(service.clusterName);
    let td = this.getTaskDefinitionOf(service);
    let redeploy = input.forceNewDeployment === true;
    if (input.taskDefinition !== undefined) {
      const next = this.findTaskDefinition(input.taskDefinition);
      if (!next) throw ECS_ERRORS.invalid('TaskDefinition not found.');
      if (next.status !== 'ACTIVE') throw ECS_ERRORS.invalid('TaskDefinition is inactive');
      if (next.arn !== service.taskDefinitionArn) redeploy = true;
      td = next;
    }
    if (input.desiredCount !== undefined && input.desiredCount < 0)
      throw ECS_ERRORS.invalid('Invalid desiredCount: the desired count must be 0 or greater.');
    const strategy = input.capacityProviderStrategy ?? service.capacityProviderStrategy;
    const launchType = input.capacityProviderStrategy ? undefined : service.launchType;
    this.checkLaunchConfig(
      cluster,
      td,
      launchType,
      strategy,
      input.networkConfiguration ?? service.networkConfiguration,
    );
    if (input.loadBalancers) this.checkLoadBalancers(td, input.loadBalancers);
    else this.checkLoadBalancers(td, service.loadBalancers);
    if (input.deploymentConfiguration) {
      const merged: DeploymentConfig = {
        ...service.deploymentConfiguration,
        ...input.deploymentConfiguration,
        circuitBreaker:
          input.deploymentConfiguration.circuitBreaker ?? service.deploymentConfiguration.circuitBreaker,
      };
      this.checkDeploymentConfig(merged);
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
      service.deployments.unshift(this.newDeployment(service, td.arn));
    }
    const primary = service.deployments[0];
    if (primary) {
      primary.desiredCount = service.desiredCount;
      primary.updatedAt = this.cloud.clock.now();
    }
    service.steady = false;
    this.scheduler.kick();
    return service;
  }

  getTaskDefinitionOf(service: Service): TaskDefinition {
    return (
      this.findTaskDefinition(service.taskDefinitionArn) ?? this.getTaskDefinition(service.taskDefinitionArn)
    );
  }

  deleteService(clusterRef: string | undefined, ref: string, force: boolean): Service {
    const cluster = this.getCluster(clusterRef);
    const service = this.findService(cluster.name, ref);
    if (!service || service.status === 'INACTIVE') throw ECS_ERRORS.serviceNotFound();
    if (service.status === 'DRAINING') return service;
    if (service.desiredCount > 0 && !force)
      throw ECS_ERRORS.invalid('The service cannot be stopped while it is scaled above 0.');
    service.desiredCount = 0;
    service.status = 'DRAINING';
    for (const d of service.deployments) d.desiredCount = 0;
    this.scheduler.kick();
    return service;
  }

  addServiceEvent(service: Service, message: string): void {
    service.events.unshift({ id: uuid(), createdAt: this.cloud.clock.now(), message });
    if (service.events.length > 100) service.events.length = 100;
  }

  // ---------- tasks

  findTask(clusterName: string, ref: string): Task | undefined {
    const id = EcsBackend.nameOf(ref);
    const task = [...this.tasks.values()].find((t) => t.id === id);
    return task && task.clusterName === clusterName ? task : undefined;
  }

  // ---------- tags

  /** Checks that an ARN names an existing taggable resource. */
  checkTaggable(arn: string): void {
    if (this.tags.has(arn)) return;
    if (arn.includes(':cluster/')) throw ECS_ERRORS.clusterNotFound();
    if (arn.includes(':service/')) throw ECS_ERRORS.serviceNotFound();
    throw ECS_ERRORS.invalid('The specified resource could not be found.');
  }

  /** `/_berth/state` section. */
  dump(): unknown {
    return {
      clusters: [...this.clusters.values()].map((c) => ({
        name: c.name,
        status: c.status,
        ...this.clusterCounts(c),
      })),
      containerInstances: [...this.containerInstances.values()].map((ci) => ({
        arn: ci.arn,
        cluster: ci.clusterName,
        ec2InstanceId: ci.ec2InstanceId,
        status: ci.status,
        remainingCpu: ci.remainingCpu,
        remainingMemory: ci.remainingMemory,
      })),
      services: [...this.services.values()].map((s) => ({
        name: s.name,
        cluster: s.clusterName,
        status: s.status,
        desiredCount: s.desiredCount,
        deployments: s.deployments.map((d) => ({
          id: d.id,
          status: d.status,
          rolloutState: d.rolloutState,
          taskDefinition: d.taskDefinitionArn,
        })),
      })),
      tasks: [...this.tasks.values()]
        .filter((t) => t.lastStatus !== 'STOPPED')
        .map((t) => ({
          arn: t.arn,
          lastStatus: t.lastStatus,
          service: t.serviceName,
          hostPorts: t.containers.flatMap((c) => c.networkBindings.map((b) => b.hostPort)),
          urls: t.containers.flatMap((c) => c.networkBindings.map((b) => `http://127.0.0.1:${b.hostPort}`)),
        })),
    };
  }
}
