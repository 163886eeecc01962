import type { CommandContext, MutationOptions } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { afterAccepted, printPlan } from '../progress.ts';

/** `berth scale <name> <count>`. */
export async function scale(
  ctx: CommandContext,
  name: string,
  count: string,
  options: MutationOptions,
): Promise<ExitCode> {
  if (!/^\d+$/.test(count) || Number(count) > 100) {
    throw new CliError(ExitCode.Usage, `count must be a whole number from 0 to 100 (got "${count}")`);
  }
  const desiredCount = Number(count);
  if (options.dryRun) return printPlan(ctx, name, { operation: 'scale', desiredCount });
  return afterAccepted(ctx, await ctx.api.scale(name, desiredCount, options.requestId), options);
}
