import { NotFoundError } from '../core/errors.ts';
import { resourceNames } from '../core/names.ts';
import { assertOwned, ownershipTags } from '../core/tags.ts';
import { defaultDeps, envOf, type HandlerDeps, type LifecycleState, runStep } from './runtime.ts';

export interface RedeployResult {
  /** The new revision; verify compares the PRIMARY deployment against it to detect a rollback. */
  readonly taskDefinitionArn: string;
  readonly previousTaskDefinitionArn: string;
  readonly image: string;
}

export type RedeployDeps = Pick<HandlerDeps, 'ecs' | 'logger'>;

/**
 * Registers a new revision copied from the service's current one — with `image` from the state
 * when given, else the same image (re-pulled) — and updates the service to it with
 * `forceNewDeployment`.
 * @returns `{ taskDefinitionArn, previousTaskDefinitionArn, image }`
 */
export function makeHandler(deps: RedeployDeps) {
  return async (state: LifecycleState): Promise<RedeployResult> =>
    runStep(deps.logger, 'redeploy', state, async () => {
      const env = envOf(state);
      const names = resourceNames(env);
      const service = await deps.ecs.observeService(names.cluster, names.service);
      if (service?.status !== 'ACTIVE') {
        throw new NotFoundError(`ECS service ${names.service} does not exist; run up first`);
      }
      assertOwned(`ECS service ${names.service}`, service.tags, env);
      const owner = service.tags['berth:owner'] ?? state.requestedBy ?? 'unknown';
      const image = typeof state.image === 'string' && state.image !== '' ? state.image : undefined;
      const revision = await deps.ecs.registerRevisionFrom(service.taskDefinition, {
        ...(image ? { image } : {}),
        tags: ownershipTags(env, owner),
      });
      await deps.ecs.updateService({
        cluster: names.cluster,
        service: names.service,
        taskDefinition: revision.arn,
        forceNewDeployment: true,
      });
      return {
        taskDefinitionArn: revision.arn,
        previousTaskDefinitionArn: service.taskDefinition,
        image: revision.image ?? image ?? '',
      };
    });
}

export const handler = makeHandler(defaultDeps());
