import type { AwsApplicationAutoScalingAdapter } from '../adapters/application-autoscaling.ts';
import type { AwsAutoScalingAdapter } from '../adapters/autoscaling.ts';
import type { AwsEcsAdapter } from '../adapters/ecs.ts';
import type { AwsElbv2Adapter } from '../adapters/elbv2.ts';
import { observeEnvironment } from '../adapters/observe-environment.ts';
import type { DynamoRegistry } from '../adapters/registry.ts';
import { ConfigError } from '../core/errors.ts';
import { resourceNames } from '../core/names.ts';
import type { ObservedEnvironment, Tags } from '../core/observed.ts';
import { assertNever, type PauseStep, pendingSteps } from '../core/plan.ts';
import { planPause } from '../core/plan-pause.ts';
import { ownershipTags } from '../core/tags.ts';
import type { ConfigOf } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
} from './lifecycle-deps.ts';
import { describeStep, executeScaleDown, type ScaleDownPorts } from './teardown-stage.ts';
import { applicationAutoScalingAdapter, autoScalingAdapter, ecsAdapter, elbv2Adapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

export interface PauseResult {
  readonly done: boolean;
  /** `<action> <resource>: <reason>` of the steps left. */
  readonly remaining: readonly string[];
  /** Steps executed by this invocation. */
  readonly executed: readonly string[];
}

/** The calls the pause executor makes, and nothing else (narrow ports: fakes need only these). */
interface PausePorts extends ScaleDownPorts {
  readonly registry: Pick<DynamoRegistry, 'rememberPause'>;
  /** Wake on request only. */
  readonly elbv2?: Pick<AwsElbv2Adapter, 'createLambdaTargetGroup' | 'forwardTo'>;
}

export type PauseDeps = Pick<HandlerDeps<ConfigOf<'pause'>>, 'config' | 'now' | 'logger'> & {
  readonly elbv2?: AwsElbv2Adapter;
  readonly ecs: Pick<AwsEcsAdapter, 'updateService' | 'observeService' | 'observeCluster'>;
  readonly autoScaling: Pick<AwsAutoScalingAdapter, 'unprotectInstances' | 'updateCapacity' | 'observeGroup'>;
  readonly registry: Pick<DynamoRegistry, 'rememberPause' | 'getEnvironment'>;
  readonly scaling?:
    | Pick<AwsApplicationAutoScalingAdapter, 'suspendScaling' | 'observeScalableTarget'>
    | undefined;
};

/**
 * Executes one typed pause step with at most one call. Returns `'wait'` at a `wait` step (tasks draining,
 * instances terminating): the state machine Waits and calls the handler again. Matching is exhaustive.
 */
async function executePauseStep(
  ports: PausePorts,
  run: { readonly env: string; readonly tags: Tags; wakeTargetGroupArn?: string },
  s: PauseStep,
): Promise<'continue' | 'wait'> {
  const env = run.env;
  const elbv2 = (): NonNullable<PausePorts['elbv2']> => {
    if (ports.elbv2 === undefined) throw new ConfigError('pause: wake on request needs the elbv2 adapter');
    return ports.elbv2;
  };
  switch (s.kind) {
    case 'createWakeTargetGroup':
      run.wakeTargetGroupArn = (
        await elbv2().createLambdaTargetGroup({ name: s.name, functionArn: s.functionArn, tags: run.tags })
      ).arn;
      return 'continue';
    case 'forwardTo': {
      const target = s.targetGroupArn === 'wake' ? run.wakeTargetGroupArn : s.targetGroupArn;
      if (target === undefined)
        throw new ConfigError('pause: forwardTo the waking page before it was created');
      await elbv2().forwardTo(
        s.ruleArn !== undefined ? { ruleArn: s.ruleArn } : { listenerArn: s.listenerArn ?? '' },
        target,
        s.keepAttached,
      );
      return 'continue';
    }
    case 'noop':
      return 'continue';
    case 'wait':
      return 'wait';
    case 'rememberCounts':
      await ports.registry.rememberPause(env, s.counts);
      return 'continue';
    case 'scaleServiceToZero':
    case 'unprotectInstances':
    case 'scaleGroupToZero':
    case 'suspendScaling':
      await executeScaleDown(ports, s, 'pause');
      return 'continue';
    default:
      return assertNever(s, 'pause step');
  }
}

/**
 * What pause and resume observe: the service and, on EC2, the Auto Scaling group (with its instances) and,
 * with `cluster` (resume), the cluster (its registered instances).
 */
export async function observeForPause(
  deps: {
    readonly ecs: Pick<AwsEcsAdapter, 'observeService' | 'observeCluster'>;
    readonly autoScaling: Pick<AwsAutoScalingAdapter, 'observeGroup'>;
    readonly elbv2?: AwsElbv2Adapter | undefined;
    readonly scaling?: Pick<AwsApplicationAutoScalingAdapter, 'observeScalableTarget'> | undefined;
  },
  env: string,
  launchType: 'EC2' | 'FARGATE',
  options: { readonly cluster?: boolean; readonly sharedListenerArn?: string | undefined } = {},
): Promise<ObservedEnvironment> {
  const names = resourceNames(env);
  const ec2 = launchType === 'EC2';
  const [service, group, cluster, balancing, scalableTarget] = await Promise.all([
    deps.ecs.observeService(names.cluster, names.service),
    ec2 ? deps.autoScaling.observeGroup(names.autoScalingGroup) : undefined,
    ec2 && options.cluster === true ? deps.ecs.observeCluster(names.cluster) : undefined,
    // Wake on request: the target groups (with target health), the listener or rule and where they forward.
    deps.elbv2 === undefined
      ? undefined
      : observeEnvironment(
          { elbv2: deps.elbv2 },
          {
            env,
            parts: ['load-balancer', 'targets'],
            ...(options.sharedListenerArn === undefined
              ? {}
              : { sharedListenerArn: options.sharedListenerArn }),
          },
        ),
    deps.scaling?.observeScalableTarget(names.cluster, names.service),
  ]);
  return {
    ...(balancing ?? {}),
    env,
    securityGroups: {},
    ...(service ? { service } : {}),
    ...(group ? { autoScalingGroup: group } : {}),
    ...(cluster ? { cluster } : {}),
    ...(scalableTarget ? { scalableTarget } : {}),
  };
}

/**
 * `pause`: observe the service and the Auto Scaling group, core `planPause` (remember the counts once,
 * service → 0, wait for the drain, unprotect and bring the group to 0, wait for the instances), execute up
 * to the first wait. Called again by the state machine after a Wait until `done`. Deletes nothing.
 * @returns `{ done, remaining, executed }`
 */
export function makeHandler(deps: PauseDeps) {
  return async (state: LifecycleState): Promise<PauseResult> =>
    runStep(deps.logger, 'pause', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const record = await deps.registry.getEnvironment(env);
      const wakeFunctionArn = deps.config.wakeFunctionArn;
      const elbv2 = wakeFunctionArn === undefined ? undefined : deps.elbv2;
      const observed = await observeForPause(
        { ecs: deps.ecs, autoScaling: deps.autoScaling, elbv2, scaling: deps.scaling },
        env,
        spec.launchType,
        {
          sharedListenerArn: deps.config.sharedListenerArn,
        },
      );
      const steps = pendingSteps(
        planPause(observed, spec, record?.paused, deps.now(), {
          ...(wakeFunctionArn === undefined ? {} : { wakeFunctionArn }),
        }),
      );
      const executed: string[] = [];
      const run = { env, tags: ownershipTags(env, spec.owner) };
      for (const [index, s] of steps.entries()) {
        const outcome = await executePauseStep(deps, run, s);
        if (s.kind !== 'wait') executed.push(describeStep(s));
        if (outcome === 'wait') {
          return { done: false, remaining: steps.slice(index).map(describeStep), executed };
        }
      }
      return { done: true, remaining: [], executed };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('pause', {
    autoScaling: autoScalingAdapter,
    ecs: ecsAdapter,
    elbv2: elbv2Adapter,
    registry: registryAdapter,
    scaling: applicationAutoScalingAdapter,
  }),
);
