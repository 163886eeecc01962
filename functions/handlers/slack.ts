import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { secretsClient } from '../adapters/aws/clients.ts';
import { AwsSecretsAdapter } from '../adapters/secrets.ts';
import { type AccessRequest, type Caller, ownerOf } from '../core/access-policy.ts';
import { isBerthError, ValidationError } from '../core/errors.ts';
import { logGroupName, logsConsoleUrl } from '../core/logs.ts';
import {
  parseResponseUrlOrigins,
  responseUrlAllowed,
  SLACK_RESPONSE_URL_ORIGINS,
} from '../core/response-url.ts';
import { isWildcardHost } from '../core/shared-route.ts';
import { parseSlackCommand, type SlackCommand } from '../core/slack-command.ts';
import { SLACK_MAX_SKEW_SECONDS } from '../core/slack-signature.ts';
import { loadHandlerConfig } from './config.ts';
import {
  type DenialLogger,
  developmentPolicySource,
  enforce,
  type PolicySource,
  policyFromConfig,
} from './http/access.ts';
import { awsEntryPorts } from './http/aws-deps.ts';
import { UnauthorizedError } from './http/http-errors.ts';
import type { HttpPoster } from './http/http-poster.ts';
import {
  type Clock,
  type EnvironmentRecord,
  type ExecutionsPort,
  type LifecycleInput,
  type RegistryPort,
  systemClock,
} from './http/ports.ts';
import { type ErrorLogger, errorResponse, jsonResponse } from './http/response.ts';
import { authenticateSlackRequest, signatureVerifier } from './http/slack-signing.ts';
import { startDeps, startOperation } from './http/start-operation.ts';
import { costOfRecord, functionRegion, lazyPricing, type PricingSource } from './pricing.ts';
import { isInteractionsRequest, makeInteractionsHandler } from './slack-interactions.ts';
import { statusBlocks } from './slack-messages.ts';

/** Provides Slack's signing secret (Secrets Manager in AWS; the local runtime injects its own). */
interface SecretPort {
  getSlackSigningSecret(): Promise<string>;
  /**
   * Reads the secret again past any cache (after a rotation). Called at most once per signature mismatch and
   * at most every {@link SECRET_REFRESH_INTERVAL_MS}, so forged requests cannot hammer Secrets Manager.
   */
  refreshSlackSigningSecret?(): Promise<string>;
}

export interface SlackDeps {
  readonly registry: RegistryPort;
  readonly executions: ExecutionsPort;
  readonly secrets: SecretPort;
  readonly clock?: Clock;
  readonly logger?: ErrorLogger;
  /** Replay cache size (entries); default 1000. */
  readonly replayCacheSize?: number;
  /** `BERTH_LOCK_TTL_SECONDS`: how long a `currentOperation` without a lock item counts as running. */
  readonly lockTtlSeconds?: number;
  /** The access policy applied to every command but `help` (default: the development policy — tests only). */
  readonly policy?: PolicySource;
  /** Where refusals are logged (default: a structured line on stderr). */
  readonly denialLogger?: DenialLogger;
  /** Prices for `status`'s cost (default: `BERTH_PRICES_FILE` or the shipped table). */
  readonly pricing?: PricingSource;
  /** The link to an environment's logs in `status` (none when absent). */
  readonly logsUrl?: (env: string) => string;
  /** Posts to an interaction's `response_url` (default: `fetch`). */
  readonly poster?: HttpPoster;
  /**
   * Origins a `response_url` may point to (`BERTH_SLACK_RESPONSE_URL_ORIGINS`; default Slack's hooks host over
   * HTTPS). A command with another `response_url` is refused and starts nothing.
   */
  readonly responseUrlOrigins?: readonly string[];
}

/** Slack rejects requests whose timestamp is further than this from now (seconds). */
const SLACK_MAX_AGE_SECONDS = SLACK_MAX_SKEW_SECONDS;

/** The help text of `/berth help` (and of unknown commands). */
export const SLACK_HELP = [
  '*Berth* — ephemeral ECS environments',
  '`/berth up <env>` — re-run up with the stored spec',
  '`/berth down <env>` — tear the environment down',
  '`/berth pause <env>` — sleep: scale to zero, keep the load balancer and URL',
  '`/berth resume <env>` — wake a paused environment (restores its counts)',
  '`/berth redeploy <env> [image]` — deploy a new image (or re-pull the current one)',
  '`/berth extend <env> <hours>` — push the expiry forward',
  '`/berth status <env>` — status, URL, expiry, current step, last failure',
  '`/berth help` — this message',
].join('\n');

