import type { Cloud } from '../../core/cloud.ts';
import {
  actionTargetGroups,
  ELBV2_NOT_FOUND,
  type Listener,
  type LoadBalancer,
  type Tags,
  type TargetGroup,
} from './model.ts';

/**
 * The ELBv2 state of one account and region, as the modules that implement the API read and change
 * it (load-balancers.ts, target-groups.ts, listeners.ts, traffic.ts). `Elbv2Backend` holds it; the
 * modules take it as their first parameter and never import the backend (no import circle).
 */
export interface Elbv2State {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
  readonly loadBalancers: Map<string, LoadBalancer>;
  readonly targetGroups: Map<string, TargetGroup>;
  readonly listeners: Map<string, Listener>;
  /** Tags by resource ARN; an ARN present here names a taggable resource. */
  readonly tags: Map<string, Tags>;
  /** Which load balancers forward to each target group. */
  readonly routing: RoutingIndex;
  /**
   * Local stand-ins of `ip` targets, keyed `<id>:<port>`: the network interface (by owner, the task
   * ARN) and the container port behind each local endpoint (see `Elbv2Backend.localIpEndpoints`).
   */
  readonly localIpEndpoints: Map<string, { readonly interfaceOwner: string; readonly port: number }>;
  /** Makes the load balancer with this DNS name reachable through the cloud's front door. */
  registerDnsName(dnsName: string): void;
  unregisterDnsName(dnsName: string): void;
  /** Tells the subscribers (the ECS scheduler) that a target's health changed. */
  targetHealthChanged(): void;
}

/**
 * Target group → the load balancers whose listeners or rules forward to it. Every health check and
 * every ECS reconciliation asks this, so it reads an index rebuilt on the first question after a
 * listener or rule changed ({@link changed}); a scan of every listener per question made a
 * 500-environment fleet quadratic.
 */
export class RoutingIndex {
  /** Target group → load balancers forwarding to it; undefined once a listener or rule changed. */
  #index: Map<string, Set<string>> | undefined;

  constructor(private readonly listeners: ReadonlyMap<string, Listener>) {}

  /** Load balancers whose listeners or rules forward to the target group. */
  loadBalancerArnsOf(targetGroupArn: string): string[] {
    if (this.#index === undefined) {
      const index = new Map<string, Set<string>>();
      for (const listener of this.listeners.values()) {
        for (const action of [...listener.defaultActions, ...listener.rules.flatMap((r) => r.actions)]) {
          for (const tg of actionTargetGroups(action)) {
            const lbs = index.get(tg);
            if (lbs === undefined) index.set(tg, new Set([listener.loadBalancerArn]));
            else lbs.add(listener.loadBalancerArn);
          }
        }
      }
      this.#index = index;
    }
    return [...(this.#index.get(targetGroupArn) ?? [])];
  }

  /** Forgets the index: call after any change to a listener's actions or rules. */
  changed(): void {
    this.#index = undefined;
  }
}

export function getLoadBalancer(elb: Elbv2State, arn: string): LoadBalancer {
  const lb = elb.loadBalancers.get(arn);
  if (!lb) throw ELBV2_NOT_FOUND.loadBalancer();
  return lb;
}

export function getTargetGroup(elb: Elbv2State, arn: string): TargetGroup {
  const tg = elb.targetGroups.get(arn);
  if (!tg) throw ELBV2_NOT_FOUND.targetGroup();
  return tg;
}

export function getListener(elb: Elbv2State, arn: string): Listener {
  const l = elb.listeners.get(arn);
  if (!l) throw ELBV2_NOT_FOUND.listener();
  return l;
}
