import {
  type CostLine,
  type CostResources,
  estimateCost,
  type OneOffCostLine,
  type PriceTable,
} from './cost.ts';
import type { EnvSpec } from './env-spec.ts';
import type { ObservedEnvironment } from './observed.ts';

/**
 * An environment's cost from what it actually runs (docs/cost.md). `verify` observes the running resources when the
 * environment is healthy ({@link usageFromObserved}); the `record` handler stores them with the time they were seen
 * and the cost accrued so far ({@link accrueUsage}); the entry points price the stored usage at read time
 * ({@link environmentCost}) with the current price table.
 */

/** What `verify` observed an environment running (without the region, which the deployment knows). */
export type ObservedUsage = Omit<CostResources, 'region' | 'stateTransitions' | 'requestsPerHour'>;

/** The registry's `usage` attribute of an environment. */
export interface RecordedUsage {
  /** What it ran from `observedAt` on (nothing once deleted; no instances or tasks while paused). */
  readonly resources: CostResources;
  /** ISO time the resources were observed (or changed by an operation's end: paused, deleted). */
  readonly observedAt: string;
  /** USD accrued before `observedAt`, from the earlier observations, priced when each period ended. */
  readonly accruedUsd: number;
  /** What ran before an operation stopped it (a teardown or a pause): what the nightly report's savings compare. */
  readonly before?: CostResources;
  /** Step Functions state transitions of the environment's finished operations so far (one-off cost). */
  readonly stateTransitions?: number;
  /** The execution whose transitions were added last (a retried record of it adds nothing). */
  readonly transitionsCountedFor?: string;
}

/**
 * The registry's `traffic` attribute of an environment: the requests through its load balancer (its target group's
 * on the shared ALB) in CloudWatch's `RequestCount`, over the window they were counted in — the last hour, or since
 * the environment was created when it is younger. The idle check refreshes it (docs/cost.md, "Load balancer
 * capacity units"); the cost prices its rate as capacity units.
 */
export interface RecordedTraffic {
  /** `requests` ÷ the window's length in hours. */
  readonly requestsPerHour: number;
  readonly requests: number;
  /** ISO start (a whole minute, as CloudWatch's one-minute periods start) and end of the window. */
  readonly windowStart: string;
  readonly windowEnd: string;
}

/** How far back the request rate is measured: the last hour (or since creation when younger). */
const TRAFFIC_WINDOW_SECONDS = 3600;
const MINUTE_MS = 60_000;

/**
 * The window an environment's request rate is measured over at `now`: the last hour, or since `createdAt` when the
 * environment is younger, its start rounded down to the minute (CloudWatch's periods start on whole minutes) and at
 * least one minute long.
 *
 * @example trafficWindow('2026-11-30T10:20:30Z', new Date('2026-11-30T10:50:10Z')) // { start: 10:20:00, end: 10:50:10 }
 */
