import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app.ts';

// Skip aws-cdk-lib's built-in template validator (~4 s per synth); cdk-nag still runs as a plugin.
process.env['CDK_VALIDATION'] = 'false';

export interface Synthesized {
  app: App;
  network: Template;
  orchestrator: Template;
  stacks: ReturnType<typeof buildApp>;
  /** cdk-nag findings from the policy validation report (empty when there are none). */
  findings: string[];
  outdir: string;
}

/** Synthesizes the app without bundling (fast) into a fresh temp dir, collecting cdk-nag findings. */
export const synthesize = (
  context: Record<string, unknown> = {},
  modify?: (stacks: ReturnType<typeof buildApp>) => void,
): Synthesized => {
  const outdir = mkdtempSync(join(tmpdir(), 'berth-cdk-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stacks = buildApp(app);
  modify?.(stacks);
  let findings: string[] = [];
  try {
    app.synth();
  } catch (error) {
    findings = String(error)
      .split('\n')
      .filter((line) => /AwsSolutions-|Validation failed|violation/i.test(line));
    if (findings.length === 0) throw error;
  }
  const report = join(outdir, 'validation-report.json');
  try {
    const text = readFileSync(report, 'utf8');
    const parsed = JSON.parse(text) as any;
    for (const plugin of parsed.pluginReports ?? []) {
      for (const violation of plugin.violations ?? []) {
        for (const resource of violation.violatingResources ?? violation.violatingConstructs ?? []) {
          findings.push(`${violation.ruleName}: ${resource.constructPath ?? resource.resourceLogicalId}`);
        }
      }
    }
  } catch {
    // no report: no findings
  }
  // A synth with findings has no templates to read; otherwise read them now, before any cleanup.
  let network: Template | undefined = findings.length === 0 ? Template.fromStack(stacks.network) : undefined;
  let orchestrator: Template | undefined =
    findings.length === 0 ? Template.fromStack(stacks.orchestrator) : undefined;
  return {
    app,
    stacks,
    get network() {
      network ??= Template.fromStack(stacks.network);
      return network;
    },
    get orchestrator() {
      orchestrator ??= Template.fromStack(stacks.orchestrator);
      return orchestrator;
    },
    findings: [...new Set(findings)],
    outdir,
  };
};

export const cleanup = (synth: Synthesized): void => rmSync(synth.outdir, { recursive: true, force: true });

/** The `BERTH_*` environment variables of the function of catalog entry `id` (e.g. `Lock`), sorted. */
export const berthVariablesOf = (template: Template, id: string): string[] => {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([logicalId]) =>
    new RegExp(`^${id}Function[0-9A-F]{8}$`).test(logicalId),
  );
  if (found.length !== 1) throw new Error(`expected one function ${id}, found ${found.length}`);
  const variables = (found[0]?.[1] as any)?.Properties.Environment?.Variables ?? {};
  return Object.keys(variables)
    .filter((name) => name.startsWith('BERTH_'))
    .sort();
};
