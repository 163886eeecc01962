import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cloudWatchClient } from '../../../functions/adapters/aws/clients.ts';
import { AwsCloudWatchAdapter, type RequestCountQuery } from '../../../functions/adapters/cloudwatch.ts';

const cw = mockClient(CloudWatchClient);
const metric = (lb: string): RequestCountQuery['metric'] => ({
  namespace: 'AWS/ApplicationELB',
  metricName: 'RequestCount',
  dimensions: { LoadBalancer: lb },
});
const START = new Date('2026-01-01T10:00:00Z');
const END = new Date('2026-01-01T12:00:00Z');

beforeEach(() => cw.reset());

describe('AwsCloudWatchAdapter.requestCounts', () => {
  it('asks Sum per minute of each metric and follows NextToken', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'env0',
            Timestamps: [new Date('2026-01-01T11:59:00Z')],
            Values: [2],
            StatusCode: 'PartialData',
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'env0', Timestamps: [new Date('2026-01-01T11:00:00Z')], Values: [1], StatusCode: 'Complete' },
          { Id: 'env1', Timestamps: [], Values: [], StatusCode: 'Complete' },
        ],
      });
    const adapter = new AwsCloudWatchAdapter(cloudWatchClient({ region: 'us-east-1' }));
    const out = await adapter.requestCounts(
      [
        { id: 'env0', metric: metric('app/a/1') },
        { id: 'env1', metric: metric('app/b/2') },
      ],
      START,
      END,
    );
    expect(out.get('env0')).toEqual({
      timestamps: [new Date('2026-01-01T11:59:00Z'), new Date('2026-01-01T11:00:00Z')],
      values: [2, 1],
    });
    expect(out.get('env1')).toEqual({ timestamps: [], values: [] });
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).toEqual({
      StartTime: START,
      EndTime: END,
      MetricDataQueries: [
        {
          Id: 'env0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: [{ Name: 'LoadBalancer', Value: 'app/a/1' }],
            },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: true,
        },
        expect.objectContaining({ Id: 'env1' }),
      ],
    });
    expect(calls[1]?.args[0].input.NextToken).toBe('page-2');
  });

  it('splits more than 500 metrics over several calls', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const adapter = new AwsCloudWatchAdapter(cloudWatchClient({ region: 'us-east-1' }));
    const queries = Array.from({ length: 501 }, (_, i) => ({ id: `env${i}`, metric: metric(`app/x/${i}`) }));
    const out = await adapter.requestCounts(queries, START, END);
    expect(out.size).toBe(501);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.MetricDataQueries?.length)).toEqual([500, 1]);
  });

  it('maps a throttled call to ThrottlingError', async () => {
    cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const adapter = new AwsCloudWatchAdapter(cloudWatchClient({ region: 'us-east-1', maxAttempts: 1 }));
    await expect(
      adapter.requestCounts([{ id: 'env0', metric: metric('app/a/1') }], START, END),
    ).rejects.toMatchObject({
      name: 'ThrottlingError',
      message: 'cloudwatch.GetMetricData: Rate exceeded',
    });
  });
});
