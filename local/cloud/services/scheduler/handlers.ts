import type { RequestContext, ServiceFactory } from '../../core/types.ts';
import {
  checkName,
  constraint,
  DEFAULT_GROUP,
  isZone,
  type Schedule,
  type ScheduleGroup,
  type ScheduleInput,
  type SchedulerBackend,
  schedulerBackend,
  validation,
} from './backend.ts';

const backendOf = (ctx: RequestContext): SchedulerBackend =>
  schedulerBackend(ctx.cloud, ctx.accountId, ctx.region);

function tagsOf(raw: unknown, member: string): Record<string, string> {
  if (raw === undefined) return {};
  if (!Array.isArray(raw)) throw constraint(String(raw), member, 'Member must be a list of tags');
  const out: Record<string, string> = {};
  for (const t of raw) {
    const key = t?.Key;
    const value = t?.Value;
    if (typeof key !== 'string' || key === '' || key.length > 128)
      throw constraint(key, `${member}.member.key`, 'Member must have length between 1 and 128');
    if (typeof value !== 'string' || value.length > 256)
      throw constraint(value, `${member}.member.value`, 'Member must have length less than or equal to 256');
    out[key] = value;
  }
  return out;
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function date(raw: unknown, member: string): Date | undefined {
  if (raw === undefined || raw === null) return undefined;
  const n = typeof raw === 'number' ? raw * 1000 : Date.parse(String(raw));
  if (!Number.isFinite(n)) throw constraint(String(raw), member, 'Member must be a timestamp');
  return new Date(n);
}

/** The members of CreateSchedule / UpdateSchedule, checked as the API Reference constrains them. */
function scheduleInput(p: Record<string, any>): ScheduleInput {
  const name = checkName(p.Name, 'name');
  const groupName = p.GroupName === undefined ? DEFAULT_GROUP : checkName(p.GroupName, 'groupName');
  const expression = p.ScheduleExpression;
  if (typeof expression !== 'string' || expression === '')
    throw constraint(undefined, 'scheduleExpression', 'Member must not be null');
  if (expression.length > 256)
    throw constraint(expression, 'scheduleExpression', 'Member must have length less than or equal to 256');
  const timezone = p.ScheduleExpressionTimezone ?? 'UTC';
  if (typeof timezone !== 'string' || !isZone(timezone))
    throw validation(`Invalid time zone ${String(timezone)}`);
  const window = p.FlexibleTimeWindow;
  if (window === undefined || window === null)
    throw constraint(undefined, 'flexibleTimeWindow', 'Member must not be null');
  if (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')
    throw constraint(
      window.Mode,
      'flexibleTimeWindow.mode',
      'Member must satisfy enum value set: [OFF, FLEXIBLE]',
    );
  if (window.Mode === 'FLEXIBLE') {
    const minutes = window.MaximumWindowInMinutes;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440)
      throw validation('MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE.');
  } else if (window.MaximumWindowInMinutes !== undefined) {
    throw validation('MaximumWindowInMinutes must not be set when Mode is OFF.');
  }
  const target = p.Target;
  if (target === undefined || target === null)
    throw constraint(undefined, 'target', 'Member must not be null');
  for (const member of ['Arn', 'RoleArn'] as const) {
    if (typeof target[member] !== 'string' || target[member] === '')
      throw constraint(
        undefined,
        `target.${member.charAt(0).toLowerCase()}${member.slice(1)}`,
        'Member must not be null',
      );
  }
  if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(target.RoleArn))
    throw validation(`Invalid RoleArn ${String(target.RoleArn)}`);
  if (target.Input !== undefined && (typeof target.Input !== 'string' || target.Input.length > 8192))
    throw constraint(String(target.Input), 'target.input', 'Member must have length between 1 and 8192');
  const state = p.State ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED')
    throw constraint(state, 'state', 'Member must satisfy enum value set: [ENABLED, DISABLED]');
  const after = p.ActionAfterCompletion ?? 'NONE';
  if (after !== 'NONE' && after !== 'DELETE')
    throw constraint(after, 'actionAfterCompletion', 'Member must satisfy enum value set: [NONE, DELETE]');
  const startDate = date(p.StartDate, 'startDate');
  const endDate = date(p.EndDate, 'endDate');
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate)
    throw validation('The EndDate you specify must be after the StartDate.');
  return {
    name,
    groupName,
    expression,
    timezone,
    state,
    flexibleTimeWindow: { ...window },
    target: { ...target },
    actionAfterCompletion: after,
    ...(typeof p.Description === 'string' ? { description: p.Description } : {}),
    ...(startDate === undefined ? {} : { startDate }),
    ...(endDate === undefined ? {} : { endDate }),
  };
}

