import { defaultDeps, type LifecycleState } from './lifecycle-deps.ts';
import { runTeardownStage, type TeardownDeps, type TeardownResult } from './teardown-stage.ts';
import { elbv2Adapter } from './wiring.ts';

/**
 * Teardown stage `load-balancer`: Deletes the shared listener rule or the dedicated listener, the ALB (done: false until it is gone), then the target group.
 * Only resources tagged as the environment's are touched (OwnershipConflictError otherwise).
 */
export function makeHandler(deps: TeardownDeps) {
  return (state: LifecycleState): Promise<TeardownResult> => runTeardownStage(deps, 'load-balancer', state);
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(defaultDeps('teardown-load-balancer', { elbv2: elbv2Adapter }));
