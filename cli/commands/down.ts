import type { CommandContext, MutationOptions } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { afterAccepted, printPlan } from '../progress.ts';

export interface DownOptions extends MutationOptions {
  readonly yes?: boolean;
}

/**
 * `berth down <name>`: asks to type the name unless `--yes`; refuses to run without `--yes`
 * when nobody can answer (non-interactive).
 */
export async function down(ctx: CommandContext, name: string, options: DownOptions): Promise<ExitCode> {
  if (options.dryRun) return printPlan(ctx, name, { operation: 'down' });
  if (!options.yes) {
    if (!ctx.io.interactive) {
      throw new CliError(
        ExitCode.Usage,
        `refusing to tear down "${name}" without --yes in a non-interactive session`,
      );
    }
    ctx.io.stderr(`This deletes every resource of environment "${name}". Type its name to confirm: `);
    const answer = (await ctx.io.readLine())?.trim();
    if (answer !== name) throw new CliError(ExitCode.Aborted, `aborted: "${answer ?? ''}" is not "${name}"`);
  }
  const accepted = await ctx.api.down(name, options.requestId);
  return afterAccepted(ctx, accepted, options);
}
