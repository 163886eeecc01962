/**
 * EventBridge Scheduler cron expressions and time zones, evaluated without a clock: the syntax is the one the
 * EventBridge Scheduler User Guide documents ("Schedule types on EventBridge Scheduler", cron-based schedules):
 *
 * `cron(minutes hours day-of-month month day-of-week year)` — six fields separated by white space:
 *
 * | field | values | wildcards |
 * | --- | --- | --- |
 * | minutes | 0-59 | , - * / |
 * | hours | 0-23 | , - * / |
 * | day-of-month | 1-31 | , - * ? / L W |
 * | month | 1-12 or JAN-DEC | , - * / |
 * | day-of-week | 1-7 or SUN-SAT (1 = Sunday) | , - * ? L # |
 * | year | 1970-2199 | , - * / |
 *
 * Day-of-month and day-of-week cannot both be given: one of them is `?` (a value or `*` in one requires `?` in
 * the other). `L` is the last day of the month (day-of-month) or of the week (day-of-week alone = Saturday;
 * `6L` = the last Friday of the month); `15W` is the weekday nearest the 15th (within the month); `3#2` is the
 * second Tuesday of the month.
 *
 * Time zones: the expression is evaluated in `ScheduleExpressionTimezone` (an IANA zone, default UTC). On daylight
 * saving changes Scheduler skips an invocation whose local time does not exist (spring forward) and runs an
 * ambiguous local time once (fall back) — "Daylight saving time on EventBridge Scheduler" in the same guide.
 */

/** A parsed cron expression: the allowed values of each field. */
export interface CronExpression {
  /** The expression as written, `cron(...)`. */
  readonly text: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: ReadonlySet<number>;
  /** Allowed years; `undefined` = every year (`*`). */
  readonly years: ReadonlySet<number> | undefined;
  readonly dayOfMonth: DayOfMonthRule;
  readonly dayOfWeek: DayOfWeekRule;
}

/** The day-of-month field. */
type DayOfMonthRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** The day-of-week field (1 = Sunday … 7 = Saturday). */
type DayOfWeekRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'lastOfMonth'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly nth: number };

/** Result of {@link parseCronExpression}: the expression, or the reason it is not one. */
export type CronParse = { ok: true; cron: CronExpression } | { ok: false; reason: string };

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS = {
  minutes: { label: 'minutes', min: 0, max: 59 },
  hours: { label: 'hours', min: 0, max: 23 },
  dayOfMonth: { label: 'day-of-month', min: 1, max: 31 },
  month: { label: 'month', min: 1, max: 12, names: MONTH_NAMES },
  dayOfWeek: { label: 'day-of-week', min: 1, max: 7, names: DAY_NAMES },
  year: { label: 'year', min: MIN_YEAR, max: MAX_YEAR },
} as const satisfies Record<string, FieldSpec>;

class CronSyntaxError extends Error {}

function value(text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`${spec.label} value '${text}' is not a number`);
  const n = Number(text);
  if (n < spec.min || n > spec.max)
    throw new CronSyntaxError(`${spec.label} value ${n} is outside ${spec.min}-${spec.max}`);
  return n;
}

/** Values of a field made of `,`-separated `*`, `n`, `a-b`, with an optional `/step`. */
function values(field: string, spec: FieldSpec): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    if (part === '') throw new CronSyntaxError(`${spec.label} has an empty list item`);
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronSyntaxError(`${spec.label} item '${part}' has two '/'`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1)
        throw new CronSyntaxError(`${spec.label} increment '${stepText}' is not a positive number`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a = '', b = '', more] = range.split('-');
      if (more !== undefined) throw new CronSyntaxError(`${spec.label} range '${range}' is not a-b`);
      from = value(a, spec);
      to = value(b, spec);
      if (from > to) throw new CronSyntaxError(`${spec.label} range '${range}' goes backwards`);
    } else {
      from = value(range, spec);
      // `a/step` runs from a to the end of the field.
      to = stepText === undefined ? from : spec.max;
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

function dayOfMonthRule(field: string): DayOfMonthRule {
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'last' };
  const weekday = /^(\d{1,2})W$/.exec(field);
  if (weekday) return { kind: 'nearestWeekday', day: value(weekday[1] as string, FIELDS.dayOfMonth) };
  return { kind: 'days', days: values(field, FIELDS.dayOfMonth) };
}

function dayOfWeekRule(field: string): DayOfWeekRule {
  if (field === '?') return { kind: 'any' };
  if (field.toUpperCase() === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^([A-Za-z]{3}|\d)L$/.exec(field);
  if (last) return { kind: 'lastOfMonth', day: value(last[1] as string, FIELDS.dayOfWeek) };
  const nth = /^([A-Za-z]{3}|\d)#(\d)$/.exec(field);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new CronSyntaxError(`day-of-week '${field}': the occurrence after # is 1-5`);
    return { kind: 'nth', day: value(nth[1] as string, FIELDS.dayOfWeek), nth: n };
  }
  return { kind: 'days', days: values(field, FIELDS.dayOfWeek) };
}

