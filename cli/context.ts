import type { ApiClient } from './api-client.ts';

/** What the CLI touches of the outside world (tests pass fakes). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads one line from stdin; `undefined` at end of input. */
  readonly readLine: () => Promise<string | undefined>;
  /** Whether a person can answer prompts (stdin is a TTY). */
  readonly interactive: boolean;
  /** Whether stdout is a terminal (progress lines may then update in place). Default false. */
  readonly stdoutIsTerminal?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  readonly fetch?: typeof fetch;
  /** Resolves when a long-running command (`berth dashboard`) should stop. Default: never (Ctrl-C exits). */
  readonly untilInterrupted?: () => Promise<void>;
  /** Aborted when the user asks to stop (Ctrl-C); `logs --follow` ends then. */
  readonly signal?: AbortSignal;
}

/** Options every command shares. */
export interface GlobalOptions {
  readonly api?: string;
  readonly json?: boolean;
}

/** Options of commands that change something. */
export interface MutationOptions {
  readonly dryRun?: boolean;
  readonly wait?: boolean;
  readonly requestId?: string;
  readonly timeout?: string;
}

export interface CommandContext {
  readonly io: CliIo;
  readonly api: ApiClient;
  readonly json: boolean;
  /** Poll interval while waiting (ms). */
  readonly pollMs: number;
}

/** Prints a value as indented JSON (for `--json`). */
export const printJson = (ctx: CommandContext, value: unknown): void =>
  ctx.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
