import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../../cli/bin/berth.js', import.meta.url));

describe('cli/bin/berth.js', () => {
  it('runs the TypeScript CLI and exits with its code', () => {
    const result = spawnSync(process.execPath, [bin, '--api', 'http://127.0.0.1:1', 'ls'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(5);
    expect(result.stderr).toContain('berth: cannot reach the Berth API at http://127.0.0.1:1');
  });
});
