import type { EnvSpec } from './env-spec.ts';
import type { ObservedEnvironment } from './observed.ts';

/**
 * What a Pending environment is waiting for: the first unmet condition on the way to Healthy, in the order
 * `assessHealth` checks them.
 */
export type WaitingFor =
  | 'load-balancer'
  | 'tasks-stopping'
  | 'instances'
  | 'tasks'
  | 'health-checks'
  | 'deployment'
  | 'probe';

/** How long to wait before the next check while waiting for one thing: first, then backing off. */
interface CheckPolicy {
  /** Seconds before the first check after this was first seen. */
  readonly first: number;
  /** Seconds before the check after that; each further wait doubles, up to `max`. */
  readonly next: number;
  readonly max: number;
  /**
   * When the start of what is awaited is known ({@link startedSecondsAgo}): the first check this long after
   * that start instead of `first` after this check (default `first`).
   */
  readonly firstAfterStart?: number;
}

/**
 * The checks of a Pending environment, sized to what it waits for (AWS seconds):
 * - `load-balancer`: a new ALB is `provisioning` for minutes (the SDK's `LoadBalancerAvailable` waiter polls
 *   every 15 s for up to 10 min); it typically becomes active about 3 minutes after CreateLoadBalancer: first
 *   check 170 s after it was created (its `CreatedTime`; from the check when that is unknown), when it can
 *   plausibly be active, then 10, 20, 40, 60 s (activation is imminent at first, then the wait backs off).
 * - `instances`: an EC2 environment's tasks wait for the Auto Scaling group's instances to boot and register
 *   with the cluster (about a minute for an ECS-optimized AMI, then the agent registers): first check 65 s
 *   after the group was created (its `CreatedTime`, as create-cluster observed it), when they can plausibly
 *   be registered; 60 s from the check when that is unknown, or when the group is older than that (its
 *   instances came later: a scale, a resume); then 10, 20, 30 s.
 * - `tasks`: image pull and container start take seconds to tens of seconds: 15 s, then 10, 20, 30 s.
 * - `tasks-stopping`: tasks drain for the target group's deregistration delay (Berth sets 30 s) and stop:
 *   35 s, then 15, 30, 60 s.
 * - `health-checks`: a target needs `healthyThreshold` consecutive passing checks `intervalSeconds` apart
 *   (ELBv2 "Health checks for your target groups"), so it cannot be healthy sooner than their product after
 *   the checks start (once the ALB is active and the target registered): that long after the ALB is first
 *   seen active; what remains of it when the checks are known to have started earlier (the ALB was already
 *   active when the newest task reached RUNNING: {@link healthChecksStartedSecondsAgo}); then 10 s,
 *   doubling up to one interval.
 * - `deployment`: ECS completes a rollout shortly after the new tasks are healthy: 15 s, then 30, 60 s.
 * - `probe`: the listener answers as soon as targets are healthy: 5 s, then 10, 20, 40 s.
 */
function checkPolicy(waitingFor: WaitingFor, spec: EnvSpec): CheckPolicy {
  switch (waitingFor) {
    case 'load-balancer':
      return { first: 170, next: 10, max: 60 };
    case 'instances':
      return { first: 60, next: 10, max: 30, firstAfterStart: 65 };
    case 'tasks':
      return { first: 15, next: 10, max: 30 };
    case 'tasks-stopping':
      return { first: 35, next: 15, max: 60 };
    case 'health-checks': {
      const { intervalSeconds, healthyThreshold } = spec.healthCheck;
      return {
        first: intervalSeconds * healthyThreshold,
        next: Math.min(10, intervalSeconds),
        max: intervalSeconds,
      };
    }
    case 'deployment':
      return { first: 15, next: 15, max: 60 };
    case 'probe':
      return { first: 5, next: 10, max: 40 };
  }
}

