import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects (and so do we) requests whose timestamp is more than 5 minutes off. */
export const SLACK_MAX_SKEW_SECONDS = 300;

/** Inputs of {@link verifySlackSignature}; headers may be missing. */
export interface SlackSignatureInput {
  readonly signingSecret: string;
  /** `X-Slack-Request-Timestamp` (epoch seconds, as sent). */
  readonly timestamp: string | undefined;
  /** The raw request body, byte for byte (decode API Gateway's base64 first). */
  readonly rawBody: string | Uint8Array;
  /** `X-Slack-Signature`: `v0=<hex>`. */
  readonly signature: string | undefined;
  /** The current time in epoch seconds. */
  readonly nowSeconds: number;
}

export type SlackSignatureResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{rawBody}`. */
export function slackSignature(
  signingSecret: string,
  timestamp: string,
  rawBody: string | Uint8Array,
): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/**
 * Verifies a Slack request signature: missing headers/secret → `missing`; a timestamp more
 * than 300 s from `nowSeconds` (or not a number) → `stale`; otherwise the signature is
 * compared in constant time → `mismatch` or ok.
 *
 * @example verifySlackSignature({ signingSecret, timestamp, rawBody, signature, nowSeconds }).ok
 */
export function verifySlackSignature(input: SlackSignatureInput): SlackSignatureResult {
  const { signingSecret, timestamp, rawBody, signature, nowSeconds } = input;
  if (!signingSecret || !timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > SLACK_MAX_SKEW_SECONDS) {
    return { ok: false, reason: 'stale' };
  }
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length) {
    // Compare anyway so the time taken does not depend on where the lengths differ.
    timingSafeEqual(expected, expected);
    return { ok: false, reason: 'mismatch' };
  }
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