/**
 * Parses `cron(minutes hours day-of-month month day-of-week year)` as EventBridge Scheduler accepts it.
 *
 * @example parseCronExpression('cron(0 20 ? * MON-FRI *)').ok // true
 * @example parseCronExpression('cron(0 20 * * MON-FRI *)') // { ok: false, reason: '… one of them must be ?' }
 */
export function parseCronExpression(text: string): CronParse {
  const m = /^cron\((.*)\)$/.exec(text);
  if (!m)
    return { ok: false, reason: 'must be written cron(minutes hours day-of-month month day-of-week year)' };
  const fields = (m[1] as string).trim().split(/\s+/);
  if (fields.length !== 6)
    return {
      ok: false,
      reason: `has ${fields.length} fields; cron() takes 6: minutes hours day-of-month month day-of-week year`,
    };
  const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = fields;
  if ((dom === '?') === (dow === '?'))
    return {
      ok: false,
      reason: 'gives both day-of-month and day-of-week (or neither): one of them must be ?',
    };
  try {
    return {
      ok: true,
      cron: {
        text,
        minutes: [...values(min, FIELDS.minutes)].sort((a, b) => a - b),
        hours: [...values(hour, FIELDS.hours)].sort((a, b) => a - b),
        months: values(month, FIELDS.month),
        years: year === '*' ? undefined : values(year, FIELDS.year),
        dayOfMonth: dayOfMonthRule(dom),
        dayOfWeek: dayOfWeekRule(dow),
      },
    };
  } catch (error) {
    if (error instanceof CronSyntaxError) return { ok: false, reason: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------- time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Whether `zone` is a time zone name EventBridge Scheduler can evaluate in (an IANA tz database name such as
 * `Asia/Seoul`, `America/New_York` or `UTC`).
 *
 * @example isTimeZone('Asia/Seoul') // true
 * @example isTimeZone('Mars/Olympus') // false
 */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

function wallTime(epochMs: number, zone: string): Wall {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
  };
}

const wallAsUtc = (w: Wall): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);

/**
 * The instant at which the wall clock of `zone` shows `wall`: the earlier one when the time occurs twice (fall
 * back), `undefined` when it does not occur (spring forward).
 */
export function instantOf(wall: Wall, zone: string): number | undefined {
  const guess = wallAsUtc(wall);
  const candidates = new Set<number>();
  for (const probe of [guess - 86_400_000, guess, guess + 86_400_000]) {
    const offset = wallAsUtc(wallTime(probe, zone)) - Math.floor(probe / 60_000) * 60_000;
    const instant = guess - offset;
    if (wallAsUtc(wallTime(instant, zone)) === guess) candidates.add(instant);
  }
  return candidates.size === 0 ? undefined : Math.min(...candidates);
}

// ---------------------------------------------------------------- next occurrence

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday … 7 = Saturday. */
const weekday = (year: number, month: number, day: number): number =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysIn(year, month);
  const target = Math.min(day, last);
  const dow = weekday(year, month, target);
  if (dow === 7) return target === 1 ? target + 2 : target - 1; // Saturday: Friday, or Monday when the 1st
  if (dow === 1) return target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday when the last
  return target;
}

function dayMatches(cron: CronExpression, year: number, month: number, day: number): boolean {
  const dom = cron.dayOfMonth;
  switch (dom.kind) {
    case 'any':
      break;
    case 'days':
      return dom.days.has(day);
    case 'last':
      return day === daysIn(year, month);
    case 'nearestWeekday':
      return day === nearestWeekday(year, month, dom.day);
  }
  const dow = cron.dayOfWeek;
  const wd = weekday(year, month, day);
  switch (dow.kind) {
    case 'any':
      return true;
    case 'days':
      return dow.days.has(wd);
    case 'lastOfMonth':
      return wd === dow.day && day + 7 > daysIn(year, month);
    case 'nth':
      return wd === dow.day && Math.ceil(day / 7) === dow.nth;
  }
}

/**
 * The first instant strictly after `afterMs` (epoch ms) at which the schedule fires when evaluated in `zone`, or
 * `undefined` when it never fires again (its years are past). Times that do not exist in the zone are skipped;
 * a time that occurs twice fires at its first occurrence only.
 *
 * @example nextOccurrence(parse('cron(0 8 ? * MON-FRI *)'), 'Asia/Seoul', Date.parse('2026-11-27T23:00:00Z'))
 * // Date.parse('2026-11-29T23:00:00Z') — Monday 08:00 in Seoul
 */
export function nextOccurrence(cron: CronExpression, zone: string, afterMs: number): number | undefined {
  const start = wallTime(afterMs, zone);
  for (let year = start.year; year <= MAX_YEAR; year++) {
    if (cron.years !== undefined && !cron.years.has(year)) continue;
    for (let month = year === start.year ? start.month : 1; month <= 12; month++) {
      if (!cron.months.has(month)) continue;
      const sameMonth = year === start.year && month === start.month;
      for (let day = sameMonth ? start.day : 1; day <= daysIn(year, month); day++) {
        if (!dayMatches(cron, year, month, day)) continue;
        for (const hour of cron.hours) {
          for (const minute of cron.minutes) {
            const instant = instantOf({ year, month, day, hour, minute }, zone);
            if (instant !== undefined && instant > afterMs) return instant;
          }
        }
      }
    }
  }
  return undefined;
}
