import { logsClient } from '../adapters/aws/clients.ts';
import { AwsLogsAdapter } from '../adapters/logs.ts';
import { type AccessPolicy, authorize } from '../core/access-policy.ts';
import { ValidationError } from '../core/errors.ts';
import { decideLogGroupExpiry, LOG_GROUP_PREFIX } from '../core/logs.ts';
import { DEFAULT_NIGHT_HOURS, type NightSavings, nightSavings } from '../core/night-savings.ts';
import { decideNightly, type NightlyPolicy } from '../core/nightly.ts';
import { type NightlyRunResult, type RecordedFailure, summarizeNightly } from '../core/nightly-report.ts';
import { loadHandlerConfig } from './config.ts';
import { type DenialLogger, type PolicySource, policyFromConfig, readPolicy } from './http/access.ts';
import { awsRegistryPort } from './http/aws-deps.ts';
import { fetchPoster, type HttpPoster } from './http/http-poster.ts';
import type { Clock, RegistryPort } from './http/ports.ts';
import { systemClock } from './http/ports.ts';
import { type WebhookSource, webhookFromConfig } from './http/webhook.ts';
import { deliver, formatNightlyReport, type NightlyReport, type NotifyResult } from './notify.ts';
import { functionRegion, lazyPricing, type PricingSource, resolvePricing } from './pricing.ts';

interface NightlyListEvent {
  readonly action: 'list';
  readonly dryRun?: boolean;
  /** ISO time to decide against (tests, what-if runs); default now. */
  readonly now?: string;
}

interface NightlyReportEvent {
  readonly action: 'report';
  readonly results?: readonly NightlyRunResult[];
  readonly skipped?: readonly { readonly env: string; readonly reason: string }[];
  readonly candidates?: readonly { readonly env: string }[];
}

export type NightlyEvent = NightlyListEvent | NightlyReportEvent;

export interface NightlyList {
  /** `operation`: the lifecycle operation the nightly Map runs for it (`down`, or `pause` per its policy). */
  readonly candidates: { env: string; reason: string; operation: 'down' | 'pause' }[];
  readonly skipped: { env: string; reason: string }[];
  readonly dryRun: boolean;
}

export interface NightlyReportResult extends NightlyReport {
  readonly notification: NotifyResult;
  /** Kept log groups whose expiry passed, deleted by this run. */
  readonly expiredLogGroups: readonly { readonly group: string; readonly reason: string }[];
  /** What the night's teardowns (and pauses) save (docs/cost.md). */
  readonly savings?: NightSavings;
}

/** The log groups of environments whose logs were kept after `down`. */
export interface NightlyLogsPort {
  listLogGroups(prefix: string): Promise<readonly { name: string; tags: Readonly<Record<string, string>> }[]>;
  deleteLogGroup(name: string): Promise<boolean>;
}

export interface NightlyDeps {
  readonly registry: Pick<RegistryPort, 'listEnvironments'>;
  readonly poster?: HttpPoster;
  /** The report's webhook: a URL, or a source read when the report is posted (see `webhookFromConfig`). */
  readonly webhookUrl?: string | WebhookSource;
  readonly clock?: Clock;
  /** Deletes kept log groups after their expiry (core `decideLogGroupExpiry`). */
  readonly logs?: NightlyLogsPort;
  /** Prices for the report's savings (default: `BERTH_PRICES_FILE` or the shipped table). */
  readonly pricing?: PricingSource;
  /** Hours a night's savings count (`BERTH_NIGHT_HOURS`, default 12: from the 20:00 run to 08:00). */
  readonly nightHours?: number;
  /**
   * The access policy (docs/security.md): each candidate is authorized as the `nightly` caller before it is
   * handed to the teardown; a refused one is reported as skipped, not touched. Default: the development policy.
   */
  readonly policy?: PolicySource;
  /** Where refusals are logged (default: a structured line on stderr). */
  readonly denialLogger?: DenialLogger;
}

const consoleDenial: DenialLogger = (entry) =>
  console.warn(JSON.stringify({ level: 'WARN', message: 'access denied', ...entry }));

/** The spec's `nightly` policy, when the stored spec has a valid one. */
const nightlyPolicyOf = (spec: unknown): { nightly?: NightlyPolicy } => {
  const value = (spec as { nightly?: unknown } | undefined)?.nightly;
  return value === 'destroy' || value === 'pause' || value === 'keep' ? { nightly: value } : {};
};

