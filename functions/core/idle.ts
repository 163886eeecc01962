import { formatDuration as formatSeconds, parseDuration } from './duration.ts';
import { ValidationError } from './errors.ts';

/**
 * Idle sleep (docs/cost.md, "Idle sleep"): an environment whose spec sets `idleAfter` is paused once its load
 * balancer has seen no request for that long. The requests are the ALB's `RequestCount` in CloudWatch (namespace
 * `AWS/ApplicationELB`, statistic Sum, one-minute periods). Elastic Load Balancing reports a metric only when
 * requests flow, so a minute without requests has no datapoint at all: no data is no request (ELB User Guide,
 * "CloudWatch metrics for your Application Load Balancer").
 */

/** The shortest `idleAfter`: ALB metrics are per minute and reach CloudWatch minutes late. */
const MIN_IDLE_AFTER_SECONDS = 15 * 60;
/** The longest `idleAfter`: one-minute datapoints are kept 15 days; a week is plenty for an ephemeral environment. */
const MAX_IDLE_AFTER_SECONDS = 7 * 86_400;
/** The metric's period (seconds): ALB metrics are published per minute. */
export const IDLE_METRIC_PERIOD_SECONDS = 60;

export const IDLE_AFTER_RULE = 'must be a duration like 30m, 2h or 1d between 15m and 7d';

/**
 * Parses `idleAfter` into seconds, within {@link MIN_IDLE_AFTER_SECONDS}–{@link MAX_IDLE_AFTER_SECONDS}.
 *
 * @throws ValidationError naming `field` when the text is not such a duration
 * @example parseIdleAfter('2h') // 7200
 */
export function parseIdleAfter(text: string, field = 'idleAfter'): number {
  let seconds: number;
  try {
    seconds = parseDuration(text, field);
  } catch {
    throw new ValidationError(field, `${IDLE_AFTER_RULE} (got ${JSON.stringify(text)})`);
  }
  if (seconds < MIN_IDLE_AFTER_SECONDS || seconds > MAX_IDLE_AFTER_SECONDS) {
    throw new ValidationError(field, `${IDLE_AFTER_RULE} (got ${JSON.stringify(text)})`);
  }
  return seconds;
}

