import { checkOperationField } from '../../functions/core/operation.ts';
import type { CommandContext, MutationOptions } from '../context.ts';
import { type ExitCode, usageChecked } from '../exit-codes.ts';
import { afterAccepted, printPlan } from '../progress.ts';

/** `berth scale <name> <count>`. */
export async function scale(
  ctx: CommandContext,
  name: string,
  count: string,
  options: MutationOptions,
): Promise<ExitCode> {
  const desiredCount = usageChecked(
    () => checkOperationField('desiredCount', /^\d+$/.test(count) ? Number(count) : Number.NaN, 'count'),
    count,
  );
  if (options.dryRun) return printPlan(ctx, name, { operation: 'scale', desiredCount });
  return afterAccepted(ctx, await ctx.api.scale(name, desiredCount, options.requestId), options);
}