/**
 * Remembers (timestamp, signature) pairs for the signature window so an identical request
 * cannot be replayed. The cache lives in one Lambda container: a replay that reaches another
 * container is not caught here (the deterministic request id still prevents a second start).
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly maxEntries = 1000) {}

  /** Records the key; returns false when it was already seen and has not expired. */
  remember(key: string, nowSeconds: number): boolean {
    for (const [k, expires] of this.seen) {
      if (expires > nowSeconds) break;
      this.seen.delete(k);
    }
    const expires = this.seen.get(key);
    if (expires !== undefined && expires > nowSeconds) return false;
    this.seen.set(key, nowSeconds + SLACK_MAX_AGE_SECONDS * 2);
    while (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
    return true;
  }
}

const ephemeral = (text: string, blocks?: readonly unknown[]): APIGatewayProxyResult =>
  jsonResponse(200, { response_type: 'ephemeral', text, ...(blocks === undefined ? {} : { blocks }) });

/**
 * The deterministic request id of a slash command, so a Slack retry maps to the same operation.
 * Slack's `trigger_id` is unique per invocation and survives a retry even if the retry is signed
 * with a fresh timestamp, so it alone is hashed when present; otherwise the timestamp and the
 * raw body are.
 *
 * @example slackRequestId('1700000000', '123.456.abc', body) // 'slack-t-3f…' (24 hex digits)
 */
export const slackRequestId = (timestamp: string, triggerId: string | undefined, body: string): string => {
  const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);
  if (triggerId !== undefined && triggerId.length > 0) return `slack-t-${hash(triggerId)}`;
  return `slack-${timestamp.replace(/\D/g, '').slice(0, 12)}-${hash(`${timestamp}:${body}`)}`;
};

const code = (text: string): string => `\`${text}\``;

const statusText = (record: EnvironmentRecord): string =>
  `${record.name}: ${record.status}${record.url ? ` — ${record.url}` : ''}`;

const VERB_DONE: Record<string, string> = {
  up: 'Bringing up',
  down: 'Tearing down',
  redeploy: 'Redeploying',
  extend: 'Extending',
  pause: 'Pausing',
  resume: 'Resuming',
};

/** Authorizes a Slack command; a refusal (logged by `enforce`) becomes the ephemeral reply's text. */
async function refusal(d: SlackDeps, request: AccessRequest): Promise<string | undefined> {
  try {
    await enforce(d.policy ?? developmentPolicySource, request, d.denialLogger);
    return undefined;
  } catch (error) {
    if (error instanceof Error && error.name === 'AccessDeniedError') return `Not allowed: ${error.message}`;
    throw error;
  }
}

/**
 * Builds the `POST /slack/commands` handler: verifies Slack's signature over the raw body,
 * starts the operation (idempotently) and acknowledges at once; the state machine's notify
 * step reports progress and the result through `response_url`.
 *
 * @example
 * const handler = makeHandler({ registry, executions, secrets });
 */
