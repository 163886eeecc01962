import { cloudWatchClient } from '../adapters/aws/clients.ts';
import { dynamoDocumentClient } from '../adapters/aws/dynamodb-document.ts';
import { AwsCloudWatchAdapter, type RequestCountQuery } from '../adapters/cloudwatch.ts';
import { DynamoRegistry } from '../adapters/registry.ts';
import { authorize } from '../core/access-policy.ts';
import { measureTraffic, type RecordedTraffic, trafficWindow } from '../core/environment-cost.ts';
import { isBerthError, ValidationError } from '../core/errors.ts';
import {
  decideIdle,
  type IdleCandidate,
  type IdleLoadBalancer,
  type RequestDatapoints,
  type RequestMetric,
  requestMetricOf,
  selectIdleCandidate,
} from '../core/idle.ts';
import { loadHandlerConfig } from './config.ts';
import { type DenialLogger, type PolicySource, policyFromConfig, readPolicy } from './http/access.ts';
import { awsEntryPorts } from './http/aws-deps.ts';
import type { Clock, ExecutionsPort, RegistryPort } from './http/ports.ts';
import { systemClock } from './http/ports.ts';
import { startDeps, startOperation } from './http/start-operation.ts';

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

/** Where the measured request rate of an environment is stored (its registry record's `traffic`). */
interface TrafficPort {
  /** Sets the environment's `traffic`; false when the environment is not in the registry (nothing written). */
  setTraffic(name: string, traffic: RecordedTraffic): Promise<boolean>;
}

export interface IdleCheckDeps {
  readonly registry: RegistryPort;
  readonly executions: ExecutionsPort;
  readonly metrics: RequestCountsPort;
  readonly traffic: TrafficPort;
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
  /**
   * The request rate of every environment with a load balancer (all but deleted ones, `idleAfter` or not) over the
   * last hour, stored on its record for its capacity-unit cost (not stored in a dry run; `error` when the write
   * failed; `unchanged` when the stored figure was the same and was not written again).
   */
  readonly measured: readonly MeasuredTraffic[];
}

export type MeasuredTraffic = RecordedTraffic & {
  readonly env: string;
  /** The write failed (retried at the next run). */
  readonly error?: string;
  /** The stored figure was the same: not written again. */
  readonly unchanged?: true;
};

