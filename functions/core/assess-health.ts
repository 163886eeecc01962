import type { EnvSpec } from './env-spec.ts';
import { resourceNames } from './names.ts';
import type { ObservedDeployment, ObservedEnvironment, ObservedTarget, ObservedTask } from './observed.ts';
import { plural } from './plan.ts';
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
  /**
   * Why no HTTP probe can run (the verifier cannot reach the load balancer, e.g. its security group
   * admits only a narrowed CIDR): rule 7 then accepts rollout + healthy targets and says so.
   */
  readonly probeSkipped?: string;
}

/** Stopped-task reasons that mean the workload cannot start, not a transient placement issue. */
const TASK_FAILURE_PATTERNS: readonly RegExp[] = [
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
const shortRevision = (arn: string): string => arn.split('/').at(-1) ?? arn;

const stoppedReason = (task: ObservedTask): string =>
  [task.stopCode, task.stoppedReason].filter((part) => part !== undefined && part.length > 0).join(': ');

/** Stopping or stopped for a reason that means the workload failed (draining tasks included). */
const isFailureStop = (task: ObservedTask): boolean =>
  TASK_FAILURE_PATTERNS.some((pattern) => pattern.test(stoppedReason(task)));

const isStartFailure = (task: ObservedTask): boolean => task.lastStatus === 'STOPPED' && isFailureStop(task);

const ROLLBACK = /roll(?:ed|ing)?[ -]?back|circuit breaker/i;

/** Longest failure reason {@link assessHealth} returns (reasons travel in Step Functions payloads and Slack). */
export const MAX_REASON_LENGTH = 990;
/** Longest single quote (a stopped reason or a target health reason) inside a reason. */
const MAX_QUOTE_LENGTH = 300;
/** Distinct stopped reasons quoted at most. */
const MAX_STOPPED_REASONS = 3;

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** ECS's service event when it replaces a task whose target failed ELB health checks. */
const UNHEALTHY_EVENT = /is unhealthy in \(target-group [^)]*\) due to \(reason (.*)\)\.?\s*$/s;
const ELB_HEALTH_STOP = /Task failed ELB health checks/i;

/**
 * The ELBv2 reason code behind a target health text of an ECS service event:
 * `Health checks failed with these codes: [500]` → Target.ResponseCodeMismatch,
 * `Request timed out` → Target.Timeout, anything else → Target.FailedHealthChecks.
 */
export function targetReasonCode(text: string): string {
  if (/Health checks failed with these codes/i.test(text)) return 'Target.ResponseCodeMismatch';
  if (/Request timed out/i.test(text)) return 'Target.Timeout';
  return 'Target.FailedHealthChecks';
}

