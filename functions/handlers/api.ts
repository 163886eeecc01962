import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadHandlerConfig } from './config.ts';
import { policyFromConfig } from './http/access.ts';
import type { ApiDeps, RouteContext, RouteHandler } from './http/api-deps.ts';
import { callerOf } from './http/authorize.ts';
import { auxRoutes } from './http/aux-routes.ts';
import { awsEntryPorts } from './http/aws-deps.ts';
import { MethodNotAllowedError, RouteNotFoundError } from './http/http-errors.ts';
import { operationRoutes } from './http/operation-routes.ts';
import { systemClock } from './http/ports.ts';
import { readRoutes } from './http/read-routes.ts';
import { rawBody } from './http/request.ts';
import { type ErrorLogger, errorResponse } from './http/response.ts';
import { functionOfRoute, matchRoute, type RouteName } from './http/routes.ts';
import { functionRegion, lazyPricing } from './pricing.ts';

/**
 * The HTTP API's handler: matches the route (http/routes.ts), builds the request's context (dependencies, the
 * verified caller) and runs the route's handler — the operation routes (http/operation-routes.ts), the reads
 * (http/read-routes.ts) and the `api-aux` function's routes (http/aux-routes.ts) — answering errors in one shape
 * (http/response.ts).
 */

/** The plan Lambda's input (core's `PlanRequestSchema`). */
export type { PlanRequest } from '../core/operation.ts';
export type { ApiDeps, PlannerPort, SchedulesPort } from './http/api-deps.ts';
export { lambdaPlanner } from './http/api-deps.ts';

/** Every route's handler, by the name http/routes.ts gives it. */
const routes: Record<RouteName, RouteHandler> = { ...operationRoutes, ...readRoutes, ...auxRoutes };

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
      const ctx: RouteContext = {
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
