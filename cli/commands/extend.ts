import { parseDuration } from '../../functions/core/duration.ts';
import { checkOperationField } from '../../functions/core/operation.ts';
import type { CommandContext, MutationOptions } from '../context.ts';
import { printJson } from '../context.ts';
import { CliError, ExitCode, usageChecked } from '../exit-codes.ts';

/**
 * `berth extend <name> <duration>` (`8h`, `2d`, or a number of hours). Extending is quick and
 * records no steps, so it does not wait; `--dry-run` shows the new expiry.
 */
export async function extend(
  ctx: CommandContext,
  name: string,
  duration: string,
  options: MutationOptions,
): Promise<ExitCode> {
  let hours: number;
  try {
    const seconds = /^\d+$/.test(duration) ? Number(duration) * 3600 : parseDuration(duration, 'duration');
    if (seconds % 3600 !== 0 || seconds === 0) throw new Error('whole hours');
    hours = seconds / 3600;
  } catch {
    throw new CliError(ExitCode.Usage, `duration must be whole hours like 8h, 2d or 12 (got "${duration}")`);
  }
  usageChecked(() => checkOperationField('hours', hours, 'duration'), duration);
  if (options.dryRun) {
    const env = await ctx.api.describe(name);
    const from = env.expiresAt ? Date.parse(env.expiresAt) : ctx.io.now().getTime();
    const next = new Date(from + hours * 3600_000).toISOString();
    if (ctx.json)
      printJson(ctx, { operation: 'extend', env: name, hours, expiresAt: env.expiresAt, newExpiresAt: next });
    else
      ctx.io.stdout(
        `Plan for extend of ${name} (dry run, nothing changed):\n 1. registry  update  expiry ${env.expiresAt ?? '—'} → ${next}\n`,
      );
    return ExitCode.Ok;
  }
  const accepted = await ctx.api.extend(name, { hours }, options.requestId);
  if (ctx.json) printJson(ctx, accepted);
  else ctx.io.stdout(`extend of ${name} by ${hours} h accepted: operation ${accepted.operationId}\n`);
  return ExitCode.Ok;
}
