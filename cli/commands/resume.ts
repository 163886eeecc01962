import type { CommandContext, MutationOptions } from '../context.ts';
import type { ExitCode } from '../exit-codes.ts';
import { afterAccepted, printPlan } from '../progress.ts';

/** `berth resume <name>`: restore exactly the counts `pause` remembered, then verify. */
export async function resume(ctx: CommandContext, name: string, options: MutationOptions): Promise<ExitCode> {
  if (options.dryRun) return printPlan(ctx, name, { operation: 'resume' });
  return afterAccepted(ctx, await ctx.api.resume(name, options.requestId), options);
}
