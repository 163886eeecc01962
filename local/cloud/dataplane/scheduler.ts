import type { Cloud } from '../core/cloud.ts';
import { BASE_DELAYS } from '../core/time-profile.ts';
import { type AutoScalingGroup, autoScalingBackend } from '../services/autoscaling/backend.ts';
import { ec2Backend } from '../services/ec2/backend.ts';
import type {
  CapacityProvider,
  CapacityProviderStrategyItem,
  Cluster,
  ContainerInstance,
  Deployment,
  Service,
  Tags,
  Task,
  TaskContainer,
  TaskDefinition,
} from '../services/ecs/model.ts';
import { asgNameOf, circuitBreakerThreshold } from '../services/ecs/model.ts';
import { type Elbv2Backend, elbv2Backend } from '../services/elbv2/backend.ts';
import { type ContainerLog, openContainerLog, startWorkload, workloadFaultFor } from './workload.ts';

const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 65535;
const TICK_AWS_MS = 10_000;
/** A kicked pass waits this many times the previous pass's duration (the scheduler's CPU share ≤ 1 ÷ (1 + this)). */
const PASS_SPACING = 3;

/** Where a task goes: a container instance, Fargate, or nowhere (with the reason). */
export type Placement =
  | { kind: 'ec2'; instance: ContainerInstance; capacityProviderName?: string }
  | { kind: 'fargate'; capacityProviderName?: string }
  | { kind: 'none'; reason: string; runTaskReason: string };

/** How a task is launched (from a deployment or a RunTask call). */
export interface LaunchSpec {
  cluster: Cluster;
  taskDefinition: TaskDefinition;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  networkConfiguration?: Record<string, unknown>;
  service?: Service;
  deployment?: Deployment;
  startedBy?: string;
  group?: string;
  overrides?: Record<string, unknown>;
  containerInstance?: ContainerInstance;
}

/** Memory a task needs on an instance: task-level memory, else per container `memory` or `memoryReservation`. */
function taskMemory(td: TaskDefinition): number {
  if (td.memory !== undefined) return Number(td.memory);
  return td.containerDefinitions.reduce((sum, c) => sum + (c.memory ?? c.memoryReservation ?? 0), 0);
}

/** CPU units a task needs: task-level cpu, else the sum of container cpu. */
function taskCpu(td: TaskDefinition): number {
  if (td.cpu !== undefined) return Number(td.cpu);
  return td.containerDefinitions.reduce((sum, c) => sum + (c.cpu ?? 0), 0);
}

/** Fixed host ports a task needs on its instance (bridge with a hostPort, or host mode). */
function fixedHostPorts(td: TaskDefinition): number[] {
  if (td.networkMode === 'awsvpc' || td.networkMode === 'none') return [];
  return td.containerDefinitions.flatMap((c) =>
    c.portMappings
      .map((pm) => (td.networkMode === 'host' ? pm.containerPort : (pm.hostPort ?? 0)))
      .filter((p) => p > 0),
  );
}

/**
 * What the scheduler needs from the ECS control plane of its account and region. The ECS
 * backend implements it and hands itself to the scheduler, so the scheduler never imports the
 * backend's module (no import circle between the control plane and the data plane).
 */
export interface SchedulerHost {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly capacityProviders: ReadonlyMap<string, CapacityProvider>;
  readonly containerInstances: ReadonlyMap<string, ContainerInstance>;
  readonly services: ReadonlyMap<string, Service>;
  readonly tasks: Map<string, Task>;
  readonly tags: Map<string, Tags>;
  addServiceEvent(service: Service, message: string): void;
  newDeployment(service: Service, taskDefinitionArn: string, reason?: string): Deployment;
  findTaskDefinition(ref: string): TaskDefinition | undefined;
  autoScalingGroup(nameOrArn: string): AutoScalingGroup | undefined;
}

/**
 * The ECS service scheduler and task lifecycle of one account/region: places tasks on
 * container instances (or Fargate), runs each task as real HTTP servers, registers them
 * in target groups, rolls deployments and trips the circuit breaker.
 */
export class ServiceScheduler {
  private stopped = false;
  private kickQueued = false;
  /** `performance.now()` before which a kicked pass waits (see {@link kick}). */
  private nextPassAt = 0;
  private tickCancel: (() => void) | undefined;
  private subscribedElb: Elbv2Backend | undefined;

  constructor(private readonly ecs: SchedulerHost) {}

  /** The ELBv2 backend of the same account/region (subscribing to its health changes once). */
  elb(): Elbv2Backend {
    const elb = elbv2Backend(this.ecs.cloud, this.ecs.accountId, this.ecs.region);
    if (elb !== this.subscribedElb) {
      this.subscribedElb = elb;
      elb.onTargetHealthChange(() => this.kick());
    }
    return elb;
  }

  private get clock() {
    return this.ecs.cloud.clock;
  }

  /** Asks for a reconciliation soon (coalesced). */
  kick(): void {
    if (this.stopped || this.kickQueued) return;
    this.kickQueued = true;
    const run = (): void => {
      this.kickQueued = false;
      if (this.stopped) return;
      this.pass();
    };
    // Kicks come with every target health change; a pass walks every service. A pass therefore
    // waits PASS_SPACING times as long as the previous one took (≈ immediate for a few
    // environments, tens of milliseconds for hundreds), so the scheduler keeps a bounded share
    // of the CPU instead of re-walking a large fleet on every event-loop turn.
    const wait = this.nextPassAt - performance.now();
    if (wait <= 0) setImmediate(run);
    else setTimeout(run, wait).unref?.();
    if (!this.tickCancel) this.scheduleTick();
  }

