import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { entryOf, ownerOf } from '../../core/access-policy.ts';
import { NotFoundError, RouteConflictError, ValidationError } from '../../core/errors.ts';
import { checkOperationField } from '../../core/operation.ts';
import { describeRoute, routeOfLoadBalancer, sameRoute } from '../../core/shared-route.ts';
import type { RouteContext } from './api-deps.ts';
import type { EnvironmentRecord, LifecycleInput } from './ports.ts';
import { header } from './request.ts';
import { jsonResponse } from './response.ts';
import { assertRequestId, type StartedOperation, startOperation } from './start-operation.ts';

/**
 * What the routes that start an operation share: the environment name of the path, the operation id, the shared
 * route check, and starting it (202 with where to follow it).
 */

/**
 * Two environments never claim the same host/path on the shared ALB: a shared-mode `up` whose route another
 * (not deleted) environment's spec claims is refused with 409 `RouteConflictError` naming it and its owner,
 * before anything starts. The create step checks again against the listener's rules (the source of truth).
 */
export const assertRouteFree = async (
  ctx: RouteContext,
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
export const resolveRequestId = (
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

/** 202 with the operation's id and where to follow it. */
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

/** The `{name}` path parameter, checked as an environment name. */
export const nameParam = (ctx: RouteContext): string =>
  checkOperationField('env', ctx.params['name'], 'name');

/** Loads an environment that exists and is not deleted, or throws `NotFoundError`. */
export const existing = async (ctx: RouteContext, name: string): Promise<EnvironmentRecord> => {
  const record = await ctx.deps.registry.getEnvironment(name);
  if (record === undefined) throw new NotFoundError(`environment "${name}" does not exist`);
  if (record.status === 'deleted') throw new NotFoundError(`environment "${name}" was deleted`);
  return record;
};

/** Starts the operation (lock, record, execution) under the request's operation id; answers 202. */
export const start = async (
  ctx: RouteContext,
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
