import { formatUsd } from '../../functions/core/cost.ts';
import type { CostView, EnvironmentView, ScheduleView } from '../api-client.ts';
import type { CommandContext } from '../context.ts';
import { printJson } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { StepPrinter } from '../progress.ts';

/**
 * `$0.0466/h ($1.12 since created; prices of 2026-11-01)`, one indented line per priced item, and the one-off items
 * (`412 state transitions: $0.0103 (one-off)`).
 */
export const costLines = (cost: CostView | null | undefined): string[] => {
  if (cost === undefined || cost === null) return [];
  if (cost.hourlyUsd === null) return [`  cost:     unknown — ${cost.reason ?? 'no estimate'}`];
  const since = cost.sinceCreatedUsd === null ? '' : `${formatUsd(cost.sinceCreatedUsd)} since created; `;
  return [
    `  cost:     ${formatUsd(cost.hourlyUsd, true)} (${since}prices of ${cost.pricesAsOf ?? '?'})`,
    ...(cost.lines ?? []).map((line) => `            ${line.item}: ${formatUsd(line.hourlyUsd, true)}`),
    ...(cost.oneOff ?? []).map((line) => `            ${line.item}: ${formatUsd(line.usd)} (one-off)`),
  ];
};

/** `  idle:     pauses after 2h without requests` when the spec sets `idleAfter` (idle sleep). */
const idleLines = (spec: unknown): string[] => {
  const idleAfter = (spec as { idleAfter?: unknown } | null | undefined)?.idleAfter;
  return typeof idleAfter === 'string' ? [`  idle:     pauses after ${idleAfter} without requests`] : [];
};

/** `  sleeps:   cron(0 20 ? * MON-FRI *) Asia/Seoul (next 2026-11-30T11:00:00.000Z)`, and the same for wakes. */
export const scheduleLines = (schedule: ScheduleView | null | undefined): string[] => {
  if (schedule === undefined || schedule === null) return [];
  const line = (label: string, expression: string | undefined, next: string | undefined) =>
    expression === undefined
      ? []
      : [`  ${label} ${expression} ${schedule.timezone} (next ${next ?? 'never'})`];
  return [
    ...line('sleeps: ', schedule.sleep, schedule.nextSleep),
    ...line('wakes:  ', schedule.wake, schedule.nextWake),
  ];
};

/** The human description of one environment. */
export const formatEnvironment = (env: EnvironmentView): string => {
  const lines = [
    `${env.name}: ${env.status}`,
    `  url:      ${env.url ?? '—'}`,
    `  owner:    ${env.owner ?? '—'}`,
    `  expires:  ${env.expiresAt ?? '—'}${env.keep ? ' (kept)' : ''}`,
    ...idleLines(env.spec),
    ...costLines(env.cost),
    ...scheduleLines(env.schedule),
  ];
  const current = env.currentOperation;
  if (current) {
    lines.push(
      `  running:  ${current.operation} ${current.operationId}${current.step ? ` — step ${current.step}` : ''}`,
    );
  }
  // A scheduled pause or resume the access policy refused is in the history, newest first: say so here too.
  const last = env.operations[0];
  if (last?.status === 'refused') {
    lines.push(
      `  refused:  ${last.operation} by ${last.entry ?? last.requestedBy ?? '?'} at ${last.startedAt}${typeof last.error === 'string' ? `: ${last.error}` : ''}`,
    );
  }
  const failure = env.lastFailure;
  if (failure) {
    lines.push(
      `  last failure: ${failure.operation ?? ''}${failure.step ? ` at ${failure.step}` : ''}: ${failure.reason ?? failure.error ?? ''}${failure.at ? ` (${failure.at})` : ''}`,
    );
  }
  return lines.join('\n');
};

/** `berth status <name> [--watch]`: with `--watch`, prints each new step until nothing runs. */
export async function status(
  ctx: CommandContext,
  name: string,
  options: { watch?: boolean },
): Promise<ExitCode> {
  let env = await ctx.api.describe(name);
  if (ctx.json && !options.watch) {
    printJson(ctx, env);
    return ExitCode.Ok;
  }
  if (!ctx.json) ctx.io.stdout(`${formatEnvironment(env)}\n`);
  if (!options.watch) return ExitCode.Ok;
  const printed = new Map<string, number>();
  const printers = new Map<string, StepPrinter>();
  for (const op of env.operations) printed.set(op.operationId, op.steps.length);
  while (env.currentOperation) {
    await ctx.io.sleep(ctx.pollMs);
    env = await ctx.api.describe(name);
    for (const op of env.operations) {
      const seen = printed.get(op.operationId) ?? 0;
      if (!ctx.json && op.steps.length > seen) {
        let printer = printers.get(op.operationId);
        if (printer === undefined) {
          printer = new StepPrinter(ctx.io.stdout, op.startedAt, ctx.io.stdoutIsTerminal ?? false);
          printers.set(op.operationId, printer);
        }
        for (const step of op.steps.slice(seen)) printer.add(step);
      }
      printed.set(op.operationId, Math.max(seen, op.steps.length));
    }
  }
  for (const printer of printers.values()) printer.end();
  if (ctx.json) printJson(ctx, env);
  else ctx.io.stdout(`${env.name}: ${env.status}\n`);
  return ExitCode.Ok;
}
