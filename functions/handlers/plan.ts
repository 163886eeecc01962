import { observeEnvironment } from '../adapters/observe-environment.ts';
import type { EnvSpec } from '../core/env-spec.ts';
import type { ObservedEnvironment } from '../core/observed.ts';
import { type PlanRequest, parsePlanRequest } from '../core/operation.ts';
import type { PlanStep } from '../core/plan.ts';
import { planRedeploy } from '../core/plan-redeploy.ts';
import { planScale } from '../core/plan-scale.ts';
import { planTeardown } from '../core/plan-teardown.ts';
import { planUp, type UpSettings } from '../core/plan-up.ts';
import { loadConfig } from './config.ts';
import { defaultDeps as runtimeDeps } from './lifecycle-deps.ts';
import { upSettings } from './up-stage.ts';
import { autoScalingAdapter, ec2Adapter, ecsAdapter, elbv2Adapter } from './wiring.ts';

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
            await resolved.observer.observe(env),
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
    }
  };
}

/** Observes with the AWS adapters (`BERTH_VPC_ID` for security groups, `BERTH_SHARED_LISTENER_ARN` in shared mode). */
export function defaultDeps(): PlanDeps {
  const deps = runtimeDeps([], {
    ecs: ecsAdapter,
    elbv2: elbv2Adapter,
    autoScaling: autoScalingAdapter,
    ec2: ec2Adapter,
  });
  return {
    get settings() {
      return upSettings(deps.config);
    },
    observer: {
      observe: (env) =>
        observeEnvironment(
          { ecs: deps.ecs, elbv2: deps.elbv2, autoScaling: deps.autoScaling, ec2: deps.ec2 },
          {
            env,
            ...(deps.config.vpcId === undefined ? {} : { vpcId: deps.config.vpcId }),
            ...(deps.config.sharedListenerArn === undefined
              ? {}
              : { sharedListenerArn: deps.config.sharedListenerArn }),
          },
        ),
    },
  };
}

export const handler = makeHandler(() => defaultDeps());