  /** One reconciliation pass, timed to space the next kicked one. */
  private pass(): void {
    const started = performance.now();
    this.reconcileAll();
    const ended = performance.now();
    this.nextPassAt = ended + PASS_SPACING * (ended - started);
  }

  private scheduleTick(): void {
    this.tickCancel = this.clock.timer(TICK_AWS_MS, () => {
      this.tickCancel = undefined;
      if (this.stopped) return;
      this.pass();
      const busy = [...this.ecs.services.values()].some((s) => s.status !== 'INACTIVE');
      if (busy) this.scheduleTick();
    });
  }

  /** Stops every task's servers and timers. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.tickCancel?.();
    const closing: Promise<void>[] = [];
    for (const task of this.ecs.tasks.values()) {
      for (const cancel of task.cancels) cancel();
      task.cancels = [];
      for (const w of task.workloads) closing.push(w.close());
      task.workloads = [];
    }
    await Promise.all(closing);
  }

  /** One pass over every service. */
  reconcileAll(): void {
    this.pruneStoppedTasks();
    // One pass groups the tasks by service: reconciling a service starts and stops only its own
    // tasks, so the grouping holds for the whole pass (a scan per service made a fleet quadratic).
    const byService = new Map<string, Task[]>();
    for (const task of this.ecs.tasks.values()) {
      if (task.serviceName === undefined) continue;
      const key = serviceKey(task.clusterName, task.serviceName);
      const tasks = byService.get(key);
      if (tasks === undefined) byService.set(key, [task]);
      else tasks.push(task);
    }
    for (const service of this.ecs.services.values()) {
      if (service.status === 'INACTIVE') continue;
      try {
        this.reconcileService(service, byService.get(serviceKey(service.clusterName, service.name)) ?? []);
      } catch (err) {
        this.ecs.addServiceEvent(service, `(service ${service.name}) scheduler error: ${String(err)}`);
      }
    }
    this.managedScaleIn();
  }

  /** RUNNING, and healthy in every target group the service uses. */
  isHealthy(service: Service, task: Task): boolean {
    if (task.lastStatus !== 'RUNNING') return false;
    if (service.loadBalancers.length === 0) return true;
    if (task.targets.length === 0) return false;
    const elb = this.elb();
    return task.targets.every((t) => {
      const state = elb.targetGroups.get(t.targetGroupArn)?.tracker.health(t.id, t.port)?.state;
      return state === undefined || state === 'healthy' || state === 'unavailable' || state === 'unused';
    });
  }

  private graceOver(service: Service, task: Task): boolean {
    const grace = (service.healthCheckGracePeriodSeconds ?? 0) * 1000;
    if (!task.startedAt) return false;
    return this.clock.now().getTime() - task.startedAt.getTime() >= this.clock.ms(grace);
  }

