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
export interface CheckPolicy {
  /** Seconds before the first check after this was first seen. */
  readonly first: number;
  /** Seconds before the check after that; each further wait doubles, up to `max`. */
  readonly next: number;
  readonly max: number;
}

/**
 * The checks of a Pending environment, sized to what it waits for (AWS seconds):
 * - `load-balancer`: a new ALB is `provisioning` for minutes (the SDK's `LoadBalancerAvailable` waiter polls
 *   every 15 s for up to 10 min); it typically becomes active about 3 minutes after CreateLoadBalancer, and
 *   the first verify comes seconds after it was created: first check after 170 s, when it can plausibly be
 *   active, then 10, 20, 40, 60 s (activation is imminent at first, then the wait backs off).
 * - `instances`: an EC2 environment's tasks wait for the Auto Scaling group's instances to boot and register
 *   with the cluster (about a minute for an ECS-optimized AMI): 60 s, then 10, 20, 30 s.
 * - `tasks`: image pull and container start take seconds to tens of seconds: 15 s, then 10, 20, 30 s.
 * - `tasks-stopping`: tasks drain for the target group's deregistration delay (Berth sets 30 s) and stop:
 *   35 s, then 15, 30, 60 s.
 * - `health-checks`: a target needs `healthyThreshold` consecutive passing checks `intervalSeconds` apart
 *   (ELBv2 "Health checks for your target groups"), so it cannot be healthy sooner than their product after
 *   the checks start (once the ALB is active): that long after the ALB is first seen active, then 10 s
 *   (the checks started before that sighting), doubling up to one interval.
 * - `deployment`: ECS completes a rollout shortly after the new tasks are healthy: 15 s, then 30, 60 s.
 * - `probe`: the listener answers as soon as targets are healthy: 5 s, then 10, 20, 40 s.
 */
export function checkPolicy(waitingFor: WaitingFor, spec: EnvSpec): CheckPolicy {
  switch (waitingFor) {
    case 'load-balancer':
      return { first: 170, next: 10, max: 60 };
    case 'instances':
      return { first: 60, next: 10, max: 30 };
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
}

/**
 * Seconds before the next check: the policy's `first` when this is the first check waiting for it, else
 * the previous wait backed off (`next`, doubling, up to `max`).
 *
 * @example
 * nextCheckSeconds('load-balancer', spec)                                            // 170
 * nextCheckSeconds('load-balancer', spec, { waitingFor: 'load-balancer', waitSeconds: 170 }) // 10
 * nextCheckSeconds('health-checks', spec, { waitingFor: 'load-balancer', waitSeconds: 15 })  // 150 (30 s × 5)
 */
export function nextCheckSeconds(waiting: WaitingFor, spec: EnvSpec, previous?: PreviousCheck): number {
  const policy = checkPolicy(waiting, spec);
  if (previous?.waitingFor !== waiting || previous.waitSeconds === undefined) return policy.first;
  // The previous wait was this condition's first one: continue with `next` (with these policies a
  // backed-off wait never equals a `first` that differs from `next`; the table test walks each sequence).
  if (previous.waitSeconds === policy.first && policy.first !== policy.next) return policy.next;
  return Math.min(policy.max, Math.max(policy.next, previous.waitSeconds * 2));
}