export function makeHandler(deps: SlackDeps | (() => SlackDeps)) {
  let resolved: SlackDeps | undefined;
  let replays: ReplayCache | undefined;
  const verifySignature = signatureVerifier();
  const getDeps = (): SlackDeps => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    replays ??= new ReplayCache(resolved.replayCacheSize);
    return resolved;
  };

  const interactions = makeInteractionsHandler(
    getDeps,
    () => {
      getDeps();
      return replays as ReplayCache;
    },
    verifySignature,
  );

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    // Slack's interactivity Request URL (buttons) is served by the same function: same secret, same policy.
    if (isInteractionsRequest(event)) return interactions(event);
    const gatewayRequestId = event.requestContext?.requestId ?? 'unknown';
    let logger: ErrorLogger = consoleLogger;
    try {
      const d = getDeps();
      logger = d.logger ?? consoleLogger;
      const clock = d.clock ?? systemClock;
      const nowMs = clock.now().getTime();
      // A rotated secret no longer matches the cached one: the verifier re-reads it once (rate-limited).
      const { rawBody, timestamp } = await authenticateSlackRequest(
        event,
        d,
        verifySignature,
        replays as ReplayCache,
        nowMs,
      );
      const body = rawBody.toString('utf8');

      const form = new URLSearchParams(body);
      const text = form.get('text') ?? '';
      let command: SlackCommand;
      try {
        command = parseSlackCommand(text);
      } catch (error) {
        if (error instanceof ValidationError) {
          return ephemeral(
            error.field === 'verb'
              ? `Unknown command ${JSON.stringify(text.trim().split(/\s+/)[0])}.\n\n${SLACK_HELP}`
              : error.message,
          );
        }
        throw error;
      }
      if (command.verb === 'help') return ephemeral(SLACK_HELP);

      // The caller is who Slack's signed request names (team, user, channel), never anything in `text`.
      const teamId = form.get('team_id') ?? '';
      const userId = form.get('user_id') ?? '';
      const channelId = form.get('channel_id') ?? '';
      if (teamId === '' || userId === '') {
        return ephemeral('Berth cannot tell who is asking: the request names no Slack team or user.');
      }
      const caller: Caller = { entry: 'slack', teamId, userId, ...(channelId ? { channelId } : {}) };
      const env = command.env;
      const current = await d.registry.getEnvironment(env);
      const envOwner = current === undefined || current.status === 'deleted' ? undefined : current.owner;
      // `up` re-runs the stored spec: its image is checked like a new one.
      const storedImage = (current?.spec as { image?: unknown } | undefined)?.image;
      const image =
        command.verb === 'redeploy'
          ? command.image
          : command.verb === 'up' && typeof storedImage === 'string'
            ? storedImage
            : undefined;
      // …and a wildcard host it claims on the shared ALB is admin-only, as through the API.
      const storedLb = (current?.spec as { loadBalancer?: { mode?: unknown; host?: unknown } } | undefined)
        ?.loadBalancer;
      const wildcardHost =
        command.verb === 'up' &&
        storedLb?.mode === 'shared' &&
        typeof storedLb.host === 'string' &&
        isWildcardHost(storedLb.host)
          ? storedLb.host
          : undefined;
      const denied = await refusal(d, {
        caller,
        action: command.verb,
        env,
        ...(envOwner === undefined ? {} : { envOwner }),
        ...(image === undefined ? {} : { image }),
        ...(wildcardHost === undefined ? {} : { wildcardHost }),
      });
      if (denied !== undefined) return ephemeral(denied);

      if (command.verb === 'status') {
        const record = current;
        if (record === undefined) return ephemeral(`No environment named ${code(env)}.`);
        const operations = await d.registry.listOperations(env, 1);
        return ephemeral(
          statusText(record),
          statusBlocks(record, operations, {
            cost: costOfRecord(record, d.pricing, clock.now()),
            ...(d.logsUrl === undefined ? {} : { logsUrl: d.logsUrl(env) }),
          }),
        );
      }

      const requestedBy = ownerOf(caller);
      const responseUrl = form.get('response_url') ?? undefined;
      const origins = d.responseUrlOrigins ?? SLACK_RESPONSE_URL_ORIGINS;
      if (responseUrl && !responseUrlAllowed(responseUrl, origins)) {
        return ephemeral(
          `Berth only answers through Slack's response URLs (${origins.join(', ')}): this request's response_url is not one, so nothing was started.`,
        );
      }
      const requestId = slackRequestId(timestamp, form.get('trigger_id') ?? undefined, body);
      let input: LifecycleInput;
      const base = {
        env,
        requestId,
        requestedBy,
        entry: 'slack' as const,
        ...(responseUrl ? { responseUrl } : {}),
      };
      if (command.verb === 'up') {
        const record = current;
        if (record?.spec === undefined) {
          return ephemeral(
            `No environment named ${code(env)} with a stored spec. Create it with \`berth up\` or the API first.`,
          );
        }
        input = { ...base, operation: 'up', spec: record.spec };
      } else if (command.verb === 'down') {
        input = { ...base, operation: 'down' };
      } else if (command.verb === 'redeploy') {
        input = { ...base, operation: 'redeploy', ...(command.image ? { image: command.image } : {}) };
      } else if (command.verb === 'pause' || command.verb === 'resume') {
        input = { ...base, operation: command.verb };
      } else if (command.verb === 'extend') {
        input = { ...base, operation: 'extend', hours: command.hours };
      } else {
        return ephemeral(SLACK_HELP);
      }
      try {
        const started = await startOperation(
          // Read above to authorize: not read again.
          { ...startDeps(d, clock), environment: { record: current } },
          input,
          'requestId',
        );
        const what = VERB_DONE[input.operation] ?? input.operation;
        return ephemeral(
          `${what} ${code(env)}${input.operation === 'extend' ? ` by ${input.hours} h` : ''} — operation ${code(started.operationId)}. I'll post progress here.`,
        );
      } catch (error) {
        if (
          isBerthError(error) &&
          ['NotFoundError', 'OperationInProgressError', 'ValidationError', 'InvalidStateError'].includes(
            error.name,
          )
        ) {
          return ephemeral(`Cannot ${input.operation} ${code(env)}: ${error.message}`);
        }
        throw error;
      }
    } catch (error) {
      if (error instanceof UnauthorizedError) return errorResponse(error, gatewayRequestId, logger);
      if (error instanceof Error && error.name === 'PayloadTooLargeError') {
        return errorResponse(error, gatewayRequestId, logger);
      }
      logger.error('slack command failed', {
        requestId: gatewayRequestId,
        error:
          error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error,
      });
      return ephemeral(
        `Berth could not handle this command (request ${gatewayRequestId}). Please try again.`,
      );
    }
  };
}