function renderSchedule(s: Schedule): Record<string, unknown> {
  return {
    Arn: s.arn,
    GroupName: s.groupName,
    Name: s.name,
    ScheduleExpression: s.expression,
    ScheduleExpressionTimezone: s.timezone,
    State: s.state,
    FlexibleTimeWindow: s.flexibleTimeWindow,
    Target: s.target,
    ActionAfterCompletion: s.actionAfterCompletion,
    CreationDate: s.creationDate,
    LastModificationDate: s.lastModificationDate,
    ...(s.description === undefined ? {} : { Description: s.description }),
    ...(s.startDate === undefined ? {} : { StartDate: s.startDate }),
    ...(s.endDate === undefined ? {} : { EndDate: s.endDate }),
  };
}

function renderGroup(g: ScheduleGroup): Record<string, unknown> {
  return {
    Arn: g.arn,
    Name: g.name,
    State: g.state,
    CreationDate: g.creationDate,
    LastModificationDate: g.lastModificationDate,
  };
}

function page<T>(items: T[], maxResults: unknown, token: unknown): { items: T[]; next?: string } {
  let limit = 100;
  if (maxResults !== undefined) {
    const n = Number(maxResults);
    if (!Number.isInteger(n) || n < 1 || n > 100)
      throw constraint(maxResults, 'maxResults', 'Member must have value between 1 and 100');
    limit = n;
  }
  let start = 0;
  if (typeof token === 'string' && token !== '') {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw validation('Invalid NextToken.');
  }
  const next = start + limit;
  return next < items.length
    ? { items: items.slice(start, next), next: Buffer.from(String(next)).toString('base64url') }
    : { items: items.slice(start) };
}

/**
 * EventBridge Scheduler (REST-JSON, `scheduler`): schedule groups with tags, schedules that invoke their Lambda
 * target when due. The routes are the API's (`POST /schedules/{Name}`, `GET /schedules?ScheduleGroup=…`, …).
 */
