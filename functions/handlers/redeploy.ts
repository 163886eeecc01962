import { NotFoundError } from '../core/errors.ts';
import { resourceNames } from '../core/names.ts';
import type { ObservedEnvironment } from '../core/observed.ts';
import {
  planRedeploy,
  redeployProgress,
  requestIdTagValue,
  revisionOf,
  TAG_REDEPLOYED_FROM,
  TAG_REQUEST_ID,
} from '../core/plan-redeploy.ts';
import { ownershipTags } from '../core/tags.ts';
import { defaultDeps, envOf, type HandlerDeps, type LifecycleState, runStep } from './lifecycle-deps.ts';
import { executeUpSteps, logExecuted, wiredPorts } from './up-stage.ts';

/** A redeploy plan needs no deployment setting (it copies the running revision). */
const NO_SETTINGS = {};

import { ecsAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

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
 * `forceNewDeployment`: observe the service (and what earlier attempts of this request did), core
 * `planRedeploy`, execute.
 *
 * Idempotent per `requestId`: the revision is tagged `berth:request-id=<requestId>` (and
 * `berth:redeployed-from=<previous revision>`); a retried or repeated attempt reuses the ACTIVE
 * revision carrying its request id instead of registering another, and skips UpdateService when the
 * service's PRIMARY deployment already runs it. Without a `requestId` every call registers and deploys.
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
      const observed: ObservedEnvironment = { env, securityGroups: {}, service };
      const owner = service.tags['berth:owner'] ?? state.requestedBy ?? 'unknown';
      const image = typeof state.image === 'string' && state.image !== '' ? state.image : undefined;
      const requestTag =
        typeof state.requestId === 'string' && state.requestId !== ''
          ? { key: TAG_REQUEST_ID, value: requestIdTagValue(state.requestId) }
          : undefined;
      // An earlier attempt of this request registered a revision no older than the service's
      // current one (the service runs it, or still the one it was copied from).
      const minRevision = revisionOf(service.taskDefinition);
      const earlier = requestTag
        ? await deps.ecs.findRevisionTagged(names.taskFamily, requestTag, {
            ...(minRevision !== undefined ? { minRevision } : {}),
          })
        : undefined;
      const steps = planRedeploy(observed, image, redeployProgress(service, earlier));
      const out = await executeUpSteps(
        wiredPorts({ ecs: deps.ecs }),
        {
          env,
          tags: ownershipTags(env, owner),
          config: NO_SETTINGS,
          ...(requestTag
            ? {
                revisionTags: {
                  [requestTag.key]: requestTag.value,
                  [TAG_REDEPLOYED_FROM]: service.taskDefinition,
                },
              }
            : {}),
        },
        steps,
      );
      logExecuted(deps.logger, 'redeploy', steps, out);
      if (earlier && steps.some((s) => s.kind === 'useService')) {
        deps.logger.info('redeploy: PRIMARY deployment already runs the revision of this request', {
          env,
          taskDefinitionArn: earlier.arn,
        });
      }
      const previous = earlier?.tags[TAG_REDEPLOYED_FROM];
      return {
        taskDefinitionArn: out.taskDefinitionArn ?? service.taskDefinition,
        previousTaskDefinitionArn:
          previous !== undefined && previous !== '' ? previous : service.taskDefinition,
        image: (earlier ? earlier.image : out.taskDefinitionImage) ?? image ?? '',
      };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(defaultDeps('redeploy', { ecs: ecsAdapter, registry: registryAdapter }));
