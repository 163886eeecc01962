import type { EnvSpec } from './env-spec.ts';
import { InvalidStateError, NotFoundError, ValidationError } from './errors.ts';
import { resourceNames } from './names.ts';
import type { ObservedEnvironment, ObservedScalableTarget, ScalingSuspension } from './observed.ts';
import {
  type ForwardAction,
  NOOP,
  type PauseAction,
  type PausedCounts,
  type PauseStep,
  type PlanAction,
  plural,
  type RestoreScalingAction,
  type StepDescription,
  typedStep,
  type UpStep,
  upStep,
  type WaitStep,
} from './plan.ts';
import { desiredCountStep } from './plan-scale.ts';
import { instancesToUnprotect } from './plan-teardown.ts';
import { assertAllOwned, labels, servicePresent } from './resources.ts';

/** One step of `planResume`: an `up` step, or a wait for the restored instances to register. */
export type ResumeStep =
  | UpStep
  | (StepDescription & WaitStep)
  | (StepDescription & ForwardAction)
  | (StepDescription & RestoreScalingAction);

/** Stages of `pause`, in order: the counts are remembered before anything is scaled. */
const PAUSE_STAGES = ['registry', 'load-balancer', 'service', 'capacity'] as const;
export type PauseStage = (typeof PAUSE_STAGES)[number];

const WAIT = { kind: 'wait' } as const;
const pauseStep = (
  stage: PauseStage,
  action: PlanAction,
  resource: string,
  reason: string,
  todo: PauseAction,
): PauseStep & { readonly stage: PauseStage } => typedStep(stage, action, resource, reason, todo);

/** `desired 2`, `min 1, max 3, desired 2`: how remembered counts read in a plan. */
export function describeCounts(counts: PausedCounts): string {
  const group = counts.autoScalingGroup;
  const service = `service desired count ${counts.desiredCount}`;
  const target = counts.scalableTarget;
  return [
    service,
    ...(group === undefined
      ? []
      : [`Auto Scaling group min ${group.minSize}, max ${group.maxSize}, desired ${group.desiredCapacity}`]),
    ...(target === undefined ? [] : [`scalable target ${describeTarget(target)}`]),
  ].join('; ');
}

/** `min 1, max 3` plus what is suspended, if anything. */
function describeTarget(target: {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly suspended: ScalingSuspension;
}): string {
  const s = target.suspended;
  const suspended = [
    ...(s.dynamicScalingInSuspended ? ['scale-in'] : []),
    ...(s.dynamicScalingOutSuspended ? ['scale-out'] : []),
    ...(s.scheduledScalingSuspended ? ['scheduled'] : []),
  ];
  return `min ${target.minCapacity}, max ${target.maxCapacity}${suspended.length === 0 ? '' : ` (suspended: ${suspended.join(', ')})`}`;
}

const sameSuspension = (a: ScalingSuspension, b: ScalingSuspension): boolean =>
  a.dynamicScalingInSuspended === b.dynamicScalingInSuspended &&
  a.dynamicScalingOutSuspended === b.dynamicScalingOutSuspended &&
  a.scheduledScalingSuspended === b.scheduledScalingSuspended;

const allSuspended = (s: ScalingSuspension): boolean =>
  s.dynamicScalingInSuspended && s.dynamicScalingOutSuspended && s.scheduledScalingSuspended;

const targetLabel = (resourceId: string) => `Application Auto Scaling target ${resourceId}`;

const count = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * Reads the counts stored in the registry (`paused`), or `undefined` when there are none.
 *
 * @throws ValidationError (`paused`) when something is stored that is not counts
 */
