import type { CommandContext } from '../context.ts';
import { printJson } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { formatElapsed, formatStep } from '../progress.ts';

/** `berth history <name>`: the environment's recent operations with their steps, oldest first. */
export async function history(ctx: CommandContext, name: string): Promise<ExitCode> {
  const env = await ctx.api.describe(name);
  if (ctx.json) {
    printJson(ctx, env.operations);
    return ExitCode.Ok;
  }
  if (env.operations.length === 0) {
    ctx.io.stdout(`No operations recorded for ${name}.\n`);
    return ExitCode.Ok;
  }
  for (const op of [...env.operations].reverse()) {
    const took = op.finishedAt
      ? ` in ${formatElapsed(Date.parse(op.finishedAt) - Date.parse(op.startedAt))}`
      : '';
    ctx.io.stdout(
      `${op.startedAt}  ${op.operation} ${op.status}${took}  (operation ${op.operationId}, by ${op.requestedBy ?? 'unknown'})\n`,
    );
    for (const step of op.steps) ctx.io.stdout(`${formatStep(step, op.startedAt)}\n`);
    if (op.error)
      ctx.io.stdout(`  error: ${typeof op.error === 'string' ? op.error : JSON.stringify(op.error)}\n`);
  }
  return ExitCode.Ok;
}
