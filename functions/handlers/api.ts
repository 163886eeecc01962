import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { type AccessAction, type Caller, entryOf, ownerOf } from '../core/access-policy.ts';
import { parseDuration } from '../core/duration.ts';
import { parseEnvSpec, ScheduleSchema } from '../core/env-spec.ts';
import { environmentResources } from '../core/environment-resources.ts';
import { ConfigError, NotFoundError, RouteConflictError, ValidationError } from '../core/errors.ts';
import { IDLE_AFTER_RULE, parseIdleAfter } from '../core/idle.ts';
import { logGroupName, parseSince, taskIdOfStream, taskStreamName } from '../core/logs.ts';
import { resourceNames } from '../core/names.ts';
import {
  causeText,
  type NightlyRunResult,
  type RecordedFailure,
  summarizeNightly,
} from '../core/nightly-report.ts';
import {
  checkOperationField,
  PLANNABLE_OPERATIONS,
  type PlannableOperation,
  type PlanRequest,
} from '../core/operation.ts';
import { type ScheduleView, scheduleView } from '../core/schedules.ts';
import { describeRoute, isWildcardHost, routeOfLoadBalancer, sameRoute } from '../core/shared-route.ts';
import { loadHandlerConfig } from './config.ts';
import {
  anonymousDenied,
  type DenialLogger,
  developmentPolicySource,
  enforce,
  type PolicySource,
  policyFromConfig,
} from './http/access.ts';
import { awsEntryPorts } from './http/aws-deps.ts';
import { MethodNotAllowedError, RouteNotFoundError } from './http/http-errors.ts';
import {
  type Clock,
  ENVIRONMENT_STATUSES,
  type EnvironmentRecord,
  type ExecutionsPort,
  type LifecycleInput,
  type LogsPort,
  type OperationRecord,
  type OperationStep,
  type RegistryPort,
  type StartReads,
  systemClock,
} from './http/ports.ts';
import { header, jsonObjectBody, rawBody, rejectUnknownKeys } from './http/request.ts';
import { type ErrorLogger, errorResponse, jsonResponse } from './http/response.ts';
import { functionOfRoute, matchRoute, type RouteName } from './http/routes.ts';
import {
  assertApplies,
  assertNotBusy,
  assertRequestId,
  type StartedOperation,
  startOperation,
} from './http/start-operation.ts';
import { assertInteger } from './http/validate.ts';
import { costOfRecord, functionRegion, lazyPricing, type PricingSource } from './pricing.ts';

/** Operations the plan route can preview, and the plan Lambda's input (core's `PlanRequestSchema`). */
export type { PlanRequest } from '../core/operation.ts';

/** Runs a dry run (in AWS: Lambda Invoke of `BERTH_PLAN_FUNCTION_NAME`). */
export interface PlannerPort {
  plan(request: PlanRequest): Promise<{ steps: readonly unknown[] }>;
}

/** Invokes a Lambda function synchronously with a JSON payload; rethrows its error by `name`. */
export type InvokeJson = (functionName: string, payload: unknown) => Promise<unknown>;

/**
 * The planner that invokes the plan Lambda (`functions/handlers/plan.ts`) by name.
 *
 * @example const planner = lambdaPlanner(invokeJson, 'berth-plan');
 */
export const lambdaPlanner = (invoke: InvokeJson, functionName: string): PlannerPort => ({
  async plan(request) {
    const out = (await invoke(functionName, request)) as { steps?: unknown } | null;
    if (!Array.isArray(out?.steps)) throw new Error(`plan function ${functionName} returned no steps`);
    return { steps: out.steps };
  },
});

/** Changes a settled environment's sleep/wake schedule (in AWS: Lambda Invoke of `BERTH_SCHEDULE_FUNCTION_NAME`). */
export interface SchedulesPort {
  change(request: { name: string; schedule: unknown; dryRun?: boolean }): Promise<unknown>;
}

