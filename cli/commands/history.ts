import type { OperationView } from '../api-client.ts';
import type { CommandContext } from '../context.ts';
import { printJson } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { formatElapsed, formatStep } from '../progress.ts';

export interface HistoryOptions {
  /** How many of the newest operations to show (default 20). */
  readonly limit?: string | number;
}

/** Default number of operations `berth history` shows; the API's page is at most 100. */
const DEFAULT_HISTORY = 20;
const MAX_HISTORY = 1000;
const PAGE = 100;

/**
 * `berth history <name> [--limit N]`: the environment's newest operations (`GET /environments/{name}/operations`,
 * every page up to N), printed oldest first with who asked, through which entry point, when, and the steps.
 */
export async function history(
  ctx: CommandContext,
  name: string,
  options: HistoryOptions = {},
): Promise<ExitCode> {
  const limit = options.limit === undefined ? DEFAULT_HISTORY : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY)
    throw new CliError(
      ExitCode.Usage,
      `--limit must be an integer from 1 to ${MAX_HISTORY} (got "${options.limit}")`,
    );
  const operations: OperationView[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.api.operations(name, {
      limit: Math.min(PAGE, limit - operations.length),
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    operations.push(...page.operations);
    nextToken = page.nextToken ?? undefined;
  } while (nextToken !== undefined && operations.length < limit);
  if (ctx.json) {
    printJson(ctx, operations);
    return ExitCode.Ok;
  }
  if (operations.length === 0) {
    ctx.io.stdout(`No operations recorded for ${name}.\n`);
    return ExitCode.Ok;
  }
  for (const op of [...operations].reverse()) {
    const took = op.finishedAt
      ? ` in ${formatElapsed(Date.parse(op.finishedAt) - Date.parse(op.startedAt))}`
      : '';
    ctx.io.stdout(
      `${op.startedAt}  ${op.operation} ${op.status}${took}  by ${op.requestedBy ?? 'unknown'} via ${op.entry ?? 'unknown'}  (operation ${op.operationId})\n`,
    );
    for (const step of op.steps) ctx.io.stdout(`${formatStep(step, op.startedAt)}\n`);
    if (op.error)
      ctx.io.stdout(`  error: ${typeof op.error === 'string' ? op.error : JSON.stringify(op.error)}\n`);
  }
  return ExitCode.Ok;
}
