import { defaultDeps, type LifecycleState } from './lifecycle-deps.ts';
import { runTeardownStage, type TeardownDeps, type TeardownResult } from './teardown-stage.ts';
import { ecsAdapter, logsAdapter } from './wiring.ts';

/**
 * Teardown stage `task-definitions`: Deregisters every ACTIVE revision of the family, then deletes the
 * log group `/berth/<env>` (or, when its logs are kept, tags it with its expiry).
 * Only resources tagged as the environment's are touched (OwnershipConflictError otherwise).
 */
export function makeHandler(deps: TeardownDeps) {
  return async (state: LifecycleState): Promise<TeardownResult & { deregistered: number }> => {
    const result = await runTeardownStage(deps, 'task-definitions', state);
    const deregistered = result.executed.filter((line) => line.startsWith('delete task definition ')).length;
    return { ...result, deregistered };
  };
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('teardown-task-definitions', { ecs: ecsAdapter, logs: logsAdapter }),
);
