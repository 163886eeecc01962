import { resourceNames } from '../core/names.ts';
import { taskDefinitionDrift } from '../core/plan-up.ts';
import { ownershipTags } from '../core/tags.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
  type TaskDefinitionResult,
} from './runtime.ts';

export type CreateTaskDefinitionDeps = Pick<HandlerDeps, 'config' | 'ecs' | 'registry' | 'logger'>;

/**
 * Keeps the newest ACTIVE revision of `berth-<env>` when it matches the spec (image, cpu, memory,
 * memoryReservation, container port, network mode); otherwise registers a new one (bridge: host
 * port 0; Fargate: task-level cpu/memory).
 * @returns `{ taskDefinitionArn }`
 */
export function makeHandler(deps: CreateTaskDefinitionDeps) {
  return async (state: LifecycleState): Promise<TaskDefinitionResult> =>
    runStep(deps.logger, 'create-task-definition', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const names = resourceNames(env);
      const revisions = await deps.ecs.observeTaskDefinitions(names.taskFamily);
      const latest = revisions.at(-1);
      if (latest) {
        const described = await deps.ecs.describeTaskDefinition(latest.arn);
        if (described && taskDefinitionDrift(described, spec).length === 0) {
          return { taskDefinitionArn: described.arn };
        }
      }
      const registered = await deps.ecs.registerTaskDefinition({
        env,
        family: names.taskFamily,
        containerName: names.containerName,
        image: spec.image,
        containerPort: spec.containerPort,
        networkMode: spec.networkMode,
        launchType: spec.launchType,
        cpu: spec.cpu,
        memory: spec.memory,
        memoryReservation: spec.memoryReservation,
        ...(spec.environment ? { environment: spec.environment } : {}),
        ...(deps.config.executionRoleArn ? { executionRoleArn: deps.config.executionRoleArn } : {}),
        tags: ownershipTags(env, spec.owner),
      });
      return { taskDefinitionArn: registered.arn };
    });
}

export const handler = makeHandler(defaultDeps());
