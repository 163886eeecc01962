import type { LogLineView } from '../api-client.ts';
import type { CommandContext } from '../context.ts';
import { printJson } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { history } from './history.ts';

export interface LogsOptions {
  readonly follow?: boolean;
  readonly since?: string;
  readonly task?: string;
  readonly filter?: string;
  /** `--operations`: the operation history (alias of `berth history`). */
  readonly operations?: boolean;
}

const SINCE = /^(\d{1,6}[smhdw]|\d{4}-\d{2}-\d{2}\S*)$/;
const TASK_ID = /^[0-9a-f]{32}$|^[A-Za-z0-9-]{1,64}$/;

/** One line as printed: `<time> <task id> <message>`. */
const formatLogLine = (line: LogLineView): string => `${line.timestamp} ${line.taskId} ${line.message}`;

/**
 * `berth logs <name> [--follow] [--since 10m] [--task ID] [--filter TEXT]`: the workload's lines
 * with task id and time, merged across tasks in time order. `--follow` keeps polling for new
 * lines (from the newest time seen, skipping lines already printed) until Ctrl-C (exit code 130).
 */
export async function logs(ctx: CommandContext, name: string, options: LogsOptions): Promise<ExitCode> {
  if (options.operations) return history(ctx, name);
  const since = options.since ?? '10m';
  if (!SINCE.test(since))
    throw new CliError(
      ExitCode.Usage,
      `--since must be a duration like 30s, 10m, 2h, 1d or 1w, or an ISO time (got "${since}")`,
    );
  if (options.task !== undefined && !TASK_ID.test(options.task))
    throw new CliError(ExitCode.Usage, `--task must be a task id (got "${options.task}")`);
  if (options.filter !== undefined && options.filter.trim() === '')
    throw new CliError(ExitCode.Usage, '--filter must not be empty');
  const query = {
    since,
    ...(options.task === undefined ? {} : { task: options.task }),
    ...(options.filter === undefined ? {} : { filter: options.filter }),
  };
  const print = (line: LogLineView) => {
    if (ctx.json) ctx.io.stdout(`${JSON.stringify(line)}\n`);
    else ctx.io.stdout(`${formatLogLine(line)}\n`);
  };
  // Read every page of the window.
  const seen = new Set<string>();
  let newest = '';
  const collected: LogLineView[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.api.logs(name, { ...query, ...(token ? { nextToken: token } : {}) });
    for (const line of page.lines) {
      collected.push(line);
      if (line.timestamp > newest) {
        newest = line.timestamp;
        seen.clear();
      }
      if (line.eventId && line.timestamp === newest) seen.add(line.eventId);
    }
    token = page.nextToken ?? undefined;
  } while (token);
  if (!options.follow) {
    if (ctx.json) printJson(ctx, collected);
    else if (collected.length === 0) ctx.io.stderr(`No log lines for ${name} since ${since}.\n`);
    else for (const line of collected) print(line);
    return ExitCode.Ok;
  }
  for (const line of collected) print(line);
  // Follow: poll from the newest timestamp seen (inclusive) and print only lines not printed yet,
  // remembering the ids of the lines at that newest timestamp (as `aws logs tail --follow` does).
  const stopped = () => ctx.io.signal?.aborted === true;
  for (;;) {
    if (stopped()) return ExitCode.Aborted;
    await ctx.io.sleep(ctx.pollMs);
    if (stopped()) return ExitCode.Aborted;
    let next: string | undefined;
    do {
      const page = await ctx.api.logs(name, {
        ...query,
        since: newest || since,
        ...(next ? { nextToken: next } : {}),
      });
      for (const line of page.lines) {
        if (line.timestamp < newest || (line.eventId && seen.has(line.eventId))) continue;
        if (line.timestamp > newest) {
          newest = line.timestamp;
          seen.clear();
        }
        if (line.eventId) seen.add(line.eventId);
        print(line);
      }
      next = page.nextToken ?? undefined;
    } while (next);
  }
}
