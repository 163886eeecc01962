import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListTagsForResourceCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { OwnershipConflictError } from '../core/errors.ts';
import {
  type ObservedSchedule,
  type ObservedSchedules,
  SCHEDULE_KINDS,
  type ScheduledActionEvent,
  scheduleName,
} from '../core/schedules.ts';
import { fromAwsTags, MANAGED_BY_BERTH, TAG_MANAGED_BY, toAwsTags } from '../core/tags.ts';
import { hasAwsCode, mapAwsError } from './map-aws-error.ts';

const GONE = ['ResourceNotFoundException'];

/** A schedule to write: what core planned plus the target and role from the function's configuration. */
export interface ScheduleInput {
  readonly group: string;
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly input: ScheduledActionEvent;
  /** The `scheduled-action` function. */
  readonly targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  readonly roleArn: string;
}

/**
 * EventBridge Scheduler for Berth: the sleep/wake schedules of an environment in Berth's schedule group.
 * Schedules are not taggable (API Reference, TagResource takes a schedule group); ownership is the group's
 * `berth:managed-by` tag plus the schedule's name and the environment its target input names (core
 * `scheduleOwnershipTags`).
 */
export class AwsSchedulerAdapter {
  constructor(
    private readonly client: SchedulerClient,
    /** Berth's schedule group (`BERTH_SCHEDULE_GROUP`). */
    readonly group: string,
  ) {}

  /** The group's tags (undefined when it does not exist) and the environment's two schedules. */
  async observeSchedules(env: string): Promise<ObservedSchedules> {
    const groupTags = await this.#groupTags();
    if (groupTags === undefined) return { group: this.group };
    const found = await Promise.all(SCHEDULE_KINDS.map((kind) => this.#observe(scheduleName(env, kind))));
    const [sleep, wake] = found;
    return {
      group: this.group,
      groupTags,
      ...(sleep === undefined ? {} : { sleep }),
      ...(wake === undefined ? {} : { wake }),
    };
  }

  async #groupTags(): Promise<Record<string, string> | undefined> {
    try {
      const group = await this.client.send(new GetScheduleGroupCommand({ Name: this.group }));
      if (group.State === 'DELETING') return undefined;
      const tags = await this.client.send(new ListTagsForResourceCommand({ ResourceArn: group.Arn }));
      return { ...fromAwsTags(tags.Tags) };
    } catch (err) {
      if (hasAwsCode(err, GONE)) return undefined;
      throw mapAwsError(err, `scheduler.GetScheduleGroup ${this.group}`);
    }
  }

  async #observe(name: string): Promise<ObservedSchedule | undefined> {
    try {
      const out = await this.client.send(new GetScheduleCommand({ GroupName: this.group, Name: name }));
      let input: Partial<ScheduledActionEvent> | undefined;
      try {
        input = out.Target?.Input === undefined ? undefined : JSON.parse(out.Target.Input);
      } catch {
        input = undefined;
      }
      return {
        name,
        expression: out.ScheduleExpression ?? '',
        timezone: out.ScheduleExpressionTimezone ?? 'UTC',
        targetArn: out.Target?.Arn ?? '',
        state: out.State ?? 'ENABLED',
        ...(input === undefined || typeof input !== 'object' ? {} : { input }),
      };
    } catch (err) {
      if (hasAwsCode(err, GONE)) return undefined;
      throw mapAwsError(err, `scheduler.GetSchedule ${this.group}/${name}`);
    }
  }

  /**
   * Creates Berth's schedule group with its tags. One created meanwhile is taken only if it carries
   * `berth:managed-by=berth` (a foreign group of that name is an OwnershipConflictError).
   */
  async createScheduleGroup(name: string, tags: Readonly<Record<string, string>>): Promise<void> {
    try {
      await this.client.send(new CreateScheduleGroupCommand({ Name: name, Tags: toAwsTags(tags) }));
    } catch (err) {
      if (!hasAwsCode(err, ['ConflictException']))
        throw mapAwsError(err, `scheduler.CreateScheduleGroup ${name}`);
      const existing = await this.#groupTags();
      if (existing?.[TAG_MANAGED_BY] !== MANAGED_BY_BERTH)
        throw new OwnershipConflictError(`schedule group ${name}`, 'berth', { cause: err });
    }
  }

  /**
   * Writes a schedule (`FlexibleTimeWindow` OFF, `ActionAfterCompletion` NONE). `create` falls back to an update
   * when the schedule exists already (a retried step), `update` to a create when it is gone.
   */
  async putSchedule(schedule: ScheduleInput, mode: 'create' | 'update'): Promise<void> {
    const request = {
      Name: schedule.name,
      GroupName: schedule.group,
      ScheduleExpression: schedule.expression,
      ScheduleExpressionTimezone: schedule.timezone,
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      State: 'ENABLED' as const,
      ActionAfterCompletion: 'NONE' as const,
      Target: { Arn: schedule.targetArn, RoleArn: schedule.roleArn, Input: JSON.stringify(schedule.input) },
    };
    const context = `scheduler.${mode === 'create' ? 'CreateSchedule' : 'UpdateSchedule'} ${schedule.group}/${schedule.name}`;
    try {
      if (mode === 'create') await this.client.send(new CreateScheduleCommand(request));
      else await this.client.send(new UpdateScheduleCommand(request));
    } catch (err) {
      if (mode === 'create' && hasAwsCode(err, ['ConflictException'])) {
        // Created by an earlier attempt of this step: the planner already checked the name was the env's.
        await this.putSchedule(schedule, 'update');
        return;
      }
      if (mode === 'update' && hasAwsCode(err, GONE)) {
        await this.putSchedule(schedule, 'create');
        return;
      }
      throw mapAwsError(err, context);
    }
  }

  /** Deletes a schedule; one already gone is fine (a retried teardown). */
  async deleteSchedule(group: string, name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ GroupName: group, Name: name }));
    } catch (err) {
      if (hasAwsCode(err, GONE)) return;
      throw mapAwsError(err, `scheduler.DeleteSchedule ${group}/${name}`);
    }
  }
}
