import { randomUUID } from 'node:crypto';
import type { ScheduleView } from '../functions/core/schedules.ts';
import { CliError, ExitCode, exitCodeForStatus } from './exit-codes.ts';
import { type CredentialProvider, isLoopback, regionOf, signRequest } from './sign.ts';

/** An environment's sleep/wake schedule as the API shows it (one declaration, in core). */
export type { ScheduleView } from '../functions/core/schedules.ts';

/** Default API of the local platform (`npm start`). */
export const DEFAULT_API_URL = 'http://127.0.0.1:4568';

/**
 * What API Gateway answers (403, this body, no `error`) for a method or path a REST API does not define, and for
 * an unsigned request to an IAM-authorized one; the Berth handlers never see such a request.
 */
const MISSING_AUTHENTICATION_TOKEN = 'Missing Authentication Token';

/** An error answer of the Berth API (`request`: what was asked, to explain an answer from API Gateway itself). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    request?: { readonly method: string; readonly url: string },
  ) {
    const fromGateway =
      status === 403 && body['error'] === undefined && body['message'] === MISSING_AUTHENTICATION_TOKEN;
    const message =
      fromGateway && request !== undefined
        ? `the API has no ${request.method} ${new URL(request.url).pathname} (API Gateway answered 403 "${MISSING_AUTHENTICATION_TOKEN}", its answer for a method or path it does not define, or for an unsigned request): check the API URL, and whether the deployed Berth is older than this CLI`
        : typeof body['message'] === 'string'
          ? body['message']
          : typeof body['requestId'] === 'string'
            ? `HTTP ${status} (request ${body['requestId']})`
            : `HTTP ${status}`;
    super(exitCodeForStatus(status), `${String(body['error'] ?? 'Error')}: ${message}`, body);
  }
}

export interface ApiClientOptions {
  readonly baseUrl: string;
  /** Credentials for SigV4 (used only when the URL is not loopback). */
  readonly credentials?: CredentialProvider;
  readonly region?: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** The JSON shapes the CLI reads (see docs/openapi.yaml). */
export interface Accepted {
  readonly operationId: string;
  readonly executionArn: string;
  readonly env: string;
  readonly operation: string;
  readonly statusUrl: string;
}

interface OperationStepView {
  readonly step: string;
  readonly status: string;
  readonly at: string;
  readonly detail?: string;
}

export interface OperationView {
  readonly operationId: string;
  readonly operation: string;
  readonly status: string;
  readonly requestedBy: string | null;
  /** Through which entry point (api, slack, cli-local, nightly, schedule, wake, idle); null on older records. */
  readonly entry?: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly steps: readonly OperationStepView[];
  readonly error: unknown;
}

export interface EnvironmentSummary {
  readonly name: string;
  readonly status: string;
  readonly url: string | null;
  readonly owner: string | null;
  readonly expiresAt: string | null;
  readonly keep: boolean;
  readonly currentOperation: { operationId: string; operation: string; step?: string } | null;
  /** Estimated cost (docs/cost.md); null until the environment was first seen running. */
  readonly cost?: CostView | null;
  /** The spec's sleep/wake schedule with the next times (null without one). */
  readonly schedule?: ScheduleView | null;
}

/** `cost` of an environment in the API. */
export interface CostView {
  readonly hourlyUsd: number | null;
  readonly sinceCreatedUsd: number | null;
  readonly lines?: readonly { readonly item: string; readonly hourlyUsd: number }[];
  /** One-off costs in `sinceCreatedUsd` (the operations' state transitions). */
  readonly oneOff?: readonly { readonly item: string; readonly usd: number }[];
  readonly pricesAsOf?: string;
  readonly reason?: string;
}

/** The answer of `PATCH /environments/{name}` with `schedule`. */
export interface ScheduleChange {
  readonly name: string;
  readonly status: string;
  readonly schedule: ScheduleView | null;
  readonly steps: readonly { action: string; resource: string; reason: string }[];
  readonly dryRun?: boolean;
}

export interface EnvironmentView extends EnvironmentSummary {
  readonly spec: unknown;
  readonly lastFailure: {
    operation?: string;
    step?: string;
    error?: string;
    reason?: string;
    at?: string;
  } | null;
  readonly operations: readonly OperationView[];
}

/** One workload log line (`GET /environments/{name}/logs`). */
export interface LogLineView {
  /** ISO time the container wrote it. */
  readonly timestamp: string;
  readonly taskId: string;
  readonly stream: string;
  readonly message: string;
  readonly eventId?: string;
}

/** A page of `GET /environments/{name}/logs`. */
export interface LogsPage {
  readonly env: string;
  readonly group: string;
  readonly lines: readonly LogLineView[];
  readonly nextToken: string | null;
}

/**
 * A small client of the Berth HTTP API. Requests to a non-loopback URL are SigV4-signed for
 * `execute-api`; network failures become `CliError(Unreachable)`, error answers `ApiError`.
 *
 * @example const api = createApiClient({ baseUrl: 'http://127.0.0.1:4568' }); await api.list();
 */
