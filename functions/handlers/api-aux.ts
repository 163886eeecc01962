/**
 * The `api-aux` function: the HTTP API's routes that call Lambda or CloudWatch Logs — the dry runs
 * (`POST /environments/{name}/plan`, which invokes the plan Lambda), the settings change (`PATCH
 * /environments/{name}`: idle sleep in the registry, the schedule through the schedule Lambda) and the logs (`GET
 * /environments/{name}/logs`). Same handler, same validation, access policy and answers as every other route
 * (functions/handlers/api.ts `makeHandler`); API Gateway sends these routes here (http/routes.ts
 * `functionOfRoute`), so the `api` function, which serves all the others, bundles no Lambda or CloudWatch Logs
 * client (docs/decisions/0006-lambda-credentials-and-zod-mini.md, decision 10).
 */
import { lambdaClient, logsClient } from '../adapters/aws/clients.ts';
import { AwsLambdaAdapter } from '../adapters/lambda.ts';
import { AwsLogsAdapter } from '../adapters/logs.ts';
import { type ApiDeps, lambdaPlanner, makeHandler, type PlannerPort, type SchedulesPort } from './api.ts';
import { loadHandlerConfig } from './config.ts';
import { policyFromConfig } from './http/access.ts';
import { awsRegistryPort } from './http/aws-deps.ts';
import type { ExecutionsPort, LogsPort } from './http/ports.ts';
import { AUX_ROUTES } from './http/routes.ts';

/** This function starts no execution (the `serves` filter keeps the routes that do away). */
const noExecutions: ExecutionsPort = {
  startExecution() {
    return Promise.reject(new Error('the api-aux function starts no execution'));
  },
};

/**
 * The registry (`BERTH_TABLE_NAME`: the environment's record and owner for the access policy, its lock, idle
 * sleep), the plan Lambda (`BERTH_PLAN_FUNCTION_NAME`), the schedule Lambda (`BERTH_SCHEDULE_FUNCTION_NAME`) and
 * CloudWatch Logs, each built on first use.
 */
export function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): ApiDeps {
  const config = loadHandlerConfig('api-aux', env);
  return {
    registry: awsRegistryPort(config),
    executions: noExecutions,
    planner: lazyPlanner(config.planFunctionName),
    ...(config.scheduleFunctionName === undefined
      ? {}
      : { schedules: lazySchedules(config.scheduleFunctionName) }),
    logs: lazyLogs(),
    lockTtlSeconds: config.lockTtlSeconds,
    policy: policyFromConfig(config),
    localCallers: config.localCallerIdentity === true,
  };
}

/** The plan Lambda, resolved on the first dry run. */
function lazyPlanner(planFunctionName: string): PlannerPort {
  let planner: PlannerPort | undefined;
  return {
    plan(request) {
      if (planner === undefined) {
        const lambda = new AwsLambdaAdapter(lambdaClient());
        planner = lambdaPlanner((name, payload) => lambda.invokeJson(name, payload), planFunctionName);
      }
      return planner.plan(request);
    },
  };
}

/** The schedule Lambda, resolved on the first schedule change. */
function lazySchedules(functionName: string): SchedulesPort {
  let lambda: AwsLambdaAdapter | undefined;
  return {
    change(request) {
      lambda ??= new AwsLambdaAdapter(lambdaClient());
      return lambda.invokeJson(functionName, request);
    },
  };
}

/** CloudWatch Logs (honours `AWS_ENDPOINT_URL`), built on the first logs request. */
function lazyLogs(): LogsPort {
  let adapter: AwsLogsAdapter | undefined;
  return {
    readLines(query) {
      adapter ??= new AwsLogsAdapter(logsClient());
      return adapter.readLines(query);
    },
  };
}

/** The handler of the dry runs, settings changes and logs; any other route answers 500 naming the `api` function. */
export const makeAuxHandler = (deps: ApiDeps | (() => ApiDeps)) => makeHandler(deps, { serves: AUX_ROUTES });

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeAuxHandler(() => defaultDeps());