  /** @param all the service's tasks at the start of the pass */
  private reconcileService(service: Service, all: Task[]): void {
    if (service.status === 'DRAINING') {
      for (const t of all)
        if (t.desiredStatus === 'RUNNING')
          this.stopTask(
            t,
            `Scaling activity initiated by (deployment ${t.deploymentId ?? ''})`,
            'ServiceSchedulerInitiated',
          );
      this.updateCounts(service, all);
      if (all.every((t) => t.lastStatus === 'STOPPED')) {
        service.status = 'INACTIVE';
        for (const d of service.deployments) d.status = d.status === 'PRIMARY' ? 'PRIMARY' : 'INACTIVE';
      }
      return;
    }
    const primary = service.deployments[0];
    if (!primary) return;
    const desired = service.desiredCount;
    primary.desiredCount = desired;
    for (const d of service.deployments.slice(1)) d.desiredCount = 0;
    const elb = this.elb();
    for (const t of all) {
      if (t.desiredStatus !== 'RUNNING') continue;
      if (this.isHealthy(service, t)) {
        t.wasHealthy = true;
        continue;
      }
      if (t.lastStatus !== 'RUNNING' || !this.graceOver(service, t)) continue;
      const bad = t.targets.find(
        (x) => elb.targetGroups.get(x.targetGroupArn)?.tracker.health(x.id, x.port)?.state === 'unhealthy',
      );
      if (bad) {
        const health = elb.targetGroups.get(bad.targetGroupArn)?.tracker.health(bad.id, bad.port);
        this.ecs.addServiceEvent(
          service,
          `(service ${service.name}) (${t.ec2InstanceId ? `instance ${t.ec2InstanceId}` : `task ${t.id}`}) (port ${bad.port}) is unhealthy in (target-group ${bad.targetGroupArn}) due to (reason ${health?.description ?? 'Health checks failed'}).`,
        );
        this.stopTask(
          t,
          `Task failed ELB health checks in (target-group ${bad.targetGroupArn})`,
          'ServiceSchedulerInitiated',
          {
            failed: true,
          },
        );
      }
    }
    const live = all.filter((t) => t.desiredStatus === 'RUNNING');
    const config = service.deploymentConfiguration;
    const maxTotal = Math.max(desired, Math.floor((desired * config.maximumPercent) / 100));
    const minHealthy = Math.ceil((desired * config.minimumHealthyPercent) / 100);
    const primaryLive = live.filter((t) => t.deploymentId === primary.id);
    const oldLive = live.filter((t) => t.deploymentId !== primary.id);
    const byStopPreference = (a: Task, b: Task): number =>
      Number(this.isHealthy(service, a)) - Number(this.isHealthy(service, b)) ||
      b.createdAt.getTime() - a.createdAt.getTime();
    let running = live.length;
    if (primaryLive.length > desired) {
      const excess = [...primaryLive].sort(byStopPreference).slice(0, primaryLive.length - desired);
      for (const t of excess) {
        this.stopTask(
          t,
          `Scaling activity initiated by (deployment ${primary.id})`,
          'ServiceSchedulerInitiated',
        );
        running -= 1;
      }
    }
    const cluster = this.ecs.clusters.get(service.clusterName);
    if (primary.rolloutState !== 'FAILED' && cluster?.status === 'ACTIVE') {
      const need = desired - Math.min(primaryLive.length, desired);
      const launches = Math.min(need, maxTotal - running);
      for (let i = 0; i < launches; i++) {
        if (!this.launchForService(service, primary, cluster, launches - i)) break;
        running += 1;
      }
    }
    let canStop =
      live.filter((t) => t.desiredStatus === 'RUNNING' && this.isHealthy(service, t)).length - minHealthy;
    for (const t of [...oldLive].sort(byStopPreference)) {
      const healthy = this.isHealthy(service, t);
      if (healthy && canStop <= 0) continue;
      if (healthy) canStop -= 1;
      this.stopTask(
        t,
        `Scaling activity initiated by (deployment ${primary.id})`,
        'ServiceSchedulerInitiated',
      );
    }
    this.updateCounts(service, all);
    const othersBusy = service.deployments
      .slice(1)
      .some((d) => all.some((t) => t.deploymentId === d.id && t.lastStatus !== 'STOPPED'));
    service.deployments = service.deployments.filter(
      (d, i) =>
        i === 0 ||
        all.some((t) => t.deploymentId === d.id && t.lastStatus !== 'STOPPED') ||
        (d.rolloutState === 'FAILED' && primary.rolloutState === 'IN_PROGRESS'),
    );
    if (primary.rolloutState === 'IN_PROGRESS' && !othersBusy) {
      const current = all.filter((t) => t.deploymentId === primary.id && t.desiredStatus === 'RUNNING');
      if (current.length === desired && current.every((t) => this.isHealthy(service, t))) {
        primary.rolloutState = 'COMPLETED';
        primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
        primary.updatedAt = this.clock.now();
        service.lastCompletedTaskDefinitionArn = primary.taskDefinitionArn;
        service.lastCompletedDeploymentId = primary.id;
        service.deployments = [primary];
        service.steady = true;
        this.ecs.addServiceEvent(
          service,
          `(service ${service.name}) (deployment ${primary.id}) deployment completed.`,
        );
        this.ecs.addServiceEvent(service, `(service ${service.name}) has reached a steady state.`);
      }
    } else if (primary.rolloutState === 'COMPLETED' && !othersBusy && service.steady === false) {
      const current = all.filter((t) => t.deploymentId === primary.id && t.desiredStatus === 'RUNNING');
      const settling = all.some((t) => t.desiredStatus === 'STOPPED' && t.lastStatus !== 'STOPPED');
      if (!settling && current.length === desired && current.every((t) => this.isHealthy(service, t))) {
        service.steady = true;
        this.ecs.addServiceEvent(service, `(service ${service.name}) has reached a steady state.`);
      }
    }
  }

  /** Forgets STOPPED tasks an hour (AWS time) after they stopped, as ECS does. */
  private pruneStoppedTasks(): void {
    const cutoff = this.clock.now().getTime() - this.clock.ms(3_600_000);
    for (const [arn, task] of this.ecs.tasks) {
      if (task.lastStatus === 'STOPPED' && task.stoppedAt && task.stoppedAt.getTime() < cutoff) {
        this.ecs.tasks.delete(arn);
        this.ecs.tags.delete(arn);
      }
    }
  }

  private updateCounts(service: Service, all: Task[]): void {
    for (const d of service.deployments) {
      const mine = all.filter((t) => t.deploymentId === d.id && t.desiredStatus === 'RUNNING');
      d.runningCount = mine.filter((t) => t.lastStatus === 'RUNNING').length;
      d.pendingCount = mine.filter((t) => t.lastStatus !== 'RUNNING').length;
    }
  }

  /** Counts a failed task of the primary deployment and trips the circuit breaker at the threshold. */
  private taskFailed(task: Task): void {
    if (!task.serviceName) return;
    const service = this.ecs.services.get(`${task.clusterName}/${task.serviceName}`);
    const primary = service?.deployments[0];
    if (!service || !primary || task.deploymentId !== primary.id) return;
    primary.failedTasks += 1;
    if (primary.rolloutState !== 'IN_PROGRESS') return;
    const breaker = service.deploymentConfiguration.circuitBreaker;
    if (!breaker.enable || primary.failedTasks < circuitBreakerThreshold(service.desiredCount)) return;
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    primary.updatedAt = this.clock.now();
    this.ecs.addServiceEvent(
      service,
      `(service ${service.name}) (deployment ${primary.id}) deployment failed: tasks failed to start.`,
    );
    const target = service.lastCompletedTaskDefinitionArn;
    if (breaker.rollback && target && target !== primary.taskDefinitionArn) {
      primary.status = 'ACTIVE';
      service.taskDefinitionArn = target;
      const rollback = this.ecs.newDeployment(
        service,
        target,
        `ECS deployment circuit breaker: rolling back to deploymentId ${service.lastCompletedDeploymentId ?? ''}.`,
      );
      service.deployments.unshift(rollback);
      this.ecs.addServiceEvent(
        service,
        `(service ${service.name}) rolling back to deployment ${service.lastCompletedDeploymentId ?? ''}.`,
      );
    }
    this.kick();
  }

  // ---------- placement

