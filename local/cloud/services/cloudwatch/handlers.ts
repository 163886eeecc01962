import { ServiceError } from '../../core/service-error.ts';
import type { RequestContext, ServiceFactory } from '../../core/types.ts';
import { list } from '../../protocol/params.ts';
import {
  cloudWatchBackend,
  type Dimension,
  type MetricSelector,
  STATISTICS,
  type Statistic,
  statisticOf,
} from './backend.ts';

/**
 * CloudWatch metrics (`monitoring`): the reads an idle check needs — `GetMetricData`, `GetMetricStatistics` and
 * `ListMetrics` — over the metrics the local cloud publishes itself (the ALBs' `AWS/ApplicationELB` `RequestCount`).
 *
 * Wire protocol: the AWS SDK for JavaScript v3 (3.11xx) speaks JSON 1.0 to CloudWatch
 * (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`, `x-amzn-query-mode: true`), the service being
 * "awsQueryCompatible": an error names its shape in `__type` and its Query error code in the
 * `x-amzn-query-error: <Code>;Sender` header (the codes below, from the service model). Timestamps are epoch
 * seconds.
 *
 * Not modeled: PutMetricData, alarms, dashboards, metric math and Metrics Insights (`Expression`), percentiles.
 */

/** Query error code of each error shape (the model's `awsQueryError` trait). */
const CLOUDWATCH_QUERY_ERROR_CODES: Readonly<Record<string, string>> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  MissingRequiredParameterException: 'MissingParameter',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  InvalidNextToken: 'InvalidNextToken',
  InternalServiceFault: 'InternalServiceError',
  ValidationException: 'ValidationError',
};

/** The most queries one GetMetricData takes, and its default datapoint budget (CloudWatch API Reference). */
const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
/** GetMetricStatistics answers at most this many datapoints. */
const MAX_STATISTICS_DATAPOINTS = 1440;
const HIGH_RESOLUTION_PERIODS = new Set([1, 5, 10, 20, 30]);
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

const backendOf = (ctx: RequestContext) => cloudWatchBackend(ctx.cloud, ctx.accountId, ctx.region);

const missing = (name: string) =>
  new ServiceError('MissingRequiredParameterException', `The parameter ${name} is required.`);
const invalid = (message: string) => new ServiceError('InvalidParameterValueException', message);

/** A timestamp parameter: epoch seconds (the JSON protocol) or an ISO date-time. */
function timeParam(value: unknown, name: string): Date {
  if (value === undefined || value === null || value === '') throw missing(name);
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw invalid(`The parameter ${name} must be a timestamp.`);
  return new Date(ms);
}

/**
 * StartTime as CloudWatch reads it: rounded down to the minute when it is less than 15 days ago, to 5 minutes up
 * to 63 days, else to the hour (GetMetricData/GetMetricStatistics API Reference, `StartTime`).
 */
function roundStart(start: Date, now: Date): Date {
  const age = now.getTime() - start.getTime();
  const unit = age < 15 * 86_400_000 ? 60_000 : age < 63 * 86_400_000 ? 300_000 : 3_600_000;
  return new Date(Math.floor(start.getTime() / unit) * unit);
}

/** Checks start < end the way each API words it. */
function checkRange(start: Date, end: Date, code: 'ValidationException' | 'InvalidParameterValueException') {
  if (start.getTime() === end.getTime())
    throw new ServiceError(code, 'The parameter StartTime must not equal parameter EndTime.');
  if (start.getTime() > end.getTime())
    throw new ServiceError(code, 'The parameter StartTime must be less than the parameter EndTime.');
}

function periodParam(value: unknown, name: string): number {
  if (value === undefined || value === null || value === '') throw missing(name);
  const period = Number(value);
  if (
    !Number.isInteger(period) ||
    period < 1 ||
    (period % 60 !== 0 && !HIGH_RESOLUTION_PERIODS.has(period))
  ) {
    throw invalid(`The parameter ${name} must be 1, 5, 10, 20, 30, or a multiple of 60.`);
  }
  return period;
}

function dimensionsParam(value: unknown, name: string): Dimension[] {
  const dims = list<any>(value).map((d, i) => {
    if (typeof d?.Name !== 'string' || d.Name === '') throw missing(`${name}.member.${i + 1}.Name`);
    if (typeof d?.Value !== 'string' || d.Value === '') throw missing(`${name}.member.${i + 1}.Value`);
    return { Name: d.Name, Value: d.Value };
  });
  if (dims.length > 30) throw invalid(`The collection ${name} must not have a size greater than 30.`);
  return dims;
}

