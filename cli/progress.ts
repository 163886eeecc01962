import { parseDuration } from '../functions/core/duration.ts';
import { formatPlan, type PlanStep } from '../functions/core/plan.ts';
import { type Accepted, ApiError, type EnvironmentView, type OperationView } from './api-client.ts';
import { type CommandContext, type MutationOptions, printJson } from './context.ts';
import { CliError, ExitCode } from './exit-codes.ts';

/** Default time `berth` waits for an operation (mutations wait unless `--no-wait`). */
const DEFAULT_WAIT_TIMEOUT = '45m';

/** `12s`, `1m05s`. */
export const formatElapsed = (ms: number): string => {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
};

const symbol = (status: string): string =>
  status === 'failed' ? '✗' : status === 'ready' || status === 'deleted' ? '✓' : '•';

/** One progress line of a step; `count` > 1 for a step collapsed from repeated polls (`VerifyUp ×13`). */
export const formatStep = (step: OperationView['steps'][number], startedAt: string, count = 1): string => {
  const elapsed = formatElapsed(Date.parse(step.at) - Date.parse(startedAt));
  const name = count > 1 ? `${step.step} ×${count}` : step.step;
  return `  ${symbol(step.status)} ${name.padEnd(24)} ${step.status.padEnd(12)} +${elapsed}${step.detail ? `  ${step.detail}` : ''}`;
};

/** Whether `next` continues a run of `previous`: the verify loop's polls, or a step repeating its status. */
const continuesRun = (
  previous: { step: string; status: string },
  next: { step: string; status: string },
): boolean => previous.step === next.step && (/^Verify/.test(next.step) || previous.status === next.status);

/** ANSI: cursor to the start of the previous line, and erase that line. */
const REWRITE_PREVIOUS_LINE = '\x1b[1A\r\x1b[2K';

/**
 * Prints an operation's steps as they appear, collapsing repeats (the verify loop polls `VerifyUp`
 * every few seconds) into one line with a count. On a terminal that line updates in place; in a log
 * or pipe the first poll prints at once and, when the run of polls ends, one more line gives the
 * count and the last status.
 *
 * @example
 * const printer = new StepPrinter(io.stdout, op.startedAt, true);
 * for (const step of op.steps) printer.add(step);
 * printer.end();
 */
export class StepPrinter {
  private run: { step: OperationView['steps'][number]; count: number } | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly startedAt: string,
    private readonly updateInPlace: boolean,
  ) {}

  add(step: OperationView['steps'][number]): void {
    if (this.run !== undefined && continuesRun(this.run.step, step)) {
      this.run = { step, count: this.run.count + 1 };
      if (this.updateInPlace) this.write(`${REWRITE_PREVIOUS_LINE}${this.line()}\n`);
      return;
    }
    this.end();
    this.run = { step, count: 1 };
    this.write(`${this.line()}\n`);
  }

  /** Closes the current run of repeats (in a log: prints its count). */
  end(): void {
    if (this.run !== undefined && this.run.count > 1 && !this.updateInPlace) this.write(`${this.line()}\n`);
    this.run = undefined;
  }

  private line(): string {
    return formatStep(this.run!.step, this.startedAt, this.run!.count);
  }
}

/** The final line of an operation. */
const formatSummary = (env: EnvironmentView, op: OperationView, now: Date): string => {
  const took = formatElapsed(
    (op.finishedAt ? Date.parse(op.finishedAt) : now.getTime()) - Date.parse(op.startedAt),
  );
  if (op.status === 'failed') {
    const failure = env.lastFailure;
    const where = failure?.step ? ` at step ${failure.step}` : '';
    const why =
      failure?.reason ?? failure?.error ?? (typeof op.error === 'string' ? op.error : 'unknown error');
    return `${op.operation} of ${env.name} failed${where} after ${took}: ${why}`;
  }
  return `${op.operation} of ${env.name} ${op.status} in ${took}${env.url && op.operation !== 'down' ? ` — ${env.url}` : ''}`;
};

