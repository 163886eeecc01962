import { IDLE_AFTER_RULE, parseIdleAfter } from '../../functions/core/idle.ts';
import type { CommandContext } from '../context.ts';
import { printJson } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

export interface SetOptions {
  /** A duration (`2h`), or `off` to turn idle sleep off. */
  readonly idleAfter?: string;
}

/**
 * `berth set <name> --idle-after <duration|off>`: changes the spec's `idleAfter` (idle sleep) without an operation
 * (`PATCH /environments/{name}`). Checked locally with the API's rule before anything is sent.
 */
export async function set(ctx: CommandContext, name: string, options: SetOptions): Promise<ExitCode> {
  if (options.idleAfter === undefined) {
    throw new CliError(ExitCode.Usage, 'nothing to set: give --idle-after <duration|off>');
  }
  const off = options.idleAfter.trim().toLowerCase() === 'off';
  if (!off) {
    try {
      parseIdleAfter(options.idleAfter);
    } catch {
      throw new CliError(
        ExitCode.Usage,
        `--idle-after ${IDLE_AFTER_RULE}, or off (got "${options.idleAfter}")`,
      );
    }
  }
  const updated = await ctx.api.update(name, { idleAfter: off ? null : options.idleAfter.trim() });
  if (ctx.json) printJson(ctx, updated);
  else
    ctx.io.stdout(
      updated.idleAfter === null
        ? `${name}: idle sleep off\n`
        : `${name}: pauses after ${updated.idleAfter} without requests\n`,
    );
  return ExitCode.Ok;
}
