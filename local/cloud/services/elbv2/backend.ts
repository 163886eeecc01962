import type { Cloud } from '../../core/cloud.ts';
import { ServiceError } from '../../core/service-error.ts';
import type { TargetHealthView } from '../../dataplane/health-checker.ts';
import {
  createListener,
  createRule,
  deleteListener,
  deleteRule,
  describeListeners,
  describeRules,
  modifyListener,
  modifyRule,
} from './listeners.ts';
import {
  createLoadBalancer,
  deleteLoadBalancer,
  describeLoadBalancers,
  modifyLoadBalancerAttributes,
} from './load-balancers.ts';
import {
  type Action,
  type Condition,
  type CreateTargetGroupInput,
  ELBV2_NOT_FOUND,
  type Listener,
  type LoadBalancer,
  type Rule,
  type Tags,
  type TargetGroup,
} from './model.ts';
import { type Elbv2State, getLoadBalancer, getTargetGroup, RoutingIndex } from './state.ts';
import {
  createTargetGroup,
  deleteTargetGroup,
  deregisterTargets,
  describeTargetGroups,
  describeTargetHealth,
  modifyTargetGroup,
  modifyTargetGroupAttributes,
  registerTargets,
} from './target-groups.ts';
import { frontDoorListener } from './traffic.ts';

// The resource types the protocol layer (handlers.ts) reads, from model.ts.
export type { Action, Condition, Listener, LoadBalancer, Rule, Tags, TargetGroup } from './model.ts';

/** The ELBv2 backend of one account and region, data plane included (health checks, listener proxies). */
export function elbv2Backend(cloud: Cloud, accountId: string, region: string): Elbv2Backend {
  return cloud.backend(
    'elasticloadbalancing',
    accountId,
    region,
    () => new Elbv2Backend(cloud, accountId, region),
  );
}

/** DNS name → backend, per cloud (the front door's lookup table). */
export function albDnsRegistry(cloud: Cloud): Map<string, Elbv2Backend> {
  return cloud.backend('elasticloadbalancing', '*', '*', () => new Map<string, Elbv2Backend>());
}

/**
 * ELBv2 state of one account and region, and the API over it. The rules AWS enforces live in one
 * module per resource — load-balancers.ts, target-groups.ts, listeners.ts (with rules) — and what
 * the load balancers do with traffic in traffic.ts (the real health checks and listener proxies are
 * in dataplane/); this class holds the state, the tags, and composes them.
 */
export class Elbv2Backend implements Elbv2State {
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly listeners = new Map<string, Listener>();
  readonly tags = new Map<string, Tags>();
  readonly routing = new RoutingIndex(this.listeners);
  private readonly healthListeners = new Set<() => void>();
  private stopped = false;

  constructor(
    readonly cloud: Cloud,
    readonly accountId: string,
    readonly region: string,
  ) {
    cloud.onReset(() => this.shutdown());
    cloud.onStop(() => this.shutdown());
  }

  /** Closes every listener proxy and stops health checks and timers. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const lb of this.loadBalancers.values()) lb.cancel?.();
    for (const tg of this.targetGroups.values()) tg.tracker.stop();
    await Promise.all([...this.listeners.values()].map((l) => l.proxy.close()));
  }

  /** Calls `fn` whenever any target's health changes. */
  onTargetHealthChange(fn: () => void): () => void {
    this.healthListeners.add(fn);
    return () => this.healthListeners.delete(fn);
  }

  registerDnsName(dnsName: string): void {
    albDnsRegistry(this.cloud).set(dnsName, this);
  }

  unregisterDnsName(dnsName: string): void {
    albDnsRegistry(this.cloud).delete(dnsName);
  }

  targetHealthChanged(): void {
    for (const fn of this.healthListeners) fn();
  }

  /**
   * Local stand-ins of `ip` targets, keyed `<id>:<port>`. In a VPC an `awsvpc` task is the `ip` target
   * `<its interface's private IP>:<container port>`; locally it listens on `127.0.0.1:<host port>`, so the
   * ECS scheduler records which network interface (by owner: the task ARN) and which container port stand
   * behind each local endpoint it registers, and {@link reachesTarget} applies that interface's groups.
   */
  readonly localIpEndpoints = new Map<string, { readonly interfaceOwner: string; readonly port: number }>();

  // ---------- load balancers (load-balancers.ts)

  createLoadBalancer(input: Parameters<typeof createLoadBalancer>[1]): LoadBalancer {
    return createLoadBalancer(this, input);
  }

  getLoadBalancer(arn: string): LoadBalancer {
    return getLoadBalancer(this, arn);
  }

  describeLoadBalancers(arns: string[], names: string[]): LoadBalancer[] {
    return describeLoadBalancers(this, arns, names);
  }

  deleteLoadBalancer(arn: string): void {
    deleteLoadBalancer(this, arn);
  }

  modifyLoadBalancerAttributes(arn: string, attributes: Record<string, string>): Record<string, string> {
    return modifyLoadBalancerAttributes(this, arn, attributes);
  }

  // ---------- target groups (target-groups.ts)

  createTargetGroup(input: CreateTargetGroupInput): TargetGroup {
    return createTargetGroup(this, input);
  }

