import type { AwsApplicationAutoScalingAdapter } from '../adapters/application-autoscaling.ts';
import { ALL_PARTS, type ObserveAdapters, observeEnvironment } from '../adapters/observe-environment.ts';
import type { EnvSpec } from '../core/env-spec.ts';
import { resourceNames } from '../core/names.ts';
import type { ObservedEnvironment } from '../core/observed.ts';
import { type PlanRequest, parsePlanRequest } from '../core/operation.ts';
import type { PlanStep } from '../core/plan.ts';
import { parsePausedCounts, planPause, planResume } from '../core/plan-pause.ts';
import { planRedeploy } from '../core/plan-redeploy.ts';
import { planScale } from '../core/plan-scale.ts';
import { planTeardown } from '../core/plan-teardown.ts';
import { planUp, type UpSettings } from '../core/plan-up.ts';
import { type Config, loadConfig } from './config.ts';
import { defaultDeps as runtimeDeps } from './lifecycle-deps.ts';
import { upSettings } from './up-stage.ts';
import {
  applicationAutoScalingAdapter,
  autoScalingAdapter,
  ec2Adapter,
  ecsAdapter,
  elbv2Adapter,
  logsAdapter,
  schedulerAdapter,
} from './wiring.ts';

/** The plan Lambda's input (the api handler's `PlanRequest`; checked with core's `parsePlanRequest`). */
export type PlanEvent = PlanRequest;

/** Reads what exists of one environment in AWS (never changes anything). */
export interface ObserverPort {
  observe(env: string, spec?: EnvSpec): Promise<ObservedEnvironment>;
}

export interface PlanDeps {
  readonly observer: ObserverPort;
  readonly now?: () => Date;
  /** What `up` decides with (allowed CIDR, shared ALB group); the functions' defaults when absent. */
  readonly settings?: UpSettings;
  /** Wake on request (`BERTH_WAKE_FUNCTION_ARN`): pause routes the environment to its waking page. */
  readonly wakeFunctionArn?: string | undefined;
  /** The service's Application Auto Scaling target (pause and resume plan its suspension and restoration). */
  readonly scaling?: Pick<AwsApplicationAutoScalingAdapter, 'observeScalableTarget'> | undefined;
}

/** What pause and resume observe besides the environment: the service's scalable target, if any. */
async function withScalableTarget(
  observed: ObservedEnvironment,
  env: string,
  scaling: PlanDeps['scaling'],
): Promise<ObservedEnvironment> {
  if (scaling === undefined) return observed;
  const names = resourceNames(env);
  const scalableTarget = await scaling.observeScalableTarget(names.cluster, names.service);
  return scalableTarget === undefined ? observed : { ...observed, scalableTarget };
}

/**
 * Builds the plan handler: observes the environment and returns the steps an operation would
 * take, changing nothing (`--dry-run`, `POST /environments/{name}/plan`).
 *
 * @example await makeHandler({ observer })({ operation: 'down', env: 'demo' }) // { steps: [...] }
 */
export function makeHandler(deps: PlanDeps | (() => PlanDeps)) {
  let resolved: PlanDeps | undefined;
  return async (event: PlanEvent): Promise<{ steps: PlanStep[] }> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const request = parsePlanRequest(event);
    const { env } = request;
    switch (request.operation) {
      case 'up': {
        const spec = request.spec as EnvSpec;
        return {
          steps: planUp(
            await resolved.observer.observe(env, spec),
            spec,
            resolved.settings ?? upSettings(loadConfig({})),
          ),
        };
      }
      case 'down':
        return {
          steps: planTeardown(
            await withScalableTarget(await resolved.observer.observe(env), env, resolved.scaling),
            env,
            (resolved.now ?? (() => new Date()))(),
          ),
        };
      case 'scale': {
        // parsePlanRequest requires the spec for every operation but down, and desiredCount for scale.
        const spec = request.spec as EnvSpec;
        const desiredCount = request.desiredCount as number;
        return { steps: planScale(await resolved.observer.observe(env, spec), spec, desiredCount) };
      }
      case 'redeploy': {
        const spec = request.spec as EnvSpec;
        return { steps: planRedeploy(await resolved.observer.observe(env, spec), request.image) };
      }
      case 'pause': {
        const spec = request.spec as EnvSpec;
        const now = (resolved.now ?? (() => new Date()))();
        const observed = await withScalableTarget(
          await resolved.observer.observe(env, spec),
          env,
          resolved.scaling,
        );
        const wake = resolved.wakeFunctionArn;
        return {
          steps: planPause(observed, spec, parsePausedCounts(request.paused), now, {
            ...(wake === undefined ? {} : { wakeFunctionArn: wake }),
          }),
        };
      }
      case 'resume': {
        const spec = request.spec as EnvSpec;
        const observed = await withScalableTarget(
          await resolved.observer.observe(env, spec),
          env,
          resolved.scaling,
        );
        return { steps: planResume(observed, spec, parsePausedCounts(request.paused)) };
      }
    }
  };
}

/**
 * The dry run's observer: every part the real run's handlers observe, the log group included (up and down plan
 * its step), with the function's VPC (security groups) and shared listener (shared mode).
 */
export function planObserver(
  adapters: Required<Omit<ObserveAdapters, 'scheduler'>> & Pick<ObserveAdapters, 'scheduler'>,
  config: Pick<Config, 'vpcId' | 'sharedListenerArn'>,
): ObserverPort {
  return {
    observe: (env) =>
      observeEnvironment(adapters, {
        env,
        // The sleep/wake schedules too, when wired with Scheduler (as the service stages are).
        parts: [...ALL_PARTS, 'logs', ...(adapters.scheduler === undefined ? [] : (['schedules'] as const))],
        ...(config.vpcId === undefined ? {} : { vpcId: config.vpcId }),
        ...(config.sharedListenerArn === undefined ? {} : { sharedListenerArn: config.sharedListenerArn }),
      }),
  };
}

/** Observes with the AWS adapters (`BERTH_VPC_ID` for security groups, `BERTH_SHARED_LISTENER_ARN` in shared mode). */
function defaultDeps(): PlanDeps {
  const deps = runtimeDeps('plan', {
    ecs: ecsAdapter,
    elbv2: elbv2Adapter,
    autoScaling: autoScalingAdapter,
    ec2: ec2Adapter,
    logs: logsAdapter,
    scaling: applicationAutoScalingAdapter,
    scheduler: schedulerAdapter,
  });
  let observer: ObserverPort | undefined;
  return {
    get settings() {
      return upSettings(deps.config);
    },
    get wakeFunctionArn() {
      return deps.config.wakeFunctionArn;
    },
    get scaling() {
      return deps.scaling;
    },
    observer: {
      observe: (env, spec) => {
        observer ??= planObserver(
          {
            ecs: deps.ecs,
            elbv2: deps.elbv2,
            autoScaling: deps.autoScaling,
            ec2: deps.ec2,
            logs: deps.logs,
            ...(deps.scheduler === undefined ? {} : { scheduler: deps.scheduler }),
          },
          deps.config,
        );
        return observer.observe(env, spec);
      },
    },
  };
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(() => defaultDeps());
