import { ValidationError } from './errors.ts';

/**
 * The environment's workload logs: names, tags and time arithmetic (pure; no clock, no SDK).
 * Each environment has one CloudWatch Logs group `/berth/<env>`; each container writes through
 * the `awslogs` driver to `<container>/<container>/<task id>` (stream prefix = container name).
 */

/** Tag holding how many days the group outlives its environment (absent or 0: deleted on `down`). */
const TAG_LOGS_KEEP_DAYS = 'berth:logs-keep-days';
/** Tag set on `down` when the group is kept: the ISO time after which the nightly job deletes it. */
export const TAG_LOGS_EXPIRE_AT = 'berth:logs-expire-at';

/** Retention values CloudWatch Logs accepts (API Reference, PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const DEFAULT_LOG_RETENTION_DAYS = 14;
/** Longest `logs.keepDays`. */
export const MAX_LOG_KEEP_DAYS = 365;

/** Prefix of every environment log group. */
export const LOG_GROUP_PREFIX = '/berth/';

/** @example logGroupName('demo') // '/berth/demo' */
export const logGroupName = (env: string): string => `${LOG_GROUP_PREFIX}${env}`;

/** The `awslogs-stream-prefix` of a container: its name. */
export const logStreamPrefix = (containerName: string): string => containerName;

/** @example taskStreamName('app', 'abc') // 'app/app/abc' */
export const taskStreamName = (containerName: string, taskId: string): string =>
  `${logStreamPrefix(containerName)}/${containerName}/${taskId}`;

/** The task id at the end of an `awslogs` stream name. */
export const taskIdOfStream = (stream: string): string => stream.split('/').at(-1) ?? stream;

/**
 * The log-keeping tags of an environment's group (next to its ownership tags).
 *
 * @example logGroupTags(7) // { 'berth:logs-keep-days': '7' }
 */
export function logGroupTags(keepDays: number): Record<string, string> {
  return { [TAG_LOGS_KEEP_DAYS]: String(keepDays) };
}

