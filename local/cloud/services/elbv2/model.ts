import { ServiceError } from '../../core/service-error.ts';
import type { AlbListenerProxy } from '../../dataplane/alb-proxy.ts';
import type { HealthCheckSettings, TargetHealthTracker } from '../../dataplane/health-checker.ts';

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

export const ELBV2_NOT_FOUND = {
  loadBalancer: () => new ServiceError('LoadBalancerNotFound', 'One or more load balancers not found'),
  targetGroup: () => new ServiceError('TargetGroupNotFound', 'One or more target groups not found'),
  listener: () => new ServiceError('ListenerNotFound', 'One or more listeners not found'),
  rule: () => new ServiceError('RuleNotFound', 'One or more rules not found'),
};

/** A `ValidationError` (HTTP 400) with this message. */
export const validation = (message: string): ServiceError => new ServiceError('ValidationError', message);

/** `ValidationError` when a given value lies outside [min, max]. */
export function checkRange(value: number | undefined, field: string, min: number, max: number): void {
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
export function globMatch(pattern: string, value: string, caseSensitive = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    caseSensitive ? '' : 'i',
  );
  return re.test(value);
}

/**
 * Target groups an action sends requests to: a weighted forward skips its weight-0 groups (they stay
 * associated with the load balancer but get no traffic: ELB User Guide, "Listener rules", weighted target
 * groups).
 */
export function routedTargetGroups(action: Action): string[] {
  if (action.type !== 'forward') return [];
  if (action.targetGroupArn) return [action.targetGroupArn];
  return (action.forwardTargetGroups ?? []).filter((t) => t.weight > 0).map((t) => t.targetGroupArn);
}

/** Target group ARNs an action forwards to (weight 0 included: they stay associated with the load balancer). */
export function actionTargetGroups(action: Action): string[] {
  if (action.type !== 'forward') return [];
  if (action.targetGroupArn) return [action.targetGroupArn];
  return (action.forwardTargetGroups ?? []).map((t) => t.targetGroupArn);
}
