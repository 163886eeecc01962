import { NotFoundError, ValidationError } from '../core/errors.ts';
import { resourceNames } from '../core/names.ts';
import { instancesNeeded } from '../core/plan-scale.ts';
import { assertOwned } from '../core/tags.ts';
import { defaultDeps, envOf, type HandlerDeps, type LifecycleState, runStep, specOf } from './runtime.ts';
import { autoScalingAdapter, ecsAdapter, registryAdapter } from './wiring.ts';

export interface ScaleResult {
  readonly desiredCount: number;
  /** EC2: the Auto Scaling group's desired capacity after scaling. */
  readonly desiredCapacity?: number;
  readonly maxSize?: number;
}

export type ScaleDeps = Pick<HandlerDeps, 'ecs' | 'autoScaling' | 'registry' | 'logger'>;

/**
 * Sets the service's desired count (`desiredCount` in the state) and, for EC2, the Auto Scaling
 * group's desired capacity (and max when needed) so the tasks fit (core `instancesNeeded`).
 * Capacity grows before the service; it shrinks after it.
 * @returns `{ desiredCount, desiredCapacity?, maxSize? }`
 */
export function makeHandler(deps: ScaleDeps) {
  return async (state: LifecycleState): Promise<ScaleResult> =>
    runStep(deps.logger, 'scale', state, async () => {
      const env = envOf(state);
      const desiredCount = state.desiredCount;
      if (
        typeof desiredCount !== 'number' ||
        !Number.isInteger(desiredCount) ||
        desiredCount < 0 ||
        desiredCount > 100
      ) {
        throw new ValidationError('desiredCount', 'must be an integer from 0 to 100');
      }
      const spec = await specOf(state, () => deps.registry);
      const names = resourceNames(env);
      const service = await deps.ecs.observeService(names.cluster, names.service);
      if (service?.status !== 'ACTIVE') {
        throw new NotFoundError(`ECS service ${names.service} does not exist; run up first`);
      }
      assertOwned(`ECS service ${names.service}`, service.tags, env);

      if (spec.launchType === 'EC2') {
        const group = await deps.autoScaling.observeGroup(names.autoScalingGroup);
        if (!group)
          throw new NotFoundError(
            `Auto Scaling group ${names.autoScalingGroup} does not exist; run up first`,
          );
        assertOwned(`Auto Scaling group ${names.autoScalingGroup}`, group.tags, env);
        const needed = instancesNeeded(spec, desiredCount);
        let capacity = { desiredCapacity: needed, maxSize: Math.max(group.maxSize, needed) };
        const grow = needed >= group.desiredCapacity;
        const changed = group.desiredCapacity !== needed || group.maxSize !== capacity.maxSize;
        if (grow && changed) await deps.autoScaling.updateCapacity(names.autoScalingGroup, capacity);
        if (!changed) capacity = { desiredCapacity: group.desiredCapacity, maxSize: group.maxSize };
        if (service.desiredCount !== desiredCount) {
          await deps.ecs.updateService({ cluster: names.cluster, service: names.service, desiredCount });
        }
        if (!grow && changed) await deps.autoScaling.updateCapacity(names.autoScalingGroup, capacity);
        return { desiredCount, ...capacity };
      }
      if (service.desiredCount !== desiredCount) {
        await deps.ecs.updateService({ cluster: names.cluster, service: names.service, desiredCount });
      }
      return { desiredCount };
    });
}

export const handler = makeHandler(
  defaultDeps(['BERTH_TABLE_NAME'], {
    autoScaling: autoScalingAdapter,
    ecs: ecsAdapter,
    registry: registryAdapter,
  }),
);
