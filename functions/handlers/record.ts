import { sfnClient } from '../adapters/aws/clients.ts';
import type { StatusUpdate } from '../adapters/registry.ts';
import { AwsSfnAdapter } from '../adapters/sfn.ts';
import { expiresAt } from '../core/duration.ts';
import { parseEnvSpec } from '../core/env-spec.ts';
import { accrueUsage, type ObservedUsage, type OperationTransitions } from '../core/environment-cost.ts';
import { ValidationError } from '../core/errors.ts';
import { isEntryPoint } from '../core/operation.ts';
import { stateTransitionsOf } from '../core/state-transitions.ts';
import { ENVIRONMENT_STATUSES, type EnvironmentStatus, FINAL_STATUSES } from '../core/status.ts';
import { defaultDeps, type HandlerDeps, runStep } from './lifecycle-deps.ts';
import { lazyPricing, type Pricing, type PricingSource, resolvePricing } from './pricing.ts';
import { registryAdapter } from './wiring-registry.ts';

/** Input of the record handler (ASL `Record*` Parameters). */
export interface RecordEvent {
  readonly env: string;
  readonly operation: string;
  readonly requestId: string;
  readonly requestedBy?: string;
  /** The entry point that asked (`unknown` when the input named none). */
  readonly entry?: string;
  readonly executionArn?: string;
  readonly status: EnvironmentStatus;
  readonly step?: string;
  /** `up`: the requested spec (stored; sets owner, keep, expiresAt). */
  readonly spec?: unknown;
  readonly resources?: Record<string, unknown>;
  readonly url?: string;
  /** `scale`: stored into the spec. */
  readonly desiredCount?: number;
  /** `redeploy`: the deployed revision (noted in the step). */
  readonly taskDefinitionArn?: string;
  readonly failure?: { readonly step?: string; readonly error?: string; readonly cause?: string };
  /** The verify loop's last (Healthy) result: its `usage` is what the environment runs now. */
  readonly verified?: { readonly usage?: ObservedUsage };
}

export interface RecordResult {
  readonly status: EnvironmentStatus;
  readonly operationId: string;
  readonly updatedAt: string;
}

export type RecordDeps = Pick<HandlerDeps, 'registry' | 'now' | 'logger'> & {
  /** Prices for the cost accrued between observations (default: `BERTH_PRICES_FILE` or the shipped table). */
  readonly pricing?: PricingSource;
  /** Step Functions: the finished operation's execution history, whose state transitions are its one-off cost. */
  readonly executions?: Pick<AwsSfnAdapter, 'getExecutionHistory'> | undefined;
};

/**
 * The state transitions of the operation's own execution up to this record (the closing states after it — the lock
 * release, the notification, the end — are not in its history yet). `undefined` when they cannot be read: the cost
 * is an estimate, and a missing count never fails the record.
 */
async function transitionsOf(
  deps: RecordDeps,
  event: RecordEvent,
  region: string,
): Promise<OperationTransitions | undefined> {
  if (deps.executions === undefined || !event.executionArn || !FINAL_STATUSES.has(event.status))
    return undefined;
  try {
    const events = await deps.executions.getExecutionHistory(event.executionArn);
    return {
      executionArn: event.executionArn,
      count: stateTransitionsOf(events.map((e) => e.type)),
      region,
    };
  } catch (error) {
    deps.logger.warn(
      'record: the execution history could not be read; its state transitions are not counted',
      {
        executionArn: event.executionArn,
        error: error instanceof Error ? error.message : String(error),
      },
    );
    return undefined;
  }
}

/** Statuses that change what an environment runs without a new observation (a pause keeps only its ALB). */
const USAGE_CHANGING_STATUSES: ReadonlySet<string> = new Set(['deleted', 'paused']);

const observedUsageOf = (event: RecordEvent): ObservedUsage | undefined => {
  const usage = event.verified?.usage;
  return usage !== undefined && usage !== null && Array.isArray(usage.instances) ? usage : undefined;
};

/** Cause strings from Step Functions are often JSON (`{"errorMessage": …}`): keep the message. */
function reasonOf(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown; message?: unknown };
    const message = parsed.errorMessage ?? parsed.message;
    return typeof message === 'string' ? message : cause;
  } catch {
    return cause;
  }
}

/**
 * Writes the registry side of a lifecycle step: the environment's status, current operation and
 * step, resources, URL, spec (on `up`) and last failure; the operation item (created on its first
 * record, a step appended on each, finished on ready/deleted/failed); and its `usage` (docs/cost.md): what verify
 * observed it running at the end of up/scale/redeploy, or what is left once deleted or paused, with the cost of the
 * previous period added to `accruedUsd`.
 */
