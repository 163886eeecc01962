import { request } from 'node:http';
import {
  CreateListenerCommand,
  CreateTargetGroupCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { publicAlb } from '../../helpers/dataplane-fixtures.ts';

/**
 * ALB Lambda targets (ELB User Guide, "Lambda functions as targets"): the load balancer invokes the
 * registered function with the request as JSON and answers with the function's result; a failed invocation
 * answers 502. A weighted forward sends nothing to its weight-0 groups, which stay associated.
 */
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:berth-wake';
let tc: TestCloud;
let dnsName: string;
let listenerArn: string;
let lambdaGroupArn: string;
let otherGroupArn: string;
const invocations: { functionArn: string; event: any }[] = [];

function get(path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(tc.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { host: dnsName }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant' });
  tc.cloud.lambdaInvoker = async (functionArn, event) => {
    invocations.push({ functionArn, event });
    if ((event as { path?: string }).path === '/boom') throw new Error('function error');
    return {
      statusCode: 503,
      statusDescription: '503 Service Unavailable',
      headers: { 'Retry-After': '5', 'content-type': 'text/plain' },
      body: 'waking up',
      isBase64Encoded: false,
    };
  };
  const alb = await publicAlb(tc, 'berth-nap-alb', 'alb');
  const { loadBalancerArn, vpcId } = alb;
  dnsName = alb.dnsName;
  const lambdaGroup = await tc.clients.elbv2.send(
    new CreateTargetGroupCommand({ Name: 'berth-nap-wake', TargetType: 'lambda' }),
  );
  lambdaGroupArn = lambdaGroup.TargetGroups?.[0]?.TargetGroupArn ?? '';
  const other = await tc.clients.elbv2.send(
    new CreateTargetGroupCommand({ Name: 'berth-nap-tg', Protocol: 'HTTP', Port: 80, VpcId: vpcId }),
  );
  otherGroupArn = other.TargetGroups?.[0]?.TargetGroupArn ?? '';
  const listener = await tc.clients.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: lambdaGroupArn, Weight: 1 },
              { TargetGroupArn: otherGroupArn, Weight: 0 },
            ],
          },
        },
      ],
    }),
  );
  listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
});

afterAll(async () => {
  await tc?.stop();
});

describe('ALB Lambda targets', () => {
  it('defaults a Lambda target group to health checks off, 35 s interval, 30 s timeout', async () => {
    const out = await tc.clients.elbv2.send(
      new DescribeTargetGroupsCommand({ TargetGroupArns: [lambdaGroupArn] }),
    );
    expect(out.TargetGroups?.[0]).toMatchObject({
      TargetType: 'lambda',
      HealthCheckEnabled: false,
      HealthCheckIntervalSeconds: 35,
      HealthCheckTimeoutSeconds: 30,
    });
  });

  it('answers 502 while no function is registered', async () => {
    expect((await get('/')).status).toBe(502);
    expect(invocations).toHaveLength(0);
  });

  it('refuses a target that is not a Lambda function ARN', async () => {
    await expect(
      tc.clients.elbv2.send(
        new RegisterTargetsCommand({ TargetGroupArn: lambdaGroupArn, Targets: [{ Id: 'i-0abc' }] }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidTargetException',
      message: "The following targets are not valid Lambda functions: 'i-0abc'",
    });
  });

  it('invokes the function with the request and answers with its result', async () => {
    await tc.clients.elbv2.send(
      new RegisterTargetsCommand({ TargetGroupArn: lambdaGroupArn, Targets: [{ Id: FUNCTION_ARN }] }),
    );
    const answer = await get('/some/page?x=1');
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.body).toBe('waking up');
    expect(invocations.at(-1)).toMatchObject({
      functionArn: FUNCTION_ARN,
      event: {
        requestContext: { elb: { targetGroupArn: lambdaGroupArn } },
        httpMethod: 'GET',
        path: '/some/page',
        queryStringParameters: { x: '1' },
        headers: { host: dnsName },
        isBase64Encoded: false,
      },
    });
    const health = await tc.clients.elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: lambdaGroupArn }),
    );
    expect(health.TargetHealthDescriptions?.[0]?.TargetHealth).toMatchObject({
      State: 'unavailable',
      Reason: 'Target.HealthCheckDisabled',
    });
  });

  it('answers 502 when the function fails', async () => {
    expect((await get('/boom')).status).toBe(502);
  });

  it('keeps a weight-0 target group associated with the load balancer, and routes to it once weighted', async () => {
    const other = await tc.clients.elbv2.send(
      new DescribeTargetGroupsCommand({ TargetGroupArns: [otherGroupArn] }),
    );
    expect(other.TargetGroups?.[0]?.LoadBalancerArns).toHaveLength(1);
    await tc.clients.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: listenerArn,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: otherGroupArn }],
      }),
    );
    const before = invocations.length;
    // No healthy target in the instance group yet: the ALB's own 503, and the function is not invoked.
    const answer = await get('/');
    expect(answer.status).toBe(503);
    expect(answer.body).toContain('503 Service Temporarily Unavailable');
    expect(invocations).toHaveLength(before);
  });
});
