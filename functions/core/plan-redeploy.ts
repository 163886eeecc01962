import { createHash } from 'node:crypto';
import { ImageSchema } from './env-spec.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { resourceNames } from './names.ts';
import type { ObservedEnvironment, ObservedService, ObservedTaskDefinition } from './observed.ts';
import { type UpStep, upStep } from './plan.ts';
import { assertAllOwned, labels, servicePresent } from './resources.ts';

/** Tag on a revision registered by `redeploy`: the request that registered it (idempotency key). */
export const TAG_REQUEST_ID = 'berth:request-id';
/** Tag on a revision registered by `redeploy`: the revision the service ran before it. */
export const TAG_REDEPLOYED_FROM = 'berth:redeployed-from';

/** ECS tag values: up to 256 letters, digits, spaces and `_ . : / = + - @`. */
const ECS_TAG_VALUE = /^[\p{L}\p{N}\p{Z}_.:/=+\-@]{1,256}$/u;

/**
 * The `berth:request-id` tag value for a request id: the id itself when ECS accepts it as a tag
 * value (every id the API and Slack mint does), else `sha256:<hex>` of it.
 *
 * @example requestIdTagValue('req-1') // 'req-1'
 */
export function requestIdTagValue(requestId: string): string {
  if (ECS_TAG_VALUE.test(requestId)) return requestId;
  return `sha256:${createHash('sha256').update(requestId).digest('hex')}`;
}

/**
 * The revision number at the end of a task definition ARN (`…/berth-demo:7` → 7), or `undefined`.
 *
 * @example revisionOf('arn:aws:ecs:us-east-1:1:task-definition/berth-demo:7') // 7
 */
export function revisionOf(taskDefinitionArn: string): number | undefined {
  const match = /:(\d+)$/.exec(taskDefinitionArn);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** What earlier attempts of the same redeploy request already did (the handler observes it). */
export interface RedeployProgress {
  /** The ACTIVE revision tagged `berth:request-id=<this request>`, when an earlier attempt registered one. */
  readonly revision?: ObservedTaskDefinition;
  /** Whether the service's PRIMARY deployment already runs `revision` (an earlier attempt deployed it). */
  readonly deployed: boolean;
}

/**
 * Whether the service's PRIMARY deployment runs (or was created for) `taskDefinitionArn`; without
 * deployments in the observation, whether the service's task definition is it.
 *
 * @example primaryRuns(service, 'arn:…/berth-demo:7') // true once UpdateService to :7 was accepted
 */
export function primaryRuns(service: ObservedService, taskDefinitionArn: string): boolean {
  const primary = service.deployments.find((deployment) => deployment.status === 'PRIMARY');
  return (primary?.taskDefinition ?? service.taskDefinition) === taskDefinitionArn;
}

/**
 * What is left to do for one redeploy request, given the revision an earlier attempt registered for it
 * (if any): register only when there is none, update the service only when its PRIMARY deployment
 * does not already run that revision.
 *
 * @example redeployProgress(service, undefined) // { deployed: false } — register, then update
 */
export function redeployProgress(
  service: ObservedService,
  revision: ObservedTaskDefinition | undefined,
): RedeployProgress {
  if (revision === undefined) return { deployed: false };
  return { revision, deployed: primaryRuns(service, revision.arn) };
}

/**
 * Plans `redeploy`: register a new task definition revision (the new `image`, or the
 * current one re-pulled), update the service with it (a new deployment, circuit breaker
 * on), verify. With `progress` from an earlier attempt of the same request, the revision it
 * registered is reused (never a second one) and a deployment already running it is kept.
 *
 * @throws ValidationError (`image`) when `image` is not a container image reference
 * @throws NotFoundError when the service does not exist
 * @throws OwnershipConflictError when a present resource is not the environment's
 * @example planRedeploy(observed, 'nginx:1.28')[0]?.reason // 'copy of berth-demo:1 with image nginx:1.28'
 */
export function planRedeploy(
  observed: ObservedEnvironment,
  image?: string,
  progress?: RedeployProgress,
): UpStep[] {
  if (image !== undefined) {
    const parsed = ImageSchema.safeParse(image);
    if (!parsed.success) throw new ValidationError('image', parsed.error.issues[0]?.message ?? 'is invalid');
  }
  assertAllOwned(observed);
  const names = resourceNames(observed.env);
  if (!servicePresent(observed) || observed.service === undefined) {
    throw new NotFoundError(`${labels.service(names.service)} does not exist; run up first`);
  }
  const service = observed.service;
  const verify = upStep(
    'verify',
    'wait',
    `environment ${observed.env}`,
    'deployment COMPLETED (not rolled back), healthy targets, HTTP probe',
    { kind: 'verify' },
  );
  const deploy = (taskDefinition: string) =>
    ({
      kind: 'updateService',
      cluster: names.cluster,
      service: service.name,
      taskDefinition,
      forceNewDeployment: true,
    }) as const;
  const reused = progress?.revision;
  if (reused !== undefined) {
    return [
      upStep(
        'task-definition',
        'keep',
        labels.taskDefinition(names.taskFamily, reused.revision),
        `reuse revision ${reused.revision} registered by this request`,
        { kind: 'useTaskDefinition', arn: reused.arn },
      ),
      progress?.deployed
        ? upStep(
            'service',
            'keep',
            labels.service(service.name),
            `PRIMARY deployment already runs revision ${reused.revision}`,
            { kind: 'useService', arn: service.arn },
          )
        : upStep(
            'service',
            'update',
            labels.service(service.name),
            `deploy revision ${reused.revision} (rollback on failure)`,
            deploy(reused.arn),
          ),
      verify,
    ];
  }
  // Only what the service itself says (no extra Describe): the revision it runs is copied.
  const running = service.taskDefinition.split('/').pop() ?? service.taskDefinition;
  const reason =
    image === undefined
      ? `copy of ${running}, same image re-pulled`
      : `copy of ${running} with image ${image}`;
  return [
    upStep('task-definition', 'create', labels.taskDefinition(names.taskFamily), reason, {
      kind: 'registerRevisionFrom',
      from: service.taskDefinition,
      ...(image !== undefined ? { image } : {}),
    }),
    upStep(
      'service',
      'update',
      labels.service(service.name),
      'deploy the new revision (rollback on failure)',
      deploy('new'),
    ),
    verify,
  ];
}
