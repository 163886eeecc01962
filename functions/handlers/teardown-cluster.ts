import { defaultDeps, type LifecycleState } from './lifecycle-deps.ts';
import { runTeardownStage, type TeardownDeps, type TeardownResult } from './teardown-stage.ts';
import { autoScalingAdapter, ec2Adapter, ecsAdapter } from './wiring.ts';

/**
 * Teardown stage `cluster`: Deletes the cluster (DependencyPendingError while container instances or services remain).
 * Only resources tagged as the environment's are touched (OwnershipConflictError otherwise).
 */
export function makeHandler(deps: TeardownDeps) {
  return (state: LifecycleState): Promise<TeardownResult> => runTeardownStage(deps, 'cluster', state);
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('teardown-cluster', { autoScaling: autoScalingAdapter, ec2: ec2Adapter, ecs: ecsAdapter }),
);
