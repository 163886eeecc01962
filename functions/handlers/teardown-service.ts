import { defaultDeps, type LifecycleState } from './runtime.ts';
import { runTeardownStage, type TeardownDeps, type TeardownResult } from './teardown-stage.ts';

/**
 * Teardown stage `service`: Scales the service to 0, waits (done: false) while tasks drain, then deletes it.
 * Only resources tagged as the environment's are touched (OwnershipConflictError otherwise).
 */
export function makeHandler(deps: TeardownDeps) {
  return (state: LifecycleState): Promise<TeardownResult> => runTeardownStage(deps, 'service', state);
}

export const handler = makeHandler(defaultDeps());
