import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

/**
 * Issue 9 item 8: security groups are enforced, and BERTH_ALLOWED_CIDR narrows the ALB group. The
 * verifier (outside the VPC) cannot reach such an ALB, so verification rests on the rollout and the
 * ALB's own health checks instead of timing out (docs/decisions/0004-verify-restricted-alb.md).
 */
describe('an environment whose ALB admits only a narrowed CIDR', () => {
  let e2e: E2EPlatform;
  let dnsName: string;

  beforeAll(async () => {
    e2e = await startE2EPlatform({ env: { BERTH_ALLOWED_CIDR: '203.0.113.0/24' } });
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  /** GET / through the ALB as a client at `source` (default: an internet address outside the CIDR). */
  const get = (source?: string) =>
    fetch(`${e2e.platform.urls.cloud}/`, {
      headers: { 'x-berth-load-balancer': dnsName, ...(source ? { 'x-berth-source-ip': source } : {}) },
      signal: AbortSignal.timeout(1500),
    }).then(
      (res) => res.status,
      (err: Error) => err.name,
    );

  it('comes up ready although the verifier cannot reach the ALB', async () => {
    await e2e.operate('POST', '/environments', spec('narrow'));
    const described = await e2e.api('GET', '/environments/narrow');
    expect(described.body).toMatchObject({ name: 'narrow', status: 'ready' });
    dnsName = new URL(described.body.url).hostname;
  });

  it('answers clients inside the CIDR and drops the others', async () => {
    expect(await get('203.0.113.40')).toBe(200);
    expect(await get()).toBe('TimeoutError');
  });

  it('narrows the shared ALB the same way: a shared-mode environment answers inside the CIDR only', async () => {
    await e2e.operate('POST', '/environments', spec('cove', { loadBalancer: { mode: 'shared' } }));
    // node:http (fetch does not send a caller's Host header): Host names the environment on the shared ALB.
    const viaShared = (source?: string) =>
      new Promise<number | string>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: e2e.platform.ports.cloud,
            path: '/',
            agent: false,
            timeout: 1500,
            headers: {
              host: 'cove.berth.internal',
              'x-berth-load-balancer': e2e.platform.shared.dnsName,
              ...(source ? { 'x-berth-source-ip': source } : {}),
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('timeout', () => {
          req.destroy();
          resolve('TimeoutError');
        });
        req.on('error', (err) => resolve(err.name));
        req.end();
      });
    expect(await viaShared('203.0.113.41')).toBe(200);
    expect(await viaShared()).toBe('TimeoutError');
  });

  it('tears down and leaves nothing behind', async () => {
    for (const name of ['narrow', 'cove']) {
      await e2e.operate('DELETE', `/environments/${name}`);
      await e2e.assertNothingLeft(name);
    }
  });
});
