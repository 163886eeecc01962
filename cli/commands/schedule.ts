import { ScheduleSchema } from '../../functions/core/env-spec.ts';
import type { CommandContext } from '../context.ts';
import { printJson } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { scheduleLines } from './status.ts';

export interface ScheduleOptions {
  readonly sleep?: string;
  readonly wake?: string;
  readonly timezone?: string;
  /** Removes the schedule: the environment's schedules are deleted. */
  readonly clear?: boolean;
  /** Prints the schedule steps, changes nothing. */
  readonly dryRun?: boolean;
}

/**
 * `berth schedule <name> [--sleep <cron>] [--wake <cron>] [--timezone <zone>] [--clear] [--dry-run]`: changes the
 * sleep/wake schedule of an existing environment in any settled state — ready, or paused (the state a schedule most
 * often changes in) — without an operation: nothing is redeployed or resumed (`PATCH /environments/{name}` with
 * `schedule`; the schedule function converges EventBridge Scheduler under the environment's lock). The options
 * change the stored schedule (`--sleep` alone keeps the wake); the result is checked locally with the spec's rule
 * before anything is sent. Idempotent: the same schedule again changes nothing.
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
  const current = (stored as { schedule?: unknown }).schedule;
  let next: Record<string, unknown> | null = null;
  if (options.clear !== true) {
    next = {
      ...((current as object | undefined) ?? {}),
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      ...(options.wake === undefined ? {} : { wake: options.wake }),
      ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    };
    const parsed = ScheduleSchema.safeParse(next);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      const field = ['schedule', ...(issue?.path ?? []).map(String)].join('.');
      throw new CliError(ExitCode.Usage, `${field}: ${issue?.message ?? 'is invalid'}`);
    }
  }
  const changed = await ctx.api.updateSchedule(name, {
    schedule: next,
    ...(options.dryRun === true ? { dryRun: true } : {}),
  });
  if (ctx.json) {
    printJson(ctx, changed);
    return ExitCode.Ok;
  }
  const lines = [
    `${name}: ${changed.dryRun === true ? 'would change its schedule' : 'schedule changed'} (${changed.status}; nothing else changes)`,
    ...(changed.schedule === null ? ['  no schedule'] : scheduleLines(changed.schedule)),
    ...changed.steps.map((s) => `  ${s.action} ${s.resource}: ${s.reason}`),
  ];
  ctx.io.stdout(`${lines.join('\n')}\n`);
  return ExitCode.Ok;
}
