import { request } from 'node:http';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { publicSubnets } from '../../helpers/dataplane-fixtures.ts';
import { expectAwsError } from '../../helpers/errors.ts';

/**
 * CloudWatch's `AWS/ApplicationELB` `RequestCount` as the local ALBs publish it: one datum per request the load
 * balancer sent to a target (ELB User Guide, "CloudWatch metrics for your Application Load Balancer": reported
 * only when requests flow; health checks excluded), under `LoadBalancer` and `TargetGroup`+`LoadBalancer`, read
 * with GetMetricData (JSON 1.0, awsQueryCompatible) after the publication delay. The cloud's clock is a test
 * clock moved forward by hand: no real minutes pass.
 */
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:berth-wake';
/** 2026-11-30T12:00:10Z: ten seconds into a minute. */
const T0 = Date.parse('2026-11-30T12:00:10Z');
let offset = 0;
const now = () => T0 + offset;
const advance = (seconds: number) => {
  offset += seconds * 1000;
};

let tc: TestCloud;
let cw: CloudWatchClient;
let dnsName: string;
let lbSuffix: string;
let wakeGroup: string;
let wakeSuffix: string;
let emptySuffix: string;

function get(path: string, host = dnsName): Promise<number> {
  const url = new URL(tc.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { host }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const requestCount = (dimensions: Record<string, string>, extra: Partial<GetMetricDataCommandInput> = {}) =>
  cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(T0 - 3_600_000),
      EndTime: new Date(now()),
      MetricDataQueries: [
        {
          Id: 'requests',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'RequestCount',
              Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
      ...extra,
    }),
  );

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant', now });
  cw = new CloudWatchClient({
    endpoint: tc.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  tc.cloud.lambdaInvoker = async () => ({ statusCode: 503, body: 'waking up', headers: {} });
  const { vpcId, subnetIds } = await publicSubnets(tc);
  const sg = await tc.clients.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'alb', Description: 'alb', VpcId: vpcId }),
  );
  advance(10); // past the new group's propagation window
  await tc.clients.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: sg.GroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
  const lb = await tc.clients.elbv2.send(
    new CreateLoadBalancerCommand({
      Name: 'berth-idle-alb',
      Subnets: subnetIds,
      SecurityGroups: [sg.GroupId ?? ''],
    }),
  );
  const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  lbSuffix = lbArn.split(':loadbalancer/')[1] ?? '';
  dnsName = lb.LoadBalancers?.[0]?.DNSName ?? '';
  const wake = await tc.clients.elbv2.send(
    new CreateTargetGroupCommand({ Name: 'berth-idle-wake', TargetType: 'lambda' }),
  );
  wakeGroup = wake.TargetGroups?.[0]?.TargetGroupArn ?? '';
  wakeSuffix = wakeGroup.split(':')[5] ?? '';
  await tc.clients.elbv2.send(
    new RegisterTargetsCommand({ TargetGroupArn: wakeGroup, Targets: [{ Id: FUNCTION_ARN }] }),
  );
  const empty = await tc.clients.elbv2.send(
    new CreateTargetGroupCommand({ Name: 'berth-idle-tg', Protocol: 'HTTP', Port: 80, VpcId: vpcId }),
  );
  const emptyGroup = empty.TargetGroups?.[0]?.TargetGroupArn ?? '';
  emptySuffix = emptyGroup.split(':')[5] ?? '';
  const listener = await tc.clients.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: wakeGroup }],
    }),
  );
  const listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
  await tc.clients.elbv2.send(
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: 1,
      Conditions: [{ Field: 'path-pattern', Values: ['/empty*'] }],
      Actions: [{ Type: 'forward', TargetGroupArn: emptyGroup }],
    }),
  );
  await tc.clients.elbv2.send(
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: 2,
      Conditions: [{ Field: 'path-pattern', Values: ['/fixed*'] }],
      Actions: [
        { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' } },
      ],
    }),
  );
});

afterAll(async () => {
  cw?.destroy();
  await tc?.stop();
});

