import type { LaunchType } from '../core/env-spec.ts';
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
import { ecsAdapter, registryAdapter } from './wiring.ts';

/**
 * Whether a registered revision can run with `launchType`: its `requiresCompatibilities` (or,
 * when absent, what ECS computed in `compatibilities`; EC2 when neither is reported) names it.
 * An EC2 awsvpc revision has the same image/sizes/port as a Fargate spec but cannot run on Fargate.
 */
export function runsOn(
  definition: {
    readonly requiresCompatibilities?: readonly string[] | undefined;
    readonly compatibilities?: readonly string[] | undefined;
  },
  launchType: LaunchType,
): boolean {
  const compatibilities = definition.requiresCompatibilities ?? definition.compatibilities ?? ['EC2'];
  return compatibilities.includes(launchType);
}

export type CreateTaskDefinitionDeps = Pick<HandlerDeps, 'config' | 'ecs' | 'registry' | 'logger'>;

/**
 * Keeps the newest ACTIVE revision of `berth-<env>` when it matches the spec (image, cpu, memory,
 * memoryReservation, container port, network mode) and runs on the spec's launch type; otherwise
 * registers a new one (bridge: host port 0; Fargate: task-level cpu/memory).
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
        if (
          described &&
          taskDefinitionDrift(described, spec).length === 0 &&
          runsOn(described.definition, spec.launchType)
        ) {
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

export const handler = makeHandler(defaultDeps([], { ecs: ecsAdapter, registry: registryAdapter }));
