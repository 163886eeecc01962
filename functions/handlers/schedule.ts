import { randomUUID } from 'node:crypto';
import { observeEnvironment } from '../adapters/observe-environment.ts';
import type { DynamoRegistry } from '../adapters/registry.ts';
import type { AwsSchedulerAdapter } from '../adapters/scheduler.ts';
import { parseEnvSpec, type ScheduleSpec } from '../core/env-spec.ts';
import {
  InvalidStateError,
  NotFoundError,
  OperationInProgressError,
  ValidationError,
} from '../core/errors.ts';
import { checkOperationField } from '../core/operation.ts';
import { pendingSteps } from '../core/plan.ts';
import { planSchedules } from '../core/plan-up.ts';
import { type ScheduleView, scheduleView } from '../core/schedules.ts';
import { ownershipTags } from '../core/tags.ts';
import type { ConfigOf } from './config.ts';
import { defaultDeps, type LogPort, runStep } from './lifecycle-deps.ts';
import { executeUpSteps, logExecuted, wiredPorts } from './up-stage.ts';
import { schedulerAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

/** The event the API sends (`PATCH /environments/{name}` with `schedule`; `berth schedule`). */
export interface ScheduleEvent {
  readonly name: string;
  /** The new schedule (`{ sleep?, wake?, timezone? }`, checked as the spec's `schedule`), or null to remove it. */
  readonly schedule: unknown;
  /** Plan only: change nothing, take no lock. */
  readonly dryRun?: boolean;
}

export interface ScheduleResult {
  readonly name: string;
  /** The environment's status, unchanged by a schedule change (ready, paused or failed). */
  readonly status: string;
  /** The stored schedule with its next times (null once removed). */
  readonly schedule: ScheduleView | null;
  readonly dryRun: boolean;
  /** The schedule steps (`keep` when a schedule already matches). */
  readonly steps: readonly { action: string; resource: string; reason: string }[];
}

export interface ScheduleDeps {
  readonly registry: Pick<DynamoRegistry, 'getEnvironment' | 'acquireLock' | 'releaseLock' | 'setSchedule'>;
  readonly scheduler: Pick<
    AwsSchedulerAdapter,
    'observeSchedules' | 'createScheduleGroup' | 'putSchedule' | 'deleteSchedule'
  >;
  readonly config: ConfigOf<'schedule'>;
  readonly now: () => Date;
  readonly logger: LogPort;
  /** The lock's token (default: a random UUID). */
  readonly token?: () => string;
}

/** Statuses a schedule changes in: settled, with no operation running. */
const SETTLED: ReadonlySet<string> = new Set(['ready', 'paused', 'failed']);
/** How long the lock is held at most: a schedule change is a handful of Scheduler calls. */
const LOCK_TTL_SECONDS = 300;

/**
 * Changes the sleep/wake schedule of a settled environment (ready, paused — the state a schedule most often
 * changes in — or failed) without any lifecycle operation: nothing is redeployed, scaled or resumed. Under the
 * environment's lock (so it never overlaps an operation: busy → `OperationInProgressError`), it converges the
 * environment's EventBridge Scheduler schedules to the new schedule exactly as `up`'s service stage does (core
 * `planSchedules`: same ownership check, same steps) and stores it in the spec (`spec.schedule`). Idempotent: the
 * same schedule again changes nothing (`keep` steps). docs/decisions/0011-schedule-change-without-up.md.
 *
 * @returns `{ name, status, schedule, dryRun, steps }`
 * @throws ValidationError (`schedule.sleep`, …), NotFoundError, InvalidStateError (not settled), OperationInProgressError
 */
export function makeHandler(deps: ScheduleDeps) {
  return async (event: ScheduleEvent): Promise<ScheduleResult> =>
    runStep(deps.logger, 'schedule', { operation: 'schedule', env: event?.name } as never, async () => {
      const name = checkOperationField('env', event?.name, 'name');
      if (event.schedule === undefined)
        throw new ValidationError(
          'schedule',
          'is required: { sleep?, wake?, timezone? }, or null to remove it',
        );
      const dryRun = event.dryRun === true;
      const settled = async () => {
        const record = await deps.registry.getEnvironment(name);
        if (record?.spec === undefined || record.spec === null || typeof record.spec !== 'object')
          throw new NotFoundError(`environment "${name}" not found`);
        if (!SETTLED.has(record.status))
          throw new InvalidStateError(
            record.status === 'deleted'
              ? `environment "${name}" is deleted: bring it up again with its schedule`
              : `environment "${name}" is ${record.status}: change its schedule once the operation has finished`,
          );
        if (record.currentOperation !== undefined)
          throw new OperationInProgressError(
            `environment "${name}" is busy: ${record.currentOperation.operation} ${record.currentOperation.operationId} is running`,
          );
        return record;
      };
      const first = await settled();
      const { schedule: _current, ...rest } = first.spec as Record<string, unknown>;
      const spec = parseEnvSpec(event.schedule === null ? rest : { ...rest, schedule: event.schedule });
      const schedule: ScheduleSpec | undefined = spec.schedule;

      const plan = async () => {
        const observed = await observeEnvironment(
          { scheduler: deps.scheduler },
          { env: name, parts: ['schedules'] },
        );
        return planSchedules(observed, spec, {
          ...(deps.config.scheduledActionFunctionArn === undefined
            ? {}
            : { scheduledActionFunctionArn: deps.config.scheduledActionFunctionArn }),
        });
      };
      const result = (status: string, steps: Awaited<ReturnType<typeof plan>>): ScheduleResult => ({
        name,
        status,
        schedule: schedule === undefined ? null : scheduleView(schedule, deps.now()),
        dryRun,
        steps: steps.map(({ action, resource, reason }) => ({ action, resource, reason })),
      });
      if (dryRun) return result(first.status, await plan());

      const now = deps.now();
      const token = (deps.token ?? randomUUID)();
      await deps.registry.acquireLock(name, {
        token,
        operationId: `schedule-${token}`,
        operation: 'schedule',
        nowSeconds: Math.floor(now.getTime() / 1000),
        ttlSeconds: LOCK_TTL_SECONDS,
      });
      try {
        // Read again under the lock: an operation may have started (and finished) since.
        const record = await settled();
        const steps = await plan();
        const out = await executeUpSteps(
          wiredPorts({ scheduler: deps.scheduler }),
          { env: name, tags: ownershipTags(name, spec.owner), config: deps.config },
          steps,
        );
        logExecuted(deps.logger, 'schedule', steps, out);
        await deps.registry.setSchedule(name, schedule ?? null);
        deps.logger.info('schedule changed', { env: name, changed: pendingSteps(steps).length });
        return result(record.status, steps);
      } finally {
        await deps.registry.releaseLock(name, token);
      }
    });
}

const deps = defaultDeps('schedule', { registry: registryAdapter, scheduler: schedulerAdapter });
/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler({
  get registry() {
    return deps.registry;
  },
  get scheduler() {
    return deps.scheduler as ScheduleDeps['scheduler'];
  },
  get config() {
    return deps.config;
  },
  get now() {
    return deps.now;
  },
  get logger() {
    return deps.logger;
  },
});