describe('CloudWatch RequestCount of the local ALBs', () => {
  it('has no datapoint while no request flowed (no data, not zeros)', async () => {
    const out = await requestCount({ LoadBalancer: lbSuffix });
    expect(out.MetricDataResults).toEqual([
      {
        Id: 'requests',
        Label: 'RequestCount',
        Timestamps: [],
        Values: [],
        StatusCode: 'Complete',
        Messages: [],
      },
    ]);
    expect((await cw.send(new ListMetricsCommand({ Namespace: 'AWS/ApplicationELB' }))).Metrics).toEqual([]);
  });

  it('counts requests sent to a target only once the publication delay has passed', async () => {
    offset = 60_000; // 12:01:10
    expect(await get('/a')).toBe(503); // the Lambda target's page
    expect(await get('/b')).toBe(503);
    expect(await get('/empty')).toBe(503); // no healthy target: not routed, not counted
    expect(await get('/fixed')).toBe(404); // a fixed response chose no target: not counted
    const early = await requestCount({ LoadBalancer: lbSuffix });
    expect(early.MetricDataResults?.[0]?.Values).toEqual([]);
    advance(61); // past ELB's 60-second publication interval (scaled by the profile, then some)
    const out = await requestCount({ LoadBalancer: lbSuffix });
    expect(out.MetricDataResults?.[0]).toMatchObject({
      Timestamps: [new Date('2026-11-30T12:01:00Z')],
      Values: [2],
      StatusCode: 'Complete',
    });
  });

  it("publishes the target group's count under TargetGroup and LoadBalancer", async () => {
    const byGroup = await requestCount({ TargetGroup: wakeSuffix, LoadBalancer: lbSuffix });
    expect(byGroup.MetricDataResults?.[0]?.Values).toEqual([2]);
    // Dimensions match exactly: the target group alone names no metric, a group without routed requests none.
    expect((await requestCount({ TargetGroup: wakeSuffix })).MetricDataResults?.[0]?.Values).toEqual([]);
    expect(
      (await requestCount({ TargetGroup: emptySuffix, LoadBalancer: lbSuffix })).MetricDataResults?.[0]
        ?.Values,
    ).toEqual([]);
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/ApplicationELB' }));
    expect(listed.Metrics).toEqual(
      expect.arrayContaining([
        {
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'RequestCount',
          Dimensions: [{ Name: 'LoadBalancer', Value: lbSuffix }],
        },
        {
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'RequestCount',
          Dimensions: [
            { Name: 'LoadBalancer', Value: lbSuffix },
            { Name: 'TargetGroup', Value: wakeSuffix },
          ],
        },
      ]),
    );
  });

  it('answers one datapoint per minute with requests, newest first by default', async () => {
    advance(120); // 12:04:11
    await get('/c');
    advance(61);
    const out = await requestCount({ LoadBalancer: lbSuffix });
    expect(out.MetricDataResults?.[0]).toMatchObject({
      Timestamps: [new Date('2026-11-30T12:04:00Z'), new Date('2026-11-30T12:01:00Z')],
      Values: [1, 2],
    });
    const ascending = await requestCount({ LoadBalancer: lbSuffix }, { ScanBy: 'TimestampAscending' });
    expect(ascending.MetricDataResults?.[0]?.Values).toEqual([2, 1]);
    const fiveMinutes = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'RequestCount',
        Dimensions: [{ Name: 'LoadBalancer', Value: lbSuffix }],
        StartTime: new Date('2026-11-30T12:00:00Z'),
        EndTime: new Date(now()),
        Period: 300,
        Statistics: ['Sum', 'SampleCount', 'Average'],
      }),
    );
    expect(fiveMinutes.Datapoints).toEqual([
      { Timestamp: new Date('2026-11-30T12:00:00Z'), Sum: 3, SampleCount: 3, Average: 1, Unit: 'Count' },
    ]);
  });

  it('pages with MaxDatapoints and NextToken (PartialData until the last page)', async () => {
    const first = await requestCount({ LoadBalancer: lbSuffix }, { MaxDatapoints: 1 });
    expect(first.MetricDataResults?.[0]).toMatchObject({ Values: [1], StatusCode: 'PartialData' });
    expect(first.NextToken).toBeDefined();
    const second = await requestCount(
      { LoadBalancer: lbSuffix },
      { MaxDatapoints: 1, NextToken: first.NextToken as string },
    );
    expect(second.MetricDataResults?.[0]).toMatchObject({ Values: [2], StatusCode: 'Complete' });
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses a start time equal to the end time, as AWS words it', async () => {
    const at = new Date(now());
    const err = await expectAwsError(
      requestCount({ LoadBalancer: lbSuffix }, { StartTime: at, EndTime: at }),
      'ValidationException',
      'The parameter StartTime must not equal parameter EndTime.',
    );
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.Code).toBe('ValidationError'); // the Query code, from x-amzn-query-error
  });

  it('answers the modeled shape and its Query code for a bad parameter', async () => {
    const err = await expectAwsError(
      cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'RequestCount',
          StartTime: new Date(T0),
          EndTime: new Date(now()),
          Period: 90,
          Statistics: ['Sum'],
        }),
      ),
      'InvalidParameterValueException',
      'The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60.',
    );
    expect(err.Code).toBe('InvalidParameterValue');
    await expectAwsError(
      cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(T0),
          EndTime: new Date(now()),
          MetricDataQueries: [],
        }),
      ),
      'MissingRequiredParameterException',
      'The parameter MetricDataQueries is required.',
    );
    await expectAwsError(
      requestCount({ LoadBalancer: lbSuffix }, { NextToken: 'not-a-token' }),
      'InvalidNextToken',
      'The next token specified is invalid.',
    );
    await expectAwsError(
      cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'RequestCount',
          StartTime: new Date(T0 - 2 * 86_400_000),
          EndTime: new Date(now()),
          Period: 60,
          Statistics: ['Sum'],
        }),
      ),
      'InvalidParameterCombinationException',
      /^You have requested up to 2,886 datapoints, which exceeds the limit of 1,440\./,
    );
  });
});