  private strategyOf(spec: LaunchSpec): CapacityProviderStrategyItem[] {
    if (spec.launchType) return [];
    if (spec.capacityProviderStrategy && spec.capacityProviderStrategy.length > 0)
      return spec.capacityProviderStrategy;
    return spec.cluster.defaultCapacityProviderStrategy;
  }

  /** Chooses where a task runs (capacity providers, CPU, memory, host ports), spreading a service's tasks. */
  place(spec: LaunchSpec): Placement {
    const strategy = this.strategyOf(spec);
    const fargateItem = strategy.find((i) => i.capacityProvider.startsWith('FARGATE'));
    if (spec.launchType === 'FARGATE' || (fargateItem && !spec.containerInstance)) {
      return fargateItem
        ? { kind: 'fargate', capacityProviderName: fargateItem.capacityProvider }
        : { kind: 'fargate' };
    }
    const td = spec.taskDefinition;
    const cpu = taskCpu(td);
    const memory = taskMemory(td);
    const ports = fixedHostPorts(td);
    const providerNames = strategy.map((i) => i.capacityProvider);
    const asgNames = new Set(
      providerNames
        .map((n) => this.ecs.capacityProviders.get(n)?.autoScalingGroupArn)
        .filter((a): a is string => a !== undefined)
        .map(asgNameOf),
    );
    let candidates = [...this.ecs.containerInstances.values()].filter(
      (ci) => ci.clusterName === spec.cluster.name && ci.status === 'ACTIVE',
    );
    if (spec.containerInstance) candidates = candidates.filter((ci) => ci === spec.containerInstance);
    else if (providerNames.length > 0)
      candidates = candidates.filter(
        (ci) =>
          (ci.capacityProviderName !== undefined && providerNames.includes(ci.capacityProviderName)) ||
          (ci.autoScalingGroupName !== undefined && asgNames.has(ci.autoScalingGroupName)),
      );
    if (candidates.length === 0)
      return {
        kind: 'none',
        reason: 'No Container Instances were found in your cluster.',
        runTaskReason: 'No Container Instances were found in your cluster.',
      };
    const fits = candidates.filter(
      (ci) =>
        ci.remainingCpu >= cpu && ci.remainingMemory >= memory && ports.every((p) => !ci.usedPorts.has(p)),
    );
    if (fits.length === 0) {
      const closest = candidates[0] as ContainerInstance;
      const [what, runTaskReason] =
        closest.remainingMemory < memory
          ? ['has insufficient memory available', 'RESOURCE:MEMORY']
          : closest.remainingCpu < cpu
            ? ['has insufficient CPU units available', 'RESOURCE:CPU']
            : ['is already using a port required by your task', 'RESOURCE:PORTS'];
      return {
        kind: 'none',
        reason: `The closest matching container-instance ${closest.id} ${what}.`,
        runTaskReason,
      };
    }
    const serviceCount = (ci: ContainerInstance): number =>
      [...this.ecs.tasks.values()].filter(
        (t) =>
          t.containerInstanceArn === ci.arn &&
          t.desiredStatus === 'RUNNING' &&
          (spec.service ? t.serviceName === spec.service.name : true),
      ).length;
    const zoneCount = (zone: string): number =>
      [...this.ecs.tasks.values()].filter(
        (t) =>
          t.availabilityZone === zone &&
          t.desiredStatus === 'RUNNING' &&
          t.clusterName === spec.cluster.name &&
          (spec.service ? t.serviceName === spec.service.name : true),
      ).length;
    fits.sort(
      (a, b) =>
        zoneCount(a.availabilityZone) - zoneCount(b.availabilityZone) ||
        serviceCount(a) - serviceCount(b) ||
        b.remainingMemory - a.remainingMemory,
    );
    const instance = fits[0] as ContainerInstance;
    return {
      kind: 'ec2',
      instance,
      ...(instance.capacityProviderName === undefined
        ? {}
        : { capacityProviderName: instance.capacityProviderName }),
    };
  }

  private launchForService(
    service: Service,
    deployment: Deployment,
    cluster: Cluster,
    unplaced: number,
  ): boolean {
    const td = this.ecs.findTaskDefinition(deployment.taskDefinitionArn);
    if (!td) return false;
    const spec: LaunchSpec = {
      cluster,
      taskDefinition: td,
      service,
      deployment,
      startedBy: deployment.id,
      group: `service:${service.name}`,
      ...(deployment.launchType === undefined ? {} : { launchType: deployment.launchType }),
      ...(deployment.capacityProviderStrategy === undefined
        ? {}
        : { capacityProviderStrategy: deployment.capacityProviderStrategy }),
      ...(deployment.networkConfiguration === undefined
        ? {}
        : { networkConfiguration: deployment.networkConfiguration }),
    };
    const placement = this.place(spec);
    if (placement.kind === 'none') {
      const message = `service ${service.name} was unable to place a task because no container instance met all of its requirements. Reason: ${placement.reason}`;
      if (service.events[0]?.message !== message) this.ecs.addServiceEvent(service, message);
      this.managedScaleOut(spec, unplaced);
      return false;
    }
    const task = this.launch(spec, placement);
    this.ecs.addServiceEvent(service, `(service ${service.name}) has started 1 tasks: (task ${task.id}).`);
    return true;
  }

