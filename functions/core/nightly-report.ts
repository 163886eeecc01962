/** One environment's outcome in the nightly Map (its `down` child execution). */
export interface NightlyRunResult {
  readonly env: string;
  readonly status?: string;
  readonly executionArn?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** What a nightly run did: torn down, skipped and why, failed and why. */
export interface NightlyReport {
  readonly tornDown: readonly { readonly env: string; readonly executionArn?: string }[];
  readonly skipped: readonly { readonly env: string; readonly reason: string }[];
  readonly failed: readonly { readonly env: string; readonly error: string }[];
}

/**
 * The human part of a Step Functions error cause: a Lambda cause is JSON with `errorMessage`;
 * anything else is already text.
 *
 * @example causeText('{"errorType":"X","errorMessage":"boom"}') // 'boom'
 */
export const causeText = (cause: string | undefined): string | undefined => {
  if (cause === undefined || cause === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const message = (parsed as Record<string, unknown>)['errorMessage'];
      if (typeof message === 'string') return message;
    }
  } catch {
    // plain text
  }
  return cause;
};

/**
 * Splits the nightly Map's results into torn down and failed (with the error and its cause).
 *
 * @example summarizeNightly([{ env: 'a', status: 'Succeeded' }], []) // { tornDown: [{ env: 'a' }], skipped: [], failed: [] }
 */
export function summarizeNightly(
  results: readonly NightlyRunResult[] | undefined,
  skipped: readonly { readonly env: string; readonly reason: string }[] | undefined,
): NightlyReport {
  const tornDown: { env: string; executionArn?: string }[] = [];
  const failed: { env: string; error: string }[] = [];
  for (const result of results ?? []) {
    if (result.status === 'Succeeded' && result.error === undefined) {
      tornDown.push({
        env: result.env,
        ...(result.executionArn ? { executionArn: result.executionArn } : {}),
      });
    } else {
      const reason = causeText(result.cause);
      const name = result.error ?? result.status ?? 'Failed';
      failed.push({ env: result.env, error: reason ? `${name}: ${reason}` : name });
    }
  }
  return { tornDown, skipped: [...(skipped ?? [])], failed };
}
