import { randomUUID } from 'node:crypto';
import type { Cloud } from '../../core/cloud.ts';
import { ServiceError } from '../../core/service-error.ts';
import { ecsBackend } from '../ecs/backend.ts';

/**
 * Application Auto Scaling for ECS services (`ecs:service:DesiredCount`): scalable targets with their
 * minimum/maximum capacity and suspended state, scaling policies, and the scaler that holds the service's
 * desired count inside the bounds. What AWS does and this model follows:
 *
 * - RegisterScalableTarget registers or updates (only the parameters given change); on a new target
 *   MinCapacity and MaxCapacity are required. "Anytime a scaling policy is invoked or the
 *   RegisterScalableTarget API is called, Application Auto Scaling retrieves the current capacity and compares
 *   it to the minimum and maximum capacity. If it falls outside of the minimum-maximum range, then the
 *   capacity is updated to comply" (Application Auto Scaling User Guide, "Application Auto Scaling concepts";
 *   API reference, RegisterScalableTarget: "it changes the resource's current capacity to a value that is
 *   inside of this range"). Out-of-band changes (UpdateService) outside the range are allowed meanwhile.
 * - Suspended state (User Guide, "Suspend and resume scaling"): `DynamicScalingInSuspended` — policies remove
 *   no capacity; `DynamicScalingOutSuspended` — policies add none; `ScheduledScalingSuspended` — scheduled
 *   actions do not run.
 * - A policy is invoked when its CloudWatch alarm fires (target tracking evaluates one-minute metrics). The
 *   local cloud has no alarms: every minute (scaled) each target with at least one policy is treated as
 *   invoked, which brings its capacity back inside [min, max] unless that direction is suspended — the worst
 *   case a sleeping environment meets on AWS (ECS Developer Guide, service auto scaling: a desired count below
 *   the minimum is scaled up to the minimum on the next scale-out activity). Metric-driven scaling inside the
 *   range is not modeled.
 * - Deleting the ECS service deregisters its scalable target and deletes its policies (eagletmt/hako PR #69:
 *   DeregisterScalableTarget after DeleteService answers ObjectNotFoundException).
 */

export const ECS_NAMESPACE = 'ecs';
export const ECS_DIMENSION = 'ecs:service:DesiredCount';
/** The scaler's period: target tracking alarms evaluate one-minute data points. */
export const SCALER_TICK_AWS_MS = 60_000;

export interface SuspendedState {
  dynamicScalingInSuspended: boolean;
  dynamicScalingOutSuspended: boolean;
  scheduledScalingSuspended: boolean;
}

export interface ScalableTarget {
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  creationTime: Date;
  suspendedState: SuspendedState;
  scalableTargetArn: string;
}

export interface ScalingPolicy {
  policyArn: string;
  policyName: string;
  serviceNamespace: string;
  resourceId: string;
  scalableDimension: string;
  policyType: string;
  /** The policy's configuration as given (TargetTrackingScalingPolicyConfiguration, …), returned verbatim. */
  configuration: Record<string, unknown>;
  creationTime: Date;
}

const key = (namespace: string, resourceId: string, dimension: string) =>
  `${namespace}|${resourceId}|${dimension}`;

/** `ObjectNotFoundException` as AWS words it (seen in terraform and CLI output). */
const targetNotFound = (namespace: string, resourceId: string, dimension: string): ServiceError =>
  new ServiceError(
    'ObjectNotFoundException',
    `No scalable target registered for service namespace: ${namespace}, resource ID: ${resourceId}, scalable dimension: ${dimension}`,
  );

/** `service/<cluster>/<service>` → its parts, or undefined. */
export function parseEcsResourceId(resourceId: string): { cluster: string; service: string } | undefined {
  const m = /^service\/([^/]+)\/([^/]+)$/.exec(resourceId);
  return m ? { cluster: m[1] as string, service: m[2] as string } : undefined;
}

/** The Application Auto Scaling backend of one account and region. */
export function applicationAutoScalingBackend(
  cloud: Cloud,
  accountId: string,
  region: string,
): ApplicationAutoScalingBackend {
  return cloud.backend(
    'application-autoscaling',
    accountId,
    region,
    () => new ApplicationAutoScalingBackend(cloud, accountId, region),
  );
}

export class ApplicationAutoScalingBackend {
  readonly targets = new Map<string, ScalableTarget>();
  readonly policies = new Map<string, ScalingPolicy>();
  #tickCancel: (() => void) | undefined;

