import type { ScalingSuspension } from './observed.ts';
import type { ScheduledActionEvent } from './schedules.ts';
import type { TeardownWaitingFor } from './teardown-wait.ts';

/** What a plan step does to its resource. */
export type PlanAction = 'create' | 'update' | 'delete' | 'keep' | 'wait' | 'skip';

/**
 * How a plan step reads for people (`--dry-run`, progress, logs). Executors never look at these
 * fields: they match on a typed step's `kind` (see {@link TeardownStep}).
 */
export interface StepDescription {
  /** Groups steps for the handler that executes them (`service`, `capacity`, `load-balancer`, …). */
  readonly stage: string;
  readonly action: PlanAction;
  /** Human label of the resource, e.g. `ECS service berth-demo`. */
  readonly resource: string;
  /** Why this step is needed (or not): `service still has 2 running tasks`. */
  readonly reason: string;
}

/** A step that only pauses its stage until AWS has finished something (the state machine Waits, then observes again). */
export interface WaitStep {
  readonly kind: 'wait';
  /** What it waits for: the teardown sizes its Wait to it (core `teardownWait`). */
  readonly until?: TeardownWaitingFor;
  /**
   * When set, the stage waits at this step at most this long (AWS seconds, counted by the stage's
   * `waitedSeconds`), then goes on past it: for a wait on evidence that may be stale, where giving up
   * must not block the rest of the teardown.
   */
  readonly boundSeconds?: number;
}

/** A step that changes nothing (`keep`, `skip`): it is in the plan so the dry run can say why. */
interface NoopStep {
  readonly kind: 'noop';
}

/**
 * What the teardown executor can do, one member per AWS call it makes. Every identifier the call
 * needs (ARN, id, name) comes from the observation, where ownership was checked once: executors
 * never describe a resource again before changing it.
 */
export type TeardownAction =
  | ScaleDownAction
  | { readonly kind: 'deleteService'; readonly cluster: string; readonly service: string }
  | { readonly kind: 'deleteAutoScalingGroup'; readonly group: string }
  | { readonly kind: 'deleteLaunchTemplate'; readonly name: string }
  | { readonly kind: 'detachCapacityProviders'; readonly cluster: string }
  /**
   * Detaching a capacity provider is asynchronous: the cluster keeps its attachment (`DELETING`) for a
   * while, and DeleteCapacityProvider/DeleteCluster fail meanwhile. The executor throws the retryable
   * DependencyPendingError, so the state machine's Retry bounds the wait.
   */
  | { readonly kind: 'awaitDetachment'; readonly cluster: string; readonly capacityProvider: string }
  | { readonly kind: 'deleteCapacityProvider'; readonly name: string }
  | { readonly kind: 'deleteCluster'; readonly cluster: string }
  | { readonly kind: 'deleteListenerRule'; readonly ruleArn: string }
  | { readonly kind: 'deleteListener'; readonly listenerArn: string }
  | { readonly kind: 'deleteLoadBalancer'; readonly arn: string; readonly name: string }
  | { readonly kind: 'deleteTargetGroup'; readonly arn: string; readonly name: string }
  | { readonly kind: 'deleteSecurityGroup'; readonly groupId: string; readonly name: string }
  | { readonly kind: 'deregisterTaskDefinition'; readonly arn: string }
  | { readonly kind: 'deleteLogGroup'; readonly name: string }
  /** A sleep/wake schedule in Berth's schedule group (gone already: ResourceNotFoundException is success). */
  | { readonly kind: 'deleteSchedule'; readonly group: string; readonly name: string }
  | {
      readonly kind: 'keepLogGroup';
      readonly arn: string;
      readonly name: string;
      /** ISO time written to the expiry tag; the nightly job deletes the group after it. */
      readonly expiresAt: string;
    }
  | WaitStep
  | NoopStep;

/** One step of `planTeardown`: what to do (`kind` + identifiers) and how it reads (stage, action, resource, reason). */
export type TeardownStep = StepDescription & TeardownAction;

/** The two per-environment security groups, by role. */
export type SecurityGroupRole = 'alb' | 'instances';

/** An ingress permission to add: a TCP port range from a CIDR, a known group, or the ALB group created by the same plan. */
export interface IngressRule {
  readonly from: number;
  readonly to: number;
  readonly note: string;
  readonly source:
    | { readonly cidr: string }
    | { readonly groupId: string }
    | { readonly role: SecurityGroupRole };
}

/** The health check of a target group, as the spec gives it. */
export interface TargetGroupHealthCheck {
  readonly path: string;
  readonly port: 'traffic-port' | number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly matcher: string;
}