const consoleLogger: ErrorLogger = {
  error: (message, details) => console.error(JSON.stringify({ level: 'ERROR', message, ...details })),
};

/**
 * Reads a signing secret stored either as the plain secret or as JSON `{ "signingSecret": … }`.
 */
const signingSecretOf = (secretString: string): string => {
  const trimmed = secretString.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      const value = parsed['signingSecret'] ?? parsed['SLACK_SIGNING_SECRET'];
      if (typeof value === 'string' && value.length > 0) return value;
    } catch {
      // not JSON: use as is
    }
  }
  return trimmed;
};

/**
 * The real adapters: registry, Step Functions and the signing secret from Secrets Manager
 * (`BERTH_SLACK_SECRET_ARN`). `overrides` lets the local runtime inject its own secret provider.
 */
export function defaultDeps(
  overrides: Partial<SlackDeps> = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): SlackDeps {
  const config = loadHandlerConfig('slack', env);
  const ports = awsEntryPorts(config);
  const region = functionRegion(env);
  let secrets: AwsSecretsAdapter | undefined;
  return {
    registry: ports.registry,
    executions: ports.executions,
    get lockTtlSeconds() {
      return ports.lockTtlSeconds();
    },
    policy: policyFromConfig(config),
    logsUrl: logsLink(config.apiUrl, region),
    responseUrlOrigins: parseResponseUrlOrigins(config.slackResponseUrlOrigins),
    secrets: {
      async getSlackSigningSecret() {
        secrets ??= new AwsSecretsAdapter(secretsClient());
        return signingSecretOf(await secrets.getSecretString(config.slackSecretArn));
      },
      async refreshSlackSigningSecret() {
        secrets ??= new AwsSecretsAdapter(secretsClient());
        return signingSecretOf(await secrets.getSecretString(config.slackSecretArn, { fresh: true }));
      },
    },
    pricing: lazyPricing(config, region),
    ...overrides,
  };
}

/**
 * Where `status` links an environment's logs: the local API's `GET /environments/{name}/logs` when `BERTH_API_URL`
 * names it (the local platform), else the CloudWatch console page of its log group `/berth/<env>` in `region`.
 *
 * @example logsLink(undefined, 'eu-west-1')('demo') // 'https://eu-west-1.console…#logsV2:log-groups/log-group/$252Fberth$252Fdemo'
 */
const logsLink =
  (apiUrl: string | undefined, region: string) =>
  (name: string): string => {
    if (apiUrl) return `${apiUrl.replace(/\/+$/, '')}/environments/${encodeURIComponent(name)}/logs`;
    return logsConsoleUrl(region, logGroupName(name));
  };

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(() => defaultDeps());
