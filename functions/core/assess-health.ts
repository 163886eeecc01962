import type { EnvSpec } from './env-spec.ts';
import { resourceNames } from './names.ts';
import type { ObservedDeployment, ObservedEnvironment, ObservedTarget, ObservedTask } from './observed.ts';
import { latestRevision, servicePresent } from './resources.ts';

/** Why an environment is unhealthy; the verify handler maps it to an error name. */
export type UnhealthyCode =
  | 'rolled-back'
  | 'deployment-failed'
  | 'tasks-failing'
  | 'load-balancer-failed'
  | 'targets-unhealthy'
  | 'probe-failed';

/** The verdict of {@link assessHealth}. Every verdict carries a specific reason. */
export type HealthAssessment =
  | { status: 'Healthy'; reason: string }
  | { status: 'Pending'; reason: string }
  | { status: 'Unhealthy'; reason: string; code: UnhealthyCode };

/** Optional facts the caller knows better than the observation. */
export interface AssessHealthOptions {
  /** The task definition the operation deployed (default: the newest ACTIVE revision observed). */
  readonly taskDefinitionArn?: string;
  /** The desired count the operation set (default: the service's desired count). */
  readonly desiredCount?: number;
  /** Failed tasks that make a start failure Unhealthy (default: the circuit breaker threshold). */
  readonly failureThreshold?: number;
}

/** Stopped-task reasons that mean the workload cannot start, not a transient placement issue. */
export const TASK_FAILURE_PATTERNS: readonly RegExp[] = [
  /CannotPullContainerError/i,
  /CannotStartContainerError/i,
  /CannotInspectContainerError/i,
  /ResourceInitializationError/i,
  /Essential container in task exited/i,
  /OutOfMemoryError/i,
  /Task failed (?:ELB|container) health checks/i,
];

/** ECS circuit breaker failure threshold: 0.5 × desired count, between 3 and 200. */
export const circuitBreakerThreshold = (desiredCount: number): number =>
  Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));

const healthy = (reason: string): HealthAssessment => ({ status: 'Healthy', reason });
const pending = (reason: string): HealthAssessment => ({ status: 'Pending', reason });
const unhealthy = (code: UnhealthyCode, reason: string): HealthAssessment => ({
  status: 'Unhealthy',
  reason,
  code,
});
const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
const shortRevision = (arn: string): string => arn.split('/').at(-1) ?? arn;

const stoppedReason = (task: ObservedTask): string =>
  [task.stopCode, task.stoppedReason].filter((part) => part !== undefined && part.length > 0).join(': ');

const isStartFailure = (task: ObservedTask): boolean =>
  task.lastStatus === 'STOPPED' && TASK_FAILURE_PATTERNS.some((pattern) => pattern.test(stoppedReason(task)));

const ROLLBACK = /roll(?:ed|ing)?[ -]?back|circuit breaker/i;

/** Describes targets that are not healthy: `1 unhealthy: Target.Timeout (Request timed out)`. */
function describeTargets(targets: readonly ObservedTarget[]): string {
  const groups = new Map<string, Map<string, number>>();
  for (const target of targets) {
    const detail =
      target.reason === undefined
        ? ''
        : target.description === undefined
          ? target.reason
          : `${target.reason} (${target.description})`;
    const byDetail = groups.get(target.state) ?? new Map<string, number>();
    byDetail.set(detail, (byDetail.get(detail) ?? 0) + 1);
    groups.set(target.state, byDetail);
  }
  return [...groups.entries()]
    .map(([state, byDetail]) => {
      const count = [...byDetail.values()].reduce((sum, n) => sum + n, 0);
      const details = [...byDetail.keys()].filter((detail) => detail.length > 0);
      return details.length > 0 ? `${count} ${state}: ${details.join('; ')}` : `${count} ${state}`;
    })
    .join('; ');
}

/**
 * Assesses an environment after `up`, `scale` or `redeploy`. In order:
 * 1. the PRIMARY deployment rolled back (runs another task definition than requested, or
 *    its reason mentions a rollback/circuit breaker) or FAILED → Unhealthy;
 * 2. a dedicated ALB that `failed` → Unhealthy; missing/`provisioning` → Pending;
 * 3. desired 0 → Healthy once no task runs and the deployment is not in progress;
 * 4. fewer tasks running than desired → Pending, or Unhealthy (quoting the stopped reason)
 *    when tasks stop with start failures (CannotPullContainerError, essential container
 *    exited, ResourceInitializationError…) at least `failureThreshold` times;
 * 5. fewer healthy targets than desired → Pending while the deployment is IN_PROGRESS (or
 *    targets are `initial`), Unhealthy with reason codes once it is COMPLETED/FAILED;
 * 6. deployment still IN_PROGRESS → Pending;
 * 7. HTTP probe: 2xx/3xx → Healthy; an error or no probe yet → Pending; any other status
 *    with every target healthy → Unhealthy (e.g. listener misrouting).
 *
 * @example assessHealth(observed, spec) // { status: 'Pending', reason: '1 of 2 tasks running' }
 */
