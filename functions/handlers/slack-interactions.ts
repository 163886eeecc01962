import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { type AccessAction, type Caller, ownerOf } from '../core/access-policy.ts';
import { isBerthError, ValidationError } from '../core/errors.ts';
import { OPERATIONS } from '../core/operation.ts';
import { responseUrlAllowed, SLACK_RESPONSE_URL_ORIGINS } from '../core/response-url.ts';
import {
  EXTEND_BUTTON_HOURS,
  interactionRequestId,
  parseSlackInteraction,
  type SlackButtonAction,
  type SlackInteraction,
} from '../core/slack-interaction.ts';
import { developmentPolicySource, enforce } from './http/access.ts';
import { UnauthorizedError } from './http/http-errors.ts';
import { fetchPoster, type HttpPoster } from './http/http-poster.ts';
import { type Clock, type LifecycleInput, systemClock } from './http/ports.ts';
import { type ErrorLogger, errorResponse, jsonResponse } from './http/response.ts';
import { authenticateSlackRequest, type SignatureVerifier, signatureVerifier } from './http/slack-signing.ts';
import { startDeps, startOperation } from './http/start-operation.ts';
import type { ReplayCache, SlackDeps } from './slack.ts';
import { ephemeralReply, progressMessage } from './slack-messages.ts';

/** What the interactions route needs besides the slash command's dependencies. */
export interface InteractionDeps extends SlackDeps {
  /** Posts to a click's `response_url` (default: `fetch`). */
  readonly poster?: HttpPoster;
}

/** Slack answers `response_url` posts within seconds; the click must be acknowledged within 3 s. */
const POST_TIMEOUT_MS = 2000;

/** The request path of Slack's interactivity Request URL. */
const INTERACTIONS_PATH = '/slack/interactions';

/** Whether an API Gateway event is for {@link INTERACTIONS_PATH}. */
export const isInteractionsRequest = (event: APIGatewayProxyEvent): boolean =>
  (event.path ?? '').replace(/\/+$/, '').endsWith(INTERACTIONS_PATH) || event.resource === INTERACTIONS_PATH;

/** The lifecycle input a button starts (`keep` is an `extend` that sets the keep flag). */
function inputFor(
  action: SlackButtonAction,
  base: Pick<LifecycleInput, 'env' | 'requestId' | 'requestedBy' | 'entry' | 'responseUrl' | 'slackMessage'>,
): LifecycleInput | undefined {
  switch (action) {
    case 'extend':
      return { ...base, operation: 'extend', hours: EXTEND_BUTTON_HOURS };
    case 'keep':
      return { ...base, operation: 'extend', keep: true };
    case 'redeploy':
      return { ...base, operation: 'redeploy' };
    case 'down':
      return { ...base, operation: 'down' };
    case 'pause':
    case 'resume':
      // Offered only once the lifecycle has the operation (the `pause` work adds it).
      return (OPERATIONS as readonly string[]).includes(action)
        ? ({ ...base, operation: action } as unknown as LifecycleInput)
        : undefined;
    default: {
      const never: never = action;
      return never;
    }
  }
}

/**
 * Builds the `POST /slack/interactions` handler: verifies Slack's signature over the raw body exactly as the slash
 * command does (a stale timestamp or a bad signature answers 401 and does nothing; an identical request seen again
 * in the window answers 401 `replayed`), reads the click from the `payload` field, authorizes the clicker (team,
 * user, channel from the signed payload) with the same policy as the commands, starts the operation idempotently (the
 * request id derives from the click: the same click delivered twice starts one operation) and turns the message into
 * its progress (`replace_original` through `response_url`); the lifecycle's notify step replaces it with the result.
 * Refusals and errors are ephemeral replies to the clicker. Slack gets an empty 200 within its 3 s.
 *
 * @example const handle = makeInteractionsHandler(() => deps, replays); await handle(event)
 */
