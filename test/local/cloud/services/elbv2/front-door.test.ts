import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateListenerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { publicAlb, until } from '../../helpers/dataplane-fixtures.ts';

let tc: TestCloud;
let dnsName: string;
const workloads: Server[] = [];
const seen: { who: string; headers: IncomingHttpHeaders }[] = [];

/** A stand-in container: `/health` answers 200, anything else names the workload and the Host it saw. */
async function startWorkload(who: string): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    if (req.url !== '/health') seen.push({ who, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ who, host: req.headers.host }));
  });
  workloads.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** GET on the cloud's main port with the given headers. */
function frontDoor(headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(tc.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant' });
  // Security groups are enforced: clients reach the listeners through the ALB group's HTTP ingress.
  const alb = await publicAlb(tc, 'berth-shared-alb', 'shared-alb');
  const { loadBalancerArn, vpcId } = alb;
  dnsName = alb.dnsName;
  const listener = await tc.clients.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'no env' },
        },
      ],
    }),
  );
  const listenerArn = listener.Listeners?.[0]?.ListenerArn ?? '';
  const groups: string[] = [];
  for (const [priority, who] of [
    [10, 'alpha'],
    [20, 'beta'],
  ] as const) {
    const tg = await tc.clients.elbv2.send(
      new CreateTargetGroupCommand({
        Name: `berth-${who}-tg`,
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpcId,
        TargetType: 'ip',
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
      }),
    );
    const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
    groups.push(targetGroupArn);
    await tc.clients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: priority,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [`${who}.berth.internal`] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    await tc.clients.elbv2.send(
      new RegisterTargetsCommand({
        TargetGroupArn: targetGroupArn,
        Targets: [{ Id: '127.0.0.1', Port: await startWorkload(who) }],
      }),
    );
  }
  for (const targetGroupArn of groups) {
    await until(async () => {
      const out = await tc.clients.elbv2.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
      );
      return out.TargetHealthDescriptions?.[0]?.TargetHealth?.State === 'healthy';
    });
  }
});

afterAll(async () => {
  await tc?.stop();
  for (const server of workloads) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('ALB front door with x-berth-load-balancer', () => {
  it('routes two hosts on one shared ALB to their own rules’ targets', async () => {
    const alpha = await frontDoor({ 'x-berth-load-balancer': dnsName, host: 'alpha.berth.internal' });
    const beta = await frontDoor({ 'x-berth-load-balancer': dnsName, host: 'beta.berth.internal' });
    expect(alpha).toEqual({
      status: 200,
      body: JSON.stringify({ who: 'alpha', host: 'alpha.berth.internal' }),
    });
    expect(beta).toEqual({ status: 200, body: JSON.stringify({ who: 'beta', host: 'beta.berth.internal' }) });
  });

  it('answers the listener default for a host no rule matches', async () => {
    const answer = await frontDoor({ 'x-berth-load-balancer': dnsName, host: 'gamma.berth.internal' });
    expect(answer).toEqual({ status: 404, body: 'no env' });
  });

  it('does not forward x-berth-load-balancer to the target', async () => {
    seen.length = 0;
    await frontDoor({ 'x-berth-load-balancer': dnsName, host: 'alpha.berth.internal' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['x-berth-load-balancer']).toBeUndefined();
    expect(seen[0]?.headers.host).toBe('alpha.berth.internal');
  });

  it('accepts the ALB DNS name with a port, in any case', async () => {
    const answer = await frontDoor({
      'x-berth-load-balancer': `${dnsName.toUpperCase()}:80`,
      host: 'beta.berth.internal',
    });
    expect(answer.body).toBe(JSON.stringify({ who: 'beta', host: 'beta.berth.internal' }));
  });

  it('answers 503 when the header names no load balancer', async () => {
    const answer = await frontDoor({
      'x-berth-load-balancer': 'berth-gone-alb-1.us-east-1.elb.localhost',
      host: 'alpha.berth.internal',
    });
    expect(answer).toEqual({
      status: 503,
      body: 'No load balancer answers to berth-gone-alb-1.us-east-1.elb.localhost\n',
    });
  });

  it('still routes by Host alone when Host is the ALB DNS name', async () => {
    const answer = await frontDoor({ host: dnsName });
    expect(answer).toEqual({ status: 404, body: 'no env' });
  });
});
