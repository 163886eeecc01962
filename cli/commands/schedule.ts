import type { CommandContext, MutationOptions } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { upWithSpec } from './up.ts';

export interface ScheduleOptions extends MutationOptions {
  readonly sleep?: string;
  readonly wake?: string;
  readonly timezone?: string;
  /** Removes the schedule: the environment's schedules are deleted. */
  readonly clear?: boolean;
}

/**
 * `berth schedule <name> [--sleep <cron>] [--wake <cron>] [--timezone <zone>] [--clear]`: changes the sleep/wake
 * schedule of an existing environment. The schedule is part of the spec, so this reads the stored spec, changes
 * its `schedule` and runs `up` with it (idempotent: the same schedule changes nothing; the dry run prints the
 * schedule steps). An `up` refused by the environment's state (paused: resume it first) is refused here too.
 */
export async function schedule(
  ctx: CommandContext,
  name: string,
  options: ScheduleOptions,
): Promise<ExitCode> {
  const changes = options.sleep !== undefined || options.wake !== undefined || options.timezone !== undefined;
  if (options.clear === true && changes)
    throw new CliError(
      ExitCode.Usage,
      '--clear removes the schedule: give it without --sleep, --wake or --timezone',
    );
  if (options.clear !== true && !changes)
    throw new CliError(ExitCode.Usage, 'give --sleep, --wake and/or --timezone, or --clear');
  const env = await ctx.api.describe(name);
  const stored = env.spec;
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored))
    throw new CliError(
      ExitCode.OperationFailed,
      `environment "${name}" has no stored spec; run berth up first`,
    );
  const { owner: _owner, schedule: current, ...rest } = stored as Record<string, unknown>;
  const spec: Record<string, unknown> = { ...rest };
  if (options.clear !== true) {
    spec['schedule'] = {
      ...((current as object | undefined) ?? {}),
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      ...(options.wake === undefined ? {} : { wake: options.wake }),
      ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    };
  }
  return upWithSpec(ctx, name, spec, options);
}
