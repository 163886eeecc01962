import { formatUsd } from '../../functions/core/cost.ts';
import type { CostView } from '../api-client.ts';
import type { CommandContext } from '../context.ts';
import { printJson } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Renders rows as left-aligned columns. */
const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
};

/** `$0.0466/h`, or `—` when the API has no estimate. */
const hourlyText = (cost: CostView | null | undefined): string =>
  typeof cost?.hourlyUsd === 'number' ? formatUsd(cost.hourlyUsd, true) : '—';

/** `berth ls [--status s]`. */
export async function ls(ctx: CommandContext, options: { status?: string }): Promise<ExitCode> {
  const environments = await ctx.api.list(options.status);
  if (ctx.json) {
    printJson(ctx, environments);
    return ExitCode.Ok;
  }
  if (environments.length === 0) {
    ctx.io.stdout('No environments.\n');
    return ExitCode.Ok;
  }
  const rows = environments.map((e) => [
    e.name,
    e.currentOperation ? `${e.status} (${e.currentOperation.operation})` : e.status,
    e.owner ?? '—',
    e.expiresAt ?? '—',
    e.keep ? 'yes' : 'no',
    hourlyText(e.cost),
    e.url ?? '—',
  ]);
  ctx.io.stdout(`${table(['NAME', 'STATUS', 'OWNER', 'EXPIRES', 'KEEP', 'COST', 'URL'], rows)}\n`);
  return ExitCode.Ok;
}
