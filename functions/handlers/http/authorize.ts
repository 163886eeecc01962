import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { AccessAction, Caller } from '../../core/access-policy.ts';
import { anonymousDenied, developmentPolicySource, enforce } from './access.ts';
import type { RouteContext } from './api-deps.ts';
import { resolveRequestId } from './operation-request.ts';
import type { EnvironmentRecord } from './ports.ts';

/**
 * The verified caller: API Gateway's IAM identity (`requestContext.identity.userArn`), or on the local platform
 * the OS user the local API server puts in `identity.user`. Anything else is refused (403).
 */
export const callerOf = (event: APIGatewayProxyEvent, localCallers: boolean): Caller => {
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
export const authorized = async (
  ctx: RouteContext,
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
export const authorizedToStart = async (
  ctx: RouteContext,
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
