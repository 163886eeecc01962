import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

describe('environment lifecycle through the HTTP API', () => {
  let e2e: E2EPlatform;
  let url: string;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  it('brings an environment up and reports it ready with its URL', async () => {
    const started = await e2e.api('POST', '/environments', spec('demo'));
    expect(started.status, started.text).toBe(202);
    expect(started.body).toMatchObject({ env: 'demo', operation: 'up' });
    const execution = await e2e.waitForExecution(started.body.executionArn);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    const described = await e2e.api('GET', '/environments/demo');
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({ name: 'demo', status: 'ready' });
    url = described.body.url;
    expect(url).toMatch(/^http:\/\/berth-demo-alb-.*\.elb\.localhost/);
  });

  it('answers through the load balancer from the workload', async () => {
    const answer = await e2e.throughAlb(url, '/');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      cluster: 'berth-demo',
      service: 'berth-demo',
      image: 'berth/hello:1',
      family: 'berth-demo',
    });
  });

  it('spreads requests across three tasks after scale', async () => {
    await e2e.operate('POST', '/environments/demo/scale', { desiredCount: 3 });
    const tasks = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const answer = await e2e.throughAlb(url, '/');
      expect(answer.status).toBe(200);
      tasks.add(answer.body.taskId);
    }
    expect(tasks.size).toBe(3);
  });

  it('serves the new image after redeploy', async () => {
    await e2e.operate('POST', '/environments/demo/redeploy', { image: 'berth/hello:2' });
    const answer = await e2e.throughAlb(url, '/');
    expect(answer.body).toMatchObject({ image: 'berth/hello:2' });
  });

  it('tears the environment down and leaves nothing tagged for it', async () => {
    await e2e.operate('DELETE', '/environments/demo');
    const described = await e2e.api('GET', '/environments/demo');
    expect(described.body.status).toBe('deleted');
    await e2e.assertNothingLeft('demo');
  });
});