export interface ApiDeps {
  readonly registry: RegistryPort;
  readonly executions: ExecutionsPort;
  /** The dry runs (`POST /environments/{name}/plan`; deployed, the `api-aux` function's). */
  readonly planner?: PlannerPort;
  /** `PATCH /environments/{name}` with `schedule` (absent: refused as not configured; deployed, `api-aux`'s). */
  readonly schedules?: SchedulesPort;
  readonly clock?: Clock;
  readonly logger?: ErrorLogger;
  /** Seconds a `currentOperation` without a lock item still counts as running (default 7200). */
  readonly lockTtlSeconds?: number;
  /** The environments' log groups (`GET /environments/{name}/logs`). */
  readonly logs?: LogsPort;
  /** The access policy every route applies (default: the development policy — tests and local use only). */
  readonly policy?: PolicySource;
  /** Where refusals are logged (default: a structured line on stderr). */
  readonly denialLogger?: DenialLogger;
  /**
   * The local platform only: trust `requestContext.identity.user`, which the local API server sets to the OS
   * user (or `BERTH_OWNER`), as a `local` caller. Deployed, only API Gateway's IAM `userArn` identifies a caller.
   */
  readonly localCallers?: boolean;
  /** Prices for each environment's `cost` (default: `BERTH_PRICES_FILE` or the table shipped with Berth). */
  readonly pricing?: PricingSource;
}

/** Largest page of `GET /environments`. */
const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 50;
/** Operations shown by `GET /environments/{name}`. */
const RECENT_OPERATIONS = 10;
/** Default and largest page of `GET /environments/{name}/operations`. */
const DEFAULT_HISTORY_PAGE = 20;
const MAX_HISTORY_PAGE = 100;
/** The history route reads at most this many operations of one environment (newest first). */
const MAX_HISTORY = 1000;

interface Context {
  readonly event: APIGatewayProxyEvent;
  readonly params: Readonly<Record<string, string>>;
  readonly deps: ApiDeps;
  readonly clock: Clock;
  /** The verified caller: never taken from the request body. */
  readonly caller: Caller;
  /** The environment's record as {@link authorized} read it for this request (read once per request). */
  environment?: { readonly name: string; readonly record: EnvironmentRecord | undefined };
  /** What {@link authorizedToStart} read for `start` together with the environment (one round trip). */
  startReads?: { readonly env: string; readonly requestId: string; readonly reads: StartReads };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const query = (event: APIGatewayProxyEvent): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) out[key] = value;
  }
  return out;
};

const rejectUnknownQuery = (
  event: APIGatewayProxyEvent,
  allowed: readonly string[],
): Record<string, string> => {
  const q = query(event);
  for (const key of Object.keys(q)) {
    if (!allowed.includes(key)) throw new ValidationError(`query.${key}`, 'unknown query parameter');
  }
  return q;
};

/**
 * The verified caller: API Gateway's IAM identity (`requestContext.identity.userArn`), or on the local platform
 * the OS user the local API server puts in `identity.user`. Anything else is refused (403).
 */
const callerOf = (event: APIGatewayProxyEvent, localCallers: boolean): Caller => {
  const identity = event.requestContext?.identity;
  const arn = identity?.userArn;
  if (typeof arn === 'string' && arn.length > 0) return { entry: 'api', principal: arn };
  const user = identity?.user;
  if (localCallers && typeof user === 'string' && user.length > 0) return { entry: 'local', user };
  throw anonymousDenied();
};

/**
 * Authorizes the caller for an action (on an environment, with an image) before anything is started, read or
 * written; a refusal is logged and answered 403 with the reason. Returns the environment's record, if any.
 */
const authorized = async (
  ctx: Context,
  action: AccessAction,
  env?: string,
  image?: string,
  wildcardHost?: string,
): Promise<EnvironmentRecord | undefined> => {
  const record =
    env === undefined
      ? undefined
      : ctx.environment?.name === env
        ? ctx.environment.record
        : await ctx.deps.registry.getEnvironment(env);
  if (env !== undefined) ctx.environment = { name: env, record };
  const owner = record === undefined || record.status === 'deleted' ? undefined : record.owner;
  await enforce(
    ctx.deps.policy ?? developmentPolicySource,
    {
      caller: ctx.caller,
      action,
      ...(env === undefined ? {} : { env }),
      ...(owner === undefined ? {} : { envOwner: owner }),
      ...(image === undefined ? {} : { image }),
      ...(wildcardHost === undefined ? {} : { wildcardHost }),
    },
    ctx.deps.denialLogger,
  );
  return record;
};

/**
 * {@link authorized} for an operation about to be started: when the registry can (`getStartReads`), the
 * environment's record is read together with what `startOperation` decides on — its lock and the request id's
 * record — in one round trip (one BatchGetItem instead of three GetItems in two rounds). An invalid request id
 * reads nothing here: `start` refuses it after the authorization, as without the batch.
 */