export function assessHealth(
  observed: ObservedEnvironment,
  spec: EnvSpec,
  options: AssessHealthOptions = {},
): HealthAssessment {
  const names = resourceNames(spec.name);
  if (!servicePresent(observed) || observed.service === undefined) {
    return pending(`ECS service ${names.service} does not exist yet`);
  }
  const service = observed.service;
  const primary: ObservedDeployment | undefined = service.deployments.find((d) => d.status === 'PRIMARY');
  const requested = options.taskDefinitionArn ?? latestRevision(observed)?.arn;

  // 1. rollback / failed deployment
  if (primary) {
    const why = primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : '';
    if (requested !== undefined && primary.taskDefinition !== requested) {
      return unhealthy(
        'rolled-back',
        `deployment rolled back: the PRIMARY deployment runs ${shortRevision(primary.taskDefinition)}, not the requested ${shortRevision(requested)}${why}`,
      );
    }
    if (primary.rolloutStateReason !== undefined && ROLLBACK.test(primary.rolloutStateReason)) {
      return unhealthy('rolled-back', `deployment rolled back${why}`);
    }
    if (primary.rolloutState === 'FAILED') {
      return unhealthy('deployment-failed', `deployment ${primary.id} FAILED${why}`);
    }
  }

  // 2. load balancer
  if (spec.loadBalancer.mode === 'dedicated') {
    const lb = observed.loadBalancer;
    if (lb === undefined) return pending(`load balancer ${names.loadBalancer} does not exist yet`);
    if (lb.state === 'failed') {
      return unhealthy('load-balancer-failed', `load balancer ${lb.name} is in state failed`);
    }
    if (lb.state !== 'active') return pending(`load balancer ${lb.name} is ${lb.state}`);
  } else if (observed.listenerRule === undefined) {
    return pending('the listener rule on the shared listener does not exist yet');
  }

  const desired = options.desiredCount ?? service.desiredCount;
  const inProgress = primary?.rolloutState === 'IN_PROGRESS';

  // 3. scaled to zero
  if (desired === 0) {
    const left = service.runningCount + service.pendingCount;
    if (left > 0) return pending(`waiting for ${plural(left, 'task')} to stop (desired count 0)`);
    if (inProgress) return pending('deployment IN_PROGRESS');
    return healthy('desired count 0 and no tasks running');
  }

  // 4. tasks
  const stoppedFailures = (observed.tasks ?? []).filter(
    (task) => isStartFailure(task) && (requested === undefined || task.taskDefinitionArn === requested),
  );
  const failed = Math.max(primary?.failedTasks ?? 0, stoppedFailures.length);
  const threshold = options.failureThreshold ?? circuitBreakerThreshold(desired);
  const lastFailure = stoppedFailures.at(-1);
  const running = primary?.runningCount ?? service.runningCount;
  if (lastFailure !== undefined && failed >= threshold) {
    return unhealthy(
      'tasks-failing',
      `${plural(failed, 'task')} failed to start (threshold ${threshold}); last stopped: ${stoppedReason(lastFailure)}`,
    );
  }
  if (running < desired) {
    const pendingTasks = service.pendingCount > 0 ? ` (${service.pendingCount} pending)` : '';
    const stopped = lastFailure ? `; ${plural(failed, 'task')} stopped: ${stoppedReason(lastFailure)}` : '';
    return pending(`${running} of ${desired} tasks running${pendingTasks}${stopped}`);
  }

  // 5. targets
  const group = observed.targetGroup;
  if (group === undefined) return pending(`target group ${names.targetGroup} does not exist yet`);
  const current = group.targets.filter((target) => target.state !== 'draining' && target.state !== 'unused');
  const healthyTargets = current.filter((target) => target.state === 'healthy').length;
  if (healthyTargets < desired) {
    const others = current.filter((target) => target.state !== 'healthy');
    const summary = `${healthyTargets} of ${desired} targets healthy${others.length > 0 ? `; ${describeTargets(others)}` : `; ${desired - healthyTargets} not registered yet`}`;
    const anyUnhealthy = others.some((target) => target.state === 'unhealthy');
    if (anyUnhealthy && !inProgress) return unhealthy('targets-unhealthy', summary);
    return pending(summary);
  }

  // 6. rollout
  if (inProgress) return pending(`deployment IN_PROGRESS; ${healthyTargets} of ${desired} targets healthy`);

  // 7. probe
  const probe = observed.probe;
  if (probe === undefined) return pending('HTTP probe not run yet');
  if (probe.status === undefined) {
    return pending(`HTTP probe of ${probe.url} failed: ${probe.error ?? 'no response'}`);
  }
  if (probe.status >= 200 && probe.status < 400) {
    return healthy(`${healthyTargets} of ${desired} targets healthy; HTTP ${probe.status} from ${probe.url}`);
  }
  return unhealthy(
    'probe-failed',
    `HTTP probe of ${probe.url} answered ${probe.status} although ${healthyTargets} of ${desired} targets are healthy (listener or routing misconfigured?)`,
  );
}