export function makeInteractionsHandler(
  getDeps: () => InteractionDeps,
  getReplays: () => ReplayCache,
  verifySignature: SignatureVerifier = signatureVerifier(),
) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const gatewayRequestId = event.requestContext?.requestId ?? 'unknown';
    let logger: ErrorLogger = consoleLogger;
    try {
      const d = getDeps();
      logger = d.logger ?? consoleLogger;
      const clock: Clock = d.clock ?? systemClock;
      const nowMs = clock.now().getTime();
      // The same authentication as the commands: a rotated signing secret is re-read once (rate-limited).
      const { rawBody: bytes } = await authenticateSlackRequest(
        event,
        d,
        verifySignature,
        getReplays(),
        nowMs,
      );

      const interaction = parseSlackInteraction(new URLSearchParams(bytes.toString('utf8')).get('payload'));
      // Berth posts to the click's response_url: only Slack's own (configured) origins, as for the commands.
      const origins = d.responseUrlOrigins ?? SLACK_RESPONSE_URL_ORIGINS;
      if (interaction.responseUrl !== undefined && !responseUrlAllowed(interaction.responseUrl, origins)) {
        throw new ValidationError('payload.response_url', `must be a URL on ${origins.join(', ')}`);
      }
      const reply = async (message: unknown): Promise<void> => {
        if (interaction.responseUrl === undefined) return;
        try {
          const { status } = await (d.poster ?? fetchPoster).postJson(interaction.responseUrl, message, {
            timeoutMs: POST_TIMEOUT_MS,
          });
          if (status < 200 || status >= 300)
            logger.error('slack response_url refused the message', { status });
        } catch (error) {
          logger.error('slack response_url post failed', { error: String(error) });
        }
      };
      await act(d, clock, interaction, reply);
      return { statusCode: 200, headers: {}, body: '' };
    } catch (error) {
      if (error instanceof UnauthorizedError) return errorResponse(error, gatewayRequestId, logger);
      if (error instanceof Error && ['PayloadTooLargeError', 'ValidationError'].includes(error.name)) {
        return errorResponse(error, gatewayRequestId, logger);
      }
      logger.error('slack interaction failed', {
        requestId: gatewayRequestId,
        error:
          error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error,
      });
      return jsonResponse(500, { error: 'InternalError', requestId: gatewayRequestId });
    }
  };
}

/** Authorizes and starts what the click asks for; every outcome is told through `reply`. */
async function act(
  d: InteractionDeps,
  clock: Clock,
  interaction: SlackInteraction,
  reply: (message: unknown) => Promise<void>,
): Promise<void> {
  const { env, action } = interaction;
  if (interaction.teamId === '' || interaction.userId === '') {
    await reply(ephemeralReply('Berth cannot tell who is asking: the click names no Slack team or user.'));
    return;
  }
  // The caller is who Slack's signed payload names, never anything a button carries.
  const caller: Caller = {
    entry: 'slack',
    teamId: interaction.teamId,
    userId: interaction.userId,
    ...(interaction.channelId ? { channelId: interaction.channelId } : {}),
  };
  const current = await d.registry.getEnvironment(env);
  const envOwner = current === undefined || current.status === 'deleted' ? undefined : current.owner;
  try {
    await enforce(
      d.policy ?? developmentPolicySource,
      { caller, action: action as AccessAction, env, ...(envOwner === undefined ? {} : { envOwner }) },
      d.denialLogger,
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'AccessDeniedError') {
      await reply(ephemeralReply(`Not allowed: ${error.message}`));
      return;
    }
    throw error;
  }
  const requestedBy = ownerOf(caller);
  const input = inputFor(action, {
    env,
    requestId: interactionRequestId(interaction),
    requestedBy,
    entry: 'slack' as const,
    ...(interaction.responseUrl
      ? { responseUrl: interaction.responseUrl, slackMessage: 'replace' as const }
      : {}),
  });
  if (input === undefined) {
    await reply(ephemeralReply(`Cannot ${action} \`${env}\`: this Berth has no ${action} operation.`));
    return;
  }
  try {
    const started = await startOperation(startDeps(d, clock), input, 'requestId');
    // The same click seen again (Slack's retry, a replay signed anew): the message already shows its operation.
    if (!started.replayed) await reply(progressMessage(action, env, started.operationId, requestedBy));
  } catch (error) {
    if (
      isBerthError(error) &&
      ['NotFoundError', 'OperationInProgressError', 'ValidationError'].includes(error.name)
    ) {
      await reply(ephemeralReply(`Cannot ${action} \`${env}\`: ${error.message}`));
      return;
    }
    throw error;
  }
}

const consoleLogger: ErrorLogger = {
  error: (message, details) => console.error(JSON.stringify({ level: 'ERROR', message, ...details })),
};
