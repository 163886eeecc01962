import { Cron } from 'croner';
import type { Cloud } from '../../core/cloud.ts';
import { ServiceError } from '../../core/service-error.ts';

/**
 * EventBridge Scheduler of one account and region: schedule groups (taggable) and schedules (not taggable), with
 * the checks and error codes of the EventBridge Scheduler API Reference (CreateSchedule, UpdateSchedule,
 * DeleteSchedule, GetSchedule, ListSchedules, CreateScheduleGroup, DeleteScheduleGroup, TagResource) — and
 * schedules that FIRE: an enabled schedule invokes its Lambda target (through the Lambda service attached to the
 * cloud, {@link Cloud.lambdaInvoker}) with its `Input` when its expression comes due, evaluated in its time zone.
 *
 * Expressions (User Guide, "Schedule types on EventBridge Scheduler"): `cron(minutes hours day-of-month month
 * day-of-week year)` (day-of-week 1-7 = SUN-SAT; one of day-of-month/day-of-week is `?`), `rate(value unit)`
 * (minute(s), hour(s), day(s)) and `at(yyyy-mm-ddThh:mm:ss)`. Daylight saving: a cron time that does not exist
 * in the zone is skipped, an ambiguous one runs once.
 */

export const DEFAULT_GROUP = 'default';
const NAME = /^[0-9a-zA-Z-_.]+$/;
const MAX_NAME = 64;
/** How often the backend looks for due schedules (real milliseconds; Scheduler's precision is one minute). */
const TICK_MS = 1_000;
/** A deleted group stays DELETING while its schedules are deleted (AWS-time ms, scaled by the profile). */
const GROUP_DELETION_MS = 5_000;

export interface ScheduleGroup {
  name: string;
  arn: string;
  state: 'ACTIVE' | 'DELETING';
  creationDate: Date;
  lastModificationDate: Date;
  tags: Record<string, string>;
}

interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  [key: string]: unknown;
}

export interface Schedule {
  name: string;
  groupName: string;
  arn: string;
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  flexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  target: ScheduleTarget;
  actionAfterCompletion: 'NONE' | 'DELETE';
  description?: string;
  startDate?: Date;
  endDate?: Date;
  creationDate: Date;
  lastModificationDate: Date;
  /** When it fires next (epoch ms), or undefined when it never fires again. */
  nextFireAt: number | undefined;
}

/** One invocation of a schedule's target, for `/_berth/state` and the fire control. */
export interface Invocation {
  schedule: string;
  group: string;
  at: string;
  target: string;
  outcome: 'invoked' | 'failed' | 'unsupported-target';
  error?: string;
}

/** What CreateSchedule / UpdateSchedule carry (already shape-checked by the handlers). */
export interface ScheduleInput {
  name: string;
  groupName: string;
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  flexibleTimeWindow: Schedule['flexibleTimeWindow'];
  target: ScheduleTarget;
  actionAfterCompletion: 'NONE' | 'DELETE';
  description?: string;
  startDate?: Date;
  endDate?: Date;
}

export const validation = (message: string) => new ServiceError('ValidationException', message);
const notFound = (message: string) => new ServiceError('ResourceNotFoundException', message, 404);
const conflict = (message: string) => new ServiceError('ConflictException', message, 409);

/** Smithy's constraint message for a member that breaks a rule. */
export const constraint = (value: unknown, member: string, rule: string) =>
  validation(
    `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${member}' failed to satisfy constraint: ${rule}`,
  );

/** Checks a schedule or group name (1-64 of `[0-9a-zA-Z-_.]`). */
export function checkName(value: unknown, member: string): string {
  if (typeof value !== 'string' || value === '')
    throw constraint(undefined, member, 'Member must not be null');
  if (value.length > MAX_NAME)
    throw constraint(value, member, `Member must have length less than or equal to ${MAX_NAME}`);
  if (!NAME.test(value))
    throw constraint(value, member, 'Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$');
  return value;
}

/** Whether `zone` names a time zone (the tz database, as `ScheduleExpressionTimezone` takes). */
export function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return /^[A-Za-z]/.test(zone);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- expressions

type Compiled =
  | { kind: 'cron'; cron: Cron }
  | { kind: 'rate'; everyMs: number }
  | { kind: 'at'; wall: { y: number; mo: number; d: number; h: number; mi: number; s: number } };