/**
 * What `up` (and `scale`, `redeploy`) can do. `use*` steps change nothing: they carry what was
 * observed (ARN, id) so later steps of the same stage and the stage's result can refer to it.
 * Identifiers a plan cannot know before running (the ARN of a resource it creates) are resolved
 * by the executor from the steps it already ran; deployment settings (VPC, subnets, roles) are
 * added by the executor from the function's configuration.
 */
export type UpAction =
  /** A new group, without rules: its `authorizeIngress` step follows in the `load-balancer` stage. */
  | {
      readonly kind: 'createSecurityGroup';
      readonly role: SecurityGroupRole;
      readonly name: string;
      readonly description: string;
    }
  | { readonly kind: 'useSecurityGroup'; readonly role: SecurityGroupRole; readonly groupId: string }
  /** Shared mode: the ALB group is the shared ALB's, from the function's configuration. */
  | { readonly kind: 'useSharedSecurityGroup'; readonly role: 'alb' }
  /** The group's missing rules; `groupId` is absent for a group this `up` creates (the executor resolves the role). */
  | {
      readonly kind: 'authorizeIngress';
      readonly role: SecurityGroupRole;
      readonly groupId?: string;
      readonly rules: readonly IngressRule[];
    }
  | {
      readonly kind: 'createTargetGroup';
      readonly name: string;
      readonly port: number;
      readonly targetType: 'instance' | 'ip';
      readonly healthCheck: TargetGroupHealthCheck;
    }
  | { readonly kind: 'useTargetGroup'; readonly arn: string }
  | { readonly kind: 'createListenerRule'; readonly host?: string; readonly pathPrefix?: string }
  | { readonly kind: 'useListenerRule'; readonly arn: string }
  | { readonly kind: 'createLoadBalancer'; readonly name: string }
  | { readonly kind: 'useLoadBalancer'; readonly arn: string; readonly dnsName: string }
  | { readonly kind: 'createListener'; readonly port: 80 }
  | { readonly kind: 'useListener'; readonly arn: string }
  | { readonly kind: 'createCluster'; readonly name: string; readonly fargate: boolean }
  | { readonly kind: 'useCluster'; readonly arn: string }
  | {
      readonly kind: 'createLaunchTemplate';
      readonly name: string;
      readonly cluster: string;
      readonly instanceType: string;
    }
  | {
      readonly kind: 'createAutoScalingGroup';
      readonly name: string;
      readonly launchTemplate: string;
      readonly minSize: number;
      readonly maxSize: number;
      readonly desiredCapacity: number;
    }
  | {
      readonly kind: 'updateAutoScalingGroup';
      readonly name: string;
      readonly arn: string;
      readonly minSize?: number;
      readonly maxSize?: number;
      readonly desiredCapacity?: number;
      /** The group's CreatedTime, as observed (the verify step sizes its wait for instances from it). */
      readonly createdTime?: string;
    }
  | { readonly kind: 'useAutoScalingGroup'; readonly arn: string; readonly createdTime?: string }
  | { readonly kind: 'createCapacityProvider'; readonly name: string }
  /**
   * The provider scales another Auto Scaling group than the environment's (one an earlier `down`
   * deleted while DeleteCapacityProvider answered DELETE_FAILED), or is being deleted: never reuse
   * it. The executor detaches it (`attached`) or deletes it (unless `deleting`), then throws the
   * retryable ResourceNotReadyError until it is gone and can be created again.
   */
  | {
      readonly kind: 'replaceCapacityProvider';
      readonly cluster: string;
      readonly name: string;
      readonly attached: boolean;
      readonly deleting: boolean;
    }
  | { readonly kind: 'attachCapacityProvider'; readonly cluster: string; readonly name: string }
  /** The environment's log group, created before the task definition that logs there (tags include ownership). */
  | {
      readonly kind: 'createLogGroup';
      readonly name: string;
      readonly retentionInDays: number;
      readonly tags: Readonly<Record<string, string>>;
    }
  /** An existing (owned) log group converged: only the fields given change. */
  | {
      readonly kind: 'updateLogGroup';
      readonly arn: string;
      readonly name: string;
      readonly retentionInDays?: number;
      readonly tags?: Readonly<Record<string, string>>;
      /** e.g. the expiry tag of a group an earlier `down` kept: a new `up` takes it back. */
      readonly removeTags?: readonly string[];
    }
  | { readonly kind: 'useLogGroup'; readonly arn: string; readonly name: string }
  /** Berth's schedule group, tagged `berth:managed-by=berth` (shared by every environment's schedules). */
  | {
      readonly kind: 'createScheduleGroup';
      readonly name: string;
      readonly tags: Readonly<Record<string, string>>;
    }
  /**
   * A sleep/wake schedule: the target (the `scheduled-action` function) and the role Scheduler assumes come
   * from the executor's configuration; `FlexibleTimeWindow` OFF, `ActionAfterCompletion` NONE.
   */
  | {
      readonly kind: 'createSchedule' | 'updateSchedule';
      readonly group: string;
      readonly name: string;
      readonly expression: string;
      readonly timezone: string;
      readonly input: ScheduledActionEvent;
    }
  /** A schedule the spec no longer asks for. */
  | { readonly kind: 'deleteSchedule'; readonly group: string; readonly name: string }
  | { readonly kind: 'useSchedule'; readonly group: string; readonly name: string }
  | {
      readonly kind: 'registerTaskDefinition';
      readonly family: string;
      readonly containerName: string;
      readonly image: string;
      readonly cpu: number;
      readonly memory: number;
      readonly memoryReservation?: number;
      readonly containerPort: number;
      readonly networkMode: 'bridge' | 'awsvpc' | 'host';
      readonly launchType: 'EC2' | 'FARGATE';
      readonly environment?: Readonly<Record<string, string>>;
    }
  | {
      /** `redeploy`: a copy of the revision the service runs, with a new image or the same one re-pulled. */
      readonly kind: 'registerRevisionFrom';
      readonly from: string;
      readonly image?: string;
    }
  | { readonly kind: 'useTaskDefinition'; readonly arn: string }
  /**
   * The service of this name is DRAINING (deleted by an earlier `down` or rollback; its tasks are stopping): ECS
   * refuses to create it again until it is INACTIVE, and refuses to update it. The executor throws the retryable
   * ResourceNotReadyError, so the CreateService Task's Retry bounds the wait (docs/aws-behaviours.md).
   */
  | { readonly kind: 'awaitServiceInactive'; readonly cluster: string; readonly service: string }
  | {
      readonly kind: 'createService';
      readonly cluster: string;
      readonly name: string;
      readonly desiredCount: number;
      readonly launchType: 'EC2' | 'FARGATE';
      /** EC2: the environment's capacity provider. */
      readonly capacityProvider?: string;
      readonly awsvpc: boolean;
      /** The revision to run; absent: the one the task-definition stage of this `up` registered. */
      readonly taskDefinitionArn?: string;
      readonly containerName: string;
      readonly containerPort: number;
      readonly healthCheckGracePeriodSeconds: number;
    }
  | {
      readonly kind: 'updateService';
      readonly cluster: string;
      readonly service: string;
      readonly desiredCount?: number;
      /** The revision to deploy; `'new'`: the one registered by an earlier step of this plan. */
      readonly taskDefinition?: string;
      readonly forceNewDeployment?: boolean;
    }
  | { readonly kind: 'useService'; readonly arn: string }
  | { readonly kind: 'verify' }
  | NoopStep;

