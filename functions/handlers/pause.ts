import type { AwsAutoScalingAdapter } from '../adapters/autoscaling.ts';
import type { AwsEcsAdapter } from '../adapters/ecs.ts';
import type { DynamoRegistry } from '../adapters/registry.ts';
import { resourceNames } from '../core/names.ts';
import type { ObservedEnvironment } from '../core/observed.ts';
import { assertNever, type PauseStep, pendingSteps } from '../core/plan.ts';
import { planPause } from '../core/plan-pause.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
} from './lifecycle-deps.ts';
import { describeStep } from './teardown-stage.ts';
import { autoScalingAdapter, ecsAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

export interface PauseResult {
  readonly done: boolean;
  /** `<action> <resource>: <reason>` of the steps left. */
  readonly remaining: readonly string[];
  /** Steps executed by this invocation. */
  readonly executed: readonly string[];
}

/** The calls the pause executor makes, and nothing else (narrow ports: fakes need only these). */
export interface PausePorts {
  readonly ecs: Pick<AwsEcsAdapter, 'updateService'>;
  readonly autoScaling: Pick<AwsAutoScalingAdapter, 'unprotectInstances' | 'updateCapacity'>;
  readonly registry: Pick<DynamoRegistry, 'rememberPause'>;
}

export type PauseDeps = Pick<HandlerDeps, 'config' | 'now' | 'logger'> & {
  readonly ecs: Pick<AwsEcsAdapter, 'updateService' | 'observeService' | 'observeCluster'>;
  readonly autoScaling: Pick<AwsAutoScalingAdapter, 'unprotectInstances' | 'updateCapacity' | 'observeGroup'>;
  readonly registry: Pick<DynamoRegistry, 'rememberPause' | 'getEnvironment'>;
};

/**
 * Executes one typed pause step with at most one call. Returns `'wait'` at a `wait` step (tasks draining,
 * instances terminating): the state machine Waits and calls the handler again. Matching is exhaustive.
 */
export async function executePauseStep(
  ports: PausePorts,
  env: string,
  s: PauseStep,
): Promise<'continue' | 'wait'> {
  switch (s.kind) {
    case 'noop':
      return 'continue';
    case 'wait':
      return 'wait';
    case 'rememberCounts':
      await ports.registry.rememberPause(env, s.counts);
      return 'continue';
    case 'scaleServiceToZero':
      await ports.ecs.updateService({ cluster: s.cluster, service: s.service, desiredCount: 0 });
      return 'continue';
    case 'unprotectInstances':
      await ports.autoScaling.unprotectInstances(s.group, s.instanceIds);
      return 'continue';
    case 'scaleGroupToZero':
      await ports.autoScaling.updateCapacity(s.group, { minSize: 0, maxSize: 0, desiredCapacity: 0 });
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
  },
  env: string,
  launchType: 'EC2' | 'FARGATE',
  options: { readonly cluster?: boolean } = {},
): Promise<ObservedEnvironment> {
  const names = resourceNames(env);
  const ec2 = launchType === 'EC2';
  const [service, group, cluster] = await Promise.all([
    deps.ecs.observeService(names.cluster, names.service),
    ec2 ? deps.autoScaling.observeGroup(names.autoScalingGroup) : undefined,
    ec2 && options.cluster === true ? deps.ecs.observeCluster(names.cluster) : undefined,
  ]);
  return {
    env,
    securityGroups: {},
    ...(service ? { service } : {}),
    ...(group ? { autoScalingGroup: group } : {}),
    ...(cluster ? { cluster } : {}),
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
      const observed = await observeForPause(deps, env, spec.launchType);
      const steps = pendingSteps(planPause(observed, spec, record?.paused, deps.now()));
      const executed: string[] = [];
      for (const [index, s] of steps.entries()) {
        const outcome = await executePauseStep(deps, env, s);
        if (s.kind !== 'wait') executed.push(describeStep(s));
        if (outcome === 'wait') {
          return { done: false, remaining: steps.slice(index).map(describeStep), executed };
        }
      }
      return { done: true, remaining: [], executed };
    });
}

export const handler = makeHandler(
  defaultDeps(['BERTH_TABLE_NAME'], {
    autoScaling: autoScalingAdapter,
    ecs: ecsAdapter,
    registry: registryAdapter,
  }),
);
