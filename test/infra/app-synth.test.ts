import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_HANDLERS } from '../../infra/handler-catalog.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const outdir = mkdtempSync(join(tmpdir(), 'berth-synth-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('cdk synth', () => {
  it('synthesizes both stacks offline, bundling every handler with the local esbuild', async () => {
    // Fails loudly (CannotFindEntryFile) when a functions/handlers/<file>.ts entry is missing.
    await run('npx', ['cdk', 'synth', '--all', '--quiet', '--no-notices', '--output', outdir], {
      cwd: root,
      env: {
        ...process.env,
        CDK_VALIDATION: 'false',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        CDK_DISABLE_VERSION_CHECK: 'true',
      },
      maxBuffer: 64 * 1024 * 1024,
    });

    expect(existsSync(join(outdir, 'berth-network.template.json'))).toBe(true);
    const template = JSON.parse(readFileSync(join(outdir, 'berth-orchestrator.template.json'), 'utf8'));
    const functions = Object.values<any>(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
    );
    expect(functions).toHaveLength(ALL_HANDLERS.length);
    for (const fn of functions) {
      const asset = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      const files = readdirSync(asset);
      expect(files).toContain('index.mjs');
      const bundle = readFileSync(join(asset, 'index.mjs'), 'utf8');
      expect(
        bundle.startsWith('import { createRequire }') || bundle.includes('createRequire(import.meta.url)'),
      ).toBe(true);
      expect(files.some((f) => f.endsWith('.map'))).toBe(false);
      // infra/bundling.ts: the environment credential provider only (no web-identity, SSO or ini chain).
      expect(bundle).not.toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
      expect(statSync(join(asset, 'index.mjs')).size).toBeGreaterThan(0);
    }
  }, 600_000);
});