const authorizedToStart = async (
  ctx: Context,
  action: AccessAction,
  env: string,
  bodyRequestId: unknown,
  image?: string,
  wildcardHost?: string,
): Promise<EnvironmentRecord | undefined> => {
  let requestId: string | undefined;
  try {
    requestId = resolveRequestId(ctx.event, bodyRequestId).id;
  } catch {
    requestId = undefined;
  }
  const reads = requestId === undefined ? undefined : await ctx.deps.registry.getStartReads?.(env, requestId);
  if (requestId !== undefined && reads !== undefined) {
    ctx.environment = { name: env, record: reads.environment };
    ctx.startReads = { env, requestId, reads };
  }
  return authorized(ctx, action, env, image, wildcardHost);
};

/**
 * Two environments never claim the same host/path on the shared ALB: a shared-mode `up` whose route another
 * (not deleted) environment's spec claims is refused with 409 `RouteConflictError` naming it and its owner,
 * before anything starts. The create step checks again against the listener's rules (the source of truth).
 */
const assertRouteFree = async (
  ctx: Context,
  name: string,
  lb: {
    readonly mode?: string;
    readonly host?: string | undefined;
    readonly pathPrefix?: string | undefined;
  },
): Promise<void> => {
  const route = routeOfLoadBalancer(lb);
  if (route === undefined) return;
  const { items } = await ctx.deps.registry.listEnvironments({});
  for (const other of items) {
    if (other.name === name || other.status === 'deleted') continue;
    const otherLb = (other.spec as { loadBalancer?: Record<string, unknown> } | undefined)?.loadBalancer;
    if (otherLb === undefined || otherLb === null || typeof otherLb !== 'object') continue;
    const otherRoute = routeOfLoadBalancer({
      ...(typeof otherLb['mode'] === 'string' ? { mode: otherLb['mode'] } : {}),
      ...(typeof otherLb['host'] === 'string' ? { host: otherLb['host'] } : {}),
      ...(typeof otherLb['pathPrefix'] === 'string' ? { pathPrefix: otherLb['pathPrefix'] } : {}),
    });
    if (otherRoute !== undefined && sameRoute(route, otherRoute)) {
      throw new RouteConflictError(
        `the shared load balancer's ${describeRoute(route)} is already claimed by environment "${other.name}" (owner: ${other.owner ?? 'unknown'})`,
      );
    }
  }
};

/**
 * The operation id: `Idempotency-Key` header, else the body's `requestId`, else API Gateway's
 * request id. Header and body must agree when both are given.
 */
const resolveRequestId = (
  event: APIGatewayProxyEvent,
  bodyRequestId: unknown,
): { id: string; field: string } => {
  const key = header(event, 'idempotency-key');
  if (key !== undefined) {
    assertRequestId(key, 'Idempotency-Key');
    if (bodyRequestId !== undefined && bodyRequestId !== key) {
      throw new ValidationError('requestId', 'must equal the Idempotency-Key header when both are given');
    }
    return { id: key, field: 'Idempotency-Key' };
  }
  if (bodyRequestId !== undefined)
    return { id: assertRequestId(bodyRequestId, 'requestId'), field: 'requestId' };
  const fallback = event.requestContext?.requestId;
  if (typeof fallback !== 'string' || fallback.length === 0) {
    throw new ValidationError(
      'Idempotency-Key',
      'is required when the request has no API Gateway request id',
    );
  }
  return {
    id: assertRequestId(fallback.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64), 'requestId'),
    field: 'requestId',
  };
};

const accepted = (started: StartedOperation): APIGatewayProxyResult => {
  const statusUrl = `/environments/${started.env}`;
  return jsonResponse(
    202,
    {
      operationId: started.operationId,
      executionArn: started.executionArn,
      env: started.env,
      operation: started.operation,
      statusUrl,
    },
    { location: statusUrl },
  );
};

const nameParam = (ctx: Context): string => checkOperationField('env', ctx.params['name'], 'name');

/** Loads an environment that exists and is not deleted, or throws `NotFoundError`. */
const existing = async (ctx: Context, name: string): Promise<EnvironmentRecord> => {
  const record = await ctx.deps.registry.getEnvironment(name);
  if (record === undefined) throw new NotFoundError(`environment "${name}" does not exist`);
  if (record.status === 'deleted') throw new NotFoundError(`environment "${name}" was deleted`);
  return record;
};

