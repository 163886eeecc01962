/**
 * Writes local/cloud/core/iam/function-policies.json from a synthesis of the orchestrator stack (no bundling,
 * no validation): `npm run iam:policies`. Run it after changing infra/handler-permissions.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { buildApp } from './app.ts';
import { extractFunctionPolicies } from './function-policies.ts';

const FUNCTION_POLICIES_PATH = fileURLToPath(
  new URL('../local/cloud/core/iam/function-policies.json', import.meta.url),
);

/** The policies document of a fresh synthesis, as the checked-in file holds it (JSON text). */
export function synthesizeFunctionPolicies(): string {
  process.env['CDK_VALIDATION'] = 'false';
  const outdir = mkdtempSync(join(tmpdir(), 'berth-iam-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const { orchestrator } = buildApp(app);
    const assembly = app.synth({ validateOnSynthesis: false });
    const template = assembly.getStackByName(orchestrator.stackName).template;
    return `${JSON.stringify(extractFunctionPolicies(template), null, 2)}\n`;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(FUNCTION_POLICIES_PATH, synthesizeFunctionPolicies());
  process.stdout.write(`wrote ${FUNCTION_POLICIES_PATH}\n`);
}
