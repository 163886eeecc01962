import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

describe('iam usage (derivation run)', () => {
  let e2e: E2EPlatform;
  beforeAll(async () => {
    e2e = await startE2EPlatform({ iam: 'record' });
  });
  afterAll(async () => {
    writeFileSync('/tmp/iam-usage.json', JSON.stringify(e2e.platform.cloud.iam.usage(), null, 1));
    await e2e?.stop();
  });
  const run = async (method: string, path: string, body?: unknown) => {
    const r = await e2e.api(method, path, body);
    expect(r.status, r.text).toBe(202);
    const ex = await e2e.waitForExecution(r.body.executionArn);
    expect(ex.status, ex.cause).toBe('SUCCEEDED');
  };
  it('runs', async () => {
    await run('POST', '/environments', spec('demo'));
    await run('POST', '/environments/demo/scale', { desiredCount: 2 });
    await run('POST', '/environments/demo/redeploy', { image: 'berth/hello:2' });
    await run('POST', '/environments', spec('demo'));
    await run('DELETE', '/environments/demo');
    await run('POST', '/environments', spec('tidal', { loadBalancer: { mode: 'shared' } }));
    await run('DELETE', '/environments/tidal');
    await run('POST', '/environments', spec('fg', { launchType: 'FARGATE', cpu: 256, memory: 512, memoryReservation: 256 }));
    await run('POST', '/environments/fg/scale', { desiredCount: 2 });
    await run('DELETE', '/environments/fg');
  }, 120_000);
});
