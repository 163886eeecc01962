import { cloudWatchClient } from '../adapters/aws/clients.ts';
import { AwsCloudWatchAdapter, type RequestCountQuery } from '../adapters/cloudwatch.ts';
import { type AccessPolicy, authorize } from '../core/access-policy.ts';
import { isBerthError, ValidationError } from '../core/errors.ts';
import {
  decideIdle,
  type IdleCandidate,
  type IdleLoadBalancer,
  type RequestDatapoints,
  selectIdleCandidate,
} from '../core/idle.ts';
import { loadHandlerConfig } from './config.ts';
import {
  type DenialLogger,
  developmentPolicySource,
  type PolicySource,
  policyFromConfig,
} from './http/access.ts';
import { awsEntryPorts } from './http/aws-deps.ts';
import type { Clock, ExecutionsPort, RegistryPort } from './http/ports.ts';
import { systemClock } from './http/ports.ts';
import { startOperation } from './http/start-operation.ts';

/** The event of the scheduled idle check (EventBridge Scheduler sends `{}`). */
export interface IdleCheckEvent {
  /** ISO time to judge against (tests, what-if runs); default now. */
  readonly now?: string;
  /** Decide and report, start nothing. */
  readonly dryRun?: boolean;
}

/** CloudWatch's RequestCount, as the idle check reads it. */
export interface RequestCountsPort {
  requestCounts(
    queries: readonly RequestCountQuery[],
    start: Date,
    end: Date,
  ): Promise<ReadonlyMap<string, RequestDatapoints>>;
}

export interface IdleCheckDeps {
  readonly registry: RegistryPort;
  readonly executions: ExecutionsPort;
  readonly metrics: RequestCountsPort;
  readonly clock?: Clock;
  readonly lockTtlSeconds?: number;
  /** The access policy: each pause is authorized as the `idle` caller first. Default: the development policy. */
  readonly policy?: PolicySource;
  readonly denialLogger?: DenialLogger;
}

export interface IdleCheckResult {
  readonly now: string;
  readonly dryRun: boolean;
  /** Environments with `idleAfter` that were looked at. */
  readonly checked: number;
  /** Pauses started (or, in a dry run, that would start). */
  readonly paused: readonly { env: string; reason: string; operationId?: string; executionArn?: string }[];
  /** Judged active: requests in the window. */
  readonly active: readonly { env: string; reason: string }[];
  /** Not judged, or judged idle but not paused (refused, busy), with why. */
  readonly skipped: readonly { env: string; reason: string }[];
}

const consoleDenial: DenialLogger = (entry) =>
  console.warn(JSON.stringify({ level: 'WARN', message: 'access denied', ...entry }));

const idleAfterOf = (spec: unknown): { idleAfter?: string } => {
  const value = (spec as { idleAfter?: unknown } | undefined)?.idleAfter;
  return typeof value === 'string' ? { idleAfter: value } : {};
};

const loadBalancerOf = (resources: unknown): { loadBalancer?: IdleLoadBalancer } => {
  const lb = (resources as { loadBalancer?: unknown } | undefined)?.loadBalancer;
  if (lb === null || typeof lb !== 'object') return {};
  const pick = (key: string) => {
    const value = (lb as Record<string, unknown>)[key];
    return typeof value === 'string' ? { [key]: value } : {};
  };
  return {
    loadBalancer: {
      ...pick('targetGroupArn'),
      ...pick('loadBalancerArn'),
      ...pick('listenerArn'),
      ...pick('ruleArn'),
    },
  };
};

/**
 * The scheduled idle check (idle sleep; EventBridge Scheduler every 5 minutes when deployed, the local runtime's
 * scheduler locally): for each ready environment whose spec sets `idleAfter` and that has been ready at least that
 * long, reads its load balancer's `RequestCount` (its target group's on the shared ALB) over the last `idleAfter`
 * with one GetMetricData call, and pauses the environments that saw no request — authorized as the `idle` caller,
 * started exactly as the API starts a pause (the lock, idempotent request id `idle-<env>-<minute>`, history entry
 * `idle`). A request that wakes a paused environment resumes it; the resumed environment is judged again only once
 * it has been ready for `idleAfter`.
 *
 * @returns `{ now, dryRun, checked, paused, active, skipped }`
 */
