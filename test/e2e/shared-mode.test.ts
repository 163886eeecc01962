import { request } from 'node:http';
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

/** A GET on the local cloud's port, through the shared ALB (named by header), with `Host` = `host`. */
function throughSharedAlb(
  e2e: E2EPlatform,
  host: string,
  path = '/',
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: e2e.platform.ports.cloud,
        path,
        headers: { host, 'x-berth-load-balancer': e2e.platform.shared.dnsName },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('shared load-balancer mode through the HTTP API', () => {
  let e2e: E2EPlatform;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  it('brings a shared-mode environment up, verified through the shared ALB, with its host URL', async () => {
    await e2e.operate('POST', '/environments', spec('tidal', { loadBalancer: { mode: 'shared' } }));
    const described = await e2e.api('GET', '/environments/tidal');
    expect(described.body).toMatchObject({
      name: 'tidal',
      status: 'ready',
      // The port the local cloud's load balancers answer on (the shared ALB needs x-berth-load-balancer locally).
      url: `http://tidal.berth.internal:${e2e.platform.ports.cloud}/`,
    });
  });

  it('answers from the workload through the shared ALB for the environment host only', async () => {
    const answer = await throughSharedAlb(e2e, 'tidal.berth.internal');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      env: 'tidal',
      cluster: 'berth-tidal',
      service: 'berth-tidal',
      family: 'berth-tidal',
      host: 'tidal.berth.internal',
    });
    const other = await throughSharedAlb(e2e, 'reef.berth.internal');
    expect(other).toEqual({ status: 404, body: 'no Berth environment here' });
  });

  it('answers 409 naming the owner when another environment claims the same host, starting nothing', async () => {
    const before = await e2e.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: e2e.platform.stateMachines.lifecycle }),
    );
    const clash = await e2e.api(
      'POST',
      '/environments',
      spec('reef', { loadBalancer: { mode: 'shared', host: 'tidal.berth.internal' } }),
    );
    expect(clash.status, clash.text).toBe(409);
    expect(clash.body.error).toBe('RouteConflictError');
    expect(clash.body.message).toMatch(
      /^the shared load balancer's host tidal\.berth\.internal is already claimed by environment "tidal" \(owner: .+\)$/,
    );
    const after = await e2e.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: e2e.platform.stateMachines.lifecycle }),
    );
    expect(after.executions?.length).toBe(before.executions?.length);
    expect((await e2e.api('GET', '/environments/reef')).status).toBe(404);
  });

  it('checks the listener rules in the create step: a host held by a rule Berth does not manage fails up with RouteConflictError', async () => {
    const { shared } = e2e.platform;
    const rules = await e2e.clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: shared.listenerArn }));
    // tidal's rule took the lowest free priority.
    expect(rules.Rules?.filter((r) => !r.IsDefault).map((r) => r.Priority)).toEqual(['1']);
    const foreign = await e2e.clients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: shared.listenerArn,
        Priority: 2,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['legacy.example.com'] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
      }),
    );
    try {
      const up = await e2e.api(
        'POST',
        '/environments',
        spec('reef', { loadBalancer: { mode: 'shared', host: 'legacy.example.com' } }),
      );
      expect(up.status, up.text).toBe(202);
      const execution = await e2e.waitForExecution(up.body.executionArn);
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('RouteConflictError');
      expect(execution.cause).toContain('a listener rule Berth does not manage');
      await e2e.assertNothingLeft('reef');
    } finally {
      await e2e.clients.elbv2.send(new DeleteRuleCommand({ RuleArn: foreign.Rules![0]!.RuleArn! }));
    }
  });

  it('tears the environment down, leaving nothing tagged for it and the shared ALB in place', async () => {
    await e2e.operate('DELETE', '/environments/tidal');
    await e2e.assertNothingLeft('tidal');
    const { shared } = e2e.platform;
    const lbs = await e2e.clients.elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [shared.loadBalancerArn] }),
    );
    expect(lbs.LoadBalancers?.[0]?.State?.Code).toBe('active');
    const listeners = await e2e.clients.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: shared.loadBalancerArn }),
    );
    expect(listeners.Listeners?.map((l) => l.ListenerArn)).toEqual([shared.listenerArn]);
    const rules = await e2e.clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: shared.listenerArn }));
    expect(rules.Rules?.map((r) => r.IsDefault)).toEqual([true]);
    const gone = await throughSharedAlb(e2e, 'tidal.berth.internal');
    expect(gone).toEqual({ status: 404, body: 'no Berth environment here' });
  });
});
