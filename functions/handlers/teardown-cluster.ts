import { defaultDeps, type LifecycleState } from './runtime.ts';
import { runTeardownStage, type TeardownDeps, type TeardownResult } from './teardown-stage.ts';

/**
 * Teardown stage `cluster`: Deletes the cluster (DependencyPendingError while container instances or services remain).
 * Only resources tagged as the environment's are touched (OwnershipConflictError otherwise).
 */
export function makeHandler(deps: TeardownDeps) {
  return (state: LifecycleState): Promise<TeardownResult> => runTeardownStage(deps, 'cluster', state);
}

export const handler = makeHandler(defaultDeps());