export function makeHandler(deps: IdleCheckDeps | (() => IdleCheckDeps)) {
  let resolved: IdleCheckDeps | undefined;
  return async (event: IdleCheckEvent = {}): Promise<IdleCheckResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const d = resolved;
    let now = (d.clock ?? systemClock).now();
    if (event?.now !== undefined) {
      now = new Date(event.now);
      if (Number.isNaN(now.getTime())) throw new ValidationError('now', 'must be an ISO date-time');
    }
    const dryRun = event?.dryRun === true;
    const { items } = await d.registry.listEnvironments({});
    const candidates: IdleCandidate[] = [];
    const owners = new Map<string, string | undefined>();
    const skipped: { env: string; reason: string }[] = [];
    let checked = 0;
    for (const record of [...items].sort((a, b) => a.name.localeCompare(b.name))) {
      const selection = selectIdleCandidate(
        {
          name: record.name,
          status: record.status,
          updatedAt: record.updatedAt,
          busy: record.currentOperation !== undefined,
          ...idleAfterOf(record.spec),
          ...loadBalancerOf(record.resources),
        },
        now,
      );
      if (selection === undefined) continue;
      checked += 1;
      if (selection.kind === 'skip') skipped.push({ env: selection.env, reason: selection.reason });
      else {
        candidates.push(selection.candidate);
        owners.set(record.name, record.owner);
      }
    }
    const paused: { env: string; reason: string; operationId?: string; executionArn?: string }[] = [];
    const active: { env: string; reason: string }[] = [];
    if (candidates.length === 0) return { now: now.toISOString(), dryRun, checked, paused, active, skipped };

    const start = new Date(Math.min(...candidates.map((c) => Date.parse(c.windowStart))));
    const queries = candidates.map((c, i) => ({ id: `env${i}`, metric: c.metric }));
    const counts = await d.metrics.requestCounts(queries, start, now);
    const idle: { candidate: IdleCandidate; reason: string }[] = [];
    candidates.forEach((candidate, i) => {
      const decision = decideIdle(candidate, counts.get(`env${i}`) ?? { timestamps: [], values: [] });
      if (decision.action === 'keep') active.push({ env: decision.env, reason: decision.reason });
      else idle.push({ candidate, reason: decision.reason });
    });
    if (idle.length === 0) return { now: now.toISOString(), dryRun, checked, paused, active, skipped };

    // Read once per run; a policy that cannot be read refuses every pause (fail closed), each one reported.
    let policy: AccessPolicy | undefined;
    let policyError: string | undefined;
    try {
      policy = await (d.policy ?? developmentPolicySource)();
    } catch (error) {
      policyError = error instanceof Error ? error.message : String(error);
    }
    const log = d.denialLogger ?? consoleDenial;
    for (const { candidate, reason } of idle) {
      const env = candidate.env;
      const owner = owners.get(env);
      const decision =
        policy === undefined
          ? undefined
          : authorize(policy, {
              caller: { entry: 'idle' },
              action: 'pause',
              env,
              ...(owner === undefined ? {} : { envOwner: owner }),
            });
      if (decision === undefined || !decision.allowed) {
        const refusal =
          decision === undefined
            ? `the idle check may not pause environment '${env}': the access policy could not be read or is malformed (fail closed)`
            : decision.reason;
        log({ caller: 'the idle check', action: 'pause', env, reason: policyError ?? refusal });
        skipped.push({ env, reason: `idle, but refused by the access policy: ${refusal}` });
        continue;
      }
      if (dryRun) {
        paused.push({ env, reason });
        continue;
      }
      try {
        const started = await startOperation(
          {
            registry: d.registry,
            executions: d.executions,
            clock: { now: () => now },
            ...(d.lockTtlSeconds === undefined ? {} : { lockTtlSeconds: d.lockTtlSeconds }),
          },
          {
            operation: 'pause',
            env,
            requestId: `idle-${env}-${Math.floor(now.getTime() / 60_000)}`,
            requestedBy: 'idle',
            entry: 'idle',
          },
          'requestId',
        );
        paused.push({ env, reason, operationId: started.operationId, executionArn: started.executionArn });
      } catch (error) {
        // Another operation took the environment since it was listed, or it is no longer pausable: the next
        // run judges it again. Anything else is a fault.
        if (!(isBerthError(error) && ['OperationInProgressError', 'InvalidStateError'].includes(error.name)))
          throw error;
        skipped.push({ env, reason: `idle, but not paused: ${error.message}` });
      }
    }
    return { now: now.toISOString(), dryRun, checked, paused, active, skipped };
  };
}

/**
 * The DynamoDB registry (`BERTH_TABLE_NAME`), the lifecycle state machine (`BERTH_LIFECYCLE_STATE_MACHINE_ARN`),
 * CloudWatch, and the access policy (`BERTH_POLICY_FILE` / `BERTH_POLICY_PARAMETER`, as the API reads it).
 */
export function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): IdleCheckDeps {
  const config = loadHandlerConfig('idle-check', env);
  const ports = awsEntryPorts(config);
  let cloudWatch: AwsCloudWatchAdapter | undefined;
  return {
    registry: ports.registry,
    executions: ports.executions,
    lockTtlSeconds: ports.lockTtlSeconds(),
    metrics: {
      requestCounts: (queries, start, end) => {
        cloudWatch ??= new AwsCloudWatchAdapter(cloudWatchClient());
        return cloudWatch.requestCounts(queries, start, end);
      },
    },
    policy: policyFromConfig(config),
  };
}

export const handler = makeHandler(() => defaultDeps());
