import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Caller } from '../../core/access-policy.ts';
import type { PlanRequest } from '../../core/operation.ts';
import type { PricingSource } from '../pricing.ts';
import type { DenialLogger, PolicySource } from './access.ts';
import type {
  Clock,
  EnvironmentRecord,
  ExecutionsPort,
  LogsPort,
  RegistryPort,
  StartReads,
} from './ports.ts';
import type { ErrorLogger } from './response.ts';

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

/** What a route handler of the HTTP API gets: the request, its path parameters, the dependencies and the caller. */
export interface RouteContext {
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

/** One route of the HTTP API (http/routes.ts names them). */
export type RouteHandler = (ctx: RouteContext) => Promise<APIGatewayProxyResult>;