/** The earliest unmet condition of a Pending environment ({@link WaitingFor}). */
export function waitingFor(
  observed: ObservedEnvironment,
  spec: EnvSpec,
  options: { desiredCount?: number } = {},
): WaitingFor {
  if (spec.loadBalancer.mode === 'dedicated' && observed.loadBalancer?.state !== 'active') {
    return 'load-balancer';
  }
  const service = observed.service;
  const desired = options.desiredCount ?? service?.desiredCount ?? spec.desiredCount;
  const running = service?.runningCount ?? 0;
  if (running > desired) return 'tasks-stopping';
  if (running < desired) {
    const registered = observed.cluster?.registeredContainerInstances ?? 0;
    return spec.launchType === 'EC2' && registered === 0 ? 'instances' : 'tasks';
  }
  const group = observed.targetGroup;
  const healthy = group?.targets.filter((t) => t.state === 'healthy').length ?? 0;
  if (healthy < desired) return 'health-checks';
  const primary = service?.deployments.find((d) => d.status === 'PRIMARY');
  if (primary?.rolloutState === 'IN_PROGRESS') return 'deployment';
  return 'probe';
}

/** The previous check of the same verify loop, as the verify step reported it. */
export interface PreviousCheck {
  readonly waitingFor?: string;
  readonly waitSeconds?: number;
  /** 0 when that wait was the first one for `waitingFor`, then 1, 2, … as it backed off. */
  readonly waitStep?: number;
}

/** The next check: seconds to wait, and how many waits for the same thing came before ({@link PreviousCheck}). */
export interface NextCheck {
  readonly seconds: number;
  readonly step: number;
}

/**
 * A first health-check wait sized from the checks' start ends this long after the last needed check is due, so
 * that the check has been answered; and a first wait sized from a start is never shorter than
 * {@link SHORTEST_FIRST_WAIT_SECONDS}.
 */
const HEALTHY_AFTER_MARGIN_SECONDS = 3;
const SHORTEST_FIRST_WAIT_SECONDS = 5;

/** What a first wait can be sized from that `observed` does not hold: what an earlier step observed. */
export interface KnownStarts {
  /** The Auto Scaling group's CreatedTime (ISO), as create-cluster observed it. */
  readonly autoScalingGroupCreatedTime?: string | undefined;
}

const secondsSince = (iso: string | undefined, now: Date): number | undefined => {
  const at = Date.parse(iso ?? '');
  return Number.isFinite(at) ? Math.max(0, (now.getTime() - at) / 1000) : undefined;
};

/**
 * How long ago what a first wait is sized from started: the ALB's creation for `load-balancer`, the Auto
 * Scaling group's creation for `instances` (observed, or as create-cluster observed it: `known`), the health
 * checks for `health-checks` ({@link healthChecksStartedSecondsAgo}); undefined when unknown or for the others.
 *
 * @example startedSecondsAgo('load-balancer', observed, spec, undefined, now) // 12 (CreateLoadBalancer 12 s ago)
 */
export function startedSecondsAgo(
  waiting: WaitingFor,
  observed: ObservedEnvironment,
  spec: EnvSpec,
  previous: PreviousCheck | undefined,
  now: Date,
  known: KnownStarts = {},
): number | undefined {
  if (waiting === 'health-checks') return healthChecksStartedSecondsAgo(observed, spec, previous, now);
  if (waiting === 'load-balancer') return secondsSince(observed.loadBalancer?.createdTime, now);
  if (waiting === 'instances') {
    return secondsSince(observed.autoScalingGroup?.createdTime ?? known.autoScalingGroupCreatedTime, now);
  }
  return undefined;
}

/**
 * How long ago the ALB's health checks of the environment's current targets started, when it can be known:
 * a target is checked from its registration (when its task reaches RUNNING) if the load balancer is already
 * active then; the checks of an ALB that turned active since the previous check started at an unknown moment
 * of that wait (undefined, as without a running task's start time).
 *
 * @example healthChecksStartedSecondsAgo(observed, spec, { waitingFor: 'tasks', waitSeconds: 15 }, now) // 12
 */