const start = async (
  ctx: Context,
  input: Omit<LifecycleInput, 'requestId' | 'requestedBy' | 'entry'>,
  bodyRequestId: unknown,
) => {
  const { id, field } = resolveRequestId(ctx.event, bodyRequestId);
  const started = await startOperation(
    {
      registry: ctx.deps.registry,
      executions: ctx.deps.executions,
      clock: ctx.clock,
      ...(ctx.deps.lockTtlSeconds === undefined ? {} : { lockTtlSeconds: ctx.deps.lockTtlSeconds }),
      ...(ctx.environment?.name === input.env ? { environment: { record: ctx.environment.record } } : {}),
      ...(ctx.startReads?.env === input.env && ctx.startReads.requestId === id
        ? { reads: ctx.startReads.reads }
        : {}),
    },
    { ...input, requestId: id, requestedBy: ownerOf(ctx.caller), entry: entryOf(ctx.caller) },
    field,
  );
  return accepted(started);
};

const summary = (ctx: Context, record: EnvironmentRecord) => ({
  name: record.name,
  status: record.status,
  url: record.url ?? null,
  owner: record.owner ?? null,
  expiresAt: record.expiresAt ?? null,
  keep: record.keep ?? false,
  currentOperation: record.currentOperation ?? null,
  cost: costOfRecord(record, ctx.deps.pricing, ctx.clock.now()),
  schedule: scheduleOfRecord(record, ctx.clock.now()),
});

/** The stored spec's sleep/wake schedule with its next times (null without one). */
const scheduleOfRecord = (record: EnvironmentRecord, now: Date): ScheduleView | null => {
  const parsed = ScheduleSchema.safeParse((record.spec as { schedule?: unknown } | undefined)?.schedule);
  return parsed.success && parsed.data !== undefined ? scheduleView(parsed.data, now) : null;
};

/**
 * The Task states the running operation's execution has finished, for live progress. Progress is a
 * nicety: when the history cannot be read, the recorded steps alone are shown.
 */
async function runningProgress(
  ctx: Context,
  executionArn: string | undefined,
): Promise<readonly OperationStep[]> {
  if (executionArn === undefined || ctx.deps.executions.progress === undefined) return [];
  try {
    return await ctx.deps.executions.progress(executionArn);
  } catch {
    return [];
  }
}

/** Recorded steps and execution progress, in time order (Record* states appear once, as recorded). */
const withProgress = <T extends { steps: readonly OperationStep[] }>(
  view: T,
  progress: readonly OperationStep[],
): T => {
  if (progress.length === 0) return view;
  const extra = progress.filter((p) => !p.step.startsWith('Record'));
  const steps = [...view.steps, ...extra].sort((a, b) => a.at.localeCompare(b.at));
  return { ...view, steps };
};

/** The AWS resources Berth creates for the environment's spec, by name (none once it is deleted). */
const resourcesOf = (record: EnvironmentRecord) => {
  const spec = record.spec as { launchType?: unknown; loadBalancer?: { mode?: unknown } } | undefined;
  if (record.status === 'deleted' || spec === undefined || spec === null || typeof spec !== 'object')
    return [];
  return environmentResources(record.name, {
    ...(typeof spec.launchType === 'string' ? { launchType: spec.launchType } : {}),
    ...(typeof spec.loadBalancer?.mode === 'string' ? { loadBalancerMode: spec.loadBalancer.mode } : {}),
  });
};

const operationView = (op: OperationRecord) => ({
  operationId: op.operationId,
  operation: op.operation,
  status: op.status,
  requestedBy: op.requestedBy ?? null,
  entry: op.entry ?? null,
  executionArn: op.executionArn ?? null,
  startedAt: op.startedAt,
  finishedAt: op.finishedAt ?? null,
  steps: op.steps ?? [],
  error: op.error ?? null,
});

const encodeToken = (name: string): string => Buffer.from(name, 'utf8').toString('base64url');
const decodeToken = (token: string): string => {
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (token.length === 0 || token.length > 64 || encodeToken(name) !== token) {
    throw new ValidationError('query.nextToken', 'must be a nextToken returned by a previous page');
  }
  return name;
};

