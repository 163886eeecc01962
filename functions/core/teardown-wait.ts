import type { ObservedEnvironment, ObservedNetworkInterface } from './observed.ts';

/**
 * What a teardown stage waits for when it answers `done: false`; the state machine Waits the seconds
 * {@link teardownWait} sizes to it (`$.teardown.<stage>.waitSeconds`) and calls the stage again.
 */
export type TeardownWaitingFor =
  /** The service was scaled to 0: its tasks drain from the target group, then stop. */
  | 'tasks-draining'
  /** DeleteService was called while tasks were left (the service is DRAINING). */
  | 'service-deletion'
  /** The cluster is not described yet right after CreateCluster (ECS eventual consistency, bounded). */
  | 'cluster-propagation'
  /** The Auto Scaling group is being force-deleted: its instances terminate. */
  | 'group-deletion'
  /** The capacity provider is attached but not described yet (ECS eventual consistency). */
  | 'provider-propagation'
  /** DeleteCapacityProvider answered DELETE_IN_PROGRESS: it turns INACTIVE later. */
  | 'provider-deletion'
  /** A security group is still listed by network interfaces (an ALB's, a task's, an instance's). */
  | 'network-interfaces';

/**
 * AWS seconds from DeleteLoadBalancer to the ALB being gone from DescribeLoadBalancers (the SDK's
 * `LoadBalancersDeleted` waiter polls every 15 s; deletion typically ends within a couple of polls).
 */
export const ALB_DELETION_SECONDS = 30;

/**
 * AWS seconds an ALB's network interfaces outlive it: "its network interfaces can take a while to go away
 * (some minutes)" (hashicorp/terraform-provider-aws issue #40); iasql waits up to 20 minutes for them
 * (alantech/iasql PR #654). Berth expects 4 minutes, then backs off (the stage gives up after 20).
 */
export const ALB_INTERFACE_RELEASE_SECONDS = 240;

/** An `awsvpc` task's interface is detached when its task stops and deleted about a minute later. */
const TASK_INTERFACE_RELEASE_SECONDS = 60;

/**
 * AWS seconds from a terminate request to an EC2 instance being `terminated` (shutting-down, then
 * terminated: typically well under a minute for an ECS-optimized instance with nothing to drain).
 */
const INSTANCE_TERMINATION_SECONDS = 30;

/** DeleteCapacityProvider: DELETE_IN_PROGRESS, INACTIVE some seconds later. */
const PROVIDER_DELETION_SECONDS = 15;

/** ECS eventual consistency: a just-created resource is described within seconds. */
const ECS_PROPAGATION_SECONDS = 5;

/** A task's container gets SIGTERM and exits; ECS then reports it STOPPED. */
const TASK_STOP_SECONDS = 5;

/** Added to an expected end, so that the check after the wait finds it done. */
const MARGIN_SECONDS = 5;
/** No teardown wait is shorter. */
const SHORTEST_WAIT_SECONDS = 5;
/** A wait whose expectation has passed backs off from this, doubling up to {@link LONGEST_BACKOFF_SECONDS}. */
const FIRST_BACKOFF_SECONDS = 15;
const LONGEST_BACKOFF_SECONDS = 120;

/** The previous result of the same stage in the same teardown, as the stage reported it. */
interface PreviousTeardownWait {
  readonly waitingFor?: string;
  readonly waitSeconds?: number;
  /** 0 for the first wait for `waitingFor`, then 1, 2, … */
  readonly waitStep?: number;
}

export interface TeardownWaitContext {
  /** The target group's deregistration delay (Berth sets 30 s). */
  readonly deregistrationDelaySeconds: number;
  /** AWS seconds since this teardown called DeleteLoadBalancer, when it did. */
  readonly loadBalancerDeletedSecondsAgo?: number;
  readonly previous?: PreviousTeardownWait;
}

export interface TeardownWait {
  readonly waitingFor: TeardownWaitingFor;
  readonly seconds: number;
  readonly step: number;
}

