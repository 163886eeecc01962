import type { CommandContext, MutationOptions } from '../context.ts';
import type { ExitCode } from '../exit-codes.ts';
import { afterAccepted, printPlan } from '../progress.ts';

/** `berth pause <name>`: remember the counts, scale the service and its instances to 0; the URL stays. */
export async function pause(ctx: CommandContext, name: string, options: MutationOptions): Promise<ExitCode> {
  if (options.dryRun) return printPlan(ctx, name, { operation: 'pause' });
  return afterAccepted(ctx, await ctx.api.pause(name, options.requestId), options);
}