/** The history route's token: the last shown operation's `startedAt#operationId`. */
const decodeOperationToken = (token: string): string => {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (token.length === 0 || token.length > 512 || encodeToken(key) !== token || !key.includes('#')) {
    throw new ValidationError('query.nextToken', 'must be a nextToken returned by a previous page');
  }
  return key;
};

/** Default and largest page of `GET /environments/{name}/logs`. */
const DEFAULT_LOG_PAGE = 100;
const MAX_LOG_PAGE = 1000;
const TASK_ID = /^[A-Za-z0-9-]{1,64}$/;

/** `--filter TEXT` matches TEXT literally: one quoted CloudWatch Logs term. */
const literalPattern = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

type RouteHandler = (ctx: Context) => Promise<APIGatewayProxyResult>;

const routes: Record<RouteName, RouteHandler> = {
  async createEnvironment(ctx) {
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event);
    const { requestId, ...specInput } = body;
    // The owner is never taken from the body (docs/openapi.yaml): a body `owner` is ignored. A new environment
    // belongs to the caller; an existing one keeps its recorded owner.
    specInput['owner'] = ownerOf(ctx.caller);
    const checked = parseEnvSpec(specInput);
    const host = checked.loadBalancer.mode === 'shared' ? checked.loadBalancer.host : undefined;
    const record = await authorizedToStart(
      ctx,
      'up',
      checked.name,
      requestId,
      checked.image,
      isWildcardHost(host) ? host : undefined,
    );
    const owner = record === undefined || record.status === 'deleted' ? undefined : record.owner;
    const spec = owner === undefined ? checked : { ...checked, owner };
    await assertRouteFree(ctx, spec.name, spec.loadBalancer);
    return start(ctx, { operation: 'up', env: spec.name, spec }, requestId);
  },

  async listEnvironments(ctx) {
    const q = rejectUnknownQuery(ctx.event, ['status', 'limit', 'nextToken']);
    let status: string | undefined;
    if (q['status'] !== undefined) {
      if (!(ENVIRONMENT_STATUSES as readonly string[]).includes(q['status'])) {
        throw new ValidationError('query.status', `must be one of ${ENVIRONMENT_STATUSES.join(', ')}`);
      }
      status = q['status'];
    }
    let limit = DEFAULT_PAGE_SIZE;
    if (q['limit'] !== undefined) {
      const parsed = /^\d{1,3}$/.test(q['limit']) ? Number(q['limit']) : Number.NaN;
      limit = assertInteger(parsed, 'query.limit', 1, MAX_PAGE_SIZE);
    }
    const after = q['nextToken'] === undefined ? undefined : decodeToken(q['nextToken']);
    await authorized(ctx, 'ls');
    const page = await ctx.deps.registry.listEnvironments({});
    const items = page.items
      .filter((r) => (status === undefined ? r.status !== 'deleted' : r.status === status))
      .filter((r) => after === undefined || r.name > after)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const shown = items.slice(0, limit);
    const last = shown.at(-1);
    return jsonResponse(200, {
      environments: shown.map((record) => summary(ctx, record)),
      nextToken: items.length > limit && last !== undefined ? encodeToken(last.name) : null,
    });
  },

  async describeEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const record = await authorized(ctx, 'status', name);
    if (record === undefined) throw new NotFoundError(`environment "${name}" does not exist`);
    const operations = await ctx.deps.registry.listOperations(name, RECENT_OPERATIONS);
    const running = record.currentOperation?.operationId;
    const progress = await runningProgress(ctx, record.currentOperation?.executionArn);
    return jsonResponse(200, {
      ...summary(ctx, record),
      spec: record.spec ?? null,
      createdAt: record.createdAt ?? null,
      updatedAt: record.updatedAt ?? null,
      lastFailure: record.lastFailure ?? null,
      paused: record.paused ?? null,
      resources: resourcesOf(record),
      operations: operations
        .slice(0, RECENT_OPERATIONS)
        .map((op) => withProgress(operationView(op), op.operationId === running ? progress : [])),
    });
  },

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

  async environmentOperations(ctx) {
    const name = nameParam(ctx);
    const q = rejectUnknownQuery(ctx.event, ['limit', 'nextToken']);
    let limit = DEFAULT_HISTORY_PAGE;
    if (q['limit'] !== undefined) {
      const parsed = /^\d{1,3}$/.test(q['limit']) ? Number(q['limit']) : Number.NaN;
      limit = assertInteger(parsed, 'query.limit', 1, MAX_HISTORY_PAGE);
    }
    const after = q['nextToken'] === undefined ? undefined : decodeOperationToken(q['nextToken']);
    // Authorized like status; a deleted environment's history stays readable.
    const record = await authorized(ctx, 'history', name);
    if (record === undefined) throw new NotFoundError(`environment "${name}" does not exist`);
    const all = await ctx.deps.registry.listOperations(name, MAX_HISTORY);
    // Newest first, by (startedAt, operationId) — the registry's sort key order.
    const key = (op: OperationRecord) => `${op.startedAt}#${op.operationId}`;
    const ordered = [...all].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
    const rest = after === undefined ? ordered : ordered.filter((op) => key(op) < after);
    const shown = rest.slice(0, limit);
    const last = shown.at(-1);
    return jsonResponse(200, {
      env: name,
      operations: shown.map(operationView),
      nextToken: rest.length > limit && last !== undefined ? encodeToken(key(last)) : null,
    });
  },

  async deleteEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event, { allowEmpty: true });
    rejectUnknownKeys(body, ['requestId']);
    await authorizedToStart(ctx, 'down', name, body['requestId']);
    return start(ctx, { operation: 'down', env: name }, body['requestId']);
  },

  async scaleEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event);
    rejectUnknownKeys(body, ['desiredCount', 'requestId']);
    if (body['desiredCount'] === undefined) throw new ValidationError('desiredCount', 'is required');
    const desiredCount = checkOperationField('desiredCount', body['desiredCount']);
    await authorizedToStart(ctx, 'scale', name, body['requestId']);
    return start(ctx, { operation: 'scale', env: name, desiredCount }, body['requestId']);
  },

  async redeployEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event, { allowEmpty: true });
    rejectUnknownKeys(body, ['image', 'requestId']);
    const image = body['image'] === undefined ? undefined : checkOperationField('image', body['image']);
    await authorizedToStart(ctx, 'redeploy', name, body['requestId'], image);
    return start(
      ctx,
      { operation: 'redeploy', env: name, ...(image === undefined ? {} : { image }) },
      body['requestId'],
    );
  },

  async extendEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event);
    rejectUnknownKeys(body, ['hours', 'ttl', 'requestId']);
    if ((body['hours'] === undefined) === (body['ttl'] === undefined)) {
      throw new ValidationError('hours', 'give exactly one of hours or ttl');
    }
    let hours: number;
    if (body['hours'] !== undefined) {
      hours = checkOperationField('hours', body['hours']);
    } else {
      if (typeof body['ttl'] !== 'string')
        throw new ValidationError('ttl', 'must be a duration like 8h or 2d');
      const seconds = parseDuration(body['ttl'], 'ttl');
      if (seconds % 3600 !== 0)
        throw new ValidationError('ttl', 'must be a whole number of hours, like 8h or 2d');
      hours = checkOperationField('hours', seconds / 3600, 'ttl');
    }
    await authorizedToStart(ctx, 'extend', name, body['requestId']);
    return start(ctx, { operation: 'extend', env: name, hours }, body['requestId']);
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

  async pauseEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event, { allowEmpty: true });
    rejectUnknownKeys(body, ['requestId']);
    await authorizedToStart(ctx, 'pause', name, body['requestId']);
    return start(ctx, { operation: 'pause', env: name }, body['requestId']);
  },

  async resumeEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event, { allowEmpty: true });
    rejectUnknownKeys(body, ['requestId']);
    await authorizedToStart(ctx, 'resume', name, body['requestId']);
    return start(ctx, { operation: 'resume', env: name }, body['requestId']);
  },

  async lastNightlyReport(ctx) {
    rejectUnknownQuery(ctx.event, []);
    await authorized(ctx, 'ls');
    const run = await ctx.deps.executions.lastNightly?.();
    if (run === undefined) throw new NotFoundError('no nightly teardown has run yet');
    const output = (run.output ?? {}) as {
      dryRun?: unknown;
      candidates?: unknown;
      skipped?: unknown;
      results?: unknown;
    };
    const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
    const finished = run.status === 'SUCCEEDED';
    // The nightly Map keeps a failed environment's error name only; its reason is the registry's lastFailure
    // (looked up for the first 50 failures: a page of the report, not a scan per request).
    const failures = new Map<string, RecordedFailure>();
    if (finished) {
      const unexplained = list<NightlyRunResult>(output.results)
        .filter((r) => r.status !== 'Succeeded' && r.cause === undefined)
        .slice(0, 50);
      for (const result of unexplained) {
        const failure = (await ctx.deps.registry.getEnvironment(result.env))?.lastFailure;
        if (failure) failures.set(result.env, failure);
      }
    }
    return jsonResponse(200, {
      executionArn: run.executionArn,
      status: run.status,
      startedAt: run.startedAt,
      finishedAt: run.stoppedAt ?? null,
      dryRun: output.dryRun === true,
      candidates: list<{ env: string; reason?: string }>(output.candidates),
      ...(finished
        ? summarizeNightly(
            list<NightlyRunResult>(output.results),
            list<{ env: string; reason: string }>(output.skipped),
            failures,
          )
        : { tornDown: [], skipped: [], failed: [] }),
      error: run.error === undefined ? null : `${run.error}${run.cause ? `: ${causeText(run.cause)}` : ''}`,
    });
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
};

