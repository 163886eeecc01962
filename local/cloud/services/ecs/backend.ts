import type { Cloud, InstanceRunningEvent, InstanceTerminatingEvent } from '../../core/cloud.ts';
import { ServiceScheduler } from '../../dataplane/scheduler.ts';
import type { SchedulerHost } from '../../dataplane/scheduler-host.ts';
import { type AutoScalingGroup, autoScalingBackend } from '../autoscaling/backend.ts';
import { createCapacityProvider, deleteCapacityProvider } from './capacity-providers.ts';
import {
  attachmentsStatus,
  clusterCounts,
  createCluster,
  deleteCluster,
  getCluster,
  putClusterCapacityProviders,
} from './clusters.ts';
import {
  deregisterContainerInstance,
  findContainerInstance,
  onInstanceRunning,
  onInstanceTerminating,
  updateContainerInstancesState,
} from './container-instances.ts';
import { ECS_ERRORS } from './errors.ts';
import type {
  CapacityProvider,
  Cluster,
  ContainerInstance,
  Deployment,
  Service,
  Tags,
  Task,
  TaskDefinition,
} from './model.ts';
import {
  addServiceEvent,
  createService,
  deleteService,
  findService,
  getActiveService,
  newDeployment,
  updateService,
} from './services.ts';
import { type EcsState, nameOf } from './state.ts';
import {
  deregisterTaskDefinition,
  findTaskDefinition,
  getTaskDefinition,
  registerTaskDefinition,
} from './task-definitions.ts';

/** The ECS backend of one account and region. */
export function ecsBackend(cloud: Cloud, accountId: string, region: string): EcsBackend {
  return cloud.backend('ecs', accountId, region, () => new EcsBackend(cloud, accountId, region));
}

/**
 * ECS state of one account and region, and the API over it. The rules AWS enforces live in one
 * module per resource — clusters.ts, capacity-providers.ts, task-definitions.ts, services.ts,
 * container-instances.ts — which this class composes; the scheduler (dataplane/scheduler.ts) runs
 * the data plane.
 */
export class EcsBackend implements EcsState, SchedulerHost {
  readonly clusters = new Map<string, Cluster>();
  readonly capacityProviders = new Map<string, CapacityProvider>();
  readonly taskDefinitions = new Map<string, TaskDefinition[]>();
  readonly containerInstances = new Map<string, ContainerInstance>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly tags = new Map<string, Tags>();
  readonly scheduler: ServiceScheduler;
  readonly pendingRegistrations = new Map<string, () => void>();
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

  arn(kind: string, rest: string): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}:${kind}/${rest}`;
  }

  /** The last path part of an ARN, or the value itself. */
  static nameOf(value: string): string {
    return nameOf(value);
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

  /** The Auto Scaling group behind an ARN or name. */
  autoScalingGroup(nameOrArn: string): AutoScalingGroup | undefined {
    return autoScalingBackend(this.cloud, this.accountId, this.region).getGroup(nameOrArn);
  }

  // ---------- the API, by resource (each in its module)

  createCluster(input: Parameters<typeof createCluster>[1]): Cluster {
    return createCluster(this, input);
  }

  /** An ACTIVE cluster by name or ARN (default `default`). */
  getCluster(nameOrArn: string | undefined): Cluster {
    return getCluster(this, nameOrArn);
  }

  clusterCounts(cluster: Cluster): Record<string, number> {
    return clusterCounts(this, cluster);
  }

  deleteCluster(nameOrArn: string): Cluster {
    return deleteCluster(this, nameOrArn);
  }

  putClusterCapacityProviders(
    clusterName: string,
    providers: string[],
    strategy: Parameters<typeof putClusterCapacityProviders>[3],
  ): Cluster {
    return putClusterCapacityProviders(this, clusterName, providers, strategy);
  }

  /** `UPDATE_IN_PROGRESS` while an attachment is being created or deleted, else `UPDATE_COMPLETE`. */
  static attachmentsStatus(cluster: Cluster): string {
    return attachmentsStatus(cluster);
  }

  createCapacityProvider(input: Parameters<typeof createCapacityProvider>[1]): CapacityProvider {
    return createCapacityProvider(this, input);
  }

  deleteCapacityProvider(nameOrArn: string): CapacityProvider {
    return deleteCapacityProvider(this, nameOrArn);
  }

  registerTaskDefinition(input: unknown): TaskDefinition {
    return registerTaskDefinition(this, input);
  }

  /** Resolves `family`, `family:rev` or an ARN (a bare family = its latest ACTIVE revision). */
  findTaskDefinition(ref: string): TaskDefinition | undefined {
    return findTaskDefinition(this, ref);
  }

  getTaskDefinition(ref: string): TaskDefinition {
    return getTaskDefinition(this, ref);
  }

  deregisterTaskDefinition(ref: string): TaskDefinition {
    return deregisterTaskDefinition(this, ref);
  }

  /** `instance:running` → registers a container instance when the user data names a cluster. */
  onInstanceRunning(event: InstanceRunningEvent): void {
    onInstanceRunning(this, event);
  }

  /** `instance:terminating` → the container instance goes away and its tasks stop. */
  onInstanceTerminating(event: InstanceTerminatingEvent): void {
    onInstanceTerminating(this, event);
  }

  findContainerInstance(clusterName: string, ref: string): ContainerInstance | undefined {
    return findContainerInstance(this, clusterName, ref);
  }

  deregisterContainerInstance(clusterName: string, ref: string, force: boolean): ContainerInstance {
    return deregisterContainerInstance(this, clusterName, ref, force);
  }

  updateContainerInstancesState(
    clusterName: string,
    refs: string[],
    status: 'ACTIVE' | 'DRAINING',
  ): ContainerInstance[] {
    return updateContainerInstancesState(this, clusterName, refs, status);
  }

  createService(input: Parameters<typeof createService>[1]): Service {
    return createService(this, input);
  }

  updateService(input: Parameters<typeof updateService>[1]): Service {
    return updateService(this, input);
  }

  deleteService(clusterRef: string | undefined, ref: string, force: boolean): Service {
    return deleteService(this, clusterRef, ref, force);
  }

  findService(clusterName: string, ref: string): Service | undefined {
    return findService(this, clusterName, ref);
  }

  getActiveService(clusterRef: string | undefined, ref: string): Service {
    return getActiveService(this, clusterRef, ref);
  }

  newDeployment(service: Service, taskDefinitionArn: string, reason = ''): Deployment {
    return newDeployment(this, service, taskDefinitionArn, reason);
  }

  addServiceEvent(service: Service, message: string): void {
    addServiceEvent(this, service, message);
  }

  // ---------- tasks

  findTask(clusterName: string, ref: string): Task | undefined {
    const id = nameOf(ref);
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