function statParam(value: unknown, name: string): Statistic {
  if (typeof value !== 'string' || value === '') throw missing(name);
  if (!(STATISTICS as readonly string[]).includes(value)) {
    throw invalid(
      `The parameter ${name} '${value}' is not modeled by the local cloud (it answers ${STATISTICS.join(', ')}).`,
    );
  }
  return value as Statistic;
}

interface DataQuery {
  readonly id: string;
  readonly label: string;
  readonly metric: MetricSelector;
  readonly period: number;
  readonly stat: Statistic;
  readonly returnData: boolean;
}

function dataQueries(raw: unknown): DataQuery[] {
  const queries = list<any>(raw);
  if (queries.length === 0) throw missing('MetricDataQueries');
  if (queries.length > MAX_QUERIES) {
    throw new ServiceError(
      'ValidationException',
      `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`,
    );
  }
  const seen = new Set<string>();
  return queries.map((q, i) => {
    const at = `MetricDataQueries.member.${i + 1}`;
    const id = q?.Id;
    if (typeof id !== 'string' || id === '') throw missing(`${at}.Id`);
    if (!QUERY_ID.test(id) || id.length > 255) {
      throw new ServiceError(
        'ValidationException',
        `Invalid metrics Id ${id} at ${at}.Id: it must start with a lowercase letter and hold only letters, digits and underscores.`,
      );
    }
    if (seen.has(id))
      throw new ServiceError('ValidationException', `The value ${id} for ${at}.Id is not unique.`);
    seen.add(id);
    if (q?.Expression !== undefined) {
      throw invalid(
        `${at}.Expression: the local cloud does not model metric math or Metrics Insights queries; use MetricStat.`,
      );
    }
    const stat = q?.MetricStat;
    if (stat === undefined || stat === null) throw missing(`${at}.MetricStat`);
    const metric = stat.Metric;
    if (typeof metric?.Namespace !== 'string' || metric.Namespace === '')
      throw missing(`${at}.MetricStat.Metric.Namespace`);
    if (typeof metric?.MetricName !== 'string' || metric.MetricName === '')
      throw missing(`${at}.MetricStat.Metric.MetricName`);
    return {
      id,
      label: typeof q.Label === 'string' && q.Label !== '' ? q.Label : metric.MetricName,
      metric: {
        namespace: metric.Namespace,
        metricName: metric.MetricName,
        dimensions: dimensionsParam(metric.Dimensions, `${at}.MetricStat.Metric.Dimensions`),
      },
      period: periodParam(stat.Period, `${at}.MetricStat.Period`),
      stat: statParam(stat.Stat, `${at}.MetricStat.Stat`),
      returnData: q.ReturnData !== false && q.ReturnData !== 'false',
    };
  });
}

/** NextToken: where the previous page stopped (index of the next datapoint over all results, in order). */
const encodeToken = (skip: number): string =>
  Buffer.from(JSON.stringify({ skip }), 'utf8').toString('base64');
function decodeToken(token: unknown): number {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { skip?: unknown };
    if (typeof parsed.skip === 'number' && Number.isInteger(parsed.skip) && parsed.skip >= 0)
      return parsed.skip;
  } catch {
    // fall through
  }
  throw new ServiceError('InvalidNextToken', 'The next token specified is invalid.');
}

