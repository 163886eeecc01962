import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, test } from 'vitest';
import { waitFor } from './helpers/errors.ts';

let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

describe('npm run cloud (local/cloud/main.ts)', () => {
  test('prints its URL and profile, serves the health endpoint, and exits 0 on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/cloud/main.ts', '--port', '0', '--profile', 'fast'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const url = await waitFor(
      () => /Berth local cloud listening on (http:\/\/127\.0\.0\.1:\d+) \(profile fast\)/.exec(out)?.[1],
      45_000,
      50,
    );
    expect(out).toContain(`AWS_ENDPOINT_URL=${url}`);
    const health = await (await fetch(`${url}/_berth/health`)).json();
    expect(health).toEqual({ status: 'ok', profile: { name: 'fast', factor: 0.01 } });
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  test('rejects an unknown profile with exit code 1', async () => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/cloud/main.ts', '--port', '0', '--profile', 'warp'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    p.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toContain('invalid profile: warp (expected instant, fast or realistic)');
  }, 60_000);
});
