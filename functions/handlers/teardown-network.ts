import { defaultDeps, type LifecycleState } from './lifecycle-deps.ts';
import { runTeardownStage, type TeardownDeps, type TeardownResult } from './teardown-stage.ts';
import { ec2Adapter } from './wiring.ts';

/**
 * Teardown stage `network`: Deletes the instances security group, then the ALB group (DependencyPendingError while ENIs are attached).
 * Only resources tagged as the environment's are touched (OwnershipConflictError otherwise).
 */
export function makeHandler(deps: TeardownDeps) {
  return (state: LifecycleState): Promise<TeardownResult> => runTeardownStage(deps, 'network', state);
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(defaultDeps('teardown-network', { ec2: ec2Adapter }));
