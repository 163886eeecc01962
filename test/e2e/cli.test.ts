import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { type E2EPlatform, startE2EPlatform } from './helpers/platform.ts';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the berth CLI against the local platform', () => {
  let e2e: E2EPlatform;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  async function berth(...args: string[]): Promise<Captured> {
    let stdout = '';
    let stderr = '';
    const code = await run(['--api', e2e.platform.urls.api, ...args], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      readLine: async () => undefined,
      interactive: false,
      env: { BERTH_OWNER: 'e2e' },
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
      now: () => new Date(),
    });
    return { code, stdout, stderr };
  }

  it('prints the plan of an up with --dry-run and creates nothing', async () => {
    const planned = await berth(
      'up',
      'cli',
      '--image',
      'berth/hello:1',
      '--health-path',
      '/health',
      '--dry-run',
    );
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/berth-cli/);
    expect((await e2e.api('GET', '/environments/cli')).status).toBe(404);
  });

  it('brings an environment up and waits until it is ready', async () => {
    const up = await berth('up', 'cli', '--image', 'berth/hello:1', '--health-path', '/health');
    expect(up.code, up.stderr + up.stdout).toBe(0);
    const status = await berth('status', 'cli', '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ name: 'cli', status: 'ready' });
  });

  it('scales and redeploys, and the load balancer serves the new image', async () => {
    const scaled = await berth('scale', 'cli', '2');
    expect(scaled.code, scaled.stderr + scaled.stdout).toBe(0);
    const redeployed = await berth('redeploy', 'cli', '--image', 'berth/hello:2');
    expect(redeployed.code, redeployed.stderr + redeployed.stdout).toBe(0);
    const described = await e2e.api('GET', '/environments/cli');
    const answer = await e2e.throughAlb(described.body.url, '/');
    expect(answer.body).toMatchObject({ image: 'berth/hello:2' });
  });

  it('refuses down without --yes when nobody can confirm', async () => {
    const refused = await berth('down', 'cli');
    expect(refused.code).toBe(2);
    expect((await e2e.api('GET', '/environments/cli')).body.status).toBe('ready');
  });

  it('takes the environment down with --yes and leaves nothing', async () => {
    const down = await berth('down', 'cli', '--yes');
    expect(down.code, down.stderr + down.stdout).toBe(0);
    expect((await e2e.api('GET', '/environments/cli')).body.status).toBe('deleted');
    await e2e.assertNothingLeft('cli');
  });
});
