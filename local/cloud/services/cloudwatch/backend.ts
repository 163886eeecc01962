import type { Cloud } from '../../core/cloud.ts';

/**
 * CloudWatch metrics of one account and region: the datapoints the local cloud's own services publish (the
 * ALBs' `AWS/ApplicationELB` `RequestCount`), kept per second and aggregated per period on read.
 *
 * What it models (docs/aws-behaviours.md):
 * - a metric exists only once something was published to it; a period without any datum has no datapoint (an
 *   ALB reports a metric only when requests flow: ELB User Guide, "CloudWatch metrics for your Application Load
 *   Balancer");
 * - a datum is not readable at once: ELB sends its metrics in 60-second intervals, so a request shows up in
 *   `GetMetricData` up to a minute later (`metricPublication`, scaled by the time profile);
 * - one-minute datapoints are kept 15 days (CloudWatch User Guide, "Metrics concepts › Metrics retention");
 *   older seconds are dropped.
 */

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** Per-second aggregate of the data published in that second. */
interface Stats {
  sum: number;
  count: number;
  min: number;
  max: number;
}

interface Series {
  readonly namespace: string;
  readonly metricName: string;
  /** Sorted by name. */
  readonly dimensions: readonly Dimension[];
  readonly unit: string;
  /** Epoch second → aggregate. */
  readonly seconds: Map<number, Stats>;
}

export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type Statistic = (typeof STATISTICS)[number];

export interface MetricSelector {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
}

export interface PeriodDatapoint {
  /** Period start. */
  readonly timestamp: Date;
  readonly stats: Readonly<Stats>;
  readonly unit: string;
}

/** 15 days: how long one-minute datapoints are kept. */
const RETENTION_MS = 15 * 86_400_000;

const sortDimensions = (dimensions: readonly Dimension[]): Dimension[] =>
  [...dimensions].sort((a, b) => a.Name.localeCompare(b.Name) || a.Value.localeCompare(b.Value));

const seriesKey = (namespace: string, metricName: string, dimensions: readonly Dimension[]): string =>
  JSON.stringify([namespace, metricName, sortDimensions(dimensions).map((d) => [d.Name, d.Value])]);

/** The value of one statistic of an aggregate. */
export function statisticOf(stats: Readonly<Stats>, statistic: Statistic): number {
  switch (statistic) {
    case 'SampleCount':
      return stats.count;
    case 'Sum':
      return stats.sum;
    case 'Average':
      return stats.count === 0 ? 0 : stats.sum / stats.count;
    case 'Minimum':
      return stats.min;
    case 'Maximum':
      return stats.max;
  }
}

export class CloudWatchBackend {
  readonly #series = new Map<string, Series>();

  constructor(
    private readonly cloud: Cloud,
    readonly accountId: string,
    readonly region: string,
  ) {}

  /** Publishes one datum (what a service's data plane does; there is no PutMetricData here). */
  record(
    namespace: string,
    metricName: string,
    dimensions: Readonly<Record<string, string>>,
    value: number,
    unit = 'None',
  ): void {
    const dims = sortDimensions(Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })));
    const key = seriesKey(namespace, metricName, dims);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { namespace, metricName, dimensions: dims, unit, seconds: new Map() };
      this.#series.set(key, series);
    }
    const now = this.cloud.clock.now().getTime();
    const second = Math.floor(now / 1000);
    const stats = series.seconds.get(second);
    if (stats === undefined) series.seconds.set(second, { sum: value, count: 1, min: value, max: value });
    else {
      stats.sum += value;
      stats.count += 1;
      stats.min = Math.min(stats.min, value);
      stats.max = Math.max(stats.max, value);
    }
    this.#expire(series, now);
  }

  #expire(series: Series, now: number): void {
    const oldest = Math.floor((now - RETENTION_MS) / 1000);
    for (const second of series.seconds.keys()) {
      if (second >= oldest) break; // inserted in time order
      series.seconds.delete(second);
    }
  }

  /** Readable data (published, and past the publication delay) of the metric, per period from `start`. */
  datapoints(selector: MetricSelector, start: Date, end: Date, periodSeconds: number): PeriodDatapoint[] {
    const series = this.#series.get(seriesKey(selector.namespace, selector.metricName, selector.dimensions));
    if (series === undefined) return [];
    const now = this.cloud.clock.now().getTime();
    const readableBefore = now - this.cloud.clock.delay('metricPublication');
    const from = start.getTime();
    const to = end.getTime();
    const periods = new Map<number, Stats>();
    for (const [second, stats] of series.seconds) {
      const at = second * 1000;
      if (at < from || at >= to || at > readableBefore) continue;
      const periodStart = from + Math.floor((at - from) / (periodSeconds * 1000)) * periodSeconds * 1000;
      const agg = periods.get(periodStart);
      if (agg === undefined) periods.set(periodStart, { ...stats });
      else {
        agg.sum += stats.sum;
        agg.count += stats.count;
        agg.min = Math.min(agg.min, stats.min);
        agg.max = Math.max(agg.max, stats.max);
      }
    }
    return [...periods.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, stats]) => ({ timestamp: new Date(t), stats, unit: series.unit }));
  }

  /** Metrics with data, filtered like ListMetrics (a dimension filter without a value matches any value). */
  list(filter: {
    namespace?: string;
    metricName?: string;
    dimensions?: readonly { Name: string; Value?: string }[];
  }): MetricSelector[] {
    return [...this.#series.values()]
      .filter((s) => s.seconds.size > 0)
      .filter((s) => filter.namespace === undefined || s.namespace === filter.namespace)
      .filter((s) => filter.metricName === undefined || s.metricName === filter.metricName)
      .filter((s) =>
        (filter.dimensions ?? []).every((f) =>
          s.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)),
        ),
      )
      .map((s) => ({ namespace: s.namespace, metricName: s.metricName, dimensions: s.dimensions }));
  }

  /** `/_berth/state` section: each metric with its readable total. */
  dump(): unknown {
    return [...this.#series.values()].map((s) => ({
      namespace: s.namespace,
      metricName: s.metricName,
      dimensions: Object.fromEntries(s.dimensions.map((d) => [d.Name, d.Value])),
      seconds: s.seconds.size,
      sum: [...s.seconds.values()].reduce((n, st) => n + st.sum, 0),
    }));
  }
}

/** The CloudWatch backend of one account and region (created on first use). */
export function cloudWatchBackend(cloud: Cloud, accountId: string, region: string): CloudWatchBackend {
  return cloud.backend(
    'monitoring',
    accountId,
    region,
    () => new CloudWatchBackend(cloud, accountId, region),
  );
}