  getTargetGroup(arn: string): TargetGroup {
    return getTargetGroup(this, arn);
  }

  /** Load balancers whose listeners or rules forward to the target group. */
  loadBalancerArnsOf(targetGroupArn: string): string[] {
    return this.routing.loadBalancerArnsOf(targetGroupArn);
  }

  describeTargetGroups(input: Parameters<typeof describeTargetGroups>[1]): TargetGroup[] {
    return describeTargetGroups(this, input);
  }

  modifyTargetGroup(arn: string, input: Partial<CreateTargetGroupInput>): TargetGroup {
    return modifyTargetGroup(this, arn, input);
  }

  modifyTargetGroupAttributes(arn: string, attributes: Record<string, string>): Record<string, string> {
    return modifyTargetGroupAttributes(this, arn, attributes);
  }

  deleteTargetGroup(arn: string): void {
    deleteTargetGroup(this, arn);
  }

  registerTargets(arn: string, targets: { id: string; port?: number; availabilityZone?: string }[]): void {
    registerTargets(this, arn, targets);
  }

  /** Starts draining targets; `onDrained` runs per target once its deregistration delay is over. */
  deregisterTargets(arn: string, targets: { id: string; port?: number }[], onDrained?: () => void): void {
    deregisterTargets(this, arn, targets, onDrained);
  }

  /** Health of each target: all registered ones, or the ones asked for. */
  describeTargetHealth(
    arn: string,
    targets: { id: string; port?: number }[],
  ): { target: { id: string; port: number; availabilityZone?: string }; health: TargetHealthView }[] {
    return describeTargetHealth(this, arn, targets);
  }

  // ---------- listeners and rules (listeners.ts)

  createListener(input: Parameters<typeof createListener>[1]): Listener {
    return createListener(this, input);
  }

  describeListeners(loadBalancerArn: string | undefined, arns: string[]): Listener[] {
    return describeListeners(this, loadBalancerArn, arns);
  }

  modifyListener(
    arn: string,
    input: { port?: number; protocol?: string; defaultActions?: Action[] },
  ): Listener {
    return modifyListener(this, arn, input);
  }

  deleteListener(arn: string): void {
    deleteListener(this, arn);
  }

  createRule(input: Parameters<typeof createRule>[1]): Rule {
    return createRule(this, input);
  }

  describeRules(listenerArn: string | undefined, ruleArns: string[]): Rule[] {
    return describeRules(this, listenerArn, ruleArns);
  }

  modifyRule(arn: string, input: { conditions?: Condition[]; actions?: Action[] }): Rule {
    return modifyRule(this, arn, input);
  }

  deleteRule(arn: string): void {
    deleteRule(this, arn);
  }

  // ---------- traffic (traffic.ts)

  /** The front-door listener of an ALB: port 80 if there is one, else the lowest port. */
  frontDoorListener(dnsName: string): Listener | undefined {
    return frontDoorListener(this, dnsName);
  }

  // ---------- tags

  private checkTaggable(arn: string): void {
    if (this.tags.has(arn)) return;
    if (arn.includes(':targetgroup/')) throw ELBV2_NOT_FOUND.targetGroup();
    if (arn.includes(':listener-rule/')) throw ELBV2_NOT_FOUND.rule();
    if (arn.includes(':listener/')) throw ELBV2_NOT_FOUND.listener();
    throw ELBV2_NOT_FOUND.loadBalancer();
  }

  addTags(arns: string[], tags: Tags): void {
    for (const arn of arns) this.checkTaggable(arn);
    for (const arn of arns) {
      const current = this.tags.get(arn) ?? {};
      const merged = { ...current, ...tags };
      if (Object.keys(merged).length > 50)
        throw new ServiceError(
          'TooManyTags',
          `The quota for the number of tags that can be assigned to a load balancer has been reached`,
        );
      this.tags.set(arn, merged);
    }
  }

  removeTags(arns: string[], keys: string[]): void {
    for (const arn of arns) this.checkTaggable(arn);
    for (const arn of arns) {
      const current = this.tags.get(arn) ?? {};
      for (const k of keys) delete current[k];
    }
  }

  describeTags(arns: string[]): { arn: string; tags: Tags }[] {
    for (const arn of arns) this.checkTaggable(arn);
    return arns.map((arn) => ({ arn, tags: this.tags.get(arn) ?? {} }));
  }

  /** `/_berth/state` section: load balancers with their listener ports and target health. */
  dump(): unknown {
    return {
      loadBalancers: [...this.loadBalancers.values()].map((lb) => ({
        name: lb.name,
        arn: lb.arn,
        dnsName: lb.dnsName,
        state: lb.state,
        deleting: lb.deleting,
        listeners: [...this.listeners.values()]
          .filter((l) => l.loadBalancerArn === lb.arn)
          .map((l) => ({
            arn: l.arn,
            port: l.port,
            localPort: l.proxy.port,
            url: `http://127.0.0.1:${l.proxy.port}`,
          })),
      })),
      targetGroups: [...this.targetGroups.values()].map((tg) => ({
        name: tg.name,
        arn: tg.arn,
        targets: this.describeTargetHealth(tg.arn, []).map((t) => ({ ...t.target, ...t.health })),
      })),
    };
  }
}
