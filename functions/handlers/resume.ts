import { planResume } from '../core/plan-pause.ts';
import { ownershipTags } from '../core/tags.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
} from './lifecycle-deps.ts';
import { observeForPause } from './pause.ts';
import { executeUpSteps, logExecuted, type UpStageDeps, wiredPorts } from './up-stage.ts';
import { autoScalingAdapter, ecsAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

export interface ResumeResult {
  /** The restored desired count (the verify loop waits for that many tasks). */
  readonly desiredCount: number;
  /** EC2: the restored Auto Scaling group bounds. */
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly desiredCapacity?: number;
}

export type ResumeDeps = UpStageDeps & Pick<HandlerDeps, 'ecs' | 'autoScaling' | 'registry'>;

/**
 * `resume`: observe the service and the Auto Scaling group, core `planResume` (restore exactly what
 * `pause` remembered: the group's min/max/desired first, then the service's desired count), execute.
 * The state machine then verifies as `up` does. Nothing is created.
 * @returns `{ desiredCount, minSize?, maxSize?, desiredCapacity? }`
 * @throws InvalidStateError when the environment has no remembered counts (not paused)
 */
export function makeHandler(deps: ResumeDeps) {
  return async (state: LifecycleState): Promise<ResumeResult> =>
    runStep(deps.logger, 'resume', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const record = await deps.registry.getEnvironment(env);
      const remembered = record?.paused;
      const observed = await observeForPause(deps, env, spec.launchType);
      const steps = planResume(observed, spec, remembered);
      const out = await executeUpSteps(
        wiredPorts(deps),
        { env, tags: ownershipTags(env, spec.owner), config: deps.config },
        steps,
      );
      logExecuted(deps.logger, 'resume', steps, out);
      const group = remembered?.autoScalingGroup;
      return {
        desiredCount: remembered?.desiredCount ?? spec.desiredCount,
        ...(group === undefined ? {} : group),
      };
    });
}

export const handler = makeHandler(
  defaultDeps(['BERTH_TABLE_NAME'], {
    autoScaling: autoScalingAdapter,
    ecs: ecsAdapter,
    registry: registryAdapter,
  }),
);