export function healthChecksStartedSecondsAgo(
  observed: ObservedEnvironment,
  spec: EnvSpec,
  previous: PreviousCheck | undefined,
  now: Date,
): number | undefined {
  const albActiveBefore = spec.loadBalancer.mode === 'shared' || previous?.waitingFor !== 'load-balancer';
  if (!albActiveBefore) return undefined;
  const started = (observed.tasks ?? [])
    .filter((t) => t.lastStatus === 'RUNNING' && t.startedAt !== undefined)
    .map((t) => Date.parse(t.startedAt ?? ''))
    .filter(Number.isFinite);
  if (started.length === 0) return undefined;
  return Math.max(0, (now.getTime() - Math.max(...started)) / 1000);
}

/**
 * The next check: the policy's `first` when this is the first check waiting for it, else the previous wait
 * backed off (`next`, doubling, up to `max`). A first wait for the ALB, the instances or the health checks
 * whose start is known (`startedSecondsAgo`: the ALB's creation, the Auto Scaling group's creation, the
 * checks' start) waits only for what remains of `firstAfterStart` (default `first`; plus a few seconds for
 * health checks, so that the last needed one has been answered), at least 5 s. Instances of a group created
 * longer ago than that were launched later (a scale, a resume): their wait is `first` from this check.
 *
 * @example
 * nextCheck('load-balancer', spec)                                                       // { seconds: 170, step: 0 }
 * nextCheck('load-balancer', spec, { waitingFor: 'load-balancer', waitSeconds: 170, waitStep: 0 }) // { seconds: 10, step: 1 }
 * nextCheck('health-checks', spec, { waitingFor: 'tasks', waitSeconds: 15 }, { startedSecondsAgo: 12 }) // { seconds: 141, step: 0 }
 * nextCheck('load-balancer', spec, undefined, { startedSecondsAgo: 20 })               // { seconds: 150, step: 0 }
 * nextCheck('instances', spec, { waitingFor: 'tasks', waitSeconds: 15 }, { startedSecondsAgo: 20 }) // { seconds: 45, step: 0 }
 */
export function nextCheck(
  waiting: WaitingFor,
  spec: EnvSpec,
  previous?: PreviousCheck,
  timing: { readonly startedSecondsAgo?: number | undefined } = {},
): NextCheck {
  const policy = checkPolicy(waiting, spec);
  if (previous?.waitingFor !== waiting || previous.waitSeconds === undefined) {
    const since = timing.startedSecondsAgo;
    const afterStart = policy.firstAfterStart ?? policy.first;
    const sized =
      since !== undefined &&
      (waiting === 'health-checks' ||
        waiting === 'load-balancer' ||
        (waiting === 'instances' && since < afterStart));
    if (sized) {
      const margin = waiting === 'health-checks' ? HEALTHY_AFTER_MARGIN_SECONDS : 0;
      const remaining = Math.ceil(afterStart - since + margin);
      return { seconds: Math.min(afterStart, Math.max(SHORTEST_FIRST_WAIT_SECONDS, remaining)), step: 0 };
    }
    return { seconds: policy.first, step: 0 };
  }
  // Without a step (a result of an older verify), a wait equal to `first` was the first one: with these
  // policies a backed-off wait never equals a `first` that differs from `next` (the table test walks each).
  const step = (previous.waitStep ?? (previous.waitSeconds === policy.first ? 0 : 1)) + 1;
  if (step === 1 && policy.first !== policy.next) return { seconds: policy.next, step };
  return { seconds: Math.min(policy.max, Math.max(policy.next, previous.waitSeconds * 2)), step };
}

/**
 * Seconds before the next check ({@link nextCheck}).
 *
 * @example
 * nextCheckSeconds('load-balancer', spec)                                            // 170
 * nextCheckSeconds('load-balancer', spec, { waitingFor: 'load-balancer', waitSeconds: 170 }) // 10
 * nextCheckSeconds('health-checks', spec, { waitingFor: 'load-balancer', waitSeconds: 15 })  // 150 (30 s × 5)
 */
export function nextCheckSeconds(waiting: WaitingFor, spec: EnvSpec, previous?: PreviousCheck): number {
  return nextCheck(waiting, spec, previous).seconds;
}
