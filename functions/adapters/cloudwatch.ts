import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { RequestDatapoints, RequestMetric } from '../core/idle.ts';
import { IDLE_METRIC_PERIOD_SECONDS } from '../core/idle.ts';
import { mapAwsError } from './map-aws-error.ts';

/** One metric asked for, under a query id of CloudWatch's form (`^[a-z][a-zA-Z0-9_]*$`). */
export interface RequestCountQuery {
  readonly id: string;
  readonly metric: RequestMetric;
}

/** GetMetricData takes at most 500 queries per call (CloudWatch API Reference). */
const MAX_QUERIES_PER_CALL = 500;

/** CloudWatch metrics for Berth: the load balancers' `RequestCount` (idle sleep). */
export class AwsCloudWatchAdapter {
  constructor(private readonly client: CloudWatchClient) {}

  /**
   * The `Sum` of each metric per minute from `start` to `end` (GetMetricData, every page). A metric without
   * requests in the range has no datapoints (an empty list, never zeros).
   *
   * @example await cw.requestCounts([{ id: 'q0', metric }], start, end) // Map { 'q0' => { timestamps: [...], values: [...] } }
   */
  async requestCounts(
    queries: readonly RequestCountQuery[],
    start: Date,
    end: Date,
  ): Promise<Map<string, RequestDatapoints>> {
    const out = new Map<string, { timestamps: Date[]; values: number[] }>();
    for (const q of queries) out.set(q.id, { timestamps: [], values: [] });
    for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_CALL) {
      const batch = queries.slice(i, i + MAX_QUERIES_PER_CALL);
      const metricDataQueries: MetricDataQuery[] = batch.map((q) => ({
        Id: q.id,
        MetricStat: {
          Metric: {
            Namespace: q.metric.namespace,
            MetricName: q.metric.metricName,
            Dimensions: Object.entries(q.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: IDLE_METRIC_PERIOD_SECONDS,
          Stat: 'Sum',
        },
        ReturnData: true,
      }));
      let nextToken: string | undefined;
      do {
        const page = await this.call(() =>
          this.client.send(
            new GetMetricDataCommand({
              MetricDataQueries: metricDataQueries,
              StartTime: start,
              EndTime: end,
              ...(nextToken === undefined ? {} : { NextToken: nextToken }),
            }),
          ),
        );
        for (const result of page.MetricDataResults ?? []) {
          const series = result.Id === undefined ? undefined : out.get(result.Id);
          if (series === undefined) continue;
          (result.Timestamps ?? []).forEach((t, k) => {
            series.timestamps.push(t);
            series.values.push(result.Values?.[k] ?? 0);
          });
        }
        nextToken = page.NextToken;
      } while (nextToken !== undefined);
    }
    return out;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapAwsError(err, 'cloudwatch.GetMetricData');
    }
  }
}