export function makeHandler(deps: RecordDeps) {
  return async (event: RecordEvent): Promise<RecordResult> =>
    runStep(deps.logger, `record-${event?.status}`, event as never, async () => {
      if (!event?.env) throw new ValidationError('env', 'is required');
      if (!event.requestId) throw new ValidationError('requestId', 'is required');
      if (!ENVIRONMENT_STATUSES.includes(event.status)) {
        throw new ValidationError('status', `must be one of ${ENVIRONMENT_STATUSES.join(', ')}`);
      }
      const now = deps.now();
      const at = now.toISOString();
      const operationId = event.requestId;
      const existing = await deps.registry.getEnvironment(event.env);
      const current = existing?.currentOperation;
      const sameOperation = current?.operationId === operationId;
      const startedAt = sameOperation && current ? current.startedAt : at;
      const opKey = { startedAt, operationId };

      if (!sameOperation) {
        await deps.registry.recordOperation({
          env: event.env,
          operationId,
          operation: event.operation,
          requestId: event.requestId,
          requestedBy: event.requestedBy ?? 'unknown',
          ...(isEntryPoint(event.entry) ? { entry: event.entry } : {}),
          ...(event.executionArn ? { executionArn: event.executionArn } : {}),
          status: 'running',
          steps: [],
          startedAt,
        });
      }

      const step = event.step ?? event.status;
      const update: { -readonly [K in keyof StatusUpdate]: StatusUpdate[K] } = {
        status: event.status,
        currentOperation: FINAL_STATUSES.has(event.status)
          ? null
          : {
              operationId,
              operation: event.operation,
              ...(event.executionArn ? { executionArn: event.executionArn } : {}),
              step,
              startedAt,
            },
      };
      if (event.spec !== undefined && event.spec !== null) {
        const spec = parseEnvSpec(event.spec);
        update.expiresAt = expiresAt(now, spec.ttl);
        update.keep = spec.keep;
        // A deleted environment brought up again starts a new cost history (and a new request count).
        const { usage: previousUsage, traffic: previousTraffic, ...kept } = existing ?? {};
        const again = existing?.status === 'deleted';
        await deps.registry.putEnvironment({
          ...kept,
          ...(previousUsage === undefined || again ? {} : { usage: previousUsage }),
          ...(previousTraffic === undefined || again ? {} : { traffic: previousTraffic }),
          name: event.env,
          status: event.status,
          spec,
          owner: spec.owner,
          keep: spec.keep,
          expiresAt: update.expiresAt,
          createdAt: existing?.createdAt ?? at,
          updatedAt: at,
        });
      } else if (event.desiredCount !== undefined && existing?.spec !== undefined) {
        await deps.registry.putEnvironment({
          ...existing,
          spec: { ...(existing.spec as object), desiredCount: event.desiredCount },
          updatedAt: at,
        });
      }
      // Ready (resumed, or converged by up) or deleted: the counts a pause remembered no longer apply.
      if ((event.status === 'ready' || event.status === 'deleted') && existing?.paused !== undefined) {
        update.paused = null;
      }
      if (event.resources !== undefined) update.resources = event.resources;
      const observedUsage = observedUsageOf(event);
      const pricing =
        observedUsage !== undefined || FINAL_STATUSES.has(event.status)
          ? resolvePricing(deps.pricing)
          : undefined;
      const transitions =
        pricing === undefined ? undefined : await transitionsOf(deps, event, pricing.region);
      if (
        pricing !== undefined &&
        (observedUsage !== undefined ||
          USAGE_CHANGING_STATUSES.has(event.status) ||
          transitions !== undefined)
      ) {
        const usage = accrueUsage(
          existing?.usage,
          observedUsage === undefined ? undefined : { region: pricing.region, ...observedUsage },
          event.status,
          pricing.prices,
          now,
          transitions,
          existing?.traffic,
        );
        if (usage !== undefined) update.usage = usage;
      }
      if (event.url !== undefined) update.url = event.url;
      if (event.failure) {
        update.lastFailure = {
          operation: event.operation,
          ...(event.failure.step ? { step: event.failure.step } : {}),
          error: event.failure.error ?? 'Error',
          reason: reasonOf(event.failure.cause),
          at,
        };
      }
      await deps.registry.updateStatus(event.env, update);

      const detail = event.failure
        ? `${event.failure.error ?? 'Error'}: ${reasonOf(event.failure.cause)}`
        : event.taskDefinitionArn
          ? `task definition ${event.taskDefinitionArn}`
          : undefined;
      await deps.registry.appendStep(event.env, opKey, {
        step,
        status: event.status,
        at,
        ...(detail ? { detail } : {}),
      });
      if (FINAL_STATUSES.has(event.status)) {
        await deps.registry.finishOperation(event.env, opKey, {
          status: event.status === 'failed' ? 'failed' : 'succeeded',
          finishedAt: at,
          ...(event.failure ? { error: detail ?? 'failed' } : {}),
        });
      }
      return { status: event.status, operationId, updatedAt: at };
    });
}

const deps = defaultDeps('record', { registry: registryAdapter });
let executions: AwsSfnAdapter | undefined;
let pricing: (() => Pricing) | undefined;
/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler({
  get registry() {
    return deps.registry;
  },
  get now() {
    return deps.now;
  },
  get logger() {
    return deps.logger;
  },
  // The price table of its declared BERTH_PRICES_FILE (or the shipped one), read on the first priced record.
  pricing: () => {
    pricing ??= lazyPricing(deps.config);
    return pricing();
  },
  // Built on first use (a final record), like the other adapters.
  get executions() {
    executions ??= new AwsSfnAdapter(sfnClient());
    return executions;
  },
});