/**
 * Lists the environments the nightly teardown takes down (core `decideNightly`), sorted by name.
 *
 * @example await listCandidates(deps, { action: 'list' }) // { candidates: [{ env: 'a', reason: … }], skipped: […], dryRun: false }
 */
const listCandidates = async (deps: NightlyDeps, event: NightlyListEvent): Promise<NightlyList> => {
  let now = (deps.clock ?? systemClock).now();
  if (event.now !== undefined) {
    now = new Date(event.now);
    if (Number.isNaN(now.getTime())) throw new ValidationError('now', 'must be an ISO date-time');
  }
  const { items } = await deps.registry.listEnvironments({});
  const candidates: { env: string; reason: string; operation: 'down' | 'pause' }[] = [];
  const skipped: { env: string; reason: string }[] = [];
  const log = deps.denialLogger ?? consoleDenial;
  // Read once per run; a policy that cannot be read refuses every teardown (fail closed), each one reported.
  const { policy, error: policyError } = await readPolicy(deps.policy);
  for (const record of [...items].sort((a, b) => a.name.localeCompare(b.name))) {
    const decision = decideNightly(
      {
        name: record.name,
        keep: record.keep ?? false,
        expiresAt: record.expiresAt ?? '',
        status: record.status,
        ...nightlyPolicyOf(record.spec),
      },
      now,
    );
    if (decision.action === 'skip') {
      skipped.push({ env: record.name, reason: decision.reason });
      continue;
    }
    const operation = decision.action === 'pause' ? 'pause' : 'down';
    const refusal =
      policy === undefined
        ? `the nightly job may not ${operation} environment '${record.name}': the access policy could not be read or is malformed (fail closed)`
        : refusalOf(policy, operation, record.name, record.owner);
    if (refusal !== undefined) {
      log({
        caller: 'the nightly job',
        action: operation,
        env: record.name,
        reason: policyError === undefined ? refusal : `policy unavailable: ${policyError}`,
      });
      skipped.push({ env: record.name, reason: `refused by the access policy: ${refusal}` });
      continue;
    }
    candidates.push({ env: record.name, reason: decision.reason, operation });
  }
  return { candidates, skipped, dryRun: event.dryRun ?? false };
};

/**
 * What the environments the night stopped save: each one's recorded usage before the teardown (or pause) against
 * what it runs now, over `nightHours`. Savings are a nicety: when the registry cannot be read, the report goes
 * without them.
 */
const savingsOf = async (
  deps: NightlyDeps,
  stopped: readonly { readonly env: string; readonly action: string }[],
): Promise<NightSavings | undefined> => {
  if (stopped.length === 0) return undefined;
  try {
    const { items } = await deps.registry.listEnvironments({});
    const byName = new Map(items.map((r) => [r.name, r]));
    return nightSavings(
      stopped.map((s) => {
        const record = byName.get(s.env);
        const usage = record?.usage;
        const traffic = record?.traffic;
        return {
          ...s,
          ...(usage === undefined ? {} : { usage }),
          ...(traffic === undefined ? {} : { traffic }),
        };
      }),
      resolvePricing(deps.pricing).prices,
      deps.nightHours ?? DEFAULT_NIGHT_HOURS,
    );
  } catch {
    return undefined;
  }
};

/** The access policy's answer for the nightly job tearing an environment down: the refusal, if any. */
const refusalOf = (
  policy: AccessPolicy,
  action: 'down' | 'pause',
  env: string,
  owner: string | undefined,
): string | undefined => {
  const decision = authorize(policy, {
    caller: { entry: 'nightly' },
    action,
    env,
    ...(owner === undefined ? {} : { envOwner: owner }),
  });
  return decision.allowed ? undefined : decision.reason;
};

/** Splits the Map results into torn down and failed (reasons of failures from `failures`). */
const summarize = (
  event: NightlyReportEvent,
  failures?: ReadonlyMap<string, RecordedFailure>,
): NightlyReport => summarizeNightly(event.results, event.skipped, failures);

/**
 * The registry's `lastFailure` of each environment whose result has no cause (the Map keeps only the error
 * name of a failed `down`); undefined when no result needs one.
 */