/** Registry writes of the measured rates in flight at once. */
const TRAFFIC_WRITE_CONCURRENCY = 8;

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
 * scheduler locally). With one GetMetricData call (500 metrics per call) it reads the load balancer's `RequestCount`
 * (its target group's on the shared ALB) of every environment that still has one: each one's rate over the last
 * hour (or since it was created) is stored on its record (`traffic`), which its cost prices as capacity units
 * (docs/cost.md). For each ready environment whose spec sets `idleAfter` and that has been ready at least that
 * long, it judges the requests over the last `idleAfter`, and pauses the environments that saw no request — authorized as the `idle` caller,
 * started exactly as the API starts a pause (the lock, idempotent request id `idle-<env>-<minute>`, history entry
 * `idle`). A request that wakes a paused environment resumes it; the resumed environment is judged again only once
 * it has been ready for `idleAfter`.
 *
 * @returns `{ now, dryRun, checked, paused, active, skipped, measured }`
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
    /** Every environment with a load balancer, under its query id: its request rate is measured. */
    const rated: {
      env: string;
      id: string;
      metric: RequestMetric;
      window: { start: Date; end: Date };
      stored?: RecordedTraffic;
    }[] = [];
    const idOf = new Map<string, string>();
    let checked = 0;
    for (const record of [...items].sort((a, b) => a.name.localeCompare(b.name))) {
      const { loadBalancer } = loadBalancerOf(record.resources);
      const metric = record.status === 'deleted' ? undefined : requestMetricOf(loadBalancer);
      if (metric !== undefined) {
        const id = `env${rated.length}`;
        rated.push({
          env: record.name,
          id,
          metric,
          window: trafficWindow(record.createdAt, now),
          ...(record.traffic === undefined ? {} : { stored: record.traffic }),
        });
        idOf.set(record.name, id);
      }
      const selection = selectIdleCandidate(
        {
          name: record.name,
          status: record.status,
          updatedAt: record.updatedAt,
          busy: record.currentOperation !== undefined,
          ...idleAfterOf(record.spec),
          ...(loadBalancer === undefined ? {} : { loadBalancer }),
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
    const measured: MeasuredTraffic[] = [];
    const result = () => ({ now: now.toISOString(), dryRun, checked, paused, active, skipped, measured });
    if (rated.length === 0) return result();

    // One query per environment, over the longest window asked (an idle candidate's `idleAfter` may reach further
    // back than the hour its rate is measured over); each reading keeps the datapoints of its own window.
    const start = new Date(
      Math.min(
        ...candidates.map((c) => Date.parse(c.windowStart)),
        ...rated.map((r) => r.window.start.getTime()),
      ),
    );
    const counts = await d.metrics.requestCounts(
      rated.map(({ id, metric }) => ({ id, metric })),
      start,
      now,
    );
    const none: RequestDatapoints = { timestamps: [], values: [] };
    const rates = rated.map((r) => ({
      env: r.env,
      stored: r.stored,
      ...measureTraffic(counts.get(r.id) ?? none, r.window),
    }));
    for (let i = 0; i < rates.length; i += TRAFFIC_WRITE_CONCURRENCY) {
      const batch = rates.slice(i, i + TRAFFIC_WRITE_CONCURRENCY);
      const written = await Promise.all(
        batch.map(async ({ env, stored, ...traffic }): Promise<MeasuredTraffic> => {
          if (dryRun) return { env, ...traffic };
          // The same figure as stored (typically no request at all): not written again, so a fleet nobody uses
          // costs no write per run; the stored window is the one it was first measured over.
          if (stored?.requests === traffic.requests && stored.requestsPerHour === traffic.requestsPerHour)
            return { env, ...traffic, unchanged: true };
          try {
            await d.traffic.setTraffic(env, traffic);
            return { env, ...traffic };
          } catch (error) {
            // The rate is a nicety of the cost: a failed write is reported and retried at the next run.
            return { env, ...traffic, error: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
      measured.push(...written);
    }

    const idle: { candidate: IdleCandidate; reason: string }[] = [];
    for (const candidate of candidates) {
      const id = idOf.get(candidate.env);
      const decision = decideIdle(candidate, (id === undefined ? undefined : counts.get(id)) ?? none);
      if (decision.action === 'keep') active.push({ env: decision.env, reason: decision.reason });
      else idle.push({ candidate, reason: decision.reason });
    }
    if (idle.length === 0) return result();

    // Read once per run; a policy that cannot be read refuses every pause (fail closed), each one reported.
    const { policy, error: policyError } = await readPolicy(d.policy);
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
          startDeps(d, { now: () => now }),
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
    return result();
  };
}

/**
 * The DynamoDB registry (`BERTH_TABLE_NAME`), the lifecycle state machine (`BERTH_LIFECYCLE_STATE_MACHINE_ARN`),
 * CloudWatch, and the access policy (`BERTH_POLICY_FILE` / `BERTH_POLICY_PARAMETER`, as the API reads it).
 */
function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): IdleCheckDeps {
  const config = loadHandlerConfig('idle-check', env);
  const ports = awsEntryPorts(config);
  let cloudWatch: AwsCloudWatchAdapter | undefined;
  let registry: DynamoRegistry | undefined;
  return {
    registry: ports.registry,
    traffic: {
      setTraffic: (name, traffic) => {
        registry ??= new DynamoRegistry(dynamoDocumentClient(), config.tableName);
        return registry.setTraffic(name, traffic);
      },
    },
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

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(() => defaultDeps());
