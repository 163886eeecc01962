/**
 * Sleep/wake schedules of an environment (spec `schedule`): EventBridge Scheduler schedules named
 * `berth-<env>-sleep` and `berth-<env>-wake` in Berth's schedule group, each invoking the `scheduled-action`
 * function with `{ name, action: 'pause' | 'resume' }`.
 *
 * Ownership: EventBridge Scheduler tags schedule groups, not schedules (API Reference, TagResource: the
 * resource is a schedule group). A schedule is the environment's when its group carries
 * `berth:managed-by=berth`, its name is the environment's, and its target input names the environment —
 * anything else with that name is an `OwnershipConflictError`, never changed or deleted.
 */
import type { ScheduleSpec } from './env-spec.ts';
import { NAME_PREFIX } from './names.ts';
import { nextOccurrence, parseCronExpression } from './schedule-expression.ts';
import { MANAGED_BY_BERTH, TAG_ENV, TAG_MANAGED_BY } from './tags.ts';

/** What a schedule does to its environment. */
export type ScheduleKind = 'sleep' | 'wake';
export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['sleep', 'wake'];

/** The operation a schedule starts. */
const SCHEDULE_ACTIONS: Readonly<Record<ScheduleKind, 'pause' | 'resume'>> = {
  sleep: 'pause',
  wake: 'resume',
};

/** Default name of Berth's schedule group (`BERTH_SCHEDULE_GROUP`). */
export const DEFAULT_SCHEDULE_GROUP = 'berth-environments';

/** `berth-<env>-sleep` / `berth-<env>-wake` (at most 32 characters for a 20-character name; the limit is 64). */
export const scheduleName = (env: string, kind: ScheduleKind): string => `${NAME_PREFIX}${env}-${kind}`;

/** The event the schedule's target receives (its `Input`, as JSON). */
export interface ScheduledActionEvent {
  readonly name: string;
  readonly action: 'pause' | 'resume';
}

/** One schedule as observed in EventBridge Scheduler. */
export interface ObservedSchedule {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly targetArn: string;
  /** The target's `Input`, parsed (undefined when it is not JSON). */
  readonly input?: Partial<ScheduledActionEvent>;
  readonly state: string;
}

/** The environment's schedules and the group they live in (observed by the adapter). */
export interface ObservedSchedules {
  readonly group: string;
  /** The group's tags; undefined when the group does not exist. */
  readonly groupTags?: Readonly<Record<string, string>>;
  readonly sleep?: ObservedSchedule;
  readonly wake?: ObservedSchedule;
}

/**
 * The tags a schedule stands for (ownership checks treat them like a resource's tags): the environment its
 * input names and the group's `berth:managed-by`.
 */
export function scheduleOwnershipTags(
  observed: ObservedSchedules,
  schedule: ObservedSchedule,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof schedule.input?.name === 'string') out[TAG_ENV] = schedule.input.name;
  const managedBy = observed.groupTags?.[TAG_MANAGED_BY];
  if (managedBy !== undefined) out[TAG_MANAGED_BY] = managedBy;
  return out;
}

/** The group's tags Berth creates it with. */
export const scheduleGroupTags = (): Record<string, string> => ({ [TAG_MANAGED_BY]: MANAGED_BY_BERTH });

/** A schedule as the spec wants it. */
export interface DesiredSchedule {
  readonly kind: ScheduleKind;
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly input: ScheduledActionEvent;
}

/** The schedules `spec.schedule` asks for (none without a schedule). */
export function desiredSchedules(env: string, schedule: ScheduleSpec | undefined): DesiredSchedule[] {
  if (schedule === undefined) return [];
  const out: DesiredSchedule[] = [];
  for (const kind of SCHEDULE_KINDS) {
    const expression = schedule[kind];
    if (expression === undefined) continue;
    out.push({
      kind,
      name: scheduleName(env, kind),
      expression,
      timezone: schedule.timezone,
      input: { name: env, action: SCHEDULE_ACTIONS[kind] },
    });
  }
  return out;
}

/** What differs between an observed schedule and the desired one (empty: nothing). */
export function scheduleDrift(
  observed: ObservedSchedule,
  desired: DesiredSchedule,
  targetArn: string | undefined,
): string[] {
  const drift: string[] = [];
  if (observed.expression !== desired.expression)
    drift.push(`${observed.expression} → ${desired.expression}`);
  if (observed.timezone !== desired.timezone)
    drift.push(`time zone ${observed.timezone} → ${desired.timezone}`);
  if (observed.input?.action !== desired.input.action) drift.push(`action → ${desired.input.action}`);
  if (targetArn !== undefined && observed.targetArn !== targetArn) drift.push('target function');
  if (observed.state !== 'ENABLED') drift.push(`state ${observed.state} → ENABLED`);
  return drift;
}

/** The schedule shown on an environment: the spec's expressions with their next times. */
export interface ScheduleView {
  readonly sleep?: string;
  readonly wake?: string;
  readonly timezone: string;
  /** ISO time of the next sleep / wake after `now` (absent when it never fires again). */
  readonly nextSleep?: string;
  readonly nextWake?: string;
}

/**
 * The spec's schedule with the next sleep and wake after `now`, evaluated as EventBridge Scheduler does.
 *
 * @example scheduleView({ sleep: 'cron(0 20 ? * MON-FRI *)', timezone: 'UTC' }, new Date('2026-11-30T12:00:00Z'))
 * // { sleep: 'cron(0 20 ? * MON-FRI *)', timezone: 'UTC', nextSleep: '2026-11-30T20:00:00.000Z' }
 */
export function scheduleView(schedule: ScheduleSpec, now: Date): ScheduleView {
  const next = (expression: string | undefined): string | undefined => {
    if (expression === undefined) return undefined;
    const parsed = parseCronExpression(expression);
    if (!parsed.ok) return undefined;
    const at = nextOccurrence(parsed.cron, schedule.timezone, now.getTime());
    return at === undefined ? undefined : new Date(at).toISOString();
  };
  const nextSleep = next(schedule.sleep);
  const nextWake = next(schedule.wake);
  return {
    ...(schedule.sleep === undefined ? {} : { sleep: schedule.sleep }),
    ...(schedule.wake === undefined ? {} : { wake: schedule.wake }),
    timezone: schedule.timezone,
    ...(nextSleep === undefined ? {} : { nextSleep }),
    ...(nextWake === undefined ? {} : { nextWake }),
  };
}