/** Options of {@link makeHandler}. */
export interface HandlerOptions {
  /** The routes this function serves (default: every route); any other answers 500 naming its function. */
  readonly serves?: readonly RouteName[];
}

/**
 * Builds the API Gateway (REST, proxy) handler for Berth's HTTP API.
 *
 * @example
 * const handler = makeHandler({ registry, executions, planner });
 * const result = await handler(event); // { statusCode: 202, body: '{"operationId":…}' }
 */
export function makeHandler(deps: ApiDeps | (() => ApiDeps), options: HandlerOptions = {}) {
  let resolved: ApiDeps | undefined;
  const getDeps = (): ApiDeps => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    return resolved;
  };
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const requestId = event.requestContext?.requestId ?? 'unknown';
    let logger: ErrorLogger | undefined;
    try {
      const match = matchRoute(event.httpMethod, event.path);
      if (match.kind === 'not-found') throw new RouteNotFoundError(event.httpMethod, event.path);
      if (match.kind === 'method-not-allowed') {
        throw new MethodNotAllowedError(event.httpMethod, event.path, match.allowed);
      }
      rawBody(event); // 413 before anything else reads the body
      const resolvedDeps = getDeps();
      logger = resolvedDeps.logger;
      if (options.serves !== undefined && !options.serves.includes(match.route.name)) {
        // API Gateway sends each route to its own function (functionOfRoute): this is a wiring mistake.
        throw new Error(
          `route ${match.route.name} is served by the ${functionOfRoute(match.route.name)} function, not this one`,
        );
      }
      const ctx: Context = {
        event,
        params: match.params,
        deps: resolvedDeps,
        clock: resolvedDeps.clock ?? systemClock,
        caller: callerOf(event, resolvedDeps.localCallers === true),
      };
      return await routes[match.route.name](ctx);
    } catch (error) {
      return errorResponse(error, requestId, logger ?? consoleLogger);
    }
  };
}

