import { readFile } from 'node:fs/promises';
import { validateEnvSpec } from '../../functions/core/env-spec.ts';
import type { CommandContext, MutationOptions } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { afterAccepted, printPlan } from '../progress.ts';

export interface UpOptions extends MutationOptions {
  readonly file?: string;
  readonly image?: string;
  readonly port?: string;
  readonly count?: string;
  readonly healthPath?: string;
  readonly launchType?: string;
  readonly lbMode?: string;
  readonly ttl?: string;
  readonly keep?: boolean;
  readonly idleAfter?: string;
  readonly keepOnFailure?: boolean;
  /** Sleep/wake schedule: EventBridge Scheduler cron expressions and their time zone. */
  readonly sleep?: string;
  readonly wake?: string;
  readonly timezone?: string;
}

const integer = (text: string, flag: string): number => {
  if (!/^\d+$/.test(text))
    throw new CliError(ExitCode.Usage, `${flag} must be a whole number (got "${text}")`);
  return Number(text);
};

/**
 * Builds the spec of `berth up` from `--file` (JSON) and flags (flags win; the positional
 * name is the environment name). No owner is sent: the API records the verified caller as the owner.
 */
async function buildSpec(name: string, options: UpOptions): Promise<Record<string, unknown>> {
  let spec: Record<string, unknown> = {};
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      throw new CliError(ExitCode.Usage, `cannot read ${options.file}: ${(error as Error).message}`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      spec = parsed as Record<string, unknown>;
    } catch (error) {
      throw new CliError(ExitCode.Usage, `${options.file} is not a JSON object: ${(error as Error).message}`);
    }
  }
  if (spec['name'] !== undefined && spec['name'] !== name) {
    throw new CliError(
      ExitCode.Usage,
      `the spec file names "${String(spec['name'])}" but the command names "${name}"`,
    );
  }
  spec['name'] = name;
  if (options.image !== undefined) spec['image'] = options.image;
  if (options.port !== undefined) spec['containerPort'] = integer(options.port, '--port');
  if (options.count !== undefined) spec['desiredCount'] = integer(options.count, '--count');
  if (options.healthPath !== undefined) {
    spec['healthCheck'] = {
      ...((spec['healthCheck'] as object | undefined) ?? {}),
      path: options.healthPath,
    };
  }
  if (options.launchType !== undefined) spec['launchType'] = options.launchType.toUpperCase();
  if (options.lbMode !== undefined) {
    spec['loadBalancer'] = { ...((spec['loadBalancer'] as object | undefined) ?? {}), mode: options.lbMode };
  }
  if (options.ttl !== undefined) spec['ttl'] = options.ttl;
  if (options.keep !== undefined) spec['keep'] = options.keep;
  if (options.idleAfter !== undefined) spec['idleAfter'] = options.idleAfter;
  if (options.keepOnFailure !== undefined) spec['keepOnFailure'] = options.keepOnFailure;
  if (options.sleep !== undefined || options.wake !== undefined || options.timezone !== undefined) {
    const schedule = { ...((spec['schedule'] as object | undefined) ?? {}) } as Record<string, unknown>;
    if (options.sleep !== undefined) schedule['sleep'] = options.sleep;
    if (options.wake !== undefined) schedule['wake'] = options.wake;
    if (options.timezone !== undefined) schedule['timezone'] = options.timezone;
    spec['schedule'] = schedule;
  }
  return spec;
}

/** `berth up <name>`: validates the spec locally, then creates or converges the environment. */
export async function up(ctx: CommandContext, name: string, options: UpOptions): Promise<ExitCode> {
  return upWithSpec(ctx, name, await buildSpec(name, options), options);
}

/** Validates `spec` locally, then creates or converges the environment (or prints the plan with --dry-run). */
async function upWithSpec(
  ctx: CommandContext,
  name: string,
  spec: Record<string, unknown>,
  options: MutationOptions,
): Promise<ExitCode> {
  // The API sets the owner from the caller's identity (a body owner is ignored): validate the rest of the spec.
  const checked = validateEnvSpec({ ...spec, owner: 'caller' });
  if (!checked.ok) {
    throw new CliError(
      ExitCode.Usage,
      `invalid spec:\n${checked.issues.map((i) => `  ${i.field}: ${i.rule}`).join('\n')}`,
      { error: 'ValidationError', issues: checked.issues },
    );
  }
  if (options.dryRun) return printPlan(ctx, name, { operation: 'up', spec });
  const accepted = await ctx.api.create(spec, options.requestId);
  return afterAccepted(ctx, accepted, options);
}
