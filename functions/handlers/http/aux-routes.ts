import { ownerOf } from '../../core/access-policy.ts';
import { parseEnvSpec, ScheduleSchema } from '../../core/env-spec.ts';
import { ConfigError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { IDLE_AFTER_RULE, parseIdleAfter } from '../../core/idle.ts';
import { logGroupName, parseSince, taskIdOfStream, taskStreamName } from '../../core/logs.ts';
import { resourceNames } from '../../core/names.ts';
import {
  checkOperationField,
  PLANNABLE_OPERATIONS,
  type PlannableOperation,
  type PlanRequest,
} from '../../core/operation.ts';
import type { RouteHandler } from './api-deps.ts';
import { authorized } from './authorize.ts';
import { existing, nameParam } from './operation-request.ts';
import { isObject, rejectUnknownQuery } from './query.ts';
import { jsonObjectBody, rejectUnknownKeys } from './request.ts';
import { jsonResponse } from './response.ts';
import type { RouteName } from './routes.ts';
import { assertApplies, assertNotBusy } from './start-operation.ts';
import { assertInteger } from './validate.ts';

/** Default and largest page of `GET /environments/{name}/logs`. */
const DEFAULT_LOG_PAGE = 100;
const MAX_LOG_PAGE = 1000;
const TASK_ID = /^[A-Za-z0-9-]{1,64}$/;

/** `--filter TEXT` matches TEXT literally: one quoted CloudWatch Logs term. */
const literalPattern = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * The routes the `api-aux` function serves (http/routes.ts `AUX_ROUTES`): the logs (CloudWatch Logs), the
 * settings change (`PATCH`: idle sleep, the schedule through the schedule Lambda) and the dry runs (the plan
 * Lambda).
 */
export const auxRoutes = {
  async environmentLogs(ctx) {
    const name = nameParam(ctx);
    const q = rejectUnknownQuery(ctx.event, ['since', 'task', 'filter', 'nextToken', 'limit']);
    const startTime = parseSince(q['since'] ?? '10m', ctx.clock.now(), 'query.since');
    const task = q['task'];
    if (task !== undefined && !TASK_ID.test(task))
      throw new ValidationError('query.task', 'must be a task id (letters, digits and -, at most 64)');
    const filter = q['filter'];
    if (filter !== undefined && (filter.trim() === '' || filter.length > 512))
      throw new ValidationError('query.filter', 'must be 1–512 characters of text to find');
    let limit = DEFAULT_LOG_PAGE;
    if (q['limit'] !== undefined) {
      const parsed = /^\d{1,4}$/.test(q['limit']) ? Number(q['limit']) : Number.NaN;
      limit = assertInteger(parsed, 'query.limit', 1, MAX_LOG_PAGE);
    }
    const nextToken = q['nextToken'];
    if (nextToken !== undefined && (nextToken === '' || nextToken.length > 2048))
      throw new ValidationError('query.nextToken', 'must be a nextToken returned by a previous page');
    // Kept logs outlive their environment: a deleted environment's lines stay readable.
    const record = await authorized(ctx, 'logs', name);
    if (record === undefined) throw new NotFoundError(`environment "${name}" does not exist`);
    if (ctx.deps.logs === undefined) throw new Error('the API is not wired with CloudWatch Logs');
    const group = logGroupName(name);
    const page = await ctx.deps.logs.readLines({
      group,
      startTime,
      limit,
      ...(task === undefined
        ? {}
        : { streamPrefix: taskStreamName(resourceNames(name).containerName, task) }),
      ...(filter === undefined ? {} : { filterPattern: literalPattern(filter) }),
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    return jsonResponse(200, {
      env: name,
      group,
      lines: page.lines.map((line) => ({
        timestamp: new Date(line.timestamp).toISOString(),
        taskId: taskIdOfStream(line.stream),
        stream: line.stream,
        message: line.message,
        ...(line.eventId === undefined ? {} : { eventId: line.eventId }),
      })),
      nextToken: page.nextToken ?? null,
    });
  },

  /**
   * `PATCH /environments/{name}`: changes what can change without an operation — the spec's `idleAfter` (idle
   * sleep; `null` turns it off) and its sleep/wake `schedule` (`null` removes it; applied to EventBridge Scheduler
   * by the schedule function under the environment's lock, in any settled state, paused included; `dryRun` plans
   * it). Idempotent; authorized as `up` (a change of the spec); refused with 409 while an operation runs (its end
   * would write the spec it started with).
   */
  async updateEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event);
    rejectUnknownKeys(body, ['idleAfter', 'schedule', 'dryRun']);
    const hasIdle = 'idleAfter' in body;
    const hasSchedule = 'schedule' in body;
    if (!hasIdle && !hasSchedule) {
      throw new ValidationError(
        'idleAfter',
        'is required: a duration like 2h, or null to turn idle sleep off (or give schedule)',
      );
    }
    const dryRun = body['dryRun'];
    if (dryRun !== undefined && (typeof dryRun !== 'boolean' || hasIdle || !hasSchedule))
      throw new ValidationError('dryRun', 'must be true or false, with schedule alone');
    let idleAfter: string | null = null;
    if (hasIdle) {
      const value = body['idleAfter'];
      if (value !== null && typeof value !== 'string') {
        throw new ValidationError('idleAfter', `${IDLE_AFTER_RULE}, or null to turn idle sleep off`);
      }
      idleAfter = value === null ? null : value.trim();
      if (idleAfter !== null) parseIdleAfter(idleAfter);
    }
    const schedule = body['schedule'];
    if (hasSchedule && schedule !== null) {
      const parsed = ScheduleSchema.safeParse(schedule);
      if (!parsed.success) {
        const [issue] = parsed.error.issues;
        throw new ValidationError(
          ['schedule', ...(issue?.path ?? []).map(String)].join('.'),
          issue?.message ?? 'must be { sleep?, wake?, timezone? }',
        );
      }
    }
    await authorized(ctx, 'up', name);
    const record = await existing(ctx, name);
    await assertNotBusy(
      {
        registry: ctx.deps.registry,
        executions: ctx.deps.executions,
        clock: ctx.clock,
        ...(ctx.deps.lockTtlSeconds === undefined ? {} : { lockTtlSeconds: ctx.deps.lockTtlSeconds }),
      },
      name,
      '',
      record,
    );
    let changed: Record<string, unknown> = { name };
    if (hasIdle) {
      const { updatedAt } = await ctx.deps.registry.setIdleAfter(name, idleAfter);
      changed = { ...changed, idleAfter, updatedAt };
    }
    if (hasSchedule) {
      if (ctx.deps.schedules === undefined)
        throw new ConfigError('missing required environment variable BERTH_SCHEDULE_FUNCTION_NAME');
      const out = (await ctx.deps.schedules.change({
        name,
        schedule,
        ...(dryRun === true ? { dryRun } : {}),
      })) as { schedule?: unknown; steps?: unknown; status?: unknown };
      changed = { ...changed, status: out.status, schedule: out.schedule ?? null, steps: out.steps ?? [] };
      if (dryRun === true) changed = { ...changed, dryRun };
    }
    return jsonResponse(200, changed);
  },

  async planEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event);
    rejectUnknownKeys(body, ['operation', 'spec', 'desiredCount', 'image']);
    const operation = body['operation'];
    if (typeof operation !== 'string' || !(PLANNABLE_OPERATIONS as readonly string[]).includes(operation)) {
      throw new ValidationError('operation', `must be one of ${PLANNABLE_OPERATIONS.join(', ')}`);
    }
    const op = operation as PlannableOperation;
    const planImage =
      op === 'up' && isObject(body['spec']) && typeof body['spec']['image'] === 'string'
        ? body['spec']['image']
        : op === 'redeploy' && typeof body['image'] === 'string'
          ? body['image']
          : undefined;
    const planned = await authorized(ctx, op, name, planImage);
    if (op !== 'up' && body['spec'] !== undefined)
      throw new ValidationError('spec', `is only allowed for up`);
    if (op !== 'scale' && body['desiredCount'] !== undefined) {
      throw new ValidationError('desiredCount', 'is only allowed for scale');
    }
    if (op !== 'redeploy' && body['image'] !== undefined)
      throw new ValidationError('image', 'is only allowed for redeploy');
    let request: PlanRequest;
    if (op === 'up') {
      let spec: unknown;
      if (body['spec'] !== undefined) {
        // As for up, the owner is the caller's (or the environment's recorded owner), never the body's.
        const owner = planned?.status === 'deleted' ? undefined : planned?.owner;
        const parsed = parseEnvSpec({ ...(body['spec'] as object), owner: owner ?? ownerOf(ctx.caller) });
        if (parsed.name !== name)
          throw new ValidationError('spec.name', `must equal the environment name "${name}"`);
        spec = parsed;
      } else {
        const record = planned;
        if (record?.spec === undefined)
          throw new ValidationError('spec', `is required: environment "${name}" has no stored spec`);
        spec = record.spec;
      }
      request = { operation: op, env: name, spec };
    } else {
      if (op === 'scale' && body['desiredCount'] === undefined) {
        throw new ValidationError('desiredCount', 'is required');
      }
      const desiredCount =
        op === 'scale' ? checkOperationField('desiredCount', body['desiredCount']) : undefined;
      const image =
        op === 'redeploy' && body['image'] !== undefined
          ? checkOperationField('image', body['image'])
          : undefined;
      const record = await existing(ctx, name);
      if (op === 'pause' || op === 'resume') assertApplies(op, record);
      request = {
        operation: op,
        env: name,
        ...(record.spec === undefined ? {} : { spec: record.spec }),
        ...((op === 'pause' || op === 'resume') && record.paused !== undefined
          ? { paused: record.paused }
          : {}),
        ...(desiredCount === undefined ? {} : { desiredCount }),
        ...(image === undefined ? {} : { image }),
      };
    }
    if (ctx.deps.planner === undefined) throw new Error('the API is not wired with the plan Lambda');
    const { steps } = await ctx.deps.planner.plan(request);
    return jsonResponse(200, { operation: op, env: name, steps });
  },
} satisfies Partial<Record<RouteName, RouteHandler>>;
