import type { Cloud } from '../../core/cloud.ts';
import { hex } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import { AlbListenerProxy, type ProxyDecision } from '../../dataplane/alb-proxy.ts';
import {
  type HealthCheckSettings,
  TARGET_REASONS,
  TargetHealthTracker,
  type TargetHealthView,
  type TrackedTarget,
  targetAddress,
} from '../../dataplane/health-checker.ts';
import { cloudWatchBackend } from '../cloudwatch/backend.ts';
import { ec2Backend } from '../ec2/backend.ts';

export type Tags = Record<string, string>;

export interface LoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  scheme: string;
  type: string;
  ipAddressType: string;
  vpcId: string;
  zones: { subnetId: string; zoneName: string }[];
  securityGroups: string[];
  state: 'provisioning' | 'active' | 'failed';
  createdTime: Date;
  attributes: Record<string, string>;
  deleting: boolean;
  cancel?: () => void;
}

export interface TargetGroup {
  arn: string;
  name: string;
  protocol?: string;
  port?: number;
  vpcId?: string;
  targetType: string;
  protocolVersion: string;
  healthCheckProtocol: string;
  healthCheck: HealthCheckSettings;
  attributes: Record<string, string>;
  tracker: TargetHealthTracker;
  /** `lambda` target groups: the registered function ARNs (the load balancer invokes the first). */
  lambdaTargets: string[];
}

/** A listener or rule action (`forward` or `fixed-response`). */
export interface Action {
  type: string;
  order?: number;
  targetGroupArn?: string;
  forwardTargetGroups?: { targetGroupArn: string; weight: number }[];
  fixedResponse?: { statusCode: string; contentType?: string; messageBody?: string };
}

export interface Condition {
  field: string;
  values: string[];
}

export interface Rule {
  arn: string;
  listenerArn: string;
  priority: number | 'default';
  conditions: Condition[];
  actions: Action[];
}

export interface Listener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  defaultActions: Action[];
  rules: Rule[];
  defaultRuleArn: string;
  proxy: AlbListenerProxy;
  ready: Promise<number>;
}

/** Input of {@link Elbv2Backend.createTargetGroup} (already typed by the handler). */
export interface CreateTargetGroupInput {
  name: string;
  protocol?: string;
  port?: number;
  vpcId?: string;
  targetType?: string;
  protocolVersion?: string;
  healthCheckProtocol?: string;
  healthCheckPort?: string;
  healthCheckPath?: string;
  healthCheckEnabled?: boolean;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
  matcher?: string;
  tags?: Tags;
}

const ELBV2_NOT_FOUND = {
  loadBalancer: () => new ServiceError('LoadBalancerNotFound', 'One or more load balancers not found'),
  targetGroup: () => new ServiceError('TargetGroupNotFound', 'One or more target groups not found'),
  listener: () => new ServiceError('ListenerNotFound', 'One or more listeners not found'),
  rule: () => new ServiceError('RuleNotFound', 'One or more rules not found'),
};

const validation = (message: string): ServiceError => new ServiceError('ValidationError', message);

const DEFAULT_TG_ATTRIBUTES: Record<string, string> = {
  'deregistration_delay.timeout_seconds': '300',
  'stickiness.enabled': 'false',
  'stickiness.type': 'lb_cookie',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'load_balancing.algorithm.type': 'round_robin',
  'slow_start.duration_seconds': '0',
};

const DEFAULT_LB_ATTRIBUTES: Record<string, string> = {
  'deletion_protection.enabled': 'false',
  'idle_timeout.timeout_seconds': '60',
  'routing.http2.enabled': 'true',
  'access_logs.s3.enabled': 'false',
};

function checkRange(value: number | undefined, field: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min)
    throw validation(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  if (value > max)
    throw validation(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
}

/** Glob match as ELBv2 conditions use it (`*` any run, `?` one character), case-insensitive. */
function globMatch(pattern: string, value: string, caseSensitive = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    caseSensitive ? '' : 'i',
  );
  return re.test(value);
}

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
 * ELBv2 state and the rules AWS enforces: load balancers, target groups, listeners,
 * rules, tags; plus the real health checks and listener proxies.
 */
export class Elbv2Backend {
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly listeners = new Map<string, Listener>();
  readonly tags = new Map<string, Tags>();
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

  // ---------- load balancers

