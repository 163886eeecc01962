import type { Cluster, Deployment, Service, Task } from '../services/ecs/model.ts';
import { circuitBreakerThreshold } from '../services/ecs/model.ts';
import { type Elbv2Backend, elbv2Backend } from '../services/elbv2/backend.ts';
import { managedScaleIn, managedScaleOut } from './managed-scaling.ts';
import { type LaunchSpec, type Placement, place } from './placement.ts';
import type { SchedulerHost } from './scheduler-host.ts';
import { TaskLifecycle } from './task-lifecycle.ts';

const TICK_AWS_MS = 10_000;
/** A kicked pass waits this many times the previous pass's duration (the scheduler's CPU share ≤ 1 ÷ (1 + this)). */
const PASS_SPACING = 3;

/**
 * The ECS service scheduler of one account/region: reconciles each service's tasks with its
 * desired count, rolls deployments out and trips the circuit breaker. Where a task goes is
 * placement.ts; how it runs (real HTTP servers, target registration, draining) is
 * task-lifecycle.ts; the capacity providers' managed scaling is managed-scaling.ts.
 */
export class ServiceScheduler {
  private stopped = false;
  private kickQueued = false;
  /** `performance.now()` before which a kicked pass waits (see {@link kick}). */
  private nextPassAt = 0;
  private tickCancel: (() => void) | undefined;
  private subscribedElb: Elbv2Backend | undefined;
  private readonly lifecycle: TaskLifecycle;

  constructor(private readonly ecs: SchedulerHost) {
    this.lifecycle = new TaskLifecycle(ecs, {
      kick: () => this.kick(),
      elb: () => this.elb(),
      taskFailed: (task) => this.taskFailed(task),
    });
  }

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
    managedScaleIn(this.ecs);
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

  // ---------- placement (placement.ts) and managed scaling (managed-scaling.ts)

  /** Chooses where a task runs (capacity providers, CPU, memory, host ports), spreading a service's tasks. */
  place(spec: LaunchSpec): Placement {
    return place(this.ecs, spec);
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
    const placement = place(this.ecs, spec);
    if (placement.kind === 'none') {
      const message = `service ${service.name} was unable to place a task because no container instance met all of its requirements. Reason: ${placement.reason}`;
      if (service.events[0]?.message !== message) this.ecs.addServiceEvent(service, message);
      managedScaleOut(this.ecs, spec, unplaced);
      return false;
    }
    const task = this.lifecycle.launch(spec, placement);
    this.ecs.addServiceEvent(service, `(service ${service.name}) has started 1 tasks: (task ${task.id}).`);
    return true;
  }

  // ---------- task lifecycle (task-lifecycle.ts)

  /** Creates a task on its placement and starts its lifecycle (PROVISIONING → PENDING → RUNNING). */
  launch(spec: LaunchSpec, placement: Exclude<Placement, { kind: 'none' }>): Task {
    return this.lifecycle.launch(spec, placement);
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
    this.lifecycle.stopTask(task, reason, stopCode, options);
  }
}

/** The key that groups a service's tasks within one reconciliation pass. */
function serviceKey(clusterName: string, serviceName: string): string {
  return `${clusterName}\u0000${serviceName}`;
}
