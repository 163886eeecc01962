import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cloudWatchBackend } from '../../../../../local/cloud/services/cloudwatch/backend.ts';
import { runAwsCliJson } from '../../helpers/aws-cli.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';

/**
 * CloudWatch through Debian's AWS CLI v2 (2.9.19), which still speaks the Query protocol to it (the SDK v3 speaks
 * JSON 1.0): the same operations answer both. The data is published as the local ALBs publish it.
 */
const T0 = Date.parse('2026-11-30T12:00:10Z');
let offset = 0;
let t: TestCloud;

/** Runs the AWS CLI against the test cloud and parses its JSON output. */
const aws = (...args: string[]): Promise<any> => runAwsCliJson(t.url, args);

beforeAll(async () => {
  t = await startTestCloud({ now: () => T0 + offset });
  const metrics = cloudWatchBackend(t.cloud, '000000000000', 'us-east-1');
  for (let i = 0; i < 3; i += 1)
    metrics.record(
      'AWS/ApplicationELB',
      'RequestCount',
      { LoadBalancer: 'app/berth-cli-alb/1f' },
      1,
      'Count',
    );
  offset = 120_000; // past the publication delay
});
afterAll(() => t?.stop());

describe('CloudWatch through the AWS CLI (Query protocol)', () => {
  test('get-metric-data answers the datapoints', async () => {
    const out = await aws(
      'cloudwatch',
      'get-metric-data',
      '--start-time',
      '2026-11-30T11:00:00Z',
      '--end-time',
      '2026-11-30T12:05:00Z',
      '--metric-data-queries',
      JSON.stringify([
        {
          Id: 'requests',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: [{ Name: 'LoadBalancer', Value: 'app/berth-cli-alb/1f' }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ]),
    );
    expect(out.MetricDataResults).toEqual([
      {
        Id: 'requests',
        Label: 'RequestCount',
        Timestamps: ['2026-11-30T12:00:00+00:00'],
        Values: [3],
        StatusCode: 'Complete',
        Messages: [],
      },
    ]);
  });

  test('get-metric-statistics and list-metrics', async () => {
    const stats = await aws(
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/ApplicationELB',
      '--metric-name',
      'RequestCount',
      '--dimensions',
      'Name=LoadBalancer,Value=app/berth-cli-alb/1f',
      '--start-time',
      '2026-11-30T11:00:00Z',
      '--end-time',
      '2026-11-30T12:05:00Z',
      '--period',
      '300',
      '--statistics',
      'Sum',
    );
    expect(stats.Datapoints).toEqual([{ Timestamp: '2026-11-30T12:00:00+00:00', Sum: 3, Unit: 'Count' }]);
    const listed = await aws('cloudwatch', 'list-metrics', '--namespace', 'AWS/ApplicationELB');
    expect(listed.Metrics).toEqual([
      {
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'RequestCount',
        Dimensions: [{ Name: 'LoadBalancer', Value: 'app/berth-cli-alb/1f' }],
      },
    ]);
  });

  test('an error carries its Query code', async () => {
    const failed = await aws(
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/ApplicationELB',
      '--metric-name',
      'RequestCount',
      '--start-time',
      '2026-11-30T11:00:00Z',
      '--end-time',
      '2026-11-30T11:00:00Z',
      '--period',
      '60',
      '--statistics',
      'Sum',
    ).catch((error: { stderr?: string }) => error.stderr ?? '');
    expect(failed).toContain(
      'An error occurred (InvalidParameterValue) when calling the GetMetricStatistics operation: The parameter StartTime must not equal parameter EndTime.',
    );
  });
});