/** Days the group's tags say to keep it after `down` (0 when absent or invalid). */
export function keepDaysOf(tags: Readonly<Record<string, string>>): number {
  const n = Number(tags[TAG_LOGS_KEEP_DAYS] ?? '0');
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** When a kept group expires: `now` + `keepDays` days. */
export function logsExpiry(keepDays: number, now: Date): Date {
  return new Date(now.getTime() + keepDays * 86_400_000);
}

/** The nightly decision for one log group. */
export type LogGroupDecision = { action: 'delete'; reason: string } | { action: 'keep'; reason: string };

/**
 * Whether the nightly job deletes a kept log group: only Berth's groups (managed-by tag) whose
 * expiry tag is in the past. A group without an expiry belongs to a live environment.
 *
 * @example decideLogGroupExpiry({ 'berth:managed-by': 'berth', 'berth:logs-expire-at': '2026-01-01T00:00:00.000Z' }, new Date('2026-02-01'))
 * // { action: 'delete', reason: 'kept logs expired at 2026-01-01T00:00:00.000Z' }
 */
export function decideLogGroupExpiry(tags: Readonly<Record<string, string>>, now: Date): LogGroupDecision {
  if (tags['berth:managed-by'] !== 'berth') return { action: 'keep', reason: 'not managed by Berth' };
  const at = tags[TAG_LOGS_EXPIRE_AT];
  if (at === undefined) return { action: 'keep', reason: 'environment still up' };
  const expiry = Date.parse(at);
  if (!Number.isFinite(expiry)) return { action: 'keep', reason: `unreadable expiry "${at}"` };
  return expiry <= now.getTime()
    ? { action: 'delete', reason: `kept logs expired at ${at}` }
    : { action: 'keep', reason: `kept until ${at}` };
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since`/`?since=`: a relative duration (`30s`, `10m`, `2h`, `1d`, `1w`) back from `now`, or an
 * ISO 8601 time. Returns epoch milliseconds.
 *
 * @throws ValidationError naming `field`
 * @example parseSince('10m', new Date('2026-01-01T00:10:00Z')) // Date.parse('2026-01-01T00:00:00Z')
 */
export function parseSince(text: string, now: Date, field = 'since'): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (m) return now.getTime() - Number(m[1]) * (UNITS[m[2] as string] as number);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  }
  throw new ValidationError(
    field,
    `must be a duration like 30s, 10m, 2h, 1d or 1w, or an ISO time (got "${text}")`,
  );
}

/** What a failure reason quotes of a stopped task's stream: at most this many lines… */
const QUOTED_LINES = 10;
/** …each cut to this many characters. */
const QUOTED_LINE_CHARS = 300;

/**
 * The last lines of a task's output as quoted in a failure reason: at most {@link QUOTED_LINES}
 * lines, each at most {@link QUOTED_LINE_CHARS} characters, joined with ` | `.
 *
 * @example quoteLastLines(['starting', 'fatal: boom']) // '"starting" | "fatal: boom"'
 */
export function quoteLastLines(lines: readonly string[]): string {
  return lines
    .slice(-QUOTED_LINES)
    .map((l) => l.replace(/\s+$/, ''))
    .map((l) => (l.length > QUOTED_LINE_CHARS ? `${l.slice(0, QUOTED_LINE_CHARS - 1)}…` : l))
    .map((l) => JSON.stringify(l))
    .join(' | ');
}

/**
 * The CloudWatch console page of a log group (what Slack `status` links to when deployed).
 *
 * @example logsConsoleUrl('us-east-1', '/berth/demo')
 */
export function logsConsoleUrl(region: string, group: string): string {
  // The console's hash route escapes '/' as '$252F' (a doubly URL-encoded slash).
  const escaped = encodeURIComponent(encodeURIComponent(group)).replace(/%/g, '$');
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${escaped}`;
}

/** A task as far as quoting its output goes. */
export interface QuotableTask {
  readonly arn: string;
  readonly lastStatus: string;
  readonly taskDefinitionArn: string;
  readonly stoppedReason?: string;
}

/**
 * The task whose last lines a failure reason quotes: the last stopped task with a stopped reason
 * (of `requestedTaskDefinition` when there is one), else the last task still running (a workload
 * that never turned healthy). Returns its id.
 *
 * @example taskToQuote([{ arn: 'arn:aws:ecs:us-east-1:1:task/c/abc', lastStatus: 'STOPPED', taskDefinitionArn: 'td', stoppedReason: 'Essential container in task exited' }]) // 'abc'
 */
export function taskToQuote(
  tasks: readonly QuotableTask[],
  requestedTaskDefinition?: string,
): string | undefined {
  const mine = (t: QuotableTask) =>
    requestedTaskDefinition === undefined || t.taskDefinitionArn === requestedTaskDefinition;
  const stopped = tasks.filter((t) => t.lastStatus === 'STOPPED' && (t.stoppedReason ?? '') !== '');
  const chosen =
    stopped.filter(mine).at(-1) ??
    stopped.at(-1) ??
    tasks.filter((t) => t.lastStatus !== 'STOPPED' && mine(t)).at(-1);
  return chosen ? taskIdOfStream(chosen.arn) : undefined;
}

/**
 * Appends `Last log lines of task <id>: "…" | "…"` to a failure reason, within `maxLength`
 * characters: the oldest quoted lines are dropped first, and the reason itself is never cut.
 *
 * @example withLastLines('Tasks stopped.', 'abc', ['fatal: boom'], 990)
 * // 'Tasks stopped. Last log lines of task abc: "fatal: boom"'
 */
export function withLastLines(
  reason: string,
  taskId: string,
  lines: readonly string[],
  maxLength: number,
): string {
  if (lines.length === 0) return reason;
  const separator = /[.!?…]$/.test(reason) ? ' ' : '. ';
  const head = `${reason}${separator}Last log lines of task ${taskId}: `;
  let shown = lines.slice(-QUOTED_LINES);
  while (shown.length > 0) {
    const text = `${head}${quoteLastLines(shown)}`;
    if (text.length <= maxLength) return text;
    shown = shown.slice(1);
  }
  return reason;
}