export const schedulerService: ServiceFactory = (cloud) => {
  cloud.addStateDumper('scheduler', () => {
    const out: Record<string, unknown> = {};
    for (const key of cloud.backendKeys('scheduler')) {
      const [account = '', region = ''] = key.split('/');
      const be = schedulerBackend(cloud, account, region);
      out[key] = {
        groups: [...be.groups.values()].map((g) => ({ name: g.name, state: g.state, tags: g.tags })),
        schedules: [...be.schedules.values()].map((s) => ({
          name: s.name,
          group: s.groupName,
          expression: s.expression,
          timezone: s.timezone,
          state: s.state,
          target: s.target.Arn,
          nextFireAt: s.nextFireAt === undefined ? null : new Date(s.nextFireAt).toISOString(),
        })),
        invocations: be.invocations,
      };
    }
    return out;
  });
  return {
    signingName: 'scheduler',
    protocol: 'rest-json',
    restRoutes: [
      { method: 'POST', path: '/schedules/{Name}', action: 'CreateSchedule' },
      { method: 'GET', path: '/schedules/{Name}', action: 'GetSchedule', query: { groupName: 'GroupName' } },
      { method: 'PUT', path: '/schedules/{Name}', action: 'UpdateSchedule' },
      {
        method: 'DELETE',
        path: '/schedules/{Name}',
        action: 'DeleteSchedule',
        query: { groupName: 'GroupName', clientToken: 'ClientToken' },
      },
      {
        method: 'GET',
        path: '/schedules',
        action: 'ListSchedules',
        query: {
          ScheduleGroup: 'GroupName',
          NamePrefix: 'NamePrefix',
          State: 'State',
          NextToken: 'NextToken',
          MaxResults: 'MaxResults',
        },
      },
      { method: 'POST', path: '/schedule-groups/{Name}', action: 'CreateScheduleGroup' },
      { method: 'GET', path: '/schedule-groups/{Name}', action: 'GetScheduleGroup' },
      {
        method: 'DELETE',
        path: '/schedule-groups/{Name}',
        action: 'DeleteScheduleGroup',
        query: { clientToken: 'ClientToken' },
      },
      {
        method: 'GET',
        path: '/schedule-groups',
        action: 'ListScheduleGroups',
        query: { NamePrefix: 'NamePrefix', NextToken: 'NextToken', MaxResults: 'MaxResults' },
      },
      { method: 'POST', path: '/tags/{ResourceArn}', action: 'TagResource' },
      {
        method: 'DELETE',
        path: '/tags/{ResourceArn}',
        action: 'UntagResource',
        query: { TagKeys: 'TagKeys' },
      },
      { method: 'GET', path: '/tags/{ResourceArn}', action: 'ListTagsForResource' },
    ],
    actions: {
      CreateSchedule: (p, ctx) => ({ ScheduleArn: backendOf(ctx).createSchedule(scheduleInput(p)).arn }),
      UpdateSchedule: (p, ctx) => ({ ScheduleArn: backendOf(ctx).updateSchedule(scheduleInput(p)).arn }),
      GetSchedule: (p, ctx) =>
        renderSchedule(
          backendOf(ctx).getSchedule(
            p.GroupName === undefined ? DEFAULT_GROUP : checkName(p.GroupName, 'groupName'),
            checkName(p.Name, 'name'),
          ),
        ),
      DeleteSchedule: (p, ctx) => {
        backendOf(ctx).deleteSchedule(
          p.GroupName === undefined ? DEFAULT_GROUP : checkName(p.GroupName, 'groupName'),
          checkName(p.Name, 'name'),
        );
        return {};
      },
      ListSchedules: (p, ctx) => {
        if (p.State !== undefined && p.State !== 'ENABLED' && p.State !== 'DISABLED')
          throw constraint(p.State, 'state', 'Member must satisfy enum value set: [ENABLED, DISABLED]');
        const all = backendOf(ctx).listSchedules({
          ...(p.GroupName === undefined ? {} : { group: checkName(p.GroupName, 'scheduleGroup') }),
          ...(p.NamePrefix === undefined ? {} : { namePrefix: String(p.NamePrefix) }),
          ...(p.State === undefined ? {} : { state: String(p.State) }),
        });
        const { items, next } = page(all, p.MaxResults, p.NextToken);
        return {
          Schedules: items.map((s) => ({
            Arn: s.arn,
            Name: s.name,
            GroupName: s.groupName,
            State: s.state,
            CreationDate: s.creationDate,
            LastModificationDate: s.lastModificationDate,
            Target: { Arn: s.target.Arn },
          })),
          ...(next === undefined ? {} : { NextToken: next }),
        };
      },
      CreateScheduleGroup: (p, ctx) => ({
        ScheduleGroupArn: backendOf(ctx).createGroup(checkName(p.Name, 'name'), tagsOf(p.Tags, 'tags')).arn,
      }),
      GetScheduleGroup: (p, ctx) => renderGroup(backendOf(ctx).getGroup(checkName(p.Name, 'name'))),
      DeleteScheduleGroup: (p, ctx) => {
        backendOf(ctx).deleteGroup(checkName(p.Name, 'name'));
        return {};
      },
      ListScheduleGroups: (p, ctx) => {
        const all = [...backendOf(ctx).groups.values()]
          .filter((g) => p.NamePrefix === undefined || g.name.startsWith(String(p.NamePrefix)))
          .sort((a, b) => a.name.localeCompare(b.name));
        const { items, next } = page(all, p.MaxResults, p.NextToken);
        return { ScheduleGroups: items.map(renderGroup), ...(next === undefined ? {} : { NextToken: next }) };
      },
      TagResource: (p, ctx) => {
        const group = backendOf(ctx).groupOfArn(String(p.ResourceArn ?? ''));
        Object.assign(group.tags, tagsOf(p.Tags, 'tags'));
        return {};
      },
      UntagResource: (p, ctx) => {
        const group = backendOf(ctx).groupOfArn(String(p.ResourceArn ?? ''));
        const keys = Array.isArray(p.TagKeys) ? p.TagKeys : p.TagKeys === undefined ? [] : [p.TagKeys];
        for (const key of keys) delete group.tags[String(key)];
        return {};
      },
      ListTagsForResource: (p, ctx) => ({
        Tags: tagList(backendOf(ctx).groupOfArn(String(p.ResourceArn ?? '')).tags),
      }),
    },
  };
};
