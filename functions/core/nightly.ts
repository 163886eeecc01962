/** What the nightly teardown needs of a registry record. */
export interface NightlyRecord {
  readonly name: string;
  readonly keep: boolean;
  /** ISO time. */
  readonly expiresAt: string;
  readonly status: string;
}

/** The nightly decision for one environment, with its reason for the report. */
export type NightlyDecision = { action: 'teardown'; reason: string } | { action: 'skip'; reason: string };

/**
 * Decides whether the nightly teardown takes environment `record` down (DESIGN: every
 * environment that is expired or not kept). Never tears down a kept environment; skips
 * environments already deleted or being torn down (or rolled back).
 *
 * @example decideNightly({ name: 'demo', keep: true, expiresAt: '2026-01-01T00:00:00Z', status: 'ready' }, now)
 * // { action: 'skip', reason: 'kept (keep=true)' }
 */
export function decideNightly(record: NightlyRecord, now: Date): NightlyDecision {
  if (record.status === 'deleted') return { action: 'skip', reason: 'already deleted' };
  if (record.status === 'tearing-down') return { action: 'skip', reason: 'teardown already in progress' };
  if (record.status === 'rolling-back')
    return { action: 'skip', reason: 'rollback (teardown) already in progress' };
  const expiry = Date.parse(record.expiresAt);
  const expired = Number.isFinite(expiry) && expiry <= now.getTime();
  if (record.keep) {
    return {
      action: 'skip',
      reason: expired ? `kept (keep=true) although expired at ${record.expiresAt}` : 'kept (keep=true)',
    };
  }
  if (expired) return { action: 'teardown', reason: `expired at ${record.expiresAt}` };
  if (!Number.isFinite(expiry)) return { action: 'teardown', reason: 'not kept (no valid expiry)' };
  return { action: 'teardown', reason: `not kept (would expire at ${record.expiresAt})` };
}
