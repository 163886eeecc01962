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
}

/** A step that changes nothing (`keep`, `skip`): it is in the plan so the dry run can say why. */
export interface NoopStep {
  readonly kind: 'noop';
}

/**
 * What the teardown executor can do, one member per AWS call it makes. Every identifier the call
 * needs (ARN, id, name) comes from the observation, where ownership was checked once: executors
 * never describe a resource again before changing it.
 */
export type TeardownAction =
  | { readonly kind: 'scaleServiceToZero'; readonly cluster: string; readonly service: string }
  | { readonly kind: 'deleteService'; readonly cluster: string; readonly service: string }
  | { readonly kind: 'unprotectInstances'; readonly group: string; readonly instanceIds: readonly string[] }
  | { readonly kind: 'scaleGroupToZero'; readonly group: string }
  | { readonly kind: 'deleteAutoScalingGroup'; readonly group: string }
  | { readonly kind: 'deleteLaunchTemplate'; readonly name: string }
  | { readonly kind: 'detachCapacityProviders'; readonly cluster: string }
  | { readonly kind: 'deleteCapacityProvider'; readonly name: string }
  | { readonly kind: 'deleteCluster'; readonly cluster: string }
  | { readonly kind: 'deleteListenerRule'; readonly ruleArn: string }
  | { readonly kind: 'deleteListener'; readonly listenerArn: string }
  | { readonly kind: 'deleteLoadBalancer'; readonly arn: string; readonly name: string }
  | { readonly kind: 'deleteTargetGroup'; readonly arn: string; readonly name: string }
  | { readonly kind: 'deleteSecurityGroup'; readonly groupId: string; readonly name: string }
  | { readonly kind: 'deregisterTaskDefinition'; readonly arn: string }
  | WaitStep
  | NoopStep;

/** One step of `planTeardown`: what to do (`kind` + identifiers) and how it reads (stage, action, resource, reason). */
export type TeardownStep = StepDescription & TeardownAction;

/** Any plan step; the dry run prints them with {@link formatPlan}. */
export type PlanStep = StepDescription;

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
