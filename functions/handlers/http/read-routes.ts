import { NotFoundError, ValidationError } from '../../core/errors.ts';
import {
  causeText,
  type NightlyRunResult,
  type RecordedFailure,
  summarizeNightly,
} from '../../core/nightly-report.ts';
import type { RouteHandler } from './api-deps.ts';
import { authorized } from './authorize.ts';
import { operationView, resourcesOf, runningProgress, summary, withProgress } from './environment-views.ts';
import { nameParam } from './operation-request.ts';
import { ENVIRONMENT_STATUSES, type OperationRecord } from './ports.ts';
import { decodeOperationToken, decodeToken, encodeToken, rejectUnknownQuery } from './query.ts';
import { jsonResponse } from './response.ts';
import type { RouteName } from './routes.ts';
import { assertInteger } from './validate.ts';

/** Largest page of `GET /environments`. */
const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 50;
/** Operations shown by `GET /environments/{name}`. */
const RECENT_OPERATIONS = 10;
/** Default and largest page of `GET /environments/{name}/operations`. */
const DEFAULT_HISTORY_PAGE = 20;
const MAX_HISTORY_PAGE = 100;
/** The history route reads at most this many operations of one environment (newest first). */
const MAX_HISTORY = 1000;

/** The routes that read: the environments, one environment, its operation history, the last nightly run. */
export const readRoutes = {
  async listEnvironments(ctx) {
    const q = rejectUnknownQuery(ctx.event, ['status', 'limit', 'nextToken']);
    let status: string | undefined;
    if (q['status'] !== undefined) {
      if (!(ENVIRONMENT_STATUSES as readonly string[]).includes(q['status'])) {
        throw new ValidationError('query.status', `must be one of ${ENVIRONMENT_STATUSES.join(', ')}`);
      }
      status = q['status'];
    }
    let limit = DEFAULT_PAGE_SIZE;
    if (q['limit'] !== undefined) {
      const parsed = /^\d{1,3}$/.test(q['limit']) ? Number(q['limit']) : Number.NaN;
      limit = assertInteger(parsed, 'query.limit', 1, MAX_PAGE_SIZE);
    }
    const after = q['nextToken'] === undefined ? undefined : decodeToken(q['nextToken']);
    await authorized(ctx, 'ls');
    const page = await ctx.deps.registry.listEnvironments({});
    const items = page.items
      .filter((r) => (status === undefined ? r.status !== 'deleted' : r.status === status))
      .filter((r) => after === undefined || r.name > after)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const shown = items.slice(0, limit);
    const last = shown.at(-1);
    return jsonResponse(200, {
      environments: shown.map((record) => summary(ctx, record)),
      nextToken: items.length > limit && last !== undefined ? encodeToken(last.name) : null,
    });
  },

  async describeEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const record = await authorized(ctx, 'status', name);
    if (record === undefined) throw new NotFoundError(`environment "${name}" does not exist`);
    const operations = await ctx.deps.registry.listOperations(name, RECENT_OPERATIONS);
    const running = record.currentOperation?.operationId;
    const progress = await runningProgress(ctx, record.currentOperation?.executionArn);
    return jsonResponse(200, {
      ...summary(ctx, record),
      spec: record.spec ?? null,
      createdAt: record.createdAt ?? null,
      updatedAt: record.updatedAt ?? null,
      lastFailure: record.lastFailure ?? null,
      paused: record.paused ?? null,
      resources: resourcesOf(record),
      operations: operations
        .slice(0, RECENT_OPERATIONS)
        .map((op) => withProgress(operationView(op), op.operationId === running ? progress : [])),
    });
  },

  async environmentOperations(ctx) {
    const name = nameParam(ctx);
    const q = rejectUnknownQuery(ctx.event, ['limit', 'nextToken']);
    let limit = DEFAULT_HISTORY_PAGE;
    if (q['limit'] !== undefined) {
      const parsed = /^\d{1,3}$/.test(q['limit']) ? Number(q['limit']) : Number.NaN;
      limit = assertInteger(parsed, 'query.limit', 1, MAX_HISTORY_PAGE);
    }
    const after = q['nextToken'] === undefined ? undefined : decodeOperationToken(q['nextToken']);
    // Authorized like status; a deleted environment's history stays readable.
    const record = await authorized(ctx, 'history', name);
    if (record === undefined) throw new NotFoundError(`environment "${name}" does not exist`);
    const all = await ctx.deps.registry.listOperations(name, MAX_HISTORY);
    // Newest first, by (startedAt, operationId) — the registry's sort key order.
    const key = (op: OperationRecord) => `${op.startedAt}#${op.operationId}`;
    const ordered = [...all].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
    const rest = after === undefined ? ordered : ordered.filter((op) => key(op) < after);
    const shown = rest.slice(0, limit);
    const last = shown.at(-1);
    return jsonResponse(200, {
      env: name,
      operations: shown.map(operationView),
      nextToken: rest.length > limit && last !== undefined ? encodeToken(key(last)) : null,
    });
  },

  async lastNightlyReport(ctx) {
    rejectUnknownQuery(ctx.event, []);
    await authorized(ctx, 'ls');
    const run = await ctx.deps.executions.lastNightly?.();
    if (run === undefined) throw new NotFoundError('no nightly teardown has run yet');
    const output = (run.output ?? {}) as {
      dryRun?: unknown;
      candidates?: unknown;
      skipped?: unknown;
      results?: unknown;
    };
    const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
    const finished = run.status === 'SUCCEEDED';
    // The nightly Map keeps a failed environment's error name only; its reason is the registry's lastFailure
    // (looked up for the first 50 failures: a page of the report, not a scan per request).
    const failures = new Map<string, RecordedFailure>();
    if (finished) {
      const unexplained = list<NightlyRunResult>(output.results)
        .filter((r) => r.status !== 'Succeeded' && r.cause === undefined)
        .slice(0, 50);
      for (const result of unexplained) {
        const failure = (await ctx.deps.registry.getEnvironment(result.env))?.lastFailure;
        if (failure) failures.set(result.env, failure);
      }
    }
    return jsonResponse(200, {
      executionArn: run.executionArn,
      status: run.status,
      startedAt: run.startedAt,
      finishedAt: run.stoppedAt ?? null,
      dryRun: output.dryRun === true,
      candidates: list<{ env: string; reason?: string }>(output.candidates),
      ...(finished
        ? summarizeNightly(
            list<NightlyRunResult>(output.results),
            list<{ env: string; reason: string }>(output.skipped),
            failures,
          )
        : { tornDown: [], skipped: [], failed: [] }),
      error: run.error === undefined ? null : `${run.error}${run.cause ? `: ${causeText(run.cause)}` : ''}`,
    });
  },
} satisfies Partial<Record<RouteName, RouteHandler>>;
