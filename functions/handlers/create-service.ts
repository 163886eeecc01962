import { ValidationError } from '../core/errors.ts';
import type { ConfigOf } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  type ServiceResult,
  specOf,
} from './lifecycle-deps.ts';
import { runUpStage, type UpStageDeps } from './up-stage.ts';
import { ecsAdapter, schedulerAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

/** The up-stage dependencies (only `ecs` is called in this stage) and the registry. */
export type CreateServiceDeps = UpStageDeps<ConfigOf<'create-service'>> & Pick<HandlerDeps, 'registry'>;

/**
 * Stage `service` of `up` (core `planUp`): converges the ECS service: created with the target
 * group → container mapping, circuit breaker (rollback), 100/200 %, the spec's grace period, the
 * env's capacity provider (EC2) or FARGATE with awsvpc; an existing service is updated only when
 * its revision or desired count differs; then the sleep/wake schedules of the spec (EventBridge Scheduler) are
 * created, converged or deleted. Needs `resources.loadBalancer.targetGroupArn` and
 * `resources.taskDefinition.taskDefinitionArn`.
 * @returns `{ serviceArn }`
 */
export function makeHandler(deps: CreateServiceDeps) {
  return async (state: LifecycleState): Promise<ServiceResult> =>
    runStep(deps.logger, 'create-service', state, async () => {
      envOf(state);
      const spec = await specOf(state, () => deps.registry);
      if (!state.resources?.loadBalancer?.targetGroupArn) {
        throw new ValidationError(
          'resources.loadBalancer.targetGroupArn',
          'is required (create-load-balancer first)',
        );
      }
      if (!state.resources?.taskDefinition?.taskDefinitionArn) {
        throw new ValidationError(
          'resources.taskDefinition.taskDefinitionArn',
          'is required (create-task-definition first)',
        );
      }
      const out = await runUpStage(deps, 'service', state, spec);
      if (out.serviceArn === undefined)
        throw new TypeError('create-service: the plan did not yield a service');
      return { serviceArn: out.serviceArn };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('create-service', { ecs: ecsAdapter, registry: registryAdapter, scheduler: schedulerAdapter }),
);