const recordedFailures = async (
  registry: Pick<RegistryPort, 'listEnvironments'>,
  results: readonly NightlyRunResult[] | undefined,
): Promise<ReadonlyMap<string, RecordedFailure> | undefined> => {
  const wanted = new Set(
    (results ?? []).filter((r) => r.status !== 'Succeeded' && r.cause === undefined).map((r) => r.env),
  );
  if (wanted.size === 0) return undefined;
  const { items } = await registry.listEnvironments({});
  return new Map(
    items.filter((i) => wanted.has(i.name) && i.lastFailure).map((i) => [i.name, i.lastFailure ?? {}]),
  );
};

/**
 * Deletes the log groups `/berth/*` that Berth kept after `down` and whose expiry tag has passed.
 * A failure to delete one is reported, not thrown (the rest of the nightly run goes on).
 */
export const deleteExpiredLogGroups = async (
  logs: NightlyLogsPort,
  now: Date,
): Promise<{ group: string; reason: string }[]> => {
  const deleted: { group: string; reason: string }[] = [];
  for (const group of await logs.listLogGroups(LOG_GROUP_PREFIX)) {
    const decision = decideLogGroupExpiry(group.tags, now);
    if (decision.action !== 'delete') continue;
    try {
      if (await logs.deleteLogGroup(group.name)) deleted.push({ group: group.name, reason: decision.reason });
    } catch (error) {
      deleted.push({ group: group.name, reason: `not deleted: ${(error as Error).message}` });
    }
  }
  return deleted;
};

/**
 * Builds the nightly handler: `list` decides the candidates; `report` deletes expired kept log
 * groups, summarises the run and posts it to the notify webhook when one is configured (a failed
 * post does not fail the run).
 */
export function makeHandler(deps: NightlyDeps | (() => NightlyDeps)) {
  let resolved: NightlyDeps | undefined;
  return async (event: NightlyEvent): Promise<NightlyList | NightlyReportResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const action = (event as { action?: unknown }).action ?? 'list';
    if (action === 'list') return listCandidates(resolved, event as NightlyListEvent);
    if (action === 'report') {
      const results = (event as NightlyReportEvent).results;
      const report = summarize(
        event as NightlyReportEvent,
        await recordedFailures(resolved.registry, results),
      );
      const expiredLogGroups = resolved.logs
        ? await deleteExpiredLogGroups(resolved.logs, (resolved.clock ?? systemClock).now())
        : [];
      const paused = (report as { paused?: readonly { env: string }[] }).paused ?? [];
      const savings = await savingsOf(resolved, [
        ...report.tornDown.map((t) => ({ env: t.env, action: 'down' })),
        ...paused.map((p) => ({ env: p.env, action: 'pause' })),
      ]);
      const notification = await deliver(
        { poster: resolved.poster ?? fetchPoster },
        typeof resolved.webhookUrl === 'function' ? await resolved.webhookUrl() : resolved.webhookUrl,
        formatNightlyReport(report, savings),
      );
      return { ...report, notification, expiredLogGroups, ...(savings === undefined ? {} : { savings }) };
    }
    throw new ValidationError('action', "must be 'list' or 'report'");
  };
}

/**
 * The DynamoDB registry (`BERTH_TABLE_NAME`), the webhook (`BERTH_NOTIFY_WEBHOOK_SECRET_ARN`, or
 * `BERTH_NOTIFY_WEBHOOK_URL` locally), and the access policy
 * (`BERTH_POLICY_FILE` / `BERTH_POLICY_PARAMETER`, as the API reads it).
 */
export function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): NightlyDeps {
  const config = loadHandlerConfig('nightly', env);
  let logs: AwsLogsAdapter | undefined;
  return {
    registry: awsRegistryPort(config),
    logs: {
      listLogGroups: (prefix) => {
        logs ??= new AwsLogsAdapter(logsClient());
        return logs.listLogGroups(prefix);
      },
      deleteLogGroup: (name) => {
        logs ??= new AwsLogsAdapter(logsClient());
        return logs.deleteLogGroup(name);
      },
    },
    poster: fetchPoster,
    policy: policyFromConfig(config),
    webhookUrl: webhookFromConfig(config),
    ...(config.nightHours === undefined ? {} : { nightHours: config.nightHours }),
    pricing: lazyPricing(config, functionRegion(env)),
  };
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(() => defaultDeps());
