import type { ConfigOf } from './config.ts';
import {
  defaultDeps,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
  type TaskDefinitionResult,
} from './lifecycle-deps.ts';
import { runUpStage, type UpStageDeps } from './up-stage.ts';
import { ecsAdapter, logsAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

/** The up-stage dependencies (`ecs` in this stage), CloudWatch Logs and the registry. */
export type CreateTaskDefinitionDeps = UpStageDeps<ConfigOf<'create-task-definition'>> &
  Pick<HandlerDeps, 'registry' | 'logs'>;

/**
 * Stage `task-definition` of `up` (core `planUp`): first the environment's log group `/berth/<env>` (created
 * with the spec's retention, tagged as the environment's with how long to keep it after `down`; an existing one
 * converged, a stale expiry from an earlier `down` removed; a foreign group is an OwnershipConflictError). Then
 * keeps the newest ACTIVE revision of `berth-<env>` when it matches the spec (image, cpu, memory,
 * memoryReservation, container port, network mode, log group) and runs on the spec's launch type; otherwise
 * registers a new one (bridge: host port 0; Fargate: task-level cpu/memory) whose container logs to that group
 * through `awslogs` (stream prefix = the container name). The dry run prints the same steps.
 * @returns `{ taskDefinitionArn }`
 */
export function makeHandler(deps: CreateTaskDefinitionDeps) {
  return async (state: LifecycleState): Promise<TaskDefinitionResult> =>
    runStep(deps.logger, 'create-task-definition', state, async () => {
      const spec = await specOf(state, () => deps.registry);
      const out = await runUpStage(deps, 'task-definition', state, spec);
      if (out.taskDefinitionArn === undefined) {
        throw new TypeError('create-task-definition: the plan did not yield a revision');
      }
      return { taskDefinitionArn: out.taskDefinitionArn };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('create-task-definition', { ecs: ecsAdapter, logs: logsAdapter, registry: registryAdapter }),
);
