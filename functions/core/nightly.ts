/** What the nightly job does with an environment (the spec's `nightly`; absent: `destroy`). */
export type NightlyPolicy = 'destroy' | 'pause' | 'keep';

/** What the nightly teardown needs of a registry record. */
export interface NightlyRecord {
  readonly name: string;
  readonly keep: boolean;
  /** ISO time. */
  readonly expiresAt: string;
  readonly status: string;
  /** The spec's `nightly` policy; absent: `destroy`. */
  readonly nightly?: NightlyPolicy;
}

/** The nightly decision for one environment, with its reason for the report. */
export type NightlyDecision =
  | { action: 'teardown'; reason: string }
  | { action: 'pause'; reason: string }
  | { action: 'skip'; reason: string };

/**
 * Decides what the nightly job does with environment `record` (DESIGN: every environment that is
 * expired or not kept is taken down, or paused per its `nightly` policy). Never touches a kept
 * environment (`keep` flag or `nightly: keep`); skips environments already deleted or being torn down
 * (or rolled back). `nightly: pause` pauses a ready (or failed) environment instead of destroying it, until
 * it expires: an expired one is torn down, whatever its policy; one already paused is skipped.
 *
 * @example decideNightly({ name: 'demo', keep: true, expiresAt: '2026-01-01T00:00:00Z', status: 'ready' }, now)
 * // { action: 'skip', reason: 'kept (keep=true)' }
 * @example decideNightly({ name: 'demo', keep: false, expiresAt: tomorrow, status: 'ready', nightly: 'pause' }, now)
 * // { action: 'pause', reason: 'nightly: pause (expires at …)' }
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
  if (record.nightly === 'keep') {
    return {
      action: 'skip',
      reason: expired
        ? `kept (nightly: keep) although expired at ${record.expiresAt}`
        : 'kept (nightly: keep)',
    };
  }
  if (expired) return { action: 'teardown', reason: `expired at ${record.expiresAt}` };
  if (record.nightly === 'pause' && Number.isFinite(expiry)) {
    if (record.status === 'paused') return { action: 'skip', reason: 'already paused (nightly: pause)' };
    if (record.status === 'pausing') return { action: 'skip', reason: 'pause already in progress' };
    return { action: 'pause', reason: `nightly: pause (expires at ${record.expiresAt})` };
  }
  if (!Number.isFinite(expiry)) return { action: 'teardown', reason: 'not kept (no valid expiry)' };
  return { action: 'teardown', reason: `not kept (would expire at ${record.expiresAt})` };
}
