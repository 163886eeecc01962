import { defaultDeps, type LifecycleState } from './lifecycle-deps.ts';
import { runTeardownStage, type TeardownDeps, type TeardownResult } from './teardown-stage.ts';
import { autoScalingAdapter, ec2Adapter, ecsAdapter } from './wiring.ts';

/**
 * Teardown stage `capacity`: Removes scale-in protection, scales the Auto Scaling group to 0 and force-deletes it (done: false while it is being deleted), deletes the launch template, detaches and deletes the capacity provider.
 * Only resources tagged as the environment's are touched (OwnershipConflictError otherwise).
 */
export function makeHandler(deps: TeardownDeps) {
  return (state: LifecycleState): Promise<TeardownResult> => runTeardownStage(deps, 'capacity', state);
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('teardown-capacity', { autoScaling: autoScalingAdapter, ec2: ec2Adapter, ecs: ecsAdapter }),
);