/** The AWS seconds until one interface is expected to be gone (see the constants above). */
function interfaceRemainingSeconds(eni: ObservedNetworkInterface, albDeletedAgo: number | undefined): number {
  if (eni.description.startsWith('ELB ')) {
    // An ALB's: in use while the ALB is being deleted, `available` once it is gone.
    if (albDeletedAgo !== undefined) {
      return ALB_DELETION_SECONDS + ALB_INTERFACE_RELEASE_SECONDS - albDeletedAgo;
    }
    return (eni.status === 'available' ? 0 : ALB_DELETION_SECONDS) + ALB_INTERFACE_RELEASE_SECONDS;
  }
  if (eni.description.startsWith('arn:aws:ecs:')) {
    return (eni.status === 'available' ? 0 : TASK_STOP_SECONDS) + TASK_INTERFACE_RELEASE_SECONDS;
  }
  if (eni.instanceId !== undefined) return INSTANCE_TERMINATION_SECONDS;
  return FIRST_BACKOFF_SECONDS;
}

/** The interfaces still listing the environment's security groups. */
const holders = (observed: ObservedEnvironment): ObservedNetworkInterface[] => [
  ...(observed.securityGroups.instances?.networkInterfaces ?? []),
  ...(observed.securityGroups.alb?.networkInterfaces ?? []),
];

/**
 * How long a teardown stage waits before it observes again, sized to what it waits for (AWS seconds):
 * - `tasks-draining`, `service-deletion`: the target group's deregistration delay plus a task's stop;
 * - `group-deletion`: the instances' termination (the provider's detachment, started just before, ends
 *   sooner);
 * - `provider-deletion`: DELETE_IN_PROGRESS to INACTIVE;
 * - `cluster-propagation`, `provider-propagation`: ECS's eventual consistency, seconds;
 * - `network-interfaces`: the latest expected end among the interfaces holding the groups — an ALB's
 *   4 minutes after it is gone, counted from this teardown's DeleteLoadBalancer when known; a task's a
 *   minute after it stops; an instance's when it is terminated.
 * A wait is its expectation plus a margin; once the expectation has passed (the same thing is still
 * waited for), it backs off: 15, 30, 60, 120 s.
 *
 * @example
 * teardownWait('tasks-draining', observed, { deregistrationDelaySeconds: 30 }) // { seconds: 40, step: 0, … }
 * teardownWait('network-interfaces', observed, { deregistrationDelaySeconds: 30, loadBalancerDeletedSecondsAgo: 60 })
 * // { seconds: 215, … } (an ALB's interfaces: 30 + 240 − 60 + 5)
 */
export function teardownWait(
  waitingFor: TeardownWaitingFor,
  observed: ObservedEnvironment,
  context: TeardownWaitContext,
): TeardownWait {
  const previous = context.previous;
  const again = previous?.waitingFor === waitingFor && previous.waitSeconds !== undefined;
  const step = again ? (previous.waitStep ?? 0) + 1 : 0;
  const expected = expectedSeconds(waitingFor, observed, context, again);
  if (expected !== undefined && expected > 0) {
    return {
      waitingFor,
      step,
      seconds: Math.max(SHORTEST_WAIT_SECONDS, Math.ceil(expected + MARGIN_SECONDS)),
    };
  }
  const backoff = Math.min(LONGEST_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** Math.max(0, step - 1));
  return { waitingFor, step, seconds: backoff };
}

/**
 * The AWS seconds until what is waited for is expected to be done; undefined or ≤ 0 when that is past
 * (a wait after the first whose end cannot be computed from what was observed).
 */
function expectedSeconds(
  waitingFor: TeardownWaitingFor,
  observed: ObservedEnvironment,
  context: TeardownWaitContext,
  again: boolean,
): number | undefined {
  switch (waitingFor) {
    case 'network-interfaces': {
      const interfaces = holders(observed);
      const known = context.loadBalancerDeletedSecondsAgo;
      // Without the deletion time, a repeated wait cannot tell how far the release has come: back off.
      if (again && known === undefined) return undefined;
      if (interfaces.length === 0) return again ? undefined : 0;
      return Math.max(...interfaces.map((eni) => interfaceRemainingSeconds(eni, known)));
    }
    case 'tasks-draining':
    case 'service-deletion':
      return again ? undefined : context.deregistrationDelaySeconds + TASK_STOP_SECONDS;
    case 'group-deletion':
      return again ? undefined : INSTANCE_TERMINATION_SECONDS;
    case 'provider-deletion':
      return again ? undefined : PROVIDER_DELETION_SECONDS;
    case 'cluster-propagation':
    case 'provider-propagation':
      return again ? undefined : ECS_PROPAGATION_SECONDS;
  }
}