const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * Compiles a schedule expression, or throws `ValidationException: Invalid Schedule Expression <expression>` (the
 * message the service answers with, as reported against other emulators that accepted invalid expressions).
 */
export function compileExpression(expression: string, timezone: string): Compiled {
  const invalid = () => validation(`Invalid Schedule Expression ${expression}`);
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const unit = (rate[2] as string).replace(/s$/, '');
    if (n < 1) throw invalid();
    return { kind: 'rate', everyMs: n * (RATE_UNITS[unit] as number) };
  }
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [y, mo, d, h, mi, s] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    const check = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
      throw invalid();
    return { kind: 'at', wall: { y, mo, d, h, mi, s } };
  }
  const cron = /^cron\(([^)]*)\)$/.exec(expression);
  if (!cron) throw invalid();
  const fields = (cron[1] as string).trim().split(/\s+/);
  if (fields.length !== 6) throw invalid();
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  // One of day-of-month and day-of-week is `?`, never both, never neither.
  if ((dom === '?') === (dow === '?')) throw invalid();
  if (year !== '*' && !/^[\d,\-/*]+$/.test(year)) throw invalid();
  for (const y of year.match(/\d{4,}/g) ?? []) if (Number(y) < 1970 || Number(y) > 2199) throw invalid();
  // Day-of-week `L` alone is the last day of the week, Saturday (7).
  const weekday = dow.toUpperCase() === 'L' ? '7' : dow;
  try {
    return {
      kind: 'cron',
      cron: new Cron(`0 ${min} ${hour} ${dom} ${month} ${weekday} ${year}`, {
        timezone,
        alternativeWeekdays: true,
        mode: '7-part',
        paused: true,
      }),
    };
  } catch {
    throw invalid();
  }
}

function wallOffsetMs(epochMs: number, zone: string): number {
  const parts: Record<string, number> = {};
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  for (const p of f.formatToParts(new Date(epochMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** When a compiled expression fires after `afterMs`, or undefined when it never does again. */
export function nextFire(
  compiled: Compiled,
  timezone: string,
  afterMs: number,
  anchorMs: number,
  endMs?: number,
): number | undefined {
  let next: number | undefined;
  switch (compiled.kind) {
    case 'rate': {
      const periods = Math.floor((afterMs - anchorMs) / compiled.everyMs) + 1;
      next = anchorMs + Math.max(periods, 0) * compiled.everyMs;
      break;
    }
    case 'at': {
      const { y, mo, d, h, mi, s } = compiled.wall;
      const guess = Date.UTC(y, mo - 1, d, h, mi, s);
      const instant = guess - wallOffsetMs(guess - wallOffsetMs(guess, timezone), timezone);
      next = instant > afterMs ? instant : undefined;
      break;
    }
    case 'cron': {
      let from = new Date(afterMs);
      // The cron library moves a time that falls in a spring-forward gap to after the gap; Scheduler skips it.
      for (let i = 0; i < 48; i++) {
        const run = compiled.cron.nextRun(from);
        if (run === null) return undefined;
        if (compiled.cron.match(run)) {
          next = run.getTime();
          break;
        }
        from = run;
      }
      break;
    }
  }
  return next !== undefined && endMs !== undefined && next > endMs ? undefined : next;
}

// ---------------------------------------------------------------- backend

export class SchedulerBackend {
  readonly groups = new Map<string, ScheduleGroup>();
  /** Key `<group>/<name>`. */
  readonly schedules = new Map<string, Schedule>();
  readonly invocations: Invocation[] = [];
  readonly #compiled = new Map<string, Compiled>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cloud: Cloud,
    readonly accountId: string,
    readonly region: string,
  ) {
    const now = cloud.clock.now();
    this.groups.set(DEFAULT_GROUP, {
      name: DEFAULT_GROUP,
      arn: this.groupArn(DEFAULT_GROUP),
      state: 'ACTIVE',
      creationDate: now,
      lastModificationDate: now,
      tags: {},
    });
    this.#timer = setInterval(() => this.tick(), TICK_MS);
    this.#timer.unref();
    cloud.onReset(() => this.shutdown());
    cloud.onStop(() => this.shutdown());
  }

  shutdown(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  groupArn(name: string): string {
    return `arn:aws:scheduler:${this.region}:${this.accountId}:schedule-group/${name}`;
  }

  scheduleArn(group: string, name: string): string {
    return `arn:aws:scheduler:${this.region}:${this.accountId}:schedule/${group}/${name}`;
  }

  // ---- groups

  createGroup(name: string, tags: Record<string, string>): ScheduleGroup {
    if (this.groups.has(name)) throw conflict(`Schedule group ${name} already exists.`);
    const now = this.cloud.clock.now();
    const group: ScheduleGroup = {
      name,
      arn: this.groupArn(name),
      state: 'ACTIVE',
      creationDate: now,
      lastModificationDate: now,
      tags: { ...tags },
    };
    this.groups.set(name, group);
    return group;
  }

  getGroup(name: string): ScheduleGroup {
    const group = this.groups.get(name);
    if (group === undefined) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  }

  /** The group an ARN names (tagging calls); schedules are not taggable. */
  groupOfArn(arn: string): ScheduleGroup {
    const m = /^arn:aws:scheduler:([^:]+):(\d{12}):schedule-group\/([0-9a-zA-Z-_.]+)$/.exec(arn);
    if (!m) {
      if (/^arn:aws:scheduler:[^:]+:\d{12}:schedule\//.test(arn))
        throw validation(`Tagging is not supported for schedules: ${arn}. Tag the schedule group instead.`);
      throw validation(`Invalid ResourceArn ${arn}`);
    }
    if (m[1] !== this.region || m[2] !== this.accountId)
      throw notFound(`Schedule group ${m[3]} does not exist.`);
    return this.getGroup(m[3] as string);
  }

  /**
   * Deletes a group and, with it, every schedule in it: the group stays `DELETING` until they are gone
   * (API Reference, DeleteScheduleGroup: "Deleting a schedule group results in EventBridge Scheduler deleting
   * all schedules associated with the group"; the deletion is asynchronous).
   */
  deleteGroup(name: string): void {
    if (name === DEFAULT_GROUP) throw validation('The default schedule group cannot be deleted.');
    const group = this.getGroup(name);
    if (group.state === 'DELETING') return;
    group.state = 'DELETING';
    group.lastModificationDate = this.cloud.clock.now();
    this.cloud.clock.timer(GROUP_DELETION_MS, () => {
      for (const [key, s] of this.schedules) if (s.groupName === name) this.#remove(key);
      if (this.groups.get(name) === group) this.groups.delete(name);
    });
  }

  // ---- schedules

  #key(group: string, name: string): string {
    return `${group}/${name}`;
  }

  #remove(key: string): void {
    this.schedules.delete(key);
    this.#compiled.delete(key);
  }

  #activeGroup(name: string): ScheduleGroup {
    const group = this.getGroup(name);
    if (group.state === 'DELETING') throw conflict(`Schedule group ${name} is being deleted.`);
    return group;
  }

  #schedule(input: ScheduleInput, created: Date | undefined): Schedule {
    const compiled = compileExpression(input.expression, input.timezone);
    const now = this.cloud.clock.now();
    const anchor = (input.startDate ?? now).getTime();
    const schedule: Schedule = {
      name: input.name,
      groupName: input.groupName,
      arn: this.scheduleArn(input.groupName, input.name),
      expression: input.expression,
      timezone: input.timezone,
      state: input.state,
      flexibleTimeWindow: input.flexibleTimeWindow,
      target: input.target,
      actionAfterCompletion: input.actionAfterCompletion,
      creationDate: created ?? now,
      lastModificationDate: now,
      nextFireAt: undefined,
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.startDate === undefined ? {} : { startDate: input.startDate }),
      ...(input.endDate === undefined ? {} : { endDate: input.endDate }),
    };
    const after = Math.max(now.getTime(), anchor - 1);
    schedule.nextFireAt = nextFire(compiled, input.timezone, after, anchor, input.endDate?.getTime());
    this.#compiled.set(this.#key(input.groupName, input.name), compiled);
    return schedule;
  }

  createSchedule(input: ScheduleInput): Schedule {
    this.#activeGroup(input.groupName);
    const key = this.#key(input.groupName, input.name);
    if (this.schedules.has(key)) throw conflict(`Schedule ${input.name} already exists.`);
    const schedule = this.#schedule(input, undefined);
    this.schedules.set(key, schedule);
    return schedule;
  }

  getSchedule(group: string, name: string): Schedule {
    this.getGroup(group);
    const schedule = this.schedules.get(this.#key(group, name));
    if (schedule === undefined) throw notFound(`Schedule ${name} does not exist.`);
    return schedule;
  }

  /** UpdateSchedule replaces every field (what is not given takes its default). */
  updateSchedule(input: ScheduleInput): Schedule {
    const current = this.getSchedule(input.groupName, input.name);
    const schedule = this.#schedule(input, current.creationDate);
    this.schedules.set(this.#key(input.groupName, input.name), schedule);
    return schedule;
  }

  deleteSchedule(group: string, name: string): void {
    this.getSchedule(group, name);
    this.#remove(this.#key(group, name));
  }

  listSchedules(filter: { group?: string; namePrefix?: string; state?: string }): Schedule[] {
    if (filter.group !== undefined) this.getGroup(filter.group);
    return [...this.schedules.values()]
      .filter(
        (s) =>
          (filter.group === undefined || s.groupName === filter.group) &&
          (filter.namePrefix === undefined || s.name.startsWith(filter.namePrefix)) &&
          (filter.state === undefined || s.state === filter.state),
      )
      .sort((a, b) =>
        a.groupName === b.groupName ? a.name.localeCompare(b.name) : a.groupName.localeCompare(b.groupName),
      );
  }

  // ---- firing

  /** Fires every enabled schedule that is due. */
  tick(): void {
    const now = this.cloud.clock.now().getTime();
    for (const schedule of [...this.schedules.values()]) {
      if (schedule.state !== 'ENABLED' || schedule.nextFireAt === undefined || schedule.nextFireAt > now)
        continue;
      void this.fire(schedule);
    }
  }

  /**
   * Invokes the schedule's target now (asynchronously, as Scheduler invokes Lambda with the `Input` as the event),
   * then moves it to its next time — or deletes it after its last one when `ActionAfterCompletion` is DELETE.
   */
  async fire(schedule: Schedule): Promise<Invocation> {
    const key = this.#key(schedule.groupName, schedule.name);
    const compiled = this.#compiled.get(key);
    const now = this.cloud.clock.now().getTime();
    schedule.nextFireAt =
      compiled === undefined
        ? undefined
        : nextFire(
            compiled,
            schedule.timezone,
            Math.max(now, schedule.nextFireAt ?? now),
            (schedule.startDate ?? schedule.creationDate).getTime(),
            schedule.endDate?.getTime(),
          );
    if (schedule.nextFireAt === undefined && schedule.actionAfterCompletion === 'DELETE') this.#remove(key);
    const invocation: Invocation = {
      schedule: schedule.name,
      group: schedule.groupName,
      at: new Date(now).toISOString(),
      target: schedule.target.Arn,
      outcome: 'invoked',
    };
    this.invocations.push(invocation);
    if (this.invocations.length > 200) this.invocations.shift();
    const invoke = this.cloud.lambdaInvoker;
    if (!/^arn:aws:lambda:/.test(schedule.target.Arn) || invoke === undefined) {
      invocation.outcome = 'unsupported-target';
      invocation.error =
        invoke === undefined
          ? 'no Lambda service is attached to this cloud'
          : 'the local cloud invokes Lambda targets only';
      return invocation;
    }
    let event: unknown = {};
    if (schedule.target.Input !== undefined) {
      try {
        event = JSON.parse(schedule.target.Input);
      } catch {
        event = schedule.target.Input;
      }
    }
    try {
      await invoke(schedule.target.Arn, event);
    } catch (error) {
      invocation.outcome = 'failed';
      invocation.error = error instanceof Error ? error.message : String(error);
    }
    return invocation;
  }
}

/** The Scheduler backend of one account and region. */
export const schedulerBackend = (cloud: Cloud, accountId: string, region: string): SchedulerBackend =>
  cloud.backend('scheduler', accountId, region, () => new SchedulerBackend(cloud, accountId, region));

/**
 * Fires one schedule now, wherever it lives (the control endpoint `POST /_berth/scheduler/fire`: tests and
 * demos need not wait for the clock). Throws `ResourceNotFoundException` when no such schedule exists.
 */
export async function fireSchedule(cloud: Cloud, name: string, group = DEFAULT_GROUP): Promise<Invocation> {
  for (const key of cloud.backendKeys('scheduler')) {
    const [account = '', region = ''] = key.split('/');
    const backend = schedulerBackend(cloud, account, region);
    const schedule = backend.schedules.get(`${group}/${name}`);
    if (schedule !== undefined) return backend.fire(schedule);
  }
  throw notFound(`Schedule ${name} does not exist.`);
}