/** `3× Task failed ELB health checks in (target-group …); 1× Essential container in task exited` */
function summarizeStopped(tasks: readonly ObservedTask[]): string | undefined {
  const counts = new Map<string, number>();
  for (const task of tasks) {
    const reason = clip(task.stoppedReason ?? task.stopCode ?? 'no reason given', MAX_QUOTE_LENGTH);
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  if (counts.size === 0) return undefined;
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const shown = ranked.slice(0, MAX_STOPPED_REASONS).map(([reason, count]) => `${count}× ${reason}`);
  const others = ranked.slice(MAX_STOPPED_REASONS).reduce((sum, [, count]) => sum + count, 0);
  return others > 0 ? `${shown.join('; ')}; ${others}× other reasons` : shown.join('; ');
}

/**
 * The latest target health failure: from the newest "is unhealthy in (target-group …) due to
 * (reason …)" service event, else from a target observed unhealthy now.
 */
function lastTargetHealth(observed: ObservedEnvironment): string | undefined {
  for (const message of observed.service?.events ?? []) {
    const text = UNHEALTHY_EVENT.exec(message)?.[1]?.trim();
    if (text) return `${clip(text, MAX_QUOTE_LENGTH)} (${targetReasonCode(text)})`;
  }
  const target = observed.targetGroup?.targets.find((t) => t.state === 'unhealthy' && t.reason !== undefined);
  if (target?.reason === undefined) return undefined;
  return target.description === undefined
    ? target.reason
    : `${clip(target.description, MAX_QUOTE_LENGTH)} (${target.reason})`;
}

/**
 * Evidence of why tasks fail, for a failure reason: the stopped reasons of failed tasks
 * (deduplicated, with counts; of the requested task definition when known) and the latest
 * target health failure (only when tasks were replaced for ELB health checks or a target is
 * unhealthy now, so an old event is not quoted for another failure).
 */
export function failureEvidence(
  observed: ObservedEnvironment,
  requestedTaskDefinition?: string,
): { stopped?: string; targetHealth?: string } {
  const failures = (observed.tasks ?? []).filter(isFailureStop);
  const mine = failures.filter((task) => task.taskDefinitionArn === requestedTaskDefinition);
  const relevant = requestedTaskDefinition === undefined || mine.length === 0 ? failures : mine;
  const stopped = summarizeStopped(relevant);
  const elbReplaced = relevant.some((task) => ELB_HEALTH_STOP.test(task.stoppedReason ?? ''));
  const unhealthyNow = (observed.targetGroup?.targets ?? []).some((t) => t.state === 'unhealthy');
  const targetHealth = elbReplaced || unhealthyNow ? lastTargetHealth(observed) : undefined;
  return {
    ...(stopped === undefined ? {} : { stopped }),
    ...(targetHealth === undefined ? {} : { targetHealth }),
  };
}

/**
 * Appends sentences to a reason within {@link MAX_REASON_LENGTH}, clipping a sentence so the
 * ones after it still fit (the last one, the target health, is the most telling).
 */
function withSentences(reason: string, sentences: readonly (string | undefined)[]): string {
  const present = sentences.filter((sentence): sentence is string => sentence !== undefined);
  let out = clip(reason, MAX_REASON_LENGTH);
  present.forEach((sentence, i) => {
    const separator = /[.!?…]$/.test(out) ? ' ' : '. ';
    const later = present.slice(i + 1).reduce((sum, next) => sum + next.length + 2, 0);
    const room = MAX_REASON_LENGTH - out.length - separator.length - later;
    if (room >= Math.min(sentence.length, 40)) out = `${out}${separator}${clip(sentence, room)}`;
  });
  return out;
}

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
 *    with every target healthy → Unhealthy (e.g. listener misrouting). When the probe cannot
 *    run (`probeSkipped`, a restricted ALB) → Healthy on rules 1–6 alone, saying why.
 *
 * Unhealthy reasons of rules 1 and 4 add the evidence of {@link failureEvidence}:
 * `… Tasks stopped: 3× Task failed ELB health checks in (target-group …). Last target health:
 * Health checks failed with these codes: [500] (Target.ResponseCodeMismatch)`, at most
 * {@link MAX_REASON_LENGTH} characters in all.
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

  const evidence = failureEvidence(observed, requested);
  const explained = (reason: string): string =>
    withSentences(reason, [
      evidence.stopped === undefined ? undefined : `Tasks stopped: ${evidence.stopped}.`,
      evidence.targetHealth === undefined ? undefined : `Last target health: ${evidence.targetHealth}`,
    ]);

  // 1. rollback / failed deployment
  if (primary) {
    const why = primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : '';
    if (requested !== undefined && primary.taskDefinition !== requested) {
      return unhealthy(
        'rolled-back',
        explained(
          `deployment rolled back: the PRIMARY deployment runs ${shortRevision(primary.taskDefinition)}, not the requested ${shortRevision(requested)}${why}`,
        ),
      );
    }
    if (primary.rolloutStateReason !== undefined && ROLLBACK.test(primary.rolloutStateReason)) {
      return unhealthy('rolled-back', explained(`deployment rolled back${why}`));
    }
    if (primary.rolloutState === 'FAILED') {
      return unhealthy('deployment-failed', explained(`deployment ${primary.id} FAILED${why}`));
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
    const distinct = new Set(stoppedFailures.map((task) => task.stoppedReason ?? task.stopCode)).size;
    return unhealthy(
      'tasks-failing',
      withSentences(
        `${plural(failed, 'task')} failed to start (threshold ${threshold}); last stopped: ${clip(stoppedReason(lastFailure), MAX_QUOTE_LENGTH)}`,
        [
          distinct > 1 && evidence.stopped !== undefined ? `Tasks stopped: ${evidence.stopped}.` : undefined,
          evidence.targetHealth === undefined ? undefined : `Last target health: ${evidence.targetHealth}`,
        ],
      ),
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
  if (probe === undefined && options.probeSkipped !== undefined) {
    return healthy(
      `${healthyTargets} of ${desired} targets healthy (the load balancer's own health checks reach them); HTTP probe skipped: ${options.probeSkipped}`,
    );
  }
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
