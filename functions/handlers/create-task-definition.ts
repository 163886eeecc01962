import { logGroupName, logGroupTags, logStreamPrefix, TAG_LOGS_EXPIRE_AT } from '../core/logs.ts';
import { resourceNames } from '../core/names.ts';
import { ownershipTags } from '../core/tags.ts';
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
import { ecsAdapter, logsAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

/** The up-stage dependencies (`ecs` in this stage), CloudWatch Logs and the registry. */
export type CreateTaskDefinitionDeps = UpStageDeps & Pick<HandlerDeps, 'registry' | 'logs'>;

/**
 * Stage `task-definition` of `up`: first the environment's log group `/berth/<env>` (created or
 * kept, retention from the spec, tagged as the environment's with how long to keep it after
 * `down`; a stale expiry from an earlier `down` is removed; a foreign group is an
 * OwnershipConflictError). Then core `planUp`: keeps the newest ACTIVE revision of `berth-<env>`
 * when it matches the spec (image, cpu, memory, memoryReservation, container port, network mode,
 * log group) and runs on the spec's launch type; otherwise registers a new one (bridge: host port
 * 0; Fargate: task-level cpu/memory) whose container logs through `awslogs` (stream prefix = the
 * container name).
 * @returns `{ taskDefinitionArn }`
 */
export function makeHandler(deps: CreateTaskDefinitionDeps) {
  return async (state: LifecycleState): Promise<TaskDefinitionResult> =>
    runStep(deps.logger, 'create-task-definition', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const group = await deps.logs.ensureLogGroup({
        env,
        name: logGroupName(env),
        retentionInDays: spec.logs.retentionDays,
        tags: { ...ownershipTags(env, spec.owner), ...logGroupTags(spec.logs.keepDays) },
        removeTags: [TAG_LOGS_EXPIRE_AT],
      });
      const out = await runUpStage(deps, 'task-definition', state, spec, {
        awslogs: {
          group: group.name,
          // arn:aws:logs:<region>:<account>:log-group:<name>
          region: group.arn.split(':')[3] ?? '',
          streamPrefix: logStreamPrefix(resourceNames(env).containerName),
        },
      });
      if (out.taskDefinitionArn === undefined) {
        throw new TypeError('create-task-definition: the plan did not yield a revision');
      }
      return { taskDefinitionArn: out.taskDefinitionArn };
    });
}

export const handler = makeHandler(
  defaultDeps([], { ecs: ecsAdapter, logs: logsAdapter, registry: registryAdapter }),
);