export function parsePausedCounts(value: unknown): PausedCounts | undefined {
  if (value === undefined || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const group = v['autoScalingGroup'] as Record<string, unknown> | undefined;
  const groupOk =
    group === undefined ||
    (typeof group === 'object' &&
      count(group['minSize']) &&
      count(group['maxSize']) &&
      count(group['desiredCapacity']));
  const target = v['scalableTarget'] as Record<string, unknown> | undefined;
  const suspended = (target?.['suspended'] ?? {}) as Record<string, unknown>;
  const targetOk =
    target === undefined ||
    (typeof target === 'object' &&
      typeof target['resourceId'] === 'string' &&
      count(target['minCapacity']) &&
      count(target['maxCapacity']) &&
      typeof suspended['dynamicScalingInSuspended'] === 'boolean' &&
      typeof suspended['dynamicScalingOutSuspended'] === 'boolean' &&
      typeof suspended['scheduledScalingSuspended'] === 'boolean');
  if (
    typeof value !== 'object' ||
    typeof v['at'] !== 'string' ||
    !count(v['desiredCount']) ||
    !groupOk ||
    !targetOk
  ) {
    throw new ValidationError(
      'paused',
      'must be the counts a pause remembered ({ at, desiredCount, autoScalingGroup?, scalableTarget? })',
    );
  }
  return {
    at: v['at'],
    desiredCount: v['desiredCount'],
    ...(group === undefined
      ? {}
      : {
          autoScalingGroup: {
            minSize: group['minSize'] as number,
            maxSize: group['maxSize'] as number,
            desiredCapacity: group['desiredCapacity'] as number,
          },
        }),
    ...(target === undefined
      ? {}
      : {
          scalableTarget: {
            resourceId: target['resourceId'] as string,
            minCapacity: target['minCapacity'] as number,
            maxCapacity: target['maxCapacity'] as number,
            suspended: {
              dynamicScalingInSuspended: suspended['dynamicScalingInSuspended'] as boolean,
              dynamicScalingOutSuspended: suspended['dynamicScalingOutSuspended'] as boolean,
              scheduledScalingSuspended: suspended['scheduledScalingSuspended'] as boolean,
            },
          },
        }),
  };
}

/** Instances of a group that still count (anything not `Terminated`). */
const liveInstances = (observed: ObservedEnvironment): number =>
  (observed.autoScalingGroup?.instances ?? []).filter((i) => i.lifecycleState !== 'Terminated').length;

/**
 * The counts `pause` remembers, read from what is observed: the service's desired count and, on EC2, the
 * Auto Scaling group's min/max/desired.
 */
function countsOf(observed: ObservedEnvironment, spec: EnvSpec, at: Date): PausedCounts {
  const group = spec.launchType === 'EC2' ? observed.autoScalingGroup : undefined;
  return {
    at: at.toISOString(),
    desiredCount: observed.service?.desiredCount ?? spec.desiredCount,
    ...(group === undefined
      ? {}
      : {
          autoScalingGroup: {
            minSize: group.minSize,
            maxSize: group.maxSize,
            desiredCapacity: group.desiredCapacity,
          },
        }),
    ...(observed.scalableTarget === undefined ? {} : { scalableTarget: targetOf(observed.scalableTarget) }),
  };
}

const targetOf = (t: ObservedScalableTarget): NonNullable<PausedCounts['scalableTarget']> => ({
  resourceId: t.resourceId,
  minCapacity: t.minCapacity,
  maxCapacity: t.maxCapacity,
  suspended: { ...t.suspended },
});

/** How `pause` is deployed: with wake on request, the function the paused environment's load balancer invokes. */
export interface PauseOptions {
  readonly wakeFunctionArn?: string;
}

/** The environment's route: its rule on the shared listener, or its dedicated listener. */
function routeOf(observed: ObservedEnvironment, spec: EnvSpec) {
  const names = resourceNames(spec.name);
  if (spec.loadBalancer.mode === 'shared') {
    const rule = observed.listenerRule;
    return rule
      ? { at: { ruleArn: rule.arn }, label: labels.listenerRule(rule.priority), forwardsTo: rule.forwardsTo }
      : undefined;
  }
  const listener = observed.listener;
  return listener
    ? {
        at: { listenerArn: listener.arn },
        label: labels.listener(listener.port, observed.loadBalancer?.name ?? names.loadBalancer),
        forwardsTo: listener.forwardsTo,
      }
    : undefined;
}

/**
 * Wake on request, while paused: the waking page's `lambda` target group (created once, the wake function
 * registered) and the environment's route forwarding to it. Before the service scales in, so a request
 * never meets an empty target group.
 */
function wakeSteps(
  observed: ObservedEnvironment,
  spec: EnvSpec,
  functionArn: string,
): (PauseStep & { readonly stage: PauseStage })[] {
  const names = resourceNames(spec.name);
  const route = routeOf(observed, spec);
  if (route === undefined) {
    throw new NotFoundError(
      `the ${spec.loadBalancer.mode === 'shared' ? 'listener rule' : 'listener'} of environment "${spec.name}" does not exist; run up first`,
    );
  }
  const steps: (PauseStep & { readonly stage: PauseStage })[] = [];
  const wake = observed.wakeTargetGroup;
  if (wake === undefined) {
    steps.push(
      pauseStep(
        'load-balancer',
        'create',
        labels.targetGroup(names.wakeTargetGroup),
        'the waking page (Lambda target) while paused',
        {
          kind: 'createWakeTargetGroup',
          name: names.wakeTargetGroup,
          functionArn,
        },
      ),
    );
  }
  if (wake !== undefined && (route.forwardsTo ?? []).includes(wake.arn)) {
    steps.push(pauseStep('load-balancer', 'keep', route.label, 'already forwards to the waking page', NOOP));
  } else {
    steps.push(
      pauseStep(
        'load-balancer',
        'update',
        route.label,
        `forward to ${names.wakeTargetGroup}: a request wakes the environment`,
        {
          kind: 'forwardTo',
          ...route.at,
          targetGroupArn: wake?.arn ?? 'wake',
          ...(observed.targetGroup === undefined ? {} : { keepAttached: observed.targetGroup.arn }),
        },
      ),
    );
  }
  return steps;
}

/**
 * Plans `pause`: remember the counts (once: a remembered pause is never overwritten by the zeros it set),
 * service desired → 0, wait for its tasks to drain; on EC2, then remove scale-in protection from the
 * InService/Standby instances (the capacity provider's managed termination protection set it; Auto Scaling
 * would not terminate them otherwise), bring the group to min 0 / max 0 / desired 0 (max 0 keeps managed
 * scaling from launching anything while paused) and wait until its instances have terminated. Fargate:
 * the service only. Nothing is deleted: the load balancer, target group, listener or rule, cluster and
 * task definition stay, so the URL stays.
 *
 * @param remembered the counts a previous (partial) pause stored, if any
 * @throws NotFoundError when the service (or, on EC2, the Auto Scaling group) does not exist
 * @throws OwnershipConflictError when a present resource is not the environment's
 * @example planPause(observed, spec, undefined, now).map((s) => s.kind)
 * // ['rememberCounts', 'scaleServiceToZero', 'wait', 'unprotectInstances', 'scaleGroupToZero', 'wait']
 */
export function planPause(
  observed: ObservedEnvironment,
  spec: EnvSpec,
  remembered: PausedCounts | undefined,
  now: Date,
  options: PauseOptions = {},
): (PauseStep & { readonly stage: PauseStage })[] {
  assertAllOwned(observed);
  const names = resourceNames(spec.name);
  if (!servicePresent(observed) || observed.service === undefined) {
    throw new NotFoundError(`${labels.service(names.service)} does not exist; nothing to pause`);
  }
  const group = observed.autoScalingGroup;
  if (spec.launchType === 'EC2' && group === undefined) {
    throw new NotFoundError(
      `${labels.autoScalingGroup(names.autoScalingGroup)} does not exist; nothing to pause`,
    );
  }
  const steps: (PauseStep & { readonly stage: PauseStage })[] = [];
  const registry = `environment ${spec.name} (registry)`;
  if (remembered === undefined) {
    const counts = countsOf(observed, spec, now);
    steps.push(
      pauseStep('registry', 'update', registry, `remember ${describeCounts(counts)}`, {
        kind: 'rememberCounts',
        counts,
      }),
    );
  } else {
    steps.push(
      pauseStep(
        'registry',
        'keep',
        registry,
        `remembered at ${remembered.at}: ${describeCounts(remembered)}`,
        NOOP,
      ),
    );
  }

  if (options.wakeFunctionArn !== undefined)
    steps.push(...wakeSteps(observed, spec, options.wakeFunctionArn));

  const service = observed.service;
  const serviceLabel = labels.service(service.name);
  // The service's scaler, if a user registered one: suspended before the service goes to 0, or it would bring
  // the tasks back (its minimum) at the next scaling activity.
  const target = observed.scalableTarget;
  const suspending = target !== undefined && !allSuspended(target.suspended);
  if (target !== undefined) {
    steps.push(
      suspending
        ? pauseStep(
            'service',
            'update',
            targetLabel(target.resourceId),
            `suspend dynamic scale-in, scale-out and scheduled scaling (${describeTarget(target)} kept): the scaler would bring tasks back`,
            { kind: 'suspendScaling', resourceId: target.resourceId },
          )
        : pauseStep('service', 'keep', targetLabel(target.resourceId), 'scaling already suspended', NOOP),
    );
  }
  steps.push(
    // Registering the suspension compares the desired count with the bounds and may raise it to the minimum:
    // the service is set to 0 after it even when it already was.
    service.desiredCount > 0 || suspending
      ? pauseStep('service', 'update', serviceLabel, `desired count ${service.desiredCount} → 0`, {
          kind: 'scaleServiceToZero',
          cluster: names.cluster,
          service: service.name,
        })
      : pauseStep('service', 'skip', serviceLabel, 'desired count already 0', NOOP),
  );
  const tasks = service.runningCount + service.pendingCount;
  steps.push(
    tasks > 0
      ? pauseStep(
          'service',
          'wait',
          serviceLabel,
          `${plural(service.runningCount, 'running task')}${service.pendingCount > 0 ? ` and ${service.pendingCount} pending` : ''} to drain`,
          WAIT,
        )
      : pauseStep('service', 'skip', serviceLabel, 'no tasks left to drain', NOOP),
  );

  if (spec.launchType !== 'EC2' || group === undefined) return steps;
  const groupLabel = labels.autoScalingGroup(group.name);
  const protectedIds = instancesToUnprotect(group);
  if (protectedIds.length > 0) {
    steps.push(
      pauseStep(
        'capacity',
        'update',
        groupLabel,
        `remove scale-in protection from ${plural(protectedIds.length, 'instance')} (${protectedIds.join(', ')}): they run no task now`,
        { kind: 'unprotectInstances', group: group.name, instanceIds: protectedIds },
      ),
    );
  }
  steps.push(
    group.minSize > 0 || group.maxSize > 0 || group.desiredCapacity > 0
      ? pauseStep(
          'capacity',
          'update',
          groupLabel,
          `min ${group.minSize} → 0, max ${group.maxSize} → 0, desired ${group.desiredCapacity} → 0`,
          { kind: 'scaleGroupToZero', group: group.name },
        )
      : pauseStep('capacity', 'skip', groupLabel, 'already at 0', NOOP),
  );
  const live = liveInstances(observed);
  steps.push(
    live > 0
      ? pauseStep('capacity', 'wait', groupLabel, `${plural(live, 'instance')} to terminate`, WAIT)
      : pauseStep('capacity', 'skip', groupLabel, 'no instances left', NOOP),
  );
  return steps;
}

/**
 * Plans `resume`: restore exactly what `pause` remembered — on EC2 the Auto Scaling group's min, max and
 * desired capacity first, then wait until that many instances have registered with the cluster (tasks that
 * could not be placed meanwhile would make the capacity provider's managed scaling launch more), then the
 * service's desired count — and verify as `up` does. Nothing is created: the load balancer and target
 * group were kept.
 *
 * @throws InvalidStateError when nothing is remembered (the environment is not paused)
 * @throws NotFoundError when the service (or, on EC2, the Auto Scaling group) does not exist
 * @throws OwnershipConflictError when a present resource is not the environment's
 * @example planResume(observed, spec, counts).map((s) => s.kind) // ['updateAutoScalingGroup', 'wait', 'updateService', 'verify']
 */
export function planResume(
  observed: ObservedEnvironment,
  spec: EnvSpec,
  remembered: PausedCounts | undefined,
): ResumeStep[] {
  if (remembered === undefined) {
    throw new InvalidStateError(`environment "${spec.name}" is not paused: there are no counts to restore`);
  }
  assertAllOwned(observed);
  const names = resourceNames(spec.name);
  if (!servicePresent(observed) || observed.service === undefined) {
    throw new NotFoundError(`${labels.service(names.service)} does not exist; run up instead`);
  }
  const steps: ResumeStep[] = [];
  const wanted = remembered.autoScalingGroup;
  if (spec.launchType === 'EC2' && wanted !== undefined) {
    const group = observed.autoScalingGroup;
    if (group === undefined) {
      throw new NotFoundError(
        `${labels.autoScalingGroup(names.autoScalingGroup)} does not exist; run up instead`,
      );
    }
    const label = labels.autoScalingGroup(group.name);
    const same =
      group.minSize === wanted.minSize &&
      group.maxSize === wanted.maxSize &&
      group.desiredCapacity === wanted.desiredCapacity;
    steps.push(
      same
        ? upStep(
            'capacity',
            'keep',
            label,
            `already min ${wanted.minSize}, max ${wanted.maxSize}, desired ${wanted.desiredCapacity}`,
            {
              kind: 'useAutoScalingGroup',
              arn: group.arn,
            },
          )
        : upStep(
            'capacity',
            'update',
            label,
            `restore min ${group.minSize} → ${wanted.minSize}, max ${group.maxSize} → ${wanted.maxSize}, desired ${group.desiredCapacity} → ${wanted.desiredCapacity}`,
            {
              kind: 'updateAutoScalingGroup',
              name: group.name,
              arn: group.arn,
              minSize: wanted.minSize,
              maxSize: wanted.maxSize,
              desiredCapacity: wanted.desiredCapacity,
            },
          ),
    );
  }
  const service = observed.service;
  // The service comes back once the restored instances have registered: tasks that cannot be placed
  // meanwhile would make the capacity provider's managed scaling launch more instances than remembered.
  const registered = observed.cluster?.registeredContainerInstances ?? 0;
  if (
    spec.launchType === 'EC2' &&
    wanted !== undefined &&
    service.desiredCount !== remembered.desiredCount &&
    registered < wanted.desiredCapacity
  ) {
    steps.push(
      typedStep(
        'capacity',
        'wait',
        labels.cluster(names.cluster),
        `${registered} of ${plural(wanted.desiredCapacity, 'instance')} registered`,
        WAIT,
      ),
    );
  }
  const wantedTarget = remembered.scalableTarget;
  if (wantedTarget !== undefined) steps.push(restoreTargetStep(observed.scalableTarget, wantedTarget));
  steps.push(desiredCountStep(service, names.cluster, remembered.desiredCount, 'restore '));
  // Wake on request: the route goes back to the environment's target group once its targets are healthy
  // (until then the waking page keeps answering).
  const route = routeOf(observed, spec);
  const own = observed.targetGroup;
  if (
    route !== undefined &&
    own !== undefined &&
    route.forwardsTo !== undefined &&
    !route.forwardsTo.includes(own.arn)
  ) {
    const healthy = own.targets.filter((t) => t.state === 'healthy').length;
    const restoringService = service.desiredCount !== remembered.desiredCount;
    if (restoringService || healthy < remembered.desiredCount) {
      steps.push(
        typedStep(
          'load-balancer',
          'wait',
          labels.targetGroup(own.name),
          `${healthy} of ${plural(remembered.desiredCount, 'target')} healthy before the route leaves the waking page`,
          WAIT,
        ),
      );
    }
    steps.push(
      typedStep('load-balancer', 'update', route.label, `forward to ${own.name} again`, {
        kind: 'forwardTo',
        ...route.at,
        targetGroupArn: own.arn,
      }),
    );
  }
  steps.push(
    upStep(
      'verify',
      'wait',
      `environment ${spec.name}`,
      `${plural(remembered.desiredCount, 'task')} running and healthy targets`,
      { kind: 'verify' },
    ),
  );
  return steps;
}

/**
 * The scalable target back as it was: registered again with the remembered bounds and suspended state (before
 * the service's desired count, which registration clamps into the bounds). A target deregistered meanwhile is
 * not registered again: someone removed it on purpose.
 */
function restoreTargetStep(
  observed: ObservedScalableTarget | undefined,
  wanted: NonNullable<PausedCounts['scalableTarget']>,
): ResumeStep {
  const label = targetLabel(wanted.resourceId);
  if (observed === undefined) {
    return typedStep('service', 'skip', label, 'no longer registered: nothing to restore', NOOP);
  }
  if (
    observed.minCapacity === wanted.minCapacity &&
    observed.maxCapacity === wanted.maxCapacity &&
    sameSuspension(observed.suspended, wanted.suspended)
  ) {
    return typedStep('service', 'keep', label, `already ${describeTarget(wanted)}`, NOOP);
  }
  return typedStep(
    'service',
    'update',
    label,
    `restore ${describeTarget(observed)} → ${describeTarget(wanted)}`,
    {
      kind: 'restoreScaling',
      resourceId: wanted.resourceId,
      minCapacity: wanted.minCapacity,
      maxCapacity: wanted.maxCapacity,
      suspended: { ...wanted.suspended },
    },
  );
}

/**
 * What a resume's wait step waits for, in the verify loop's terms (core `nextCheck` sizes the Wait after it):
 * the restored instances to register with the cluster (stage `capacity`), or the targets behind the waking
 * page to turn healthy (stage `load-balancer`).
 *
 * @example resumeWaitingFor({ stage: 'capacity' }) // 'instances'
 */
export function resumeWaitingFor(step: Pick<StepDescription, 'stage'>): 'instances' | 'health-checks' {
  return step.stage === 'capacity' ? 'instances' : 'health-checks';
}