  createLoadBalancer(input: {
    name: string;
    subnets: string[];
    securityGroups: string[];
    scheme?: string;
    type?: string;
    ipAddressType?: string;
    tags?: Tags;
  }): LoadBalancer {
    const { name } = input;
    if (!name) throw validation('A load balancer name must be specified');
    if (name.length > 32)
      throw validation(`Load balancer name '${name}' cannot be longer than '32' characters`);
    if (!/^[a-zA-Z0-9-]+$/.test(name))
      throw validation(`Load balancer name '${name}' must contain only alphanumeric characters or hyphens`);
    if (name.startsWith('-') || name.endsWith('-'))
      throw validation(`Load balancer name '${name}' cannot begin or end with '-' character`);
    if (name.startsWith('internal-'))
      throw validation(`Load balancer name '${name}' cannot begin with 'internal-'`);
    const type = input.type ?? 'application';
    const scheme = input.scheme ?? 'internet-facing';
    const ec2 = ec2Backend(this.cloud, this.accountId, this.region);
    const zones: { subnetId: string; zoneName: string }[] = [];
    const vpcs = new Set<string>();
    for (const subnetId of input.subnets) {
      const subnet = ec2.getSubnet(subnetId);
      if (!subnet) throw new ServiceError('SubnetNotFound', `The subnet ID '${subnetId}' is not valid`);
      if (zones.some((z) => z.zoneName === subnet.availabilityZone))
        throw new ServiceError(
          'InvalidConfigurationRequest',
          'A load balancer cannot be attached to multiple subnets in the same Availability Zone',
        );
      zones.push({ subnetId, zoneName: subnet.availabilityZone });
      vpcs.add(subnet.vpcId);
    }
    if (type === 'application' && zones.length < 2)
      throw validation('At least two subnets in two different Availability Zones must be specified');
    if (zones.length === 0) throw validation('At least one subnet must be specified');
    if (vpcs.size > 1)
      throw new ServiceError('InvalidConfigurationRequest', 'The subnets must all belong to the same VPC');
    for (const sg of input.securityGroups) {
      if (!ec2.getSecurityGroup(sg))
        throw new ServiceError('InvalidSecurityGroup', `Security group '${sg}' does not exist`);
    }
    const existing = [...this.loadBalancers.values()].find((lb) => lb.name === name);
    if (existing) {
      const same =
        existing.scheme === scheme &&
        existing.type === type &&
        existing.zones
          .map((z) => z.subnetId)
          .sort()
          .join() === [...input.subnets].sort().join() &&
        existing.securityGroups.slice().sort().join() === [...input.securityGroups].sort().join();
      if (same && !existing.deleting) return existing;
      throw new ServiceError(
        'DuplicateLoadBalancerName',
        `A load balancer with the same name '${name}' exists, but with different settings`,
      );
    }
    const id = hex(16);
    const arn = `arn:aws:elasticloadbalancing:${this.region}:${this.accountId}:loadbalancer/${type === 'network' ? 'net' : 'app'}/${name}/${id}`;
    const digits = String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)).slice(0, 10);
    const dnsName =
      `${scheme === 'internal' ? 'internal-' : ''}${name}-${digits}.${this.region}.elb.localhost`.toLowerCase();
    const lb: LoadBalancer = {
      arn,
      name,
      dnsName,
      scheme,
      type,
      ipAddressType: input.ipAddressType ?? 'ipv4',
      vpcId: [...vpcs][0] ?? '',
      zones,
      securityGroups: [...input.securityGroups],
      state: 'provisioning',
      createdTime: this.cloud.clock.now(),
      attributes: { ...DEFAULT_LB_ATTRIBUTES },
      deleting: false,
    };
    for (const z of zones) ec2.holdSubnet(z.subnetId, arn); // its ENIs: DeleteSubnet → DependencyViolation
    // Its network interfaces (one per subnet) hold the security groups, and outlive it (deleteLoadBalancer).
    ec2.createLoadBalancerInterfaces(
      arn,
      zones.map((z) => z.subnetId),
      lb.securityGroups,
    );
    lb.cancel = this.cloud.clock.timer(BASE_DELAYS.albProvisioning, () => {
      lb.state = 'active';
    });
    this.loadBalancers.set(arn, lb);
    this.tags.set(arn, { ...(input.tags ?? {}) });
    albDnsRegistry(this.cloud).set(dnsName, this);
    return lb;
  }

  getLoadBalancer(arn: string): LoadBalancer {
    const lb = this.loadBalancers.get(arn);
    if (!lb) throw ELBV2_NOT_FOUND.loadBalancer();
    return lb;
  }

  describeLoadBalancers(arns: string[], names: string[]): LoadBalancer[] {
    const all = [...this.loadBalancers.values()];
    if (arns.length > 0) return arns.map((a) => this.getLoadBalancer(a));
    if (names.length > 0)
      return names.map((n) => {
        const lb = all.find((l) => l.name === n);
        if (!lb) throw new ServiceError('LoadBalancerNotFound', `Load balancers '[${n}]' not found`);
        return lb;
      });
    return all;
  }

  deleteLoadBalancer(arn: string): void {
    const lb = this.loadBalancers.get(arn);
    if (!lb || lb.deleting) return;
    if (lb.attributes['deletion_protection.enabled'] === 'true')
      throw new ServiceError(
        'OperationNotPermitted',
        `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`,
      );
    for (const listener of [...this.listeners.values()]) {
      if (listener.loadBalancerArn === arn) this.removeListener(listener);
    }
    lb.deleting = true;
    lb.cancel?.();
    albDnsRegistry(this.cloud).delete(lb.dnsName);
    lb.cancel = this.cloud.clock.timer(BASE_DELAYS.albDeletion, () => {
      this.loadBalancers.delete(arn);
      this.tags.delete(arn);
      // Gone from DescribeLoadBalancers, but its interfaces stay (`available`) for minutes more,
      // so DeleteSecurityGroup (and DeleteSubnet) still answer DependencyViolation (terraform-provider-aws issue #40).
      const ec2 = ec2Backend(this.cloud, this.accountId, this.region);
      ec2.networkInterfaces.release(arn, BASE_DELAYS.albNetworkInterfaceRelease, () => {
        for (const z of lb.zones) ec2.releaseSubnet(z.subnetId, arn);
      });
    });
  }

  modifyLoadBalancerAttributes(arn: string, attributes: Record<string, string>): Record<string, string> {
    const lb = this.getLoadBalancer(arn);
    Object.assign(lb.attributes, attributes);
    return lb.attributes;
  }

  // ---------- target groups

  createTargetGroup(input: CreateTargetGroupInput): TargetGroup {
    const { name } = input;
    if (!name) throw validation('A target group name must be specified');
    if (name.length > 32)
      throw validation(`Target group name '${name}' cannot be longer than '32' characters`);
    if (!/^[a-zA-Z0-9-]+$/.test(name))
      throw validation(
        `Target group name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`,
      );
    if (name.startsWith('-') || name.endsWith('-'))
      throw validation(`Target group name '${name}' cannot begin or end with '-'`);
    const targetType = input.targetType ?? 'instance';
    if (!['instance', 'ip', 'lambda', 'alb'].includes(targetType))
      throw validation(`Target type '${targetType}' is not valid`);
    if (targetType === 'instance' || targetType === 'ip') {
      if (!input.protocol) throw validation('A protocol must be specified');
      if (input.port === undefined) throw validation('A port must be specified');
      if (!input.vpcId) throw validation('A VPC ID must be specified');
    }
    checkRange(input.port, 'port', 1, 65535);
    checkRange(input.intervalSeconds, 'healthCheckIntervalSeconds', 5, 300);
    checkRange(input.timeoutSeconds, 'healthCheckTimeoutSeconds', 2, 120);
    checkRange(input.healthyThreshold, 'healthyThresholdCount', 2, 10);
    checkRange(input.unhealthyThreshold, 'unhealthyThresholdCount', 2, 10);
    // Lambda target groups default to a 35 s interval and a 30 s timeout (CreateTargetGroup, ELBv2 API reference).
    const interval = input.intervalSeconds ?? (targetType === 'lambda' ? 35 : 30);
    const timeout = input.timeoutSeconds ?? (targetType === 'lambda' ? 30 : 5);
    if (timeout >= interval) throw validation('Health check interval must be greater than the timeout.');
    const path = input.healthCheckPath ?? '/';
    if (!path.startsWith('/')) throw validation("Health check path must begin with a '/' character");
    const matcher = input.matcher ?? '200';
    if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(matcher))
      throw validation(`Health check matcher HTTP code '${matcher}' must be within '200-499'`);
    const healthCheck: HealthCheckSettings = {
      path,
      port: input.healthCheckPort ?? 'traffic-port',
      intervalSeconds: interval,
      timeoutSeconds: timeout,
      healthyThreshold: input.healthyThreshold ?? 5,
      unhealthyThreshold: input.unhealthyThreshold ?? 2,
      matcher,
      enabled: input.healthCheckEnabled ?? targetType !== 'lambda',
    };
    const existing = [...this.targetGroups.values()].find((tg) => tg.name === name);
    if (existing) {
      const same =
        existing.protocol === input.protocol &&
        existing.port === input.port &&
        existing.vpcId === input.vpcId &&
        existing.targetType === targetType &&
        JSON.stringify(existing.healthCheck) === JSON.stringify(healthCheck);
      if (same) return existing;
      throw new ServiceError(
        'DuplicateTargetGroupName',
        `A target group with the same name '${name}' exists, but with different settings`,
      );
    }
    const arn = `arn:aws:elasticloadbalancing:${this.region}:${this.accountId}:targetgroup/${name}/${hex(16)}`;
    const tg: TargetGroup = {
      arn,
      name,
      ...(input.protocol === undefined ? {} : { protocol: input.protocol }),
      ...(input.port === undefined ? {} : { port: input.port }),
      ...(input.vpcId === undefined ? {} : { vpcId: input.vpcId }),
      targetType,
      protocolVersion: input.protocolVersion ?? 'HTTP1',
      healthCheckProtocol: input.healthCheckProtocol ?? input.protocol ?? 'HTTP',
      healthCheck,
      attributes: { ...DEFAULT_TG_ATTRIBUTES },
      tracker: undefined as unknown as TargetHealthTracker,
      lambdaTargets: [],
    };
    tg.tracker = new TargetHealthTracker(
      this.cloud.clock,
      () => tg.healthCheck,
      () => this.loadBalancerArnsOf(arn).length > 0,
      () =>
        this.loadBalancerArnsOf(arn).some((lbArn) => {
          const lb = this.loadBalancers.get(lbArn);
          return lb?.state === 'active' && !lb.deleting;
        }),
      (target, port) => this.reachesTarget(arn, target.id, port),
    );
    tg.tracker.onChange(() => {
      for (const fn of this.healthListeners) fn();
    });
    this.targetGroups.set(arn, tg);
    this.tags.set(arn, { ...(input.tags ?? {}) });
    return tg;
  }

  getTargetGroup(arn: string): TargetGroup {
    const tg = this.targetGroups.get(arn);
    if (!tg) throw ELBV2_NOT_FOUND.targetGroup();
    return tg;
  }

  /**
   * Load balancers whose listeners or rules forward to the target group. Every health check and
   * every ECS reconciliation asks this, so it reads an index of target group → load balancers,
   * rebuilt on the first question after a listener or rule changed ({@link routingChanged}); a
   * scan of every listener per question made a 500-environment fleet quadratic.
   */
  loadBalancerArnsOf(targetGroupArn: string): string[] {
    if (this.routing === undefined) {
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
      this.routing = index;
    }
    return [...(this.routing.get(targetGroupArn) ?? [])];
  }

  /** Target group → load balancers forwarding to it; undefined once a listener or rule changed. */
  private routing: Map<string, Set<string>> | undefined;

  /** Forgets the routing index: call after any change to a listener's actions or rules. */
  private routingChanged(): void {
    this.routing = undefined;
  }

  describeTargetGroups(input: { loadBalancerArn?: string; arns: string[]; names: string[] }): TargetGroup[] {
    if (input.loadBalancerArn) {
      this.getLoadBalancer(input.loadBalancerArn);
      return [...this.targetGroups.values()].filter((tg) =>
        this.loadBalancerArnsOf(tg.arn).includes(input.loadBalancerArn as string),
      );
    }
    if (input.arns.length > 0) return input.arns.map((a) => this.getTargetGroup(a));
    if (input.names.length > 0)
      return input.names.map((n) => {
        const tg = [...this.targetGroups.values()].find((t) => t.name === n);
        if (!tg) throw new ServiceError('TargetGroupNotFound', `Target groups '[${n}]' not found`);
        return tg;
      });
    return [...this.targetGroups.values()];
  }

  modifyTargetGroup(arn: string, input: Partial<CreateTargetGroupInput>): TargetGroup {
    const tg = this.getTargetGroup(arn);
    checkRange(input.intervalSeconds, 'healthCheckIntervalSeconds', 5, 300);
    checkRange(input.timeoutSeconds, 'healthCheckTimeoutSeconds', 2, 120);
    checkRange(input.healthyThreshold, 'healthyThresholdCount', 2, 10);
    checkRange(input.unhealthyThreshold, 'unhealthyThresholdCount', 2, 10);
    const next: HealthCheckSettings = {
      ...tg.healthCheck,
      ...(input.healthCheckPath === undefined ? {} : { path: input.healthCheckPath }),
      ...(input.healthCheckPort === undefined ? {} : { port: input.healthCheckPort }),
      ...(input.intervalSeconds === undefined ? {} : { intervalSeconds: input.intervalSeconds }),
      ...(input.timeoutSeconds === undefined ? {} : { timeoutSeconds: input.timeoutSeconds }),
      ...(input.healthyThreshold === undefined ? {} : { healthyThreshold: input.healthyThreshold }),
      ...(input.unhealthyThreshold === undefined ? {} : { unhealthyThreshold: input.unhealthyThreshold }),
      ...(input.matcher === undefined ? {} : { matcher: input.matcher }),
      ...(input.healthCheckEnabled === undefined ? {} : { enabled: input.healthCheckEnabled }),
    };
    if (next.timeoutSeconds >= next.intervalSeconds)
      throw validation('Health check interval must be greater than the timeout.');
    tg.healthCheck = next;
    if (input.healthCheckProtocol) tg.healthCheckProtocol = input.healthCheckProtocol;
    return tg;
  }

  modifyTargetGroupAttributes(arn: string, attributes: Record<string, string>): Record<string, string> {
    const tg = this.getTargetGroup(arn);
    const delay = attributes['deregistration_delay.timeout_seconds'];
    if (delay !== undefined) {
      const n = Number(delay);
      if (!Number.isInteger(n) || n < 0 || n > 3600)
        throw validation(
          `'deregistration_delay.timeout_seconds' must be an integer between 0 and 3600, but was '${delay}'`,
        );
    }
    Object.assign(tg.attributes, attributes);
    return tg.attributes;
  }

  deleteTargetGroup(arn: string): void {
    const tg = this.targetGroups.get(arn);
    if (!tg) return;
    if (this.loadBalancerArnsOf(arn).length > 0)
      throw new ServiceError(
        'ResourceInUse',
        `Target group '${arn}' is currently in use by a listener or a rule`,
      );
    tg.tracker.stop();
    this.targetGroups.delete(arn);
    this.tags.delete(arn);
  }

  /** Deregistration delay of a target group in AWS milliseconds. */
  deregistrationDelayMs(tg: TargetGroup): number {
    return Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? '300') * 1000;
  }

  registerTargets(arn: string, targets: { id: string; port?: number; availabilityZone?: string }[]): void {
    const tg = this.getTargetGroup(arn);
    if (tg.targetType === 'lambda') {
      // A Lambda target is the function's ARN, without a port; the load balancer invokes it directly
      // (ELB User Guide, "Lambda functions as targets").
      for (const t of targets) {
        if (!LAMBDA_ARN.test(t.id))
          throw new ServiceError(
            'InvalidTarget',
            `The following targets are not valid Lambda functions: '${t.id}'`,
          );
        if (!tg.lambdaTargets.includes(t.id)) tg.lambdaTargets.push(t.id);
      }
      return;
    }
    for (const t of targets) {
      if (tg.targetType === 'instance' && !t.id.startsWith('i-'))
        throw new ServiceError('InvalidTarget', `The following targets are not valid instances: '${t.id}'`);
      if (tg.targetType === 'ip' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(t.id))
        throw new ServiceError('InvalidTarget', `The IP address '${t.id}' is not a valid IPv4 address`);
    }
    for (const t of targets) {
      const port = t.port ?? tg.port;
      if (port === undefined) throw validation('A port must be specified');
      const tracked: TrackedTarget = {
        id: t.id,
        port,
        address: targetAddress(t.id),
        ...(t.availabilityZone === undefined ? {} : { availabilityZone: t.availabilityZone }),
      };
      tg.tracker.register(tracked);
    }
  }

  /** Starts draining targets; `onDrained` runs per target once its deregistration delay is over. */
  deregisterTargets(arn: string, targets: { id: string; port?: number }[], onDrained?: () => void): void {
    const tg = this.getTargetGroup(arn);
    if (tg.targetType === 'lambda') {
      tg.lambdaTargets = tg.lambdaTargets.filter((id) => !targets.some((t) => t.id === id));
      return;
    }
    for (const t of targets) {
      const port = t.port ?? tg.port ?? 0;
      const drained = tg.tracker.deregister(t.id, port, this.deregistrationDelayMs(tg), onDrained);
      if (!drained && !tg.tracker.has(t.id, port) && t.port === undefined && tg.port === undefined) {
        throw new ServiceError('InvalidTarget', `The target '${t.id}' is not registered`);
      }
    }
  }

  /** Health of each target: all registered ones, or the ones asked for. */
  describeTargetHealth(
    arn: string,
    targets: { id: string; port?: number }[],
  ): { target: { id: string; port: number; availabilityZone?: string }; health: TargetHealthView }[] {
    const tg = this.getTargetGroup(arn);
    if (tg.targetType === 'lambda') {
      // Health checks of a Lambda target group are off unless enabled: AWS reports the function
      // `unavailable` with `Target.HealthCheckDisabled`.
      const asked = targets.length > 0 ? targets.map((t) => t.id) : tg.lambdaTargets;
      return asked.map((id) => ({
        target: { id, port: 0 },
        health: tg.lambdaTargets.includes(id)
          ? {
              state: 'unavailable',
              reason: 'Target.HealthCheckDisabled',
              description: 'Health checks are disabled',
            }
          : {
              state: 'unused',
              reason: TARGET_REASONS.notRegistered[0],
              description: TARGET_REASONS.notRegistered[1],
            },
      }));
    }
    const asked = targets.length > 0 ? targets : tg.tracker.list();
    return asked.map((t) => {
      const port = t.port ?? tg.port ?? 0;
      const health = tg.tracker.health(t.id, port);
      const known = tg.tracker.list().find((k) => k.id === t.id && k.port === port);
      return {
        target: {
          id: t.id,
          port,
          ...(known?.availabilityZone === undefined ? {} : { availabilityZone: known.availabilityZone }),
        },
        health: health ?? {
          state: 'unused',
          reason: TARGET_REASONS.notRegistered[0],
          description: TARGET_REASONS.notRegistered[1],
        },
      };
    });
  }

  // ---------- listeners and rules

  private checkActions(actions: Action[], loadBalancerArn: string): void {
    if (actions.length === 0) throw validation('A default action must be specified');
    for (const action of actions) {
      if (action.type === 'forward') {
        const arns = actionTargetGroups(action);
        if (arns.length === 0) throw validation('A target group ARN must be specified for a forward action');
        for (const tgArn of arns) {
          this.getTargetGroup(tgArn);
          const others = this.loadBalancerArnsOf(tgArn).filter((a) => a !== loadBalancerArn);
          if (others.length > 0)
            throw new ServiceError(
              'TargetGroupAssociationLimit',
              `The following target groups cannot be associated with more than one load balancer: ${tgArn}`,
            );
        }
      } else if (action.type === 'fixed-response') {
        if (!action.fixedResponse?.statusCode)
          throw validation('A fixed response status code must be specified');
      } else {
        throw validation(`Action type '${action.type}' is not supported by the local cloud`);
      }
    }
  }

  createListener(input: {
    loadBalancerArn: string;
    port: number;
    protocol: string;
    defaultActions: Action[];
  }): Listener {
    const lb = this.getLoadBalancer(input.loadBalancerArn);
    if (lb.deleting) throw ELBV2_NOT_FOUND.loadBalancer();
    checkRange(input.port, 'port', 1, 65535);
    if (!['HTTP', 'HTTPS'].includes(input.protocol))
      throw validation(`Listener protocol '${input.protocol}' must be one of 'HTTPS, HTTP'`);
    const existing = [...this.listeners.values()].find(
      (l) => l.loadBalancerArn === lb.arn && l.port === input.port,
    );
    if (existing) {
      if (
        existing.protocol === input.protocol &&
        JSON.stringify(existing.defaultActions) === JSON.stringify(input.defaultActions)
      )
        return existing;
      throw new ServiceError(
        'DuplicateListener',
        `A listener already exists on this port for this load balancer '${lb.arn}'`,
      );
    }
    this.checkActions(input.defaultActions, lb.arn);
    const arn = `${lb.arn.replace(':loadbalancer/', ':listener/')}/${hex(16)}`;
    const listener: Listener = {
      arn,
      loadBalancerArn: lb.arn,
      port: input.port,
      protocol: input.protocol,
      defaultActions: input.defaultActions,
      rules: [],
      defaultRuleArn: `${arn.replace(':listener/', ':listener-rule/')}/${hex(16)}`,
      proxy: undefined as unknown as AlbListenerProxy,
      ready: Promise.resolve(0),
    };
    listener.proxy = new AlbListenerProxy(
      (host, path) => this.route(listener, host, path),
      (source) => this.admitsClient(listener, source),
      (functionArn, event) => {
        const invoke = this.cloud.lambdaInvoker;
        if (invoke === undefined)
          return Promise.reject(new Error('no Lambda service is attached to this cloud'));
        return invoke(functionArn, event);
      },
      (targetGroupArn) => this.countRequest(lb.arn, targetGroupArn),
    );
    listener.ready = listener.proxy.start(0);
    listener.ready.catch(() => undefined);
    this.listeners.set(arn, listener);
    this.routingChanged();
    this.tags.set(arn, {});
    return listener;
  }

  getListener(arn: string): Listener {
    const l = this.listeners.get(arn);
    if (!l) throw ELBV2_NOT_FOUND.listener();
    return l;
  }

  describeListeners(loadBalancerArn: string | undefined, arns: string[]): Listener[] {
    if (arns.length > 0) return arns.map((a) => this.getListener(a));
    if (loadBalancerArn) {
      this.getLoadBalancer(loadBalancerArn);
      return [...this.listeners.values()].filter((l) => l.loadBalancerArn === loadBalancerArn);
    }
    throw validation('You must specify either listener ARNs or a load balancer ARN');
  }

  modifyListener(
    arn: string,
    input: { port?: number; protocol?: string; defaultActions?: Action[] },
  ): Listener {
    const listener = this.getListener(arn);
    if (input.port !== undefined && input.port !== listener.port) {
      const clash = [...this.listeners.values()].some(
        (l) => l.loadBalancerArn === listener.loadBalancerArn && l.port === input.port,
      );
      if (clash)
        throw new ServiceError(
          'DuplicateListener',
          `A listener already exists on this port for this load balancer '${listener.loadBalancerArn}'`,
        );
      listener.port = input.port;
    }
    if (input.protocol) listener.protocol = input.protocol;
    if (input.defaultActions && input.defaultActions.length > 0) {
      this.checkActions(input.defaultActions, listener.loadBalancerArn);
      listener.defaultActions = input.defaultActions;
      this.routingChanged();
    }
    return listener;
  }

  private removeListener(listener: Listener): void {
    this.listeners.delete(listener.arn);
    this.routingChanged();
    this.tags.delete(listener.arn);
    for (const r of listener.rules) this.tags.delete(r.arn);
    void listener.proxy.close();
  }

  deleteListener(arn: string): void {
    this.removeListener(this.getListener(arn));
  }

  createRule(input: {
    listenerArn: string;
    priority: number;
    conditions: Condition[];
    actions: Action[];
    tags?: Tags;
  }): Rule {
    const listener = this.getListener(input.listenerArn);
    checkRange(input.priority, 'priority', 1, 50000);
    if (input.conditions.length === 0) throw validation('A condition must be specified');
    for (const c of input.conditions) {
      if (
        ![
          'host-header',
          'path-pattern',
          'http-request-method',
          'source-ip',
          'http-header',
          'query-string',
        ].includes(c.field)
      )
        throw validation(
          `Condition field '${c.field}' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'`,
        );
      if (c.values.length === 0) throw validation(`A value must be specified for condition '${c.field}'`);
    }
    // AWS answers a taken priority with PriorityInUse, HTTP 400, "Priority '<n>' is currently in use"
    // (ELBv2 API Reference, CreateRule / SetRulePriorities errors; hashicorp/terraform#24239 quotes the message).
    if (listener.rules.some((r) => r.priority === input.priority))
      throw new ServiceError('PriorityInUse', `Priority '${input.priority}' is currently in use`);
    this.checkActions(input.actions, listener.loadBalancerArn);
    const rule: Rule = {
      arn: `${listener.arn.replace(':listener/', ':listener-rule/')}/${hex(16)}`,
      listenerArn: listener.arn,
      priority: input.priority,
      conditions: input.conditions,
      actions: input.actions,
    };
    listener.rules.push(rule);
    this.routingChanged();
    listener.rules.sort((a, b) => (a.priority as number) - (b.priority as number));
    this.tags.set(rule.arn, { ...(input.tags ?? {}) });
    return rule;
  }

  private findRule(arn: string): { listener: Listener; rule: Rule } {
    for (const listener of this.listeners.values()) {
      if (listener.defaultRuleArn === arn) return { listener, rule: this.defaultRule(listener) };
      const rule = listener.rules.find((r) => r.arn === arn);
      if (rule) return { listener, rule };
    }
    throw ELBV2_NOT_FOUND.rule();
  }

  defaultRule(listener: Listener): Rule {
    return {
      arn: listener.defaultRuleArn,
      listenerArn: listener.arn,
      priority: 'default',
      conditions: [],
      actions: listener.defaultActions,
    };
  }

  describeRules(listenerArn: string | undefined, ruleArns: string[]): Rule[] {
    if (ruleArns.length > 0) return ruleArns.map((a) => this.findRule(a).rule);
    if (!listenerArn) throw validation('You must specify either listener rule ARNs or a listener ARN');
    const listener = this.getListener(listenerArn);
    return [...listener.rules, this.defaultRule(listener)];
  }

  modifyRule(arn: string, input: { conditions?: Condition[]; actions?: Action[] }): Rule {
    const { listener, rule } = this.findRule(arn);
    if (input.actions && input.actions.length > 0) {
      this.checkActions(input.actions, listener.loadBalancerArn);
      if (rule.priority === 'default') listener.defaultActions = input.actions;
      else rule.actions = input.actions;
      this.routingChanged();
    }
    if (input.conditions && input.conditions.length > 0) {
      if (rule.priority === 'default')
        throw new ServiceError('OperationNotPermitted', 'Conditions cannot be set on a default rule');
      rule.conditions = input.conditions;
    }
    return rule.priority === 'default' ? this.defaultRule(listener) : rule;
  }

  deleteRule(arn: string): void {
    const { listener, rule } = this.findRule(arn);
    if (rule.priority === 'default')
      throw new ServiceError('OperationNotPermitted', 'Default rules cannot be deleted');
    listener.rules = listener.rules.filter((r) => r !== rule);
    this.routingChanged();
    this.tags.delete(arn);
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

  // ---------- data plane

  /** Picks the listener action for a request (rules by priority, then the default) and its healthy targets. */
  /** Does the load balancer's security groups' ingress admit `source` on the listener's port? */
  admitsClient(listener: Listener, source: string): boolean {
    const lb = this.loadBalancers.get(listener.loadBalancerArn);
    if (!lb) return false;
    return ec2Backend(this.cloud, this.accountId, this.region).ingressAllows(
      lb.securityGroups,
      listener.port,
      { address: source },
    );
  }

  /**
   * Local stand-ins of `ip` targets, keyed `<id>:<port>`. In a VPC an `awsvpc` task is the `ip` target
   * `<its interface's private IP>:<container port>`; locally it listens on `127.0.0.1:<host port>`, so the
   * ECS scheduler records which network interface (by owner: the task ARN) and which container port stand
   * behind each local endpoint it registers, and {@link reachesTarget} applies that interface's groups.
   */
  readonly localIpEndpoints = new Map<string, { readonly interfaceOwner: string; readonly port: number }>();

  /**
   * Can the target group's load balancers reach a target on `port`? The target's security groups — an
   * instance's, or for an `ip` target of an `awsvpc` task its network interface's (the service's
   * `awsvpcConfiguration.securityGroups`), on the container port — must admit one of the load balancer's
   * groups (or an address of its interfaces); otherwise health checks time out (Target.Timeout), as in a
   * VPC (ELB User Guide, "Security groups for your Application Load Balancer"; ECS Developer Guide,
   * awsvpc network mode: the task's interface carries the service's security groups). An `ip` target no
   * local task stands behind has no groups to apply.
   */
  reachesTarget(targetGroupArn: string, targetId: string, port: number): boolean {
    const ec2 = ec2Backend(this.cloud, this.accountId, this.region);
    let groupIds: readonly string[];
    let checkedPort = port;
    if (targetId.startsWith('i-')) {
      const instance = ec2.instances.get(targetId);
      if (!instance) return true; // not an instance of this EC2 (RegisterTargets does not check): no groups to apply
      groupIds = instance.securityGroupIds;
    } else {
      const endpoint = this.localIpEndpoints.get(`${targetId}:${port}`);
      const eni = endpoint ? ec2.networkInterfaces.ownedBy(endpoint.interfaceOwner)[0] : undefined;
      if (!endpoint || !eni) return true;
      groupIds = eni.groupIds;
      checkedPort = endpoint.port;
    }
    return this.loadBalancerArnsOf(targetGroupArn).some((lbArn) => {
      const lb = this.loadBalancers.get(lbArn);
      if (!lb) return false;
      const addresses = ec2.networkInterfaces.ownedBy(lbArn).map((eni) => eni.privateIpAddress);
      return [undefined, ...addresses].some((address) =>
        ec2.ingressAllows(groupIds, checkedPort, {
          groupIds: lb.securityGroups,
          ...(address === undefined ? {} : { address }),
        }),
      );
    });
  }

  /**
   * Publishes one request to CloudWatch as the load balancer's `RequestCount` (namespace `AWS/ApplicationELB`,
   * value 1, unit Count), under the dimensions ELB publishes it with: `LoadBalancer` (the ARN suffix
   * `app/<name>/<id>`) and `TargetGroup` + `LoadBalancer` (`targetgroup/<name>/<id>`) — ELB User Guide,
   * "CloudWatch metrics for your Application Load Balancer" (the AvailabilityZone dimensions are not modeled).
   * A forward to several weighted groups counts only for the load balancer.
   */
  countRequest(loadBalancerArn: string, targetGroupArns: string): void {
    const loadBalancer = /:loadbalancer\/(.+)$/.exec(loadBalancerArn)?.[1];
    if (loadBalancer === undefined) return;
    const metrics = cloudWatchBackend(this.cloud, this.accountId, this.region);
    metrics.record('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: loadBalancer }, 1, 'Count');
    const targetGroup = targetGroupArns.includes(',')
      ? undefined
      : /:(targetgroup\/.+)$/.exec(targetGroupArns)?.[1];
    if (targetGroup !== undefined) {
      metrics.record(
        'AWS/ApplicationELB',
        'RequestCount',
        { TargetGroup: targetGroup, LoadBalancer: loadBalancer },
        1,
        'Count',
      );
    }
  }

  route(listener: Listener, host: string, path: string): ProxyDecision {
    const rule = listener.rules.find((r) => r.conditions.every((c) => conditionMatches(c, host, path)));
    const actions = rule ? rule.actions : listener.defaultActions;
    const action = [...actions].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))[0];
    if (!action) return { kind: 'fixed', status: 503, contentType: 'text/plain', body: '' };
    if (action.type === 'fixed-response' && action.fixedResponse) {
      return {
        kind: 'fixed',
        status: Number(action.fixedResponse.statusCode),
        contentType: action.fixedResponse.contentType ?? 'text/plain',
        body: action.fixedResponse.messageBody ?? '',
      };
    }
    const tgArns = routedTargetGroups(action);
    const lambdaGroup = tgArns.length === 1 ? this.targetGroups.get(tgArns[0] as string) : undefined;
    if (lambdaGroup?.targetType === 'lambda') {
      const functionArn = lambdaGroup.lambdaTargets[0];
      return { kind: 'lambda', targetGroupArn: lambdaGroup.arn, ...(functionArn ? { functionArn } : {}) };
    }
    const targets = tgArns.flatMap((a) => this.targetGroups.get(a)?.tracker.healthyTargets() ?? []);
    return { kind: 'forward', targetGroupArn: tgArns.join(','), targets };
  }

  /** The front-door listener of an ALB: port 80 if there is one, else the lowest port. */
  frontDoorListener(dnsName: string): Listener | undefined {
    const lb = [...this.loadBalancers.values()].find((l) => l.dnsName === dnsName && !l.deleting);
    if (!lb) return undefined;
    const listeners = [...this.listeners.values()]
      .filter((l) => l.loadBalancerArn === lb.arn)
      .sort((a, b) => (a.port === 80 ? -1 : b.port === 80 ? 1 : a.port - b.port));
    return listeners[0];
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

/** A Lambda function ARN (optionally qualified by a version or alias), as RegisterTargets accepts it. */
const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;

/**
 * Target groups an action sends requests to: a weighted forward skips its weight-0 groups (they stay
 * associated with the load balancer but get no traffic: ELB User Guide, "Listener rules", weighted target
 * groups).
 */
function routedTargetGroups(action: Action): string[] {
  if (action.type !== 'forward') return [];
  if (action.targetGroupArn) return [action.targetGroupArn];
  return (action.forwardTargetGroups ?? []).filter((t) => t.weight > 0).map((t) => t.targetGroupArn);
}

/** Target group ARNs an action forwards to (weight 0 included: they stay associated with the load balancer). */
function actionTargetGroups(action: Action): string[] {
  if (action.type !== 'forward') return [];
  if (action.targetGroupArn) return [action.targetGroupArn];
  return (action.forwardTargetGroups ?? []).map((t) => t.targetGroupArn);
}

function conditionMatches(condition: Condition, host: string, path: string): boolean {
  if (condition.field === 'host-header') return condition.values.some((v) => globMatch(v, host));
  if (condition.field === 'path-pattern') return condition.values.some((v) => globMatch(v, path, true));
  return false;
}