  /**
   * Managed scaling, scale-out: when tasks can't be placed, ECS raises the provider's group by the
   * instances those tasks need, between the provider's minimum and maximum scaling step sizes
   * (ECS API reference, ManagedScaling), then waits for them to boot and register.
   */
  private managedScaleOut(spec: LaunchSpec, unplaced: number): void {
    const now = this.clock.now().getTime();
    for (const item of this.strategyOf(spec)) {
      const cp = this.ecs.capacityProviders.get(item.capacityProvider);
      if (!cp?.autoScalingGroupArn || cp.managedScaling?.status !== 'ENABLED' || now < cp.scalingUntil)
        continue;
      const group = this.ecs.autoScalingGroup(cp.autoScalingGroupArn);
      if (!group) continue;
      if (group.desiredCapacity >= group.maxSize) continue;
      const perInstance = this.tasksPerInstance(cp.name, spec.taskDefinition);
      const minStep = Math.max(1, Number(cp.managedScaling.minimumScalingStepSize ?? 1));
      const maxStep = Math.max(minStep, Number(cp.managedScaling.maximumScalingStepSize ?? 10_000));
      const step = Math.min(maxStep, Math.max(minStep, Math.ceil(unplaced / perInstance)));
      try {
        autoScalingBackend(this.ecs.cloud, this.ecs.accountId, this.ecs.region).setDesiredCapacity(
          group.name,
          group.desiredCapacity + step,
        );
        cp.scalingUntil =
          now + this.clock.ms(BASE_DELAYS.instanceBoot + BASE_DELAYS.containerInstanceRegistration + 60_000);
        delete cp.lowSince;
      } catch {
        // The group refused (e.g. at its maximum): try again on a later pass.
      }
      return;
    }
  }

  /** Tasks of `td` one of the provider's instances holds (1 when none registered yet or fixed host ports). */
  private tasksPerInstance(capacityProvider: string, td: TaskDefinition): number {
    if (fixedHostPorts(td).length > 0) return 1;
    const sample = [...this.ecs.containerInstances.values()].find(
      (ci) => ci.capacityProviderName === capacityProvider,
    );
    if (!sample) return 1;
    const cpu = taskCpu(td);
    const memory = taskMemory(td);
    const byCpu = cpu > 0 ? Math.floor(sample.cpu / cpu) : Number.POSITIVE_INFINITY;
    const byMemory = memory > 0 ? Math.floor(sample.memory / memory) : Number.POSITIVE_INFINITY;
    const fit = Math.min(byCpu, byMemory);
    return Number.isFinite(fit) ? Math.max(1, fit) : 1;
  }

  /**
   * Managed scaling, scale-in, with managed termination protection (ECS developer guide: "Control
   * the instances Amazon ECS terminates" and "cluster auto scaling"): when the provider's group has
   * more desired capacity than its tasks need (the target: instances running tasks × 100 ÷
   * targetCapacity, at least the group's minimum) for the whole scale-in period (the low alarm's 15
   * one-minute data points), ECS turns scale-in protection off on that many instances without
   * tasks and lowers the group's desired capacity; the group then terminates them. ECS scales in
   * from the desired capacity it manages: when someone else already lowered the group's desired
   * capacity, ECS has nothing to scale in, and protected idle instances keep running.
   */
  private managedScaleIn(): void {
    const now = this.clock.now().getTime();
    // Read once per call (after the services' pass, so tasks placed in it count): the active
    // cluster of each capacity provider, and the instances each cluster's live tasks run on.
    const clusterOf = new Map<string, Cluster>();
    for (const c of this.ecs.clusters.values()) {
      if (c.status !== 'ACTIVE') continue;
      for (const name of c.capacityProviders) if (!clusterOf.has(name)) clusterOf.set(name, c);
    }
    const busyByCluster = new Map<string, Set<string>>();
    for (const t of this.ecs.tasks.values()) {
      if (t.lastStatus === 'STOPPED' || !t.ec2InstanceId) continue;
      const busy = busyByCluster.get(t.clusterName);
      if (busy === undefined) busyByCluster.set(t.clusterName, new Set([t.ec2InstanceId]));
      else busy.add(t.ec2InstanceId);
    }
    for (const cp of this.ecs.capacityProviders.values()) {
      if (cp.status !== 'ACTIVE' || !cp.autoScalingGroupArn || cp.managedScaling?.status !== 'ENABLED')
        continue;
      const cluster = clusterOf.get(cp.name);
      const group = this.ecs.autoScalingGroup(cp.autoScalingGroupArn);
      if (!cluster || !group || group.status !== undefined || now < cp.scalingUntil) {
        delete cp.lowSince;
        continue;
      }
      const live = [...group.instances.values()].filter(
        (i) => i.lifecycleState === 'InService' || i.lifecycleState === 'Pending',
      );
      const busy = busyByCluster.get(cluster.name) ?? new Set<string>();
      const used = live.filter((i) => busy.has(i.instanceId)).length;
      const targetCapacity = Math.max(1, Number(cp.managedScaling.targetCapacity ?? 100));
      const target = Math.max(group.minSize, Math.ceil((used * 100) / targetCapacity));
      if (target >= group.desiredCapacity || this.awaitingPlacement(cluster.name)) {
        delete cp.lowSince;
        continue;
      }
      if (cp.lowSince === undefined) {
        cp.lowSince = now;
        continue;
      }
      if (now - cp.lowSince < Math.max(1, this.clock.delay('managedScaleIn'))) continue;
      const idle = live.filter((i) => i.lifecycleState === 'InService' && !busy.has(i.instanceId));
      const victims = idle.slice(0, group.desiredCapacity - target);
      if (victims.length === 0) continue;
      const autoScaling = autoScalingBackend(this.ecs.cloud, this.ecs.accountId, this.ecs.region);
      try {
        const protectedIds = victims.filter((i) => i.protectedFromScaleIn).map((i) => i.instanceId);
        if (protectedIds.length > 0) autoScaling.setInstanceProtection(group.name, protectedIds, false);
        autoScaling.setDesiredCapacity(group.name, group.desiredCapacity - victims.length);
      } catch {
        // The group changed under us (being deleted, instance gone): evaluate again later.
      }
      delete cp.lowSince;
    }
  }

