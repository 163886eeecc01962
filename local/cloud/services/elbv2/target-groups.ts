import { hex } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import {
  type HealthCheckSettings,
  TARGET_REASONS,
  TargetHealthTracker,
  type TargetHealthView,
  type TrackedTarget,
  targetAddress,
} from '../../dataplane/health-checker.ts';
import { type CreateTargetGroupInput, checkRange, type TargetGroup, validation } from './model.ts';
import { type Elbv2State, getLoadBalancer, getTargetGroup } from './state.ts';
import { reachesTarget } from './traffic.ts';

/**
 * ELBv2 target groups: creation with their health-check settings (each gets a health tracker that
 * really probes its targets), modification, deletion (refused while a listener or rule uses it),
 * target registration and draining, target health.
 */

const DEFAULT_TG_ATTRIBUTES: Record<string, string> = {
  'deregistration_delay.timeout_seconds': '300',
  'stickiness.enabled': 'false',
  'stickiness.type': 'lb_cookie',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'load_balancing.algorithm.type': 'round_robin',
  'slow_start.duration_seconds': '0',
};

/** A Lambda function ARN (optionally qualified by a version or alias), as RegisterTargets accepts it. */
const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;

export function createTargetGroup(elb: Elbv2State, input: CreateTargetGroupInput): TargetGroup {
  const { name } = input;
  if (!name) throw validation('A target group name must be specified');
  if (name.length > 32) throw validation(`Target group name '${name}' cannot be longer than '32' characters`);
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
  const existing = [...elb.targetGroups.values()].find((tg) => tg.name === name);
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
  const arn = `arn:aws:elasticloadbalancing:${elb.region}:${elb.accountId}:targetgroup/${name}/${hex(16)}`;
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
    elb.cloud.clock,
    () => tg.healthCheck,
    () => elb.routing.loadBalancerArnsOf(arn).length > 0,
    () =>
      elb.routing.loadBalancerArnsOf(arn).some((lbArn) => {
        const lb = elb.loadBalancers.get(lbArn);
        return lb?.state === 'active' && !lb.deleting;
      }),
    (target, port) => reachesTarget(elb, arn, target.id, port),
  );
  tg.tracker.onChange(() => {
    elb.targetHealthChanged();
  });
  elb.targetGroups.set(arn, tg);
  elb.tags.set(arn, { ...(input.tags ?? {}) });
  return tg;
}

export function describeTargetGroups(
  elb: Elbv2State,
  input: { loadBalancerArn?: string; arns: string[]; names: string[] },
): TargetGroup[] {
  if (input.loadBalancerArn) {
    getLoadBalancer(elb, input.loadBalancerArn);
    return [...elb.targetGroups.values()].filter((tg) =>
      elb.routing.loadBalancerArnsOf(tg.arn).includes(input.loadBalancerArn as string),
    );
  }
  if (input.arns.length > 0) return input.arns.map((a) => getTargetGroup(elb, a));
  if (input.names.length > 0)
    return input.names.map((n) => {
      const tg = [...elb.targetGroups.values()].find((t) => t.name === n);
      if (!tg) throw new ServiceError('TargetGroupNotFound', `Target groups '[${n}]' not found`);
      return tg;
    });
  return [...elb.targetGroups.values()];
}

export function modifyTargetGroup(
  elb: Elbv2State,
  arn: string,
  input: Partial<CreateTargetGroupInput>,
): TargetGroup {
  const tg = getTargetGroup(elb, arn);
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

export function modifyTargetGroupAttributes(
  elb: Elbv2State,
  arn: string,
  attributes: Record<string, string>,
): Record<string, string> {
  const tg = getTargetGroup(elb, arn);
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

export function deleteTargetGroup(elb: Elbv2State, arn: string): void {
  const tg = elb.targetGroups.get(arn);
  if (!tg) return;
  if (elb.routing.loadBalancerArnsOf(arn).length > 0)
    throw new ServiceError(
      'ResourceInUse',
      `Target group '${arn}' is currently in use by a listener or a rule`,
    );
  tg.tracker.stop();
  elb.targetGroups.delete(arn);
  elb.tags.delete(arn);
}

/** Deregistration delay of a target group in AWS milliseconds. */
function deregistrationDelayMs(tg: TargetGroup): number {
  return Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? '300') * 1000;
}

export function registerTargets(
  elb: Elbv2State,
  arn: string,
  targets: { id: string; port?: number; availabilityZone?: string }[],
): void {
  const tg = getTargetGroup(elb, arn);
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
export function deregisterTargets(
  elb: Elbv2State,
  arn: string,
  targets: { id: string; port?: number }[],
  onDrained?: () => void,
): void {
  const tg = getTargetGroup(elb, arn);
  if (tg.targetType === 'lambda') {
    tg.lambdaTargets = tg.lambdaTargets.filter((id) => !targets.some((t) => t.id === id));
    return;
  }
  for (const t of targets) {
    const port = t.port ?? tg.port ?? 0;
    const drained = tg.tracker.deregister(t.id, port, deregistrationDelayMs(tg), onDrained);
    if (!drained && !tg.tracker.has(t.id, port) && t.port === undefined && tg.port === undefined) {
      throw new ServiceError('InvalidTarget', `The target '${t.id}' is not registered`);
    }
  }
}

/** Health of each target: all registered ones, or the ones asked for. */
export function describeTargetHealth(
  elb: Elbv2State,
  arn: string,
  targets: { id: string; port?: number }[],
): { target: { id: string; port: number; availabilityZone?: string }; health: TargetHealthView }[] {
  const tg = getTargetGroup(elb, arn);
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