/**
 * Polls `GET /environments/{name}` until the accepted operation finishes, printing each step
 * as it appears. Returns the exit code (0 succeeded, 1 failed); throws `CliError` for a
 * conflict (another operation holds the environment) or a timeout.
 */
async function waitForOperation(
  ctx: CommandContext,
  accepted: Accepted,
  options: { timeout?: string } = {},
): Promise<ExitCode> {
  const deadline =
    ctx.io.now().getTime() + parseDuration(options.timeout ?? DEFAULT_WAIT_TIMEOUT, 'timeout') * 1000;
  let printed = 0;
  let polls = 0;
  let printer: StepPrinter | undefined;
  if (!ctx.json)
    ctx.io.stdout(`${accepted.operation} of ${accepted.env}: operation ${accepted.operationId}\n`);
  for (;;) {
    polls += 1;
    let env: EnvironmentView | undefined;
    try {
      env = await ctx.api.describe(accepted.env);
    } catch (error) {
      // `up` of a new environment: the record appears with the first step.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    const op = env?.operations.find((o) => o.operationId === accepted.operationId);
    if (env !== undefined && op !== undefined) {
      if (!ctx.json) {
        printer ??= new StepPrinter(ctx.io.stdout, op.startedAt, ctx.io.stdoutIsTerminal ?? false);
        for (const step of op.steps.slice(printed)) printer.add(step);
      }
      printed = op.steps.length;
      if (op.status !== 'running') {
        printer?.end();
        if (ctx.json) printJson(ctx, { ...accepted, status: op.status, environment: env });
        else ctx.io.stdout(`${formatSummary(env, op, ctx.io.now())}\n`);
        return op.status === 'failed' ? ExitCode.OperationFailed : ExitCode.Ok;
      }
    } else if (
      env?.currentOperation &&
      env.currentOperation.operationId !== accepted.operationId &&
      polls >= 3
    ) {
      throw new CliError(
        ExitCode.Conflict,
        `environment "${accepted.env}" is busy: ${env.currentOperation.operation} ${env.currentOperation.operationId} is running; operation ${accepted.operationId} did not start`,
      );
    }
    if (ctx.io.now().getTime() >= deadline) {
      throw new CliError(
        ExitCode.OperationFailed,
        `timed out waiting for ${accepted.operation} of ${accepted.env} (operation ${accepted.operationId}); it may still be running: berth status ${accepted.env} --watch`,
      );
    }
    await ctx.io.sleep(ctx.pollMs);
  }
}

/** After a 202: print it (`--no-wait`) or wait for the operation. */
export async function afterAccepted(
  ctx: CommandContext,
  accepted: Accepted,
  options: MutationOptions,
): Promise<ExitCode> {
  if (options.wait === false) {
    if (ctx.json) printJson(ctx, accepted);
    else {
      ctx.io.stdout(
        `${accepted.operation} of ${accepted.env} accepted: operation ${accepted.operationId}\n  execution ${accepted.executionArn}\n  follow it: berth status ${accepted.env} --watch\n`,
      );
    }
    return ExitCode.Ok;
  }
  return waitForOperation(ctx, accepted, options.timeout === undefined ? {} : { timeout: options.timeout });
}

/** `--dry-run`: prints the plan from `POST /environments/{name}/plan`. */
export async function printPlan(
  ctx: CommandContext,
  name: string,
  body: { operation: string; spec?: unknown; desiredCount?: number; image?: string },
): Promise<ExitCode> {
  const plan = await ctx.api.plan(name, body);
  if (ctx.json) printJson(ctx, plan);
  else {
    ctx.io.stdout(
      `Plan for ${body.operation} of ${name} (dry run, nothing changed):\n${formatPlan(plan.steps as PlanStep[])}\n`,
    );
  }
  return ExitCode.Ok;
}