/** One step of `planUp`, `planScale` or `planRedeploy`. */
export type UpStep = StepDescription & UpAction;

/**
 * What `pause` can do, one member per call it makes: remember the counts in the registry, scale the
 * service to 0, remove scale-in protection, bring the Auto Scaling group to 0. Nothing is deleted:
 * the load balancer, target group, cluster and task definition stay, so the URL does too.
 */
export type PauseAction =
  | { readonly kind: 'rememberCounts'; readonly counts: PausedCounts }
  /** Wake on request: the `lambda` target group of the waking page, with the wake function registered. */
  | { readonly kind: 'createWakeTargetGroup'; readonly name: string; readonly functionArn: string }
  | ForwardAction
  | ScaleDownAction
  | WaitStep
  | NoopStep;

/**
 * Scaling down, as pause and teardown both do it: the service to zero tasks, its scalable target suspended, the
 * Auto Scaling group's instances unprotected from scale-in and the group to zero.
 */
export type ScaleDownAction =
  | { readonly kind: 'scaleServiceToZero'; readonly cluster: string; readonly service: string }
  | SuspendScalingAction
  | { readonly kind: 'unprotectInstances'; readonly group: string; readonly instanceIds: readonly string[] }
  | { readonly kind: 'scaleGroupToZero'; readonly group: string };

/**
 * Pause: suspend every scaling activity of the service's Application Auto Scaling target (dynamic scale-in and
 * scale-out, scheduled scaling), bounds unchanged — the suspend-resume feature AWS offers for exactly this
 * ("temporarily pause scaling activities … your scaling policies and scheduled actions can be retained").
 */
interface SuspendScalingAction {
  readonly kind: 'suspendScaling';
  readonly resourceId: string;
}

/**
 * Resume: register the service's Application Auto Scaling target again with exactly the remembered bounds and
 * suspended state (before the service's desired count is restored: registration clamps the count into the
 * bounds).
 */