export const cloudWatchService: ServiceFactory = (cloud) => {
  cloud.addStateDumper('cloudwatch', () => {
    const out: Record<string, unknown> = {};
    for (const key of cloud.backendKeys('monitoring')) {
      const [accountId = '', region = ''] = key.split('/');
      out[key] = cloudWatchBackend(cloud, accountId, region).dump();
    }
    return out;
  });
  return {
    signingName: 'monitoring',
    protocol: 'json',
    jsonTargetPrefix: 'GraniteServiceVersion20100801',
    jsonVersion: '1.0',
    queryErrorCodes: CLOUDWATCH_QUERY_ERROR_CODES,
    queryVersion: '2010-08-01',
    xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    actions: {
      GetMetricData(params, ctx) {
        const queries = dataQueries(params.MetricDataQueries);
        const now = ctx.cloud.clock.now();
        const start = timeParam(params.StartTime, 'StartTime');
        const end = timeParam(params.EndTime, 'EndTime');
        checkRange(start, end, 'ValidationException');
        const maxDatapoints =
          params.MaxDatapoints === undefined ? DEFAULT_MAX_DATAPOINTS : Number(params.MaxDatapoints);
        if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1)
          throw invalid('The parameter MaxDatapoints must be a positive integer.');
        const scanBy = params.ScanBy ?? 'TimestampDescending';
        if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
          throw invalid("The parameter ScanBy must be 'TimestampDescending' or 'TimestampAscending'.");
        }
        let skip = decodeToken(params.NextToken);
        const from = roundStart(start, now);
        let budget = maxDatapoints;
        let index = 0;
        let truncated = false;
        const results = queries
          .filter((q) => q.returnData)
          .map((q) => {
            const points = backendOf(ctx).datapoints(q.metric, from, end, q.period);
            if (scanBy === 'TimestampDescending') points.reverse();
            const timestamps: Date[] = [];
            const values: number[] = [];
            let partial = false;
            for (const point of points) {
              if (index++ < skip) continue;
              if (budget === 0) {
                partial = true;
                continue;
              }
              budget -= 1;
              timestamps.push(point.timestamp);
              values.push(statisticOf(point.stats, q.stat));
            }
            truncated ||= partial;
            return {
              Id: q.id,
              Label: q.label,
              Timestamps: timestamps,
              Values: values,
              StatusCode: partial ? 'PartialData' : 'Complete',
              Messages: [],
            };
          });
        skip += maxDatapoints - budget;
        return {
          MetricDataResults: results,
          Messages: [],
          ...(truncated ? { NextToken: encodeToken(skip) } : {}),
        };
      },

      GetMetricStatistics(params, ctx) {
        if (typeof params.Namespace !== 'string' || params.Namespace === '') throw missing('Namespace');
        if (typeof params.MetricName !== 'string' || params.MetricName === '') throw missing('MetricName');
        const start = timeParam(params.StartTime, 'StartTime');
        const end = timeParam(params.EndTime, 'EndTime');
        checkRange(start, end, 'InvalidParameterValueException');
        const period = periodParam(params.Period, 'Period');
        const statistics = list<string>(params.Statistics).map((s, i) =>
          statParam(s, `Statistics.member.${i + 1}`),
        );
        if (statistics.length === 0) {
          throw new ServiceError(
            'InvalidParameterCombinationException',
            'Must specify either Statistics or ExtendedStatistics, but not both.',
          );
        }
        const from = roundStart(start, ctx.cloud.clock.now());
        const requested = Math.ceil((end.getTime() - from.getTime()) / (period * 1000));
        if (requested > MAX_STATISTICS_DATAPOINTS) {
          throw new ServiceError(
            'InvalidParameterCombinationException',
            `You have requested up to ${requested.toLocaleString('en-US')} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS.toLocaleString('en-US')}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
          );
        }
        const metric: MetricSelector = {
          namespace: params.Namespace,
          metricName: params.MetricName,
          dimensions: dimensionsParam(params.Dimensions, 'Dimensions'),
        };
        return {
          Label: params.MetricName,
          Datapoints: backendOf(ctx)
            .datapoints(metric, from, end, period)
            .map((point) => ({
              Timestamp: point.timestamp,
              Unit: point.unit,
              ...Object.fromEntries(statistics.map((s) => [s, statisticOf(point.stats, s)])),
            })),
        };
      },

      ListMetrics(params, ctx) {
        const dimensions = list<any>(params.Dimensions).map((d, i) => {
          if (typeof d?.Name !== 'string' || d.Name === '') throw missing(`Dimensions.member.${i + 1}.Name`);
          return typeof d.Value === 'string' ? { Name: d.Name, Value: d.Value } : { Name: d.Name };
        });
        const metrics = backendOf(ctx).list({
          ...(typeof params.Namespace === 'string' ? { namespace: params.Namespace } : {}),
          ...(typeof params.MetricName === 'string' ? { metricName: params.MetricName } : {}),
          dimensions,
        });
        return {
          Metrics: metrics.map((m) => ({
            Namespace: m.namespace,
            MetricName: m.metricName,
            Dimensions: m.dimensions,
          })),
        };
      },
    },
  };
};
