import { defaultDeps, type LifecycleState } from './lifecycle-deps.ts';
import { runTeardownStage, type TeardownDeps, type TeardownResult } from './teardown-stage.ts';
import {
  applicationAutoScalingAdapter,
  autoScalingAdapter,
  ec2Adapter,
  ecsAdapter,
  elbv2Adapter,
  logsAdapter,
  schedulerAdapter,
} from './wiring.ts';

/**
 * Teardown stage `service`: deletes the sleep/wake schedules, suspends the scaling of the service's Application Auto Scaling target (if a user
 * registered one), scales the service to 0, waits (done: false) while tasks drain, then deletes it.
 * Only resources tagged as the environment's are touched (OwnershipConflictError otherwise).
 */
export function makeHandler(deps: TeardownDeps) {
  return (state: LifecycleState): Promise<TeardownResult> => runTeardownStage(deps, 'service', state);
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('teardown-service', {
    autoScaling: autoScalingAdapter,
    ec2: ec2Adapter,
    ecs: ecsAdapter,
    elbv2: elbv2Adapter,
    logs: logsAdapter,
    scaling: applicationAutoScalingAdapter,
    scheduler: schedulerAdapter,
  }),
);