export function trafficWindow(createdAt: string | undefined, now: Date): { start: Date; end: Date } {
  const created = createdAt === undefined ? Number.NaN : Date.parse(createdAt);
  const hourAgo = now.getTime() - TRAFFIC_WINDOW_SECONDS * 1000;
  const from = Number.isFinite(created) ? Math.max(hourAgo, created) : hourAgo;
  const start = Math.floor(Math.min(from, now.getTime() - MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
  return { start: new Date(start), end: now };
}

/**
 * The request rate over `window` from CloudWatch's per-minute `Sum`s of `RequestCount`: the datapoints of the minutes
 * that start inside the window, over the window's length. No datapoint is no request (an ALB reports only when
 * requests flow).
 *
 * @example measureTraffic({ timestamps: [t], values: [30] }, { start, end }) // { requests: 30, requestsPerHour: 1800, … } for a 1-minute window
 */
export function measureTraffic(
  data: { readonly timestamps: readonly Date[]; readonly values: readonly number[] },
  window: { readonly start: Date; readonly end: Date },
): RecordedTraffic {
  const from = window.start.getTime();
  const to = window.end.getTime();
  let requests = 0;
  data.timestamps.forEach((at, i) => {
    const t = at.getTime();
    const value = data.values[i] ?? 0;
    if (t >= from && t < to && Number.isFinite(value) && value > 0) requests += value;
  });
  const hours = Math.max(MINUTE_MS, to - from) / 3_600_000;
  return {
    requestsPerHour: Math.round((requests / hours) * 1000) / 1000,
    requests,
    windowStart: window.start.toISOString(),
    windowEnd: window.end.toISOString(),
  };
}

const isTraffic = (traffic: RecordedTraffic | undefined): traffic is RecordedTraffic =>
  traffic !== undefined &&
  traffic !== null &&
  typeof traffic === 'object' &&
  typeof traffic.requestsPerHour === 'number' &&
  Number.isFinite(traffic.requestsPerHour);

const requestRateOf = (traffic: RecordedTraffic | undefined): { requestsPerHour?: number } =>
  isTraffic(traffic) && traffic.requestsPerHour > 0 ? { requestsPerHour: traffic.requestsPerHour } : {};

/** The state transitions one finished operation's execution made (counted from its history by `record`). */
export interface OperationTransitions {
  readonly executionArn: string;
  readonly count: number;
  /** The region the environments run in: a first usage (an operation that observed nothing) is priced there. */
  readonly region: string;
}

/**
 * What the environment runs, from `verify`'s observation at a Healthy verdict: EC2 instances are the cluster's
 * registered container instances (of the launch template's type, the spec's `capacity.instanceType`), Fargate tasks
 * the service's running tasks at the task size, and the load balancer the dedicated ALB or the environment's rule on
 * the shared listener (sharing the ALB with the other rules on that listener).
 *
 * @example usageFromObserved(observed, spec) // { instances: [{ type: 't3.small', count: 1 }], loadBalancer: { mode: 'dedicated' } }
 */
export function usageFromObserved(observed: ObservedEnvironment, spec: EnvSpec): ObservedUsage {
  const fargate = spec.launchType === 'FARGATE';
  const instances =
    fargate || spec.capacity === undefined
      ? []
      : [
          {
            type: spec.capacity.instanceType,
            count: observed.cluster?.registeredContainerInstances ?? 0,
          },
        ];
  const running = observed.service?.runningCount ?? 0;
  const loadBalancer: CostResources['loadBalancer'] =
    spec.loadBalancer.mode === 'shared'
      ? observed.listenerRule === undefined
        ? undefined
        : { mode: 'shared', environments: Math.max(1, observed.listenerRule.rulesOnListener ?? 1) }
      : observed.loadBalancer === undefined
        ? undefined
        : { mode: 'dedicated' };
  return {
    instances,
    ...(fargate ? { fargateTasks: { count: running, cpuUnits: spec.cpu, memoryMiB: spec.memory } } : {}),
    ...(loadBalancer === undefined ? {} : { loadBalancer }),
  };
}

/** Statuses an operation leaves an environment in with less running (nothing, or only its load balancer). */
const USAGE_STOPPING_STATUSES: ReadonlySet<string> = new Set(['deleted', 'paused']);

const isEmpty = (resources: CostResources): boolean =>
  resources.instances.every((group) => group.count <= 0) &&
  (resources.fargateTasks?.count ?? 0) <= 0 &&
  resources.loadBalancer === undefined;

/** What an environment still runs once an operation leaves it in `status` (a pause keeps only the load balancer). */
export function usageForStatus(resources: CostResources, status: string): CostResources {
  if (status === 'deleted') return { region: resources.region, instances: [] };
  if (status === 'paused') {
    const { fargateTasks: _tasks, ...rest } = resources;
    return { ...rest, instances: [] };
  }
  return resources;
}

/**
 * The usage to store after an operation: the cost of the previous period is added to `accruedUsd` (priced now with
 * `prices`, its load balancer's capacity units at the last measured request rate `traffic`), and the new resources
 * start at `now`. Without new resources, the previous ones carry over, reduced to what `status` leaves running
 * (paused: the load balancer; deleted: nothing).
 *
 * @example accrueUsage(previous, { region: 'us-east-1', ...observed }, 'ready', SHIPPED_PRICES, now)
 */
export function accrueUsage(
  previous: RecordedUsage | undefined,
  resources: CostResources | undefined,
  status: string,
  prices: PriceTable,
  now: Date,
  transitions?: OperationTransitions,
  traffic?: RecordedTraffic,
): RecordedUsage | undefined {
  const base =
    resources ??
    previous?.resources ??
    (transitions === undefined ? undefined : { region: transitions.region, instances: [] });
  if (base === undefined) return undefined;
  const counted = transitions !== undefined && previous?.transitionsCountedFor !== transitions.executionArn;
  const stateTransitions = (previous?.stateTransitions ?? 0) + (counted ? transitions.count : 0);
  const transitionsCountedFor = counted ? transitions.executionArn : previous?.transitionsCountedFor;
  let accruedUsd = previous?.accruedUsd ?? 0;
  if (previous !== undefined) {
    const since = new Date(previous.observedAt);
    const period = estimateCost(
      { ...previous.resources, ...requestRateOf(traffic), stateTransitions: 0 },
      prices,
      Number.isNaN(since.getTime()) ? now : since,
      now,
    );
    if (period.known) accruedUsd += period.sinceCreatedUsd;
  }
  const stopped = resources === undefined && USAGE_STOPPING_STATUSES.has(status);
  return {
    resources: usageForStatus(base, status),
    observedAt: now.toISOString(),
    accruedUsd: Math.round(accruedUsd * 1e6) / 1e6,
    ...(stopped ? { before: previous?.before !== undefined && isEmpty(base) ? previous.before : base } : {}),
    ...(stateTransitions > 0 ? { stateTransitions } : {}),
    ...(transitionsCountedFor === undefined ? {} : { transitionsCountedFor }),
  };
}

/** The `cost` of an environment in the API, the CLI, Slack and the nightly report. */
export type EnvironmentCost =
  | {
      readonly hourlyUsd: number;
      /** Accrued since the first observation, plus the current hourly cost since `observedAt`. */
      readonly sinceCreatedUsd: number;
      readonly currency: 'USD';
      readonly lines: readonly CostLine[];
      /** One-off costs in `sinceCreatedUsd`: the state transitions of the environment's operations. */
      readonly oneOff: readonly OneOffCostLine[];
      /** The request rate the capacity-unit line is priced from, and the window it was measured over. */
      readonly traffic?: RecordedTraffic;
      readonly observedAt: string;
      readonly region: string;
      readonly pricesAsOf: string;
      readonly source: string;
    }
  | { readonly hourlyUsd: null; readonly sinceCreatedUsd: number | null; readonly reason: string };

/**
 * Prices an environment's recorded usage at `now`, its load balancer's capacity units at the last measured request
 * rate (`traffic`, when known); `undefined` when nothing was observed yet (an `up` that has not become healthy).
 *
 * @example environmentCost(record.usage, SHIPPED_PRICES, now, record.traffic)?.hourlyUsd // 0.046
 */
export function environmentCost(
  usage: RecordedUsage | undefined,
  prices: PriceTable,
  now: Date,
  traffic?: RecordedTraffic,
): EnvironmentCost | undefined {
  if (usage === undefined || usage === null || typeof usage !== 'object') return undefined;
  const since = new Date(usage.observedAt);
  const estimate = estimateCost(
    { ...usage.resources, ...requestRateOf(traffic), stateTransitions: usage.stateTransitions ?? 0 },
    prices,
    Number.isNaN(since.getTime()) ? now : since,
    now,
  );
  if (!estimate.known) {
    return { hourlyUsd: null, sinceCreatedUsd: round6(usage.accruedUsd), reason: estimate.reason };
  }
  return {
    hourlyUsd: estimate.hourlyUsd,
    sinceCreatedUsd: round6(usage.accruedUsd + estimate.sinceCreatedUsd),
    currency: 'USD',
    lines: estimate.lines,
    oneOff: estimate.oneOff,
    ...(isTraffic(traffic) ? { traffic } : {}),
    observedAt: usage.observedAt,
    region: estimate.region,
    pricesAsOf: estimate.pricesAsOf,
    source: estimate.source,
  };
}

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;
