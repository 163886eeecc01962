import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
  type TaskDefinitionResult,
} from './lifecycle-deps.ts';
import { runUpStage, type UpStageDeps } from './up-stage.ts';
import { ecsAdapter, registryAdapter } from './wiring.ts';

/** The up-stage dependencies (only `ecs` is called in this stage) and the registry. */
export type CreateTaskDefinitionDeps = UpStageDeps & Pick<HandlerDeps, 'registry'>;

/**
 * Stage `task-definition` of `up` (core `planUp`): keeps the newest ACTIVE revision of
 * `berth-<env>` when it matches the spec (image, cpu, memory, memoryReservation, container port,
 * network mode) and runs on the spec's launch type; otherwise registers a new one (bridge: host
 * port 0; Fargate: task-level cpu/memory).
 * @returns `{ taskDefinitionArn }`
 */
export function makeHandler(deps: CreateTaskDefinitionDeps) {
  return async (state: LifecycleState): Promise<TaskDefinitionResult> =>
    runStep(deps.logger, 'create-task-definition', state, async () => {
      envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const out = await runUpStage(deps, 'task-definition', state, spec);
      if (out.taskDefinitionArn === undefined) {
        throw new TypeError('create-task-definition: the plan did not yield a revision');
      }
      return { taskDefinitionArn: out.taskDefinitionArn };
    });
}

export const handler = makeHandler(defaultDeps([], { ecs: ecsAdapter, registry: registryAdapter }));