  constructor(
    readonly cloud: Cloud,
    readonly accountId: string,
    readonly region: string,
  ) {
    cloud.onReset(() => this.#stopTicking());
    cloud.onStop(() => this.#stopTicking());
  }

  #ecs() {
    return ecsBackend(this.cloud, this.accountId, this.region);
  }

  /** The ECS service a resource id names, when it exists and is ACTIVE. */
  #service(resourceId: string) {
    const ref = parseEcsResourceId(resourceId);
    if (ref === undefined) return undefined;
    const service = this.#ecs().findService(ref.cluster, ref.service);
    return service?.status === 'ACTIVE' ? service : undefined;
  }

  /** Drops the targets (and their policies) whose ECS service was deleted, as AWS does with the service. */
  #prune(): void {
    for (const [k, t] of this.targets) {
      if (this.#service(t.resourceId) !== undefined) continue;
      this.targets.delete(k);
      for (const [pk, p] of this.policies)
        if (key(p.serviceNamespace, p.resourceId, p.scalableDimension) === k) this.policies.delete(pk);
    }
  }

  find(namespace: string, resourceId: string, dimension: string): ScalableTarget | undefined {
    this.#prune();
    return this.targets.get(key(namespace, resourceId, dimension));
  }

  register(input: {
    serviceNamespace: string;
    resourceId: string;
    scalableDimension: string;
    minCapacity?: number;
    maxCapacity?: number;
    suspendedState?: Partial<SuspendedState>;
  }): ScalableTarget {
    if (this.#service(input.resourceId) === undefined) {
      throw new ServiceError('ValidationException', `ECS service doesn't exist: ${input.resourceId}`);
    }
    const existing = this.find(input.serviceNamespace, input.resourceId, input.scalableDimension);
    if (existing === undefined && (input.minCapacity === undefined || input.maxCapacity === undefined)) {
      throw new ServiceError(
        'ValidationException',
        'MinCapacity and MaxCapacity are required when registering a new scalable target',
      );
    }
    const min = input.minCapacity ?? existing?.minCapacity ?? 0;
    const max = input.maxCapacity ?? existing?.maxCapacity ?? 0;
    if (min > max) {
      throw new ServiceError(
        'ValidationException',
        `Minimum capacity (${min}) cannot be greater than maximum capacity (${max})`,
      );
    }
    const target: ScalableTarget = existing ?? {
      serviceNamespace: input.serviceNamespace,
      resourceId: input.resourceId,
      scalableDimension: input.scalableDimension,
      minCapacity: min,
      maxCapacity: max,
      roleArn: `arn:aws:iam::${this.accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      creationTime: this.cloud.clock.now(),
      suspendedState: {
        dynamicScalingInSuspended: false,
        dynamicScalingOutSuspended: false,
        scheduledScalingSuspended: false,
      },
      scalableTargetArn: `arn:aws:application-autoscaling:${this.region}:${this.accountId}:scalable-target/${randomUUID().replaceAll('-', '').slice(0, 28)}`,
    };
    target.minCapacity = min;
    target.maxCapacity = max;
    target.suspendedState = { ...target.suspendedState, ...definedOnly(input.suspendedState ?? {}) };
    this.targets.set(key(target.serviceNamespace, target.resourceId, target.scalableDimension), target);
    // Registration compares the current capacity with the range and brings it inside, suspended or not.
    this.#clamp(target, { in: true, out: true });
    this.#startTicking();
    return target;
  }

  describe(filter: {
    serviceNamespace: string;
    resourceIds?: readonly string[];
    scalableDimension?: string;
  }) {
    this.#prune();
    return [...this.targets.values()].filter(
      (t) =>
        t.serviceNamespace === filter.serviceNamespace &&
        (filter.resourceIds === undefined ||
          filter.resourceIds.length === 0 ||
          filter.resourceIds.includes(t.resourceId)) &&
        (filter.scalableDimension === undefined || t.scalableDimension === filter.scalableDimension),
    );
  }

  deregister(namespace: string, resourceId: string, dimension: string): void {
    const k = key(namespace, resourceId, dimension);
    if (this.find(namespace, resourceId, dimension) === undefined)
      throw targetNotFound(namespace, resourceId, dimension);
    this.targets.delete(k);
    for (const [pk, p] of this.policies)
      if (key(p.serviceNamespace, p.resourceId, p.scalableDimension) === k) this.policies.delete(pk);
  }

  putPolicy(input: Omit<ScalingPolicy, 'policyArn' | 'creationTime'>): ScalingPolicy {
    const target = this.find(input.serviceNamespace, input.resourceId, input.scalableDimension);
    if (target === undefined)
      throw targetNotFound(input.serviceNamespace, input.resourceId, input.scalableDimension);
    const pk = `${key(input.serviceNamespace, input.resourceId, input.scalableDimension)}|${input.policyName}`;
    const previous = this.policies.get(pk);
    const policy: ScalingPolicy = {
      ...input,
      policyArn:
        previous?.policyArn ??
        `arn:aws:autoscaling:${this.region}:${this.accountId}:scalingPolicy:${randomUUID()}:resource/${input.serviceNamespace}/${input.resourceId}:policyName/${input.policyName}`,
      creationTime: previous?.creationTime ?? this.cloud.clock.now(),
    };
    this.policies.set(pk, policy);
    this.#startTicking();
    return policy;
  }

  describePolicies(filter: { serviceNamespace: string; resourceId?: string; scalableDimension?: string }) {
    this.#prune();
    return [...this.policies.values()].filter(
      (p) =>
        p.serviceNamespace === filter.serviceNamespace &&
        (filter.resourceId === undefined || p.resourceId === filter.resourceId) &&
        (filter.scalableDimension === undefined || p.scalableDimension === filter.scalableDimension),
    );
  }

  deletePolicy(policyName: string, namespace: string, resourceId: string, dimension: string): void {
    const pk = `${key(namespace, resourceId, dimension)}|${policyName}`;
    if (!this.policies.delete(pk)) {
      throw new ServiceError(
        'ObjectNotFoundException',
        `No scaling policy found for service namespace: ${namespace}, resource ID: ${resourceId}, scalable dimension: ${dimension}, policy name: ${policyName}`,
      );
    }
  }

  /** Brings the service's desired count inside [min, max] in the directions allowed. */
  #clamp(target: ScalableTarget, allowed: { in: boolean; out: boolean }): void {
    const service = this.#service(target.resourceId);
    if (service === undefined) return;
    const current = service.desiredCount;
    let wanted = current;
    if (current < target.minCapacity && allowed.out) wanted = target.minCapacity;
    if (current > target.maxCapacity && allowed.in) wanted = target.maxCapacity;
    if (wanted === current) return;
    this.#ecs().updateService({ cluster: service.clusterName, service: service.name, desiredCount: wanted });
    this.#ecs().addServiceEvent(
      service,
      `(service ${service.name}) desired count set to ${wanted} by Application Auto Scaling (min ${target.minCapacity}, max ${target.maxCapacity}).`,
    );
  }

  /** One scaler period: every target with a policy is invoked (see the module comment). */
  tick(): void {
    this.#prune();
    for (const t of this.targets.values()) {
      const k = key(t.serviceNamespace, t.resourceId, t.scalableDimension);
      const hasPolicy = [...this.policies.values()].some(
        (p) => key(p.serviceNamespace, p.resourceId, p.scalableDimension) === k,
      );
      if (!hasPolicy) continue;
      try {
        this.#clamp(t, {
          in: !t.suspendedState.dynamicScalingInSuspended,
          out: !t.suspendedState.dynamicScalingOutSuspended,
        });
      } catch {
        // The service is being changed or deleted meanwhile: the next period tries again.
      }
    }
  }

  #startTicking(): void {
    if (this.#tickCancel !== undefined) return;
    this.#tickCancel = this.cloud.clock.timer(SCALER_TICK_AWS_MS, () => {
      this.#tickCancel = undefined;
      this.tick();
      if (this.targets.size > 0) this.#startTicking();
    });
  }

  #stopTicking(): void {
    this.#tickCancel?.();
    this.#tickCancel = undefined;
  }

  dump(): unknown {
    return {
      targets: [...this.targets.values()],
      policies: [...this.policies.values()].map((p) => ({
        policyName: p.policyName,
        resourceId: p.resourceId,
      })),
    };
  }
}

function definedOnly(state: Partial<SuspendedState>): Partial<SuspendedState> {
  const out: Partial<SuspendedState> = {};
  for (const [k, v] of Object.entries(state)) if (typeof v === 'boolean') out[k as keyof SuspendedState] = v;
  return out;
}