/** True when `text` is a valid `idleAfter`. */
export function validIdleAfter(text: string): boolean {
  try {
    parseIdleAfter(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The CloudWatch metric that counts an environment's requests: a dedicated ALB's own `RequestCount`
 * (dimension `LoadBalancer`), or on the shared ALB the environment's target group's (dimensions `TargetGroup` and
 * `LoadBalancer`: the shared load balancer's count is every environment's).
 */
export interface RequestMetric {
  readonly namespace: 'AWS/ApplicationELB';
  readonly metricName: 'RequestCount';
  /** Name → value, e.g. `{ LoadBalancer: 'app/berth-demo-alb/50dc6c495c0c9188' }`. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * The ARN suffix CloudWatch names a load balancer or target group by: `app/<name>/<id>` of
 * `arn:…:loadbalancer/app/<name>/<id>` (or of a listener ARN `…:listener/app/<name>/<id>/<listener id>`),
 * `targetgroup/<name>/<id>` of a target group ARN. Undefined when the ARN is not one of those.
 *
 * @example metricDimensionOf('arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/a/1f') // 'app/a/1f'
 */
export function metricDimensionOf(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const lb = /:(?:loadbalancer|listener|listener-rule)\/(app\/[^/]+\/[^/]+)(?:\/|$)/.exec(arn)?.[1];
  if (lb !== undefined) return lb;
  return /:(targetgroup\/[^/]+\/[^/]+)$/.exec(arn)?.[1];
}

/** What the idle check needs of an environment's load balancing resources (`resources.loadBalancer`). */
export interface IdleLoadBalancer {
  readonly targetGroupArn?: string;
  readonly loadBalancerArn?: string;
  readonly listenerArn?: string;
  readonly ruleArn?: string;
}

/**
 * The metric that counts an environment's requests, from its recorded load-balancing resources. Shared mode
 * (a rule on the shared listener) is judged by its target group; dedicated by its load balancer.
 */
export function requestMetricOf(lb: IdleLoadBalancer | undefined): RequestMetric | undefined {
  if (lb === undefined) return undefined;
  const shared = lb.ruleArn !== undefined && lb.loadBalancerArn === undefined;
  const base = { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount' } as const;
  if (shared) {
    const loadBalancer = metricDimensionOf(lb.ruleArn ?? lb.listenerArn);
    const targetGroup = metricDimensionOf(lb.targetGroupArn);
    if (loadBalancer === undefined || targetGroup === undefined) return undefined;
    return { ...base, dimensions: { TargetGroup: targetGroup, LoadBalancer: loadBalancer } };
  }
  const loadBalancer = metricDimensionOf(lb.loadBalancerArn ?? lb.listenerArn);
  return loadBalancer === undefined ? undefined : { ...base, dimensions: { LoadBalancer: loadBalancer } };
}

/** What the idle check needs of a registry record. */
export interface IdleRecord {
  readonly name: string;
  readonly status: string;
  /** The spec's `idleAfter` (absent: never idle-paused). */
  readonly idleAfter?: string;
  /** The record's last change (ISO): the operation that made it ready, an extension… */
  readonly updatedAt: string;
  /** An operation is running on it. */
  readonly busy?: boolean;
  readonly loadBalancer?: IdleLoadBalancer;
}

/** An environment the check asks CloudWatch about, with the window its requests are counted over. */
export interface IdleCandidate {
  readonly env: string;
  readonly idleAfterSeconds: number;
  readonly metric: RequestMetric;
  /** ISO start of the window (now − idleAfter). */
  readonly windowStart: string;
  readonly windowEnd: string;
}

export type IdleSelection =
  | { readonly kind: 'check'; readonly candidate: IdleCandidate }
  | { readonly kind: 'skip'; readonly env: string; readonly reason: string };

/**
 * Which environments the idle check asks CloudWatch about: a ready environment, with a valid `idleAfter`, no
 * operation running, and ready (its record unchanged) for at least `idleAfter` — a just created, resumed or
 * woken environment is never paused before it had that long to receive requests. Environments without
 * `idleAfter` are left out entirely (not even reported).
 *
 * @example selectIdleCandidate({ name: 'demo', status: 'ready', idleAfter: '2h', updatedAt: '…', loadBalancer: { loadBalancerArn } }, now)
 * // { kind: 'check', candidate: { env: 'demo', idleAfterSeconds: 7200, metric: …, windowStart: …, windowEnd: … } }
 */
export function selectIdleCandidate(record: IdleRecord, now: Date): IdleSelection | undefined {
  if (record.idleAfter === undefined) return undefined;
  const env = record.name;
  let seconds: number;
  try {
    seconds = parseIdleAfter(record.idleAfter);
  } catch (error) {
    return { kind: 'skip', env, reason: (error as ValidationError).message };
  }
  if (record.status !== 'ready')
    return { kind: 'skip', env, reason: `status is ${record.status}, not ready` };
  if (record.busy === true) return { kind: 'skip', env, reason: 'an operation is running' };
  const since = Date.parse(record.updatedAt);
  const readyFor = Number.isFinite(since) ? Math.floor((now.getTime() - since) / 1000) : 0;
  if (readyFor < seconds) {
    return {
      kind: 'skip',
      env,
      reason: `ready for ${formatSeconds(Math.max(0, readyFor))}, less than idleAfter ${record.idleAfter}`,
    };
  }
  const metric = requestMetricOf(record.loadBalancer);
  if (metric === undefined) {
    return { kind: 'skip', env, reason: 'no recorded load balancer or target group to count requests of' };
  }
  return {
    kind: 'check',
    candidate: {
      env,
      idleAfterSeconds: seconds,
      metric,
      windowStart: new Date(now.getTime() - seconds * 1000).toISOString(),
      windowEnd: now.toISOString(),
    },
  };
}

/** The datapoints CloudWatch returned for one metric (period start times and Sums). */
export interface RequestDatapoints {
  readonly timestamps: readonly Date[];
  readonly values: readonly number[];
}

export type IdleDecision =
  | { readonly action: 'pause'; readonly env: string; readonly reason: string }
  | { readonly action: 'keep'; readonly env: string; readonly reason: string; readonly requests: number };

/**
 * Decides from the datapoints: requests in any minute that overlaps the window keep the environment running;
 * none (no datapoint, or only zeros) pauses it. A minute overlaps when it ends after the window starts.
 *
 * @example decideIdle(candidate, { timestamps: [], values: [] })
 * // { action: 'pause', env: 'demo', reason: 'no request through its load balancer for 2h (idleAfter 2h)' }
 */
export function decideIdle(candidate: IdleCandidate, data: RequestDatapoints): IdleDecision {
  const start = Date.parse(candidate.windowStart) - IDLE_METRIC_PERIOD_SECONDS * 1000;
  let requests = 0;
  let last: number | undefined;
  data.timestamps.forEach((at, i) => {
    const value = data.values[i] ?? 0;
    const t = at.getTime();
    if (t > start && value > 0) {
      requests += value;
      last = last === undefined ? t : Math.max(last, t);
    }
  });
  const window = formatSeconds(candidate.idleAfterSeconds);
  const via =
    candidate.metric.dimensions['TargetGroup'] === undefined ? 'its load balancer' : 'its target group';
  if (requests > 0) {
    return {
      action: 'keep',
      env: candidate.env,
      requests,
      reason: `${requests} request(s) through ${via} in the last ${window} (last in the minute of ${new Date(last ?? 0).toISOString()})`,
    };
  }
  return {
    action: 'pause',
    env: candidate.env,
    reason: `no request through ${via} for ${window} (idleAfter ${window})`,
  };
}
