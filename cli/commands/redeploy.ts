import type { CommandContext, MutationOptions } from '../context.ts';
import type { ExitCode } from '../exit-codes.ts';
import { afterAccepted, printPlan } from '../progress.ts';

export interface RedeployOptions extends MutationOptions {
  readonly image?: string;
}

/** `berth redeploy <name> [--image ref]` (without `--image`: the same image, re-pulled). */
export async function redeploy(
  ctx: CommandContext,
  name: string,
  options: RedeployOptions,
): Promise<ExitCode> {
  if (options.dryRun) {
    return printPlan(ctx, name, {
      operation: 'redeploy',
      ...(options.image ? { image: options.image } : {}),
    });
  }
  return afterAccepted(ctx, await ctx.api.redeploy(name, options.image, options.requestId), options);
}