const consoleLogger: ErrorLogger = {
  error: (message, details) => console.error(JSON.stringify({ level: 'ERROR', message, ...details })),
};

/**
 * The `api` function's adapters: DynamoDB registry (`BERTH_TABLE_NAME`) and Step Functions
 * (`BERTH_LIFECYCLE_STATE_MACHINE_ARN`), built on the first request. The dry runs, the settings changes and the
 * logs are the `api-aux` function's (functions/handlers/api-aux.ts), so this one builds no Lambda or CloudWatch
 * Logs client.
 */
export function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): ApiDeps {
  const config = loadHandlerConfig('api', env);
  const ports = awsEntryPorts(config);
  return {
    registry: ports.registry,
    executions: ports.executions,
    lockTtlSeconds: ports.lockTtlSeconds(),
    policy: policyFromConfig(config),
    localCallers: config.localCallerIdentity === true,
    pricing: lazyPricing(config, functionRegion(env)),
  };
}

/** Every route but the `api-aux` function's (http/routes.ts `functionOfRoute`). */
export const API_ROUTES: readonly RouteName[] = Object.freeze(
  (Object.keys(routes) as RouteName[]).filter((name) => functionOfRoute(name) === 'api'),
);

// Pure: building the handler only makes a closure, so a bundle that imports makeHandler alone (api-aux)
// leaves this handler and its Step Functions client out.
/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = /* @__PURE__ */ makeHandler(() => defaultDeps(), { serves: API_ROUTES });