export function createApiClient(options: ApiClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const sign = !isLoopback(base);

  const request = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const url = `${base}${path}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    let sent: Record<string, string> = {
      accept: 'application/json',
      ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    };
    if (sign) {
      if (options.credentials === undefined) {
        throw new CliError(ExitCode.Unreachable, `no AWS credentials to sign requests to ${base}`);
      }
      let credentials: Awaited<ReturnType<CredentialProvider>>;
      try {
        credentials = await options.credentials();
      } catch (error) {
        throw new CliError(ExitCode.Unreachable, `cannot load AWS credentials: ${(error as Error).message}`);
      }
      sent = await signRequest(
        { method, url, headers: sent, ...(text === undefined ? {} : { body: text }) },
        { credentials, region: regionOf(base, options.region) },
      );
    }
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: sent,
        ...(text === undefined ? {} : { body: text }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new CliError(
        ExitCode.Unreachable,
        `cannot reach the Berth API at ${base}: ${(error as Error).message}`,
      );
    }
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = raw === '' ? {} : JSON.parse(raw);
    } catch {
      parsed = { error: 'InvalidResponse', message: raw.slice(0, 200) };
    }
    if (!response.ok)
      throw new ApiError(response.status, (parsed ?? {}) as Record<string, unknown>, { method, url });
    return parsed as T;
  };

  const idempotent = (requestId: string | undefined) => ({ 'idempotency-key': requestId ?? randomUUID() });
  const env = (name: string) => `/environments/${encodeURIComponent(name)}`;

  return {
    baseUrl: base,
    create: (spec: unknown, requestId?: string) =>
      request<Accepted>('POST', '/environments', spec, idempotent(requestId)),
    async list(status?: string): Promise<EnvironmentSummary[]> {
      const all: EnvironmentSummary[] = [];
      let token: string | null = null;
      do {
        const q = new URLSearchParams();
        if (status !== undefined) q.set('status', status);
        if (token !== null) q.set('nextToken', token);
        const qs = q.toString();
        const page: { environments: EnvironmentSummary[]; nextToken: string | null } = await request(
          'GET',
          `/environments${qs === '' ? '' : `?${qs}`}`,
        );
        all.push(...page.environments);
        token = page.nextToken;
      } while (token !== null);
      return all;
    },
    describe: (name: string) => request<EnvironmentView>('GET', env(name)),
    /** One page of the operation history, newest first (`GET /environments/{name}/operations`). */
    operations: (name: string, query: { limit?: number; nextToken?: string } = {}) => {
      const q = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (value !== undefined) q.set(key, String(value));
      const qs = q.toString();
      return request<{ env: string; operations: OperationView[]; nextToken: string | null }>(
        'GET',
        `${env(name)}/operations${qs === '' ? '' : `?${qs}`}`,
      );
    },
    down: (name: string, requestId?: string) =>
      request<Accepted>('DELETE', env(name), undefined, idempotent(requestId)),
    scale: (name: string, desiredCount: number, requestId?: string) =>
      request<Accepted>('POST', `${env(name)}/scale`, { desiredCount }, idempotent(requestId)),
    pause: (name: string, requestId?: string) =>
      request<Accepted>('POST', `${env(name)}/pause`, {}, idempotent(requestId)),
    resume: (name: string, requestId?: string) =>
      request<Accepted>('POST', `${env(name)}/resume`, {}, idempotent(requestId)),
    redeploy: (name: string, image: string | undefined, requestId?: string) =>
      request<Accepted>(
        'POST',
        `${env(name)}/redeploy`,
        image === undefined ? {} : { image },
        idempotent(requestId),
      ),
    /** Changes the spec's idleAfter (`PATCH /environments/{name}`; null turns idle sleep off). */
    update: (name: string, body: { idleAfter: string | null }) =>
      request<{ name: string; idleAfter: string | null; updatedAt: string }>('PATCH', env(name), body),
    /**
     * Changes the spec's sleep/wake schedule in any settled state (`PATCH /environments/{name}` with `schedule`;
     * null removes it; `dryRun` plans it).
     */
    updateSchedule: (name: string, body: { schedule: unknown; dryRun?: boolean }) =>
      request<ScheduleChange>('PATCH', env(name), body),
    extend: (name: string, body: { hours: number } | { ttl: string }, requestId?: string) =>
      request<Accepted>('POST', `${env(name)}/extend`, body, idempotent(requestId)),
    logs: (
      name: string,
      query: { since?: string; task?: string; filter?: string; nextToken?: string; limit?: number },
    ) => {
      const q = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (value !== undefined) q.set(key, String(value));
      const qs = q.toString();
      return request<LogsPage>('GET', `${env(name)}/logs${qs === '' ? '' : `?${qs}`}`);
    },
    plan: (
      name: string,
      body: { operation: string; spec?: unknown; desiredCount?: number; image?: string },
    ) => request<{ operation: string; env: string; steps: unknown[] }>('POST', `${env(name)}/plan`, body),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
