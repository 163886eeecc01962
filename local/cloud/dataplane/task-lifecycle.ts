import { BASE_DELAYS } from '../core/time-profile.ts';
import { ec2Backend } from '../services/ec2/backend.ts';
import type { Task, TaskContainer } from '../services/ecs/model.ts';
import type { Elbv2Backend } from '../services/elbv2/backend.ts';
import { fixedHostPorts, type LaunchSpec, type Placement, taskCpu, taskMemory } from './placement.ts';
import type { SchedulerHost } from './scheduler-host.ts';
import { type ContainerLog, openContainerLog, startWorkload, workloadFaultFor } from './workload.ts';

const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 65535;

/** What a task's lifecycle needs from the service scheduler that runs it. */
export interface TaskLifecycleHooks {
  /** Asks for a reconciliation soon. */
  kick(): void;
  /** The ELBv2 backend of the same account and region. */
  elb(): Elbv2Backend;
  /** Counts a failed task for its deployment's circuit breaker. */
  taskFailed(task: Task): void;
}

/**
 * The lifecycle of each ECS task: PROVISIONING (its awsvpc interface) → PENDING (image pull, the
 * `awslogs` streams) → RUNNING (real HTTP servers on host ports, registered in the service's target
 * groups) → DEACTIVATING (draining) → STOPPING → STOPPED, with the stop reasons and codes ECS gives.
 */
export class TaskLifecycle {
  constructor(
    private readonly ecs: SchedulerHost,
    private readonly hooks: TaskLifecycleHooks,
  ) {}

  private get clock() {
    return this.ecs.cloud.clock;
  }

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
        this.hooks.kick();
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
        this.hooks.kick();
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
      const tg = this.hooks.elb().targetGroups.get(ref.targetGroupArn);
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
    const elb = this.hooks.elb();
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
      this.hooks.taskFailed(task);
    }
    const elb = this.hooks.elb();
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
    this.hooks.kick();
  }

  private stopping(task: Task): void {
    if (task.lastStatus === 'STOPPED') return;
    task.lastStatus = 'STOPPING';
    task.cancels.push(this.clock.timer(BASE_DELAYS.taskStop, () => void this.finish(task)));
    this.hooks.kick();
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
    this.hooks.kick();
    await this.closeWorkloads(task);
  }
}

function randomHex(n: number): string {
  let out = '';
  while (out.length < n) out += Math.floor(Math.random() * 16).toString(16);
  return out;
}

function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}
