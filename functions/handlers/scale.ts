import { resourceNames } from '../core/names.ts';
import type { ObservedEnvironment } from '../core/observed.ts';
import { checkOperationField } from '../core/operation.ts';
import { planScale } from '../core/plan-scale.ts';
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
import { executeUpSteps, logExecuted, wiredPorts } from './up-stage.ts';
import { autoScalingAdapter, ecsAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

export interface ScaleResult {
  readonly desiredCount: number;
  /** EC2: the Auto Scaling group's desired capacity after scaling. */
  readonly desiredCapacity?: number;
  readonly maxSize?: number;
}

export type ScaleDeps = Pick<
  HandlerDeps<ConfigOf<'scale'>>,
  'config' | 'logger' | 'ecs' | 'autoScaling' | 'registry'
>;

/**
 * Sets the service's desired count (`desiredCount` in the state) and, for EC2, the Auto Scaling
 * group's desired capacity (and max when needed) so the tasks fit: observe the service and the
 * group, core `planScale` (capacity grows before the service and shrinks after it), execute.
 * @returns `{ desiredCount, desiredCapacity?, maxSize? }`
 */
export function makeHandler(deps: ScaleDeps) {
  return async (state: LifecycleState): Promise<ScaleResult> =>
    runStep(deps.logger, 'scale', state, async () => {
      const env = envOf(state);
      const desiredCount = checkOperationField('desiredCount', state.desiredCount);
      const spec = await specOf(state, () => deps.registry);
      // Observe what scale changes: the service and, on EC2, the Auto Scaling group.
      const names = resourceNames(env);
      const service = await deps.ecs.observeService(names.cluster, names.service);
      const group =
        spec.launchType === 'EC2' ? await deps.autoScaling.observeGroup(names.autoScalingGroup) : undefined;
      const observed: ObservedEnvironment = {
        env,
        securityGroups: {},
        ...(service ? { service } : {}),
        ...(group ? { autoScalingGroup: group } : {}),
      };
      const steps = planScale(observed, spec, desiredCount);
      const out = await executeUpSteps(
        wiredPorts(deps),
        { env, tags: ownershipTags(env, spec.owner), config: deps.config },
        steps,
      );
      logExecuted(deps.logger, 'scale', steps, out);
      if (spec.launchType !== 'EC2' || group === undefined) return { desiredCount };
      const resize = steps.find((s) => s.kind === 'updateAutoScalingGroup');
      return {
        desiredCount,
        desiredCapacity:
          resize?.kind === 'updateAutoScalingGroup'
            ? (resize.desiredCapacity ?? group.desiredCapacity)
            : group.desiredCapacity,
        maxSize:
          resize?.kind === 'updateAutoScalingGroup' ? (resize.maxSize ?? group.maxSize) : group.maxSize,
      };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('scale', {
    autoScaling: autoScalingAdapter,
    ecs: ecsAdapter,
    registry: registryAdapter,
  }),
);
