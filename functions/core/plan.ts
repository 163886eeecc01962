/** What a plan step does to its resource. */
export type PlanAction = 'create' | 'update' | 'delete' | 'keep' | 'wait' | 'skip';

/** One step of a plan: core decides, adapters execute, `--dry-run` prints. */
export interface PlanStep {
  /** Groups steps for the handler that executes them (`service`, `capacity`, `load-balancer`, …). */
  stage: string;
  action: PlanAction;
  /** Human label of the resource, e.g. `ECS service berth-demo`. */
  resource: string;
  /** Why this step is needed (or not): `service still has 2 running tasks`. */
  reason: string;
}

/** Builds a {@link PlanStep}. */
export const step = (stage: string, action: PlanAction, resource: string, reason: string): PlanStep => ({
  stage,
  action,
  resource,
  reason,
});

/** Steps that change something or wait (everything but `keep` and `skip`). */
export const pendingSteps = (steps: readonly PlanStep[]): PlanStep[] =>
  steps.filter((planStep) => planStep.action !== 'keep' && planStep.action !== 'skip');

/** The steps of one stage, in plan order. */
export const stageSteps = (steps: readonly PlanStep[], stage: string): PlanStep[] =>
  steps.filter((planStep) => planStep.stage === stage);

/**
 * Renders a plan for `--dry-run`: one numbered line per step,
 * `N. <stage> <action> <resource> — <reason>`, columns aligned; `No changes.` when empty.
 *
 * @example formatPlan([step('service', 'delete', 'ECS service berth-demo', 'no tasks left')])
 * // ' 1. service  delete  ECS service berth-demo — no tasks left'
 */
export function formatPlan(steps: readonly PlanStep[]): string {
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
