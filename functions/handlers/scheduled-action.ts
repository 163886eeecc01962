import { dynamoDocumentClient } from '../adapters/aws/dynamodb-document.ts';
import { DynamoRegistry } from '../adapters/registry.ts';
import { type AccessPolicy, authorize } from '../core/access-policy.ts';
import { EnvNameSchema } from '../core/env-spec.ts';
import { isBerthError, ValidationError } from '../core/errors.ts';
import type { ScheduledActionEvent } from '../core/schedules.ts';
import { loadHandlerConfig } from './config.ts';
import {
  type DenialLogger,
  developmentPolicySource,
  type PolicySource,
  policyFromConfig,
} from './http/access.ts';
import { awsEntryPorts } from './http/aws-deps.ts';
import type { Clock, ExecutionsPort, OperationRecord, RegistryPort } from './http/ports.ts';
import { systemClock } from './http/ports.ts';
import { startDeps, startOperation } from './http/start-operation.ts';

export interface ScheduledActionDeps {
  readonly registry: RegistryPort;
  readonly executions: ExecutionsPort;
  readonly clock?: Clock;
  readonly lockTtlSeconds?: number;
  /** The access policy: the schedule is authorized as caller `schedule` (default: the development policy). */
  readonly policy?: PolicySource;
  /** Where refusals and skips are logged (default: a structured line on stderr). */
  readonly log?: DenialLogger;
  /**
   * Where a refusal by the access policy is recorded for users to see: the environment's operation history (an
   * operation with status `refused`, shown by the API, `berth history`, `berth status` and Slack `status`).
   */
  readonly history?: { recordOperation(record: OperationRecord): Promise<void> };
}

/** What one invocation did: started the operation, or skipped it and why. */
export type ScheduledActionResult =
  | {
      readonly started: true;
      readonly env: string;
      readonly operation: 'pause' | 'resume';
      readonly operationId: string;
      readonly replayed: boolean;
    }
  | {
      readonly started: false;
      readonly env: string;
      readonly operation: 'pause' | 'resume';
      readonly reason: string;
    };

const consoleLog: DenialLogger = (entry) => console.warn(JSON.stringify({ level: 'WARN', ...entry }));

/** Checks the schedule's input (`{ name, action }`), naming the bad field. */
function parseScheduledAction(event: unknown): ScheduledActionEvent {
  const e = (event ?? {}) as { name?: unknown; action?: unknown };
  const name = EnvNameSchema.safeParse(e.name);
  if (!name.success) throw new ValidationError('name', name.error.issues[0]?.message ?? 'is required');
  if (e.action !== 'pause' && e.action !== 'resume')
    throw new ValidationError('action', "must be 'pause' or 'resume'");
  return { name: name.data, action: e.action };
}

/** States in which a schedule's operation cannot apply (no environment, being torn down). */
const NOT_APPLICABLE = new Set(['deleted', 'tearing-down', 'rolling-back']);

/**
 * The scheduled-action handler: the target of an environment's sleep/wake schedules (EventBridge Scheduler).
 * It authorizes as caller `schedule` with the same policy as the API and the nightly job, then starts the pause or
 * resume exactly as the API does — the lock, the registry, entry `schedule` in the operation history. The request
 * id is derived from the environment, the action and the minute it fired, so a retried delivery of the same
 * invocation starts nothing new. When the policy refuses, the environment is gone or being torn down, already
 * in that state, or busy with another operation, it starts nothing and says why (logged); a refusal by the policy
 * is also recorded in the environment's history (status `refused`, entry `schedule`), where `berth history`,
 * `berth status` and Slack `status` show it.
 *
 * @example await makeHandler(deps)({ name: 'demo', action: 'pause' }) // { started: true, operation: 'pause', … }
 */
export function makeHandler(deps: ScheduledActionDeps | (() => ScheduledActionDeps)) {
  let resolved: ScheduledActionDeps | undefined;
  return async (event: unknown): Promise<ScheduledActionResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const d = resolved;
    const log = d.log ?? consoleLog;
    const { name: env, action } = parseScheduledAction(event);
    const skip = (reason: string): ScheduledActionResult => {
      log({ message: 'scheduled action skipped', env, operation: action, entry: 'schedule', reason });
      return { started: false, env, operation: action, reason };
    };
    let policy: AccessPolicy;
    try {
      policy = await (d.policy ?? developmentPolicySource)();
    } catch (error) {
      return skip(`the access policy could not be read (fail closed): ${(error as Error).message}`);
    }
    const record = await d.registry.getEnvironment(env);
    const decision = authorize(policy, {
      caller: { entry: 'schedule' },
      action,
      env,
      ...(record?.owner === undefined ? {} : { envOwner: record.owner }),
    });
    if (!decision.allowed) {
      const reason = `refused by the access policy: ${decision.reason}`;
      // Visible where users look, not only in the logs: a `refused` entry in the history (newest first, so at the
      // time it happened), its id the firing's request id.
      if (record !== undefined && record.status !== 'deleted' && d.history !== undefined) {
        const now = (d.clock ?? systemClock).now();
        const minute = Math.floor(now.getTime() / 60_000);
        const at = now.toISOString();
        const operationId = `schedule-${env}-${action}-${minute}`.slice(0, 64);
        try {
          await d.history.recordOperation({
            env,
            operationId,
            operation: action,
            requestId: operationId,
            requestedBy: 'schedule',
            entry: 'schedule',
            status: 'refused',
            steps: [],
            startedAt: at,
            finishedAt: at,
            error: reason,
          });
        } catch (error) {
          log({ message: 'refusal not recorded', env, reason: (error as Error).message });
        }
      }
      return skip(reason);
    }
    if (record === undefined || NOT_APPLICABLE.has(record.status))
      return skip(`the environment is ${record === undefined ? 'not known' : record.status}`);
    const clock = d.clock ?? systemClock;
    const minute = Math.floor(clock.now().getTime() / 60_000);
    const requestId = `schedule-${env}-${action}-${minute}`.slice(0, 64);
    try {
      const started = await startOperation(
        { ...startDeps(d, clock), environment: { record } },
        { operation: action, env, requestId, requestedBy: 'schedule', entry: 'schedule' },
        'requestId',
      );
      return {
        started: true,
        env,
        operation: action,
        operationId: started.operationId,
        replayed: started.replayed,
      };
    } catch (error) {
      // Already in that state (paused / not paused), busy with another operation, or gone meanwhile.
      if (
        isBerthError(error) &&
        ['InvalidStateError', 'OperationInProgressError', 'NotFoundError'].includes(error.name)
      ) {
        return skip(`${error.name}: ${error.message}`);
      }
      throw error;
    }
  };
}

/**
 * The registry (`BERTH_TABLE_NAME`), the lifecycle state machine (`BERTH_LIFECYCLE_STATE_MACHINE_ARN`) and the
 * access policy (`BERTH_POLICY_FILE` / `BERTH_POLICY_PARAMETER`, as the API reads it).
 */
function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): ScheduledActionDeps {
  const config = loadHandlerConfig('scheduled-action', env);
  const ports = awsEntryPorts(config);
  let registry: DynamoRegistry | undefined;
  return {
    registry: ports.registry,
    history: {
      recordOperation: (record) => {
        registry ??= new DynamoRegistry(dynamoDocumentClient(), config.tableName);
        return registry.recordOperation(record);
      },
    },
    executions: ports.executions,
    lockTtlSeconds: ports.lockTtlSeconds(),
    policy: policyFromConfig(config),
  };
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(() => defaultDeps());