export interface RestoreScalingAction {
  readonly kind: 'restoreScaling';
  readonly resourceId: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly suspended: ScalingSuspension;
}

/**
 * Points the environment's route — its dedicated listener's default action, or its rule on the shared
 * listener (the action only) — at one target group: the waking page's (`'wake'`: the one an earlier step
 * of the same plan created, or `wakeTargetGroupArn`) while paused, the environment's own on resume.
 */
export interface ForwardAction {
  readonly kind: 'forwardTo';
  readonly listenerArn?: string;
  readonly ruleArn?: string;
  readonly targetGroupArn: string;
  /** Kept in the forward with weight 0: still associated with the load balancer (ECS needs that), no traffic. */
  readonly keepAttached?: string;
}

/** One step of `planPause`. */
export type PauseStep = StepDescription & PauseAction;

/**
 * What `pause` remembers in the registry (the environment's `paused` attribute) and `resume` restores
 * exactly: the service's desired count and, on EC2, the Auto Scaling group's bounds and desired capacity.
 */
export interface PausedCounts {
  /** ISO time the counts were taken. */
  readonly at: string;
  readonly desiredCount: number;
  readonly autoScalingGroup?: {
    readonly minSize: number;
    readonly maxSize: number;
    readonly desiredCapacity: number;
  };
  /** The service's Application Auto Scaling target as it was before the pause suspended it, if it had one. */
  readonly scalableTarget?: {
    readonly resourceId: string;
    readonly minCapacity: number;
    readonly maxCapacity: number;
    readonly suspended: ScalingSuspension;
  };
}

/** Any plan step; the dry run prints them with {@link formatPlan}. */
export type PlanStep = TeardownStep | UpStep | PauseStep | (StepDescription & RestoreScalingAction);

/** Builds a {@link StepDescription}. */
export const step = (
  stage: string,
  action: PlanAction,
  resource: string,
  reason: string,
): StepDescription => ({
  stage,
  action,
  resource,
  reason,
});

/**
 * Builds a typed step: what the executor does (`todo`) with how it reads.
 *
 * @example typedStep('service', 'delete', 'ECS service berth-demo', 'drained', { kind: 'deleteService', cluster: 'berth-demo', service: 'berth-demo' })
 */
export const typedStep = <S extends string, T extends { readonly kind: string }>(
  stage: S,
  action: PlanAction,
  resource: string,
  reason: string,
  todo: T,
): StepDescription & { readonly stage: S } & T => ({ ...todo, stage, action, resource, reason });

/** Builds a typed step of the `up` family (up, scale, redeploy, resume). */
export const upStep = (
  stage: string,
  action: PlanAction,
  resource: string,
  reason: string,
  todo: UpAction,
): UpStep => typedStep(stage, action, resource, reason, todo);

/** What the executor does for a step that changes nothing (`keep`, `skip`). */
export const NOOP = { kind: 'noop' } as const;

/** `1 task`, `2 tasks`: a count as plan reasons and verdicts read it. */
export const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Steps that change something or wait (everything but `keep` and `skip`). */
export const pendingSteps = <T extends StepDescription>(steps: readonly T[]): T[] =>
  steps.filter((planStep) => planStep.action !== 'keep' && planStep.action !== 'skip');

/** The steps of one stage, in plan order. */
export const stageSteps = <T extends StepDescription>(steps: readonly T[], stage: string): T[] =>
  steps.filter((planStep) => planStep.stage === stage);

/**
 * A compile-time exhaustiveness check for `switch (step.kind)`: an unhandled kind makes the call
 * site fail to type-check; at run time (a step from elsewhere) it throws naming the kind.
 */
export function assertNever(value: never, what = 'step'): never {
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  throw new TypeError(`no executor for ${what} kind ${JSON.stringify(kind ?? value)}`);
}

/**
 * Renders a plan for `--dry-run`: one numbered line per step,
 * `N. <stage> <action> <resource> — <reason>`, columns aligned; `No changes.` when empty.
 *
 * @example formatPlan([step('service', 'delete', 'ECS service berth-demo', 'no tasks left')])
 * // ' 1. service  delete  ECS service berth-demo — no tasks left'
 */
export function formatPlan(steps: readonly StepDescription[]): string {
  if (steps.length === 0) return 'No changes.';
  const number = String(steps.length).length;
  const stage = Math.max(...steps.map((planStep) => planStep.stage.length));
  const action = Math.max(...steps.map((planStep) => planStep.action.length));
  return steps
    .map(
      (planStep, index) =>
        `${String(index + 1).padStart(number)}. ${planStep.stage.padEnd(stage)}  ${planStep.action.padEnd(action)}  ${planStep.resource} — ${planStep.reason}`,
    )
    .join('\n');
}
