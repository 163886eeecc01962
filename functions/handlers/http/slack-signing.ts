import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  SLACK_MAX_SKEW_SECONDS,
  type SlackSignatureResult,
  verifySlackSignature,
} from '../../core/slack-signature.ts';
import type { SlackDeps } from '../slack.ts';
import { UnauthorizedError } from './http-errors.ts';
import { header, rawBodyBytes } from './request.ts';

/** Least time between two re-reads of the signing secret on signature mismatches. */
const SECRET_REFRESH_INTERVAL_MS = 30_000;

/** Checks a signed Slack request (see {@link signatureVerifier}). */
export type SignatureVerifier = (
  d: Pick<SlackDeps, 'secrets'>,
  request: { timestamp: string; signature: string; rawBody: Buffer; nowMs: number },
) => Promise<SlackSignatureResult>;

/**
 * Verifies Slack's signature with the (cached) signing secret; on a mismatch it re-reads the secret once — a
 * rotation — at most every {@link SECRET_REFRESH_INTERVAL_MS} (shared by the commands and the buttons of one
 * function), and checks again.
 */
export function signatureVerifier(): SignatureVerifier {
  let lastRefreshMs = Number.NEGATIVE_INFINITY;
  return async (d, { timestamp, signature, rawBody, nowMs }) => {
    const nowSeconds = Math.floor(nowMs / 1000);
    const signingSecret = await d.secrets.getSlackSigningSecret();
    const verify = (secret: string) =>
      verifySlackSignature({ signingSecret: secret, timestamp, rawBody, signature, nowSeconds });
    const verdict = verify(signingSecret);
    if (
      verdict.ok ||
      verdict.reason !== 'mismatch' ||
      d.secrets.refreshSlackSigningSecret === undefined ||
      nowMs - lastRefreshMs < SECRET_REFRESH_INTERVAL_MS
    )
      return verdict;
    lastRefreshMs = nowMs;
    const fresh = await d.secrets.refreshSlackSigningSecret();
    return fresh === signingSecret ? verdict : verify(fresh);
  };
}

/** Remembers a request key; false when it was already seen (see `ReplayCache` in slack.ts). */
export interface ReplayMemory {
  remember(key: string, nowSeconds: number): boolean;
}

/**
 * Authenticates a request from Slack, the same way for commands and buttons: the signature headers are present,
 * the signature matches within the allowed clock skew (through `verify`, which re-reads a rotated secret), and
 * the (timestamp, signature) pair was not seen before — unless Slack says it is a retry. Throws
 * `UnauthorizedError` otherwise; returns the raw body it checked and the request's timestamp.
 */
export async function authenticateSlackRequest(
  event: APIGatewayProxyEvent,
  d: Pick<SlackDeps, 'secrets'>,
  verify: SignatureVerifier,
  replays: ReplayMemory,
  nowMs: number,
): Promise<{ rawBody: Buffer; timestamp: string }> {
  const bytes = rawBodyBytes(event);
  const timestamp = header(event, 'x-slack-request-timestamp');
  const signature = header(event, 'x-slack-signature');
  if (timestamp === undefined || signature === undefined) {
    throw new UnauthorizedError('missing Slack signature headers');
  }
  const verdict = await verify(d, { timestamp, signature, rawBody: bytes, nowMs });
  if (!verdict.ok) {
    throw new UnauthorizedError(
      verdict.reason === 'stale'
        ? `stale Slack request: timestamp is more than ${SLACK_MAX_SKEW_SECONDS} s from now`
        : 'invalid Slack signature',
    );
  }
  const isRetry = header(event, 'x-slack-retry-num') !== undefined;
  if (!replays.remember(`${timestamp}:${signature}`, Math.floor(nowMs / 1000)) && !isRetry) {
    throw new UnauthorizedError('replayed Slack request');
  }
  return { rawBody: bytes, timestamp };
}
