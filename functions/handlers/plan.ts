import { observeEnvironment } from '../adapters/observe-environment.ts';
import { type EnvSpec, parseEnvSpec } from '../core/env-spec.ts';
import { ValidationError } from '../core/errors.ts';
import type { ObservedEnvironment } from '../core/observed.ts';
import type { PlanStep } from '../core/plan.ts';
import { planRedeploy } from '../core/plan-redeploy.ts';
import { planScale } from '../core/plan-scale.ts';
import { planTeardown } from '../core/plan-teardown.ts';
import { planUp, type UpSettings } from '../core/plan-up.ts';
import { loadConfig } from './config.ts';
import { assertEnvName, assertImage, assertInteger } from './http/validate.ts';
import { defaultDeps as runtimeDeps } from './lifecycle-deps.ts';
import { upSettings } from './up-stage.ts';
import { autoScalingAdapter, ec2Adapter, ecsAdapter, elbv2Adapter } from './wiring.ts';

/** The plan Lambda's input (the api handler's `PlanRequest`). */
export interface PlanEvent {
  readonly operation: 'up' | 'down' | 'scale' | 'redeploy';
  readonly env: string;
  readonly spec?: unknown;
  readonly desiredCount?: number;
  readonly image?: string;
}

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

const OPERATIONS = ['up', 'down', 'scale', 'redeploy'] as const;

const requireSpec = (event: PlanEvent): EnvSpec => {
  if (event.spec === undefined) throw new ValidationError('spec', `is required to plan ${event.operation}`);
  const spec = parseEnvSpec(event.spec);
  if (spec.name !== event.env)
    throw new ValidationError('spec.name', `must equal the environment name "${event.env}"`);
  return spec;
};

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
    const env = assertEnvName(event?.env, 'env');
    const operation = event.operation;
    if (!(OPERATIONS as readonly string[]).includes(operation)) {
      throw new ValidationError('operation', `must be one of ${OPERATIONS.join(', ')}`);
    }
    switch (operation) {
      case 'up': {
        const spec = requireSpec(event);
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
        const spec = requireSpec(event);
        if (event.desiredCount === undefined) throw new ValidationError('desiredCount', 'is required');
        const desiredCount = assertInteger(event.desiredCount, 'desiredCount', 0, 100);
        return { steps: planScale(await resolved.observer.observe(env, spec), spec, desiredCount) };
      }
      case 'redeploy': {
        const spec = requireSpec(event);
        const image = event.image === undefined ? undefined : assertImage(event.image, 'image');
        return { steps: planRedeploy(await resolved.observer.observe(env, spec), image) };
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
