import { ScheduleSchema } from '../../core/env-spec.ts';
import { environmentResources } from '../../core/environment-resources.ts';
import { type ScheduleView, scheduleView } from '../../core/schedules.ts';
import { costOfRecord } from '../pricing.ts';
import type { RouteContext } from './api-deps.ts';
import type { EnvironmentRecord, OperationRecord, OperationStep } from './ports.ts';

/** The JSON shapes the API answers environments and operations with. */

/** An environment in `GET /environments` (and the head of `GET /environments/{name}`). */
export const summary = (ctx: RouteContext, record: EnvironmentRecord) => ({
  name: record.name,
  status: record.status,
  url: record.url ?? null,
  owner: record.owner ?? null,
  expiresAt: record.expiresAt ?? null,
  keep: record.keep ?? false,
  currentOperation: record.currentOperation ?? null,
  cost: costOfRecord(record, ctx.deps.pricing, ctx.clock.now()),
  schedule: scheduleOfRecord(record, ctx.clock.now()),
});

/** The stored spec's sleep/wake schedule with its next times (null without one). */
const scheduleOfRecord = (record: EnvironmentRecord, now: Date): ScheduleView | null => {
  const parsed = ScheduleSchema.safeParse((record.spec as { schedule?: unknown } | undefined)?.schedule);
  return parsed.success && parsed.data !== undefined ? scheduleView(parsed.data, now) : null;
};

/**
 * The Task states the running operation's execution has finished, for live progress. Progress is a
 * nicety: when the history cannot be read, the recorded steps alone are shown.
 */
export async function runningProgress(
  ctx: RouteContext,
  executionArn: string | undefined,
): Promise<readonly OperationStep[]> {
  if (executionArn === undefined || ctx.deps.executions.progress === undefined) return [];
  try {
    return await ctx.deps.executions.progress(executionArn);
  } catch {
    return [];
  }
}

/** Recorded steps and execution progress, in time order (Record* states appear once, as recorded). */
export const withProgress = <T extends { steps: readonly OperationStep[] }>(
  view: T,
  progress: readonly OperationStep[],
): T => {
  if (progress.length === 0) return view;
  const extra = progress.filter((p) => !p.step.startsWith('Record'));
  const steps = [...view.steps, ...extra].sort((a, b) => a.at.localeCompare(b.at));
  return { ...view, steps };
};

/** The AWS resources Berth creates for the environment's spec, by name (none once it is deleted). */
export const resourcesOf = (record: EnvironmentRecord) => {
  const spec = record.spec as { launchType?: unknown; loadBalancer?: { mode?: unknown } } | undefined;
  if (record.status === 'deleted' || spec === undefined || spec === null || typeof spec !== 'object')
    return [];
  return environmentResources(record.name, {
    ...(typeof spec.launchType === 'string' ? { launchType: spec.launchType } : {}),
    ...(typeof spec.loadBalancer?.mode === 'string' ? { loadBalancerMode: spec.loadBalancer.mode } : {}),
  });
};

/** An operation as the API shows it. */
export const operationView = (op: OperationRecord) => ({
  operationId: op.operationId,
  operation: op.operation,
  status: op.status,
  requestedBy: op.requestedBy ?? null,
  entry: op.entry ?? null,
  executionArn: op.executionArn ?? null,
  startedAt: op.startedAt,
  finishedAt: op.finishedAt ?? null,
  steps: op.steps ?? [],
  error: op.error ?? null,
});