  /** True while a service of the cluster still has tasks to place. */
  private awaitingPlacement(clusterName: string): boolean {
    return [...this.ecs.services.values()].some((s) => {
      if (s.clusterName !== clusterName || s.status !== 'ACTIVE') return false;
      const live = [...this.ecs.tasks.values()].filter(
        (t) => t.clusterName === clusterName && t.serviceName === s.name && t.desiredStatus === 'RUNNING',
      ).length;
      return live < s.desiredCount && s.deployments[0]?.rolloutState !== 'FAILED';
    });
  }

  // ---------- task lifecycle

  /** Creates a task on its placement and starts its lifecycle (PROVISIONING → PENDING → RUNNING). */
  launch(spec: LaunchSpec, placement: Exclude<Placement, { kind: 'none' }>): Task {
    const ecs = this.ecs;
    const td = spec.taskDefinition;
    const id = randomHex(32);
    const now = this.clock.now();
    const instance = placement.kind === 'ec2' ? placement.instance : undefined;
    const subnets = (spec.networkConfiguration?.awsvpcConfiguration as any)?.subnets;
    const subnet =
      Array.isArray(subnets) && subnets.length > 0
        ? ec2Backend(ecs.cloud, ecs.accountId, ecs.region).getSubnet(String(subnets[0]))
        : undefined;
    const overrides = spec.overrides ?? {};
    const envOverride = (name: string): string | undefined => {
      for (const co of ((overrides as any).containerOverrides ?? []) as any[]) {
        const found = (co.environment ?? []).find((e: any) => e.name === 'BERTH_ENV');
        if (found && (!name || co.name === name)) return String(found.value);
      }
      return undefined;
    };
    let env: string | undefined;
    for (const c of td.containerDefinitions) {
      env = envOverride(c.name) ?? c.environment.find((e) => e.name === 'BERTH_ENV')?.value ?? env;
    }
    const task: Task = {
      arn: `arn:aws:ecs:${ecs.region}:${ecs.accountId}:task/${spec.cluster.name}/${id}`,
      id,
      clusterName: spec.cluster.name,
      taskDefinitionArn: td.arn,
      taskDefinition: td,
      group: spec.group ?? `family:${td.family}`,
      ...(spec.startedBy === undefined ? {} : { startedBy: spec.startedBy }),
      ...(spec.service ? { serviceName: spec.service.name } : {}),
      ...(spec.deployment ? { deploymentId: spec.deployment.id } : {}),
      launchType: placement.kind === 'fargate' ? 'FARGATE' : 'EC2',
      ...(placement.capacityProviderName === undefined
        ? {}
        : { capacityProviderName: placement.capacityProviderName }),
      ...(instance ? { containerInstanceArn: instance.arn, ec2InstanceId: instance.ec2InstanceId } : {}),
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      cpu: taskCpu(td),
      memory: taskMemory(td),
      createdAt: now,
      containers: td.containerDefinitions.map((c) => ({
        arn: `arn:aws:ecs:${ecs.region}:${ecs.accountId}:container/${spec.cluster.name}/${id}/${randomUuid()}`,
        name: c.name,
        image: c.image,
        lastStatus: 'PENDING',
        networkBindings: [],
        ...(c.cpu === undefined ? {} : { cpu: c.cpu }),
        ...(c.memory === undefined ? {} : { memory: c.memory }),
        ...(c.memoryReservation === undefined ? {} : { memoryReservation: c.memoryReservation }),
      })),
      availabilityZone: instance?.availabilityZone ?? subnet?.availabilityZone ?? `${ecs.region}a`,
      networkMode: td.networkMode,
      reservedPorts: [],
      workloads: [],
      targets: [],
      cancels: [],
      wasHealthy: false,
      failed: false,
      env: env ?? td.family,
      overrides,
    };
    if (instance) {
      instance.remainingCpu -= task.cpu;
      instance.remainingMemory -= task.memory;
      for (const p of fixedHostPorts(td)) {
        instance.usedPorts.add(p);
        task.reservedPorts.push(p);
      }
    }
    ecs.tasks.set(task.arn, task);
    ecs.tags.set(task.arn, {});
    if (td.networkMode === 'awsvpc' && subnet) {
      // ECS attaches an interface to each awsvpc task; it holds the task's security groups.
      const groups = (spec.networkConfiguration?.awsvpcConfiguration as any)?.securityGroups;
      ec2Backend(ecs.cloud, ecs.accountId, ecs.region).createTaskInterface(
        task.arn,
        task.id,
        subnet.subnetId,
        Array.isArray(groups) ? groups.map(String) : [],
      );
    }
    const provisioning = td.networkMode === 'awsvpc' ? BASE_DELAYS.taskStart : 0;
    task.cancels.push(
      this.clock.timer(provisioning, () => {
        task.lastStatus = 'PENDING';
        task.pullStartedAt = this.clock.now();
        task.cancels.push(this.clock.timer(BASE_DELAYS.imagePull, () => void this.afterPull(task)));
        this.kick();
      }),
    );
    return task;
  }

