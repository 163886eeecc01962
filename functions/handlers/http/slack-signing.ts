import { type SlackSignatureResult, verifySlackSignature } from '../../core/slack-signature.ts';
import type { SlackDeps } from '../slack.ts';

/** Least time between two re-reads of the signing secret on signature mismatches. */
export const SECRET_REFRESH_INTERVAL_MS = 30_000;

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
