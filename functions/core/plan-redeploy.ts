import { type EnvSpec, ImageSchema } from './env-spec.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { resourceNames } from './names.ts';
import type { ObservedEnvironment } from './observed.ts';
import { type PlanStep, step } from './plan.ts';
import { assertAllOwned, labels, latestRevision, servicePresent } from './resources.ts';

/**
 * Plans `redeploy`: register a new task definition revision (the new `image`, or the
 * current one re-pulled), update the service with it (a new deployment, circuit breaker
 * on), verify.
 *
 * @throws ValidationError (`image`) when `image` is not a container image reference
 * @throws NotFoundError when the service does not exist
 * @throws OwnershipConflictError when a present resource is not the environment's
 * @example planRedeploy(observed, spec, 'nginx:1.28')[0]?.reason // 'image nginx:1.27 → nginx:1.28'
 */
export function planRedeploy(observed: ObservedEnvironment, spec: EnvSpec, image?: string): PlanStep[] {
  if (image !== undefined) {
    const parsed = ImageSchema.safeParse(image);
    if (!parsed.success) throw new ValidationError('image', parsed.error.issues[0]?.message ?? 'is invalid');
  }
  assertAllOwned(observed);
  const names = resourceNames(spec.name);
  if (!servicePresent(observed) || observed.service === undefined) {
    throw new NotFoundError(`${labels.service(names.service)} does not exist; run up first`);
  }
  const current = latestRevision(observed)?.image ?? spec.image;
  const wanted = image ?? spec.image;
  const reason = wanted === current ? `same image ${wanted}, re-pulled` : `image ${current} → ${wanted}`;
  return [
    step('task-definition', 'create', labels.taskDefinition(names.taskFamily), reason),
    step(
      'service',
      'update',
      labels.service(observed.service.name),
      'deploy the new revision (rollback on failure)',
    ),
    step(
      'verify',
      'wait',
      `environment ${spec.name}`,
      'deployment COMPLETED (not rolled back), healthy targets, HTTP probe',
    ),
  ];
}