  private async afterPull(task: Task): Promise<void> {
    if (task.desiredStatus !== 'RUNNING') return;
    task.pullStoppedAt = this.clock.now();
    const faults = this.ecs.cloud.faults.config.workload;
    let logs: Map<string, ContainerLog>;
    try {
      logs = this.openLogs(task);
    } catch (err) {
      this.stopTask(task, (err as Error).message, 'TaskFailedToStart', { failed: true, immediate: true });
      return;
    }
    const crashing = task.containers.find((c) => workloadFaultFor(c.image, faults) === 'crash');
    if (crashing) {
      task.cancels.push(
        this.clock.timer(BASE_DELAYS.taskStart, () => {
          const log = logs.get(crashing.name);
          log?.write(
            `${task.taskDefinition.family}:${task.taskDefinition.revision} (${crashing.image}) starting`,
          );
          log?.write(`fatal: ${crashing.image} failed during start-up; exiting with code 1`);
          crashing.exitCode = 1;
          crashing.reason = 'Essential container in task exited';
          this.stopTask(task, 'Essential container in task exited', 'EssentialContainerExited', {
            failed: true,
            immediate: true,
          });
        }),
      );
      return;
    }
    try {
      await this.startContainers(task, logs);
    } catch (err) {
      if (task.desiredStatus === 'RUNNING')
        this.stopTask(task, `CannotStartContainerError: ${(err as Error).message}`, 'TaskFailedToStart', {
          failed: true,
          immediate: true,
        });
      return;
    }
    if (task.desiredStatus !== 'RUNNING') {
      await this.closeWorkloads(task);
      return;
    }
    task.cancels.push(
      this.clock.timer(BASE_DELAYS.taskStart, () => {
        if (task.desiredStatus !== 'RUNNING') return;
        task.lastStatus = 'RUNNING';
        task.startedAt = this.clock.now();
        task.connectivityAt = task.startedAt;
        for (const c of task.containers) c.lastStatus = 'RUNNING';
        this.registerTargets(task);
        this.kick();
      }),
    );
  }

  /** The `awslogs` stream of each container that has one (the agent creates them at start). */
  private openLogs(task: Task): Map<string, ContainerLog> {
    const out = new Map<string, ContainerLog>();
    for (const def of task.taskDefinition.containerDefinitions) {
      const log = openContainerLog(this.ecs.cloud, this.ecs.accountId, this.ecs.region, task.id, def);
      if (log) out.set(def.name, log);
    }
    return out;
  }

  private healthPathsFor(task: Task, containerName: string, containerPort: number): string[] {
    const paths = new Set<string>(['/health']);
    const service = task.serviceName
      ? this.ecs.services.get(`${task.clusterName}/${task.serviceName}`)
      : undefined;
    for (const ref of service?.loadBalancers ?? []) {
      if (ref.containerName !== containerName || ref.containerPort !== containerPort) continue;
      const tg = this.elb().targetGroups.get(ref.targetGroupArn);
      if (tg) paths.add(tg.healthCheck.path);
    }
    return [...paths];
  }

  private usedHostPorts(): Set<number> {
    const used = new Set<number>();
    for (const t of this.ecs.tasks.values())
      if (t.lastStatus !== 'STOPPED')
        for (const c of t.containers) for (const b of c.networkBindings) used.add(b.hostPort);
    return used;
  }

  private async startContainers(task: Task, logs: Map<string, ContainerLog>): Promise<void> {
    const td = task.taskDefinition;
    const faults = this.ecs.cloud.faults.config.workload;
    const instance = task.containerInstanceArn
      ? this.ecs.containerInstances.get(task.containerInstanceArn)
      : undefined;
    for (const def of td.containerDefinitions) {
      const container = task.containers.find((c) => c.name === def.name) as TaskContainer;
      for (const pm of def.portMappings) {
        const fixed =
          td.networkMode === 'host' ? pm.containerPort : td.networkMode === 'bridge' ? (pm.hostPort ?? 0) : 0;
        const spec = {
          healthPaths: this.healthPathsFor(task, def.name, pm.containerPort),
          fault: workloadFaultFor(def.image, faults),
          ...(logs.has(def.name) ? { log: logs.get(def.name) as ContainerLog } : {}),
          containerPort: pm.containerPort,
          info: {
            ...(task.env === undefined ? {} : { env: task.env }),
            cluster: task.clusterName,
            ...(task.serviceName === undefined ? {} : { service: task.serviceName }),
            taskArn: task.arn,
            taskId: task.id,
            image: def.image,
            revision: td.revision,
            family: td.family,
          },
        };
        let running: Awaited<ReturnType<typeof startWorkload>> | undefined;
        if (fixed > 0 || td.networkMode === 'awsvpc') {
          try {
            running = await startWorkload({ ...spec, port: fixed });
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            throw new Error(
              code === 'EADDRINUSE'
                ? `Bind for 0.0.0.0:${fixed} failed: port is already allocated`
                : `failed to bind host port ${fixed}: ${code ?? String(err)}`,
            );
          }
        } else {
          const used = this.usedHostPorts();
          for (let attempt = 0; attempt < 50 && !running; attempt++) {
            const port = EPHEMERAL_LOW + Math.floor(Math.random() * (EPHEMERAL_HIGH - EPHEMERAL_LOW + 1));
            if (used.has(port) || instance?.usedPorts.has(port)) continue;
            try {
              running = await startWorkload({ ...spec, port });
            } catch {
              // Taken on this machine: try another port.
            }
          }
          if (!running) throw new Error('no free host port in 32768-65535');
          instance?.usedPorts.add(running.port);
          task.reservedPorts.push(running.port);
        }
        task.workloads.push(running);
        container.networkBindings.push({
          bindIP: td.networkMode === 'awsvpc' ? '127.0.0.1' : '0.0.0.0',
          containerPort: pm.containerPort,
          hostPort: running.port,
          protocol: pm.protocol,
        });
        if (task.desiredStatus !== 'RUNNING') return;
      }
    }
  }

