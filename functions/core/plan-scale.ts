import { type EnvSpec, INSTANCE_TYPES, usableCpuUnits, usableMemoryMiB } from './env-spec.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { resourceNames } from './names.ts';
import type { ObservedEnvironment, ObservedService } from './observed.ts';
import { type UpStep, upStep } from './plan.ts';
import { assertAllOwned, labels, servicePresent } from './resources.ts';

/** Most instances an environment's Auto Scaling group may have. */
const MAX_INSTANCES = 10;

/**
 * How many tasks of `spec` fit on one instance: one in `host` mode (the port is taken),
 * otherwise as many as CPU and memory allow (at least one).
 */
export function tasksPerInstance(spec: EnvSpec): number {
  if (spec.networkMode === 'host') return 1;
  const info = spec.capacity ? INSTANCE_TYPES[spec.capacity.instanceType] : undefined;
  if (info === undefined) return 1;
  const byCpu = Math.floor(usableCpuUnits(info) / spec.cpu);
  const byMemory = Math.floor(usableMemoryMiB(info) / spec.memory);
  return Math.max(1, Math.min(byCpu, byMemory));
}

/**
 * Instances needed to run `desiredCount` tasks (never below the spec's `minSize`).
 *
 * @throws ValidationError (`desiredCount`) when more than {@link MAX_INSTANCES} would be needed
 */
export function instancesNeeded(spec: EnvSpec, desiredCount: number): number {
  const perInstance = tasksPerInstance(spec);
  const needed = Math.ceil(desiredCount / perInstance);
  if (needed > MAX_INSTANCES) {
    throw new ValidationError(
      'desiredCount',
      `${desiredCount} tasks need ${needed} ${spec.capacity?.instanceType ?? ''} instances (${perInstance} per instance); at most ${MAX_INSTANCES} are allowed`,
    );
  }
  return Math.max(spec.capacity?.minSize ?? 0, needed);
}

/**
 * What `scale` changes on an EC2 environment's Auto Scaling group: at most its ceiling. The
 * capacity provider's managed scaling owns the desired capacity — it adds instances for tasks it
 * cannot place and, with managed termination protection, removes idle ones by turning their
 * protection off first. Setting the desired capacity by hand fights it: after a scale-in the
 * protected instances keep running (docs/aws-behaviours.md).
 *
 * @returns the instances the tasks need, and the new `maxSize` when the current one is too low
 * @throws ValidationError when more than {@link MAX_INSTANCES} would be needed
 * @example scaleCapacityChange(spec, { maxSize: 2 }, 6) // { needed: 3, maxSize: 3 } (2 tasks per instance)
 */
function scaleCapacityChange(
  spec: EnvSpec,
  group: { readonly maxSize: number },
  desiredCount: number,
): { readonly needed: number; readonly maxSize?: number } {
  const needed = instancesNeeded(spec, desiredCount);
  return group.maxSize < needed ? { needed, maxSize: needed } : { needed };
}

/**
 * The service's step towards `desiredCount` tasks: kept when it already wants that many, else updated (the reason
 * reads `<change>desired count 2 → 3`, e.g. `restore ` for resume).
 */
export function desiredCountStep(
  service: ObservedService,
  cluster: string,
  desiredCount: number,
  change = '',
): UpStep {
  return service.desiredCount === desiredCount
    ? upStep('service', 'keep', labels.service(service.name), `desired count already ${desiredCount}`, {
        kind: 'useService',
        arn: service.arn,
      })
    : upStep(
        'service',
        'update',
        labels.service(service.name),
        `${change}desired count ${service.desiredCount} → ${desiredCount}`,
        { kind: 'updateService', cluster, service: service.name, desiredCount },
      );
}

/**
 * Plans `scale`: for EC2, raise the Auto Scaling group's `maxSize` first when the tasks need more
 * instances (the capacity provider's managed scaling sets the desired capacity within it, see
 * {@link scaleCapacityChange}); set the service's desired count; verify.
 *
 * @throws ValidationError when `desiredCount` is not an integer 0–100 or needs > 10 instances
 * @throws NotFoundError when the service does not exist
 * @throws OwnershipConflictError when a present resource is not the environment's
 * @example planScale(observed, spec, 3).map((s) => s.stage) // ['capacity', 'service', 'verify']
 */
export function planScale(observed: ObservedEnvironment, spec: EnvSpec, desiredCount: number): UpStep[] {
  if (!Number.isInteger(desiredCount) || desiredCount < 0 || desiredCount > 100) {
    throw new ValidationError('desiredCount', 'must be an integer from 0 to 100');
  }
  assertAllOwned(observed);
  const names = resourceNames(spec.name);
  if (!servicePresent(observed) || observed.service === undefined) {
    throw new NotFoundError(`${labels.service(names.service)} does not exist; run up first`);
  }
  const service = observed.service;
  const serviceStep = desiredCountStep(service, names.cluster, desiredCount);
  const verify = upStep(
    'verify',
    'wait',
    `environment ${spec.name}`,
    `${desiredCount} task(s) running and healthy targets`,
    {
      kind: 'verify',
    },
  );
  const group = observed.autoScalingGroup;
  if (spec.launchType !== 'EC2') return [serviceStep, verify];
  if (!group) {
    throw new NotFoundError(
      `${labels.autoScalingGroup(names.autoScalingGroup)} does not exist; run up first`,
    );
  }
  const label = labels.autoScalingGroup(group.name);
  const change = scaleCapacityChange(spec, group, desiredCount);
  const sizing = `${change.needed} instance(s) for ${desiredCount} task(s) (${tasksPerInstance(spec)} per instance); the capacity provider's managed scaling sets the desired capacity`;
  const capacityStep =
    change.maxSize !== undefined
      ? upStep('capacity', 'update', label, `max ${group.maxSize} → ${change.maxSize}: ${sizing}`, {
          kind: 'updateAutoScalingGroup',
          name: group.name,
          arn: group.arn,
          maxSize: change.maxSize,
        })
      : upStep('capacity', 'keep', label, sizing, { kind: 'useAutoScalingGroup', arn: group.arn });
  return [capacityStep, serviceStep, verify];
}
