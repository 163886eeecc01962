/** One environment's outcome in the nightly Map (its `down` child execution). */
export interface NightlyRunResult {
  readonly env: string;
  /** The lifecycle operation the nightly run started: `down` (absent in older runs) or `pause`. */
  readonly operation?: string;
  readonly status?: string;
  readonly executionArn?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** What a nightly run did: torn down, skipped and why, failed and why. */
export interface NightlyReport {
  readonly tornDown: readonly { readonly env: string; readonly executionArn?: string }[];
  /** Paused instead of torn down (their `nightly: pause` policy); present when any was. */
  readonly paused?: readonly { readonly env: string; readonly executionArn?: string }[];
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

/** Why an environment's last operation failed, as the registry records it (`lastFailure`). */
export interface RecordedFailure {
  readonly operation?: string | undefined;
  readonly step?: string | undefined;
  readonly error?: string | undefined;
  readonly reason?: string | undefined;
}

/**
 * Splits the nightly Map's results into torn down, paused (when any) and failed (with the error and its cause). The Map keeps
 * only a failed environment's error name (its results must fit Step Functions' 256 KiB state); the reason
 * then comes from `failures`, the registry's `lastFailure` of that environment's `down`.
 *
 * @example summarizeNightly([{ env: 'a', status: 'Succeeded' }], []) // { tornDown: [{ env: 'a' }], skipped: [], failed: [] }
 * @example summarizeNightly([{ env: 'b', status: 'Failed', error: 'States.TaskFailed' }], [], new Map([['b', { operation: 'down', step: 'teardown-cluster', error: 'TransientAwsError', reason: 'boom' }]]))
 * // { …, failed: [{ env: 'b', error: 'States.TaskFailed: teardown-cluster: TransientAwsError: boom' }] }
 */
export function summarizeNightly(
  results: readonly NightlyRunResult[] | undefined,
  skipped: readonly { readonly env: string; readonly reason: string }[] | undefined,
  failures?: ReadonlyMap<string, RecordedFailure>,
): NightlyReport {
  const tornDown: { env: string; executionArn?: string }[] = [];
  const paused: { env: string; executionArn?: string }[] = [];
  const failed: { env: string; error: string }[] = [];
  for (const result of results ?? []) {
    if (result.status === 'Succeeded' && result.error === undefined) {
      (result.operation === 'pause' ? paused : tornDown).push({
        env: result.env,
        ...(result.executionArn ? { executionArn: result.executionArn } : {}),
      });
    } else {
      const recorded = failures?.get(result.env);
      const reason =
        causeText(result.cause) ??
        (recorded?.operation === 'down' && recorded.reason
          ? [recorded.step, recorded.error, recorded.reason].filter(Boolean).join(': ')
          : undefined);
      const name = result.error ?? result.status ?? 'Failed';
      failed.push({ env: result.env, error: reason ? `${name}: ${reason}` : name });
    }
  }
  return {
    tornDown,
    ...(paused.length > 0 ? { paused } : {}),
    skipped: [...(skipped ?? [])],
    failed,
  };
}