  private registerTargets(task: Task): void {
    if (!task.serviceName) return;
    const service = this.ecs.services.get(`${task.clusterName}/${task.serviceName}`);
    if (!service) return;
    const elb = this.elb();
    for (const ref of service.loadBalancers) {
      const container = task.containers.find((c) => c.name === ref.containerName);
      const binding = container?.networkBindings.find((b) => b.containerPort === ref.containerPort);
      if (!binding) continue;
      const id = task.networkMode === 'awsvpc' ? '127.0.0.1' : (task.ec2InstanceId ?? '127.0.0.1');
      // An awsvpc task stands for `<its interface's IP>:<container port>`: its interface's groups apply.
      if (task.networkMode === 'awsvpc')
        elb.localIpEndpoints.set(`${id}:${binding.hostPort}`, {
          interfaceOwner: task.arn,
          port: binding.containerPort,
        });
      try {
        elb.registerTargets(ref.targetGroupArn, [
          { id, port: binding.hostPort, availabilityZone: task.availabilityZone },
        ]);
        task.targets.push({ targetGroupArn: ref.targetGroupArn, id, port: binding.hostPort });
        this.ecs.addServiceEvent(
          service,
          `(service ${service.name}) registered 1 targets in (target-group ${ref.targetGroupArn})`,
        );
      } catch {
        // The target group is gone: the task runs without it.
      }
    }
  }

  /**
   * Stops a task: DEACTIVATING while its targets drain (deregistration delay), STOPPING,
   * then STOPPED with the reason and code. `immediate` skips draining and the stop delay;
   * `failed` counts it for the circuit breaker.
   */
  stopTask(
    task: Task,
    reason: string,
    stopCode: string,
    options: { immediate?: boolean; failed?: boolean } = {},
  ): void {
    if (task.desiredStatus === 'STOPPED') {
      if (options.immediate && task.lastStatus !== 'STOPPED') void this.finish(task);
      return;
    }
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stopCode = stopCode;
    task.stoppingAt = this.clock.now();
    for (const cancel of task.cancels) cancel();
    task.cancels = [];
    const service = task.serviceName
      ? this.ecs.services.get(`${task.clusterName}/${task.serviceName}`)
      : undefined;
    // ECS reports the tasks its scheduler stops (scaling, ELB health check replacement), not tasks
    // whose container exited or failed to start.
    if (service && (!options.failed || stopCode === 'ServiceSchedulerInitiated'))
      this.ecs.addServiceEvent(
        service,
        `(service ${service.name}) has stopped 1 running tasks: (task ${task.id}).`,
      );
    if (options.failed) {
      task.failed = true;
      this.taskFailed(task);
    }
    const elb = this.elb();
    const draining = task.targets.filter((t) => elb.targetGroups.has(t.targetGroupArn));
    if (options.immediate || draining.length === 0 || task.lastStatus !== 'RUNNING') {
      for (const t of draining) elb.deregisterTargets(t.targetGroupArn, [{ id: t.id, port: t.port }]);
      if (options.immediate) void this.finish(task);
      else this.stopping(task);
      return;
    }
    task.lastStatus = 'DEACTIVATING';
    if (service)
      this.ecs.addServiceEvent(
        service,
        `(service ${service.name}) has begun draining connections on 1 tasks.`,
      );
    let left = draining.length;
    for (const t of draining) {
      elb.deregisterTargets(t.targetGroupArn, [{ id: t.id, port: t.port }], () => {
        left -= 1;
        if (service)
          this.ecs.addServiceEvent(
            service,
            `(service ${service.name}) deregistered 1 targets in (target-group ${t.targetGroupArn})`,
          );
        if (left === 0) this.stopping(task);
      });
    }
    this.kick();
  }

  private stopping(task: Task): void {
    if (task.lastStatus === 'STOPPED') return;
    task.lastStatus = 'STOPPING';
    task.cancels.push(this.clock.timer(BASE_DELAYS.taskStop, () => void this.finish(task)));
    this.kick();
  }

  private async closeWorkloads(task: Task): Promise<void> {
    const workloads = task.workloads;
    task.workloads = [];
    await Promise.all(workloads.map((w) => w.close()));
  }

  private async finish(task: Task): Promise<void> {
    if (task.lastStatus === 'STOPPED') return;
    for (const cancel of task.cancels) cancel();
    task.cancels = [];
    task.lastStatus = 'STOPPED';
    task.stoppedAt = this.clock.now();
    for (const c of task.containers) {
      c.lastStatus = 'STOPPED';
      if (c.exitCode === undefined && task.startedAt) c.exitCode = 0;
    }
    const instance = task.containerInstanceArn
      ? this.ecs.containerInstances.get(task.containerInstanceArn)
      : undefined;
    if (instance) {
      instance.remainingCpu += task.cpu;
      instance.remainingMemory += task.memory;
      for (const p of task.reservedPorts) instance.usedPorts.delete(p);
    }
    task.reservedPorts = [];
    if (task.networkMode === 'awsvpc') {
      // Detached when the task stops, deleted a while later: it holds the groups until then.
      ec2Backend(this.ecs.cloud, this.ecs.accountId, this.ecs.region).networkInterfaces.release(
        task.arn,
        BASE_DELAYS.taskNetworkInterfaceRelease,
      );
    }
    this.kick();
    await this.closeWorkloads(task);
  }
}

/** The key that groups a service's tasks within one reconciliation pass. */
function serviceKey(clusterName: string, serviceName: string): string {
  return `${clusterName}\u0000${serviceName}`;
}

function randomHex(n: number): string {
  let out = '';
  while (out.length < n) out += Math.floor(Math.random() * 16).toString(16);
  return out;
}

function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}
