/**
 * Limits every entry point (API, Slack, CLI, the state machine's handlers) applies: one definition each.
 */

/** Most tasks one environment may run (`scale`, `desiredCount` of a spec). */
export const MAX_DESIRED_COUNT = 100;

/** Most hours one `extend` may push an environment's expiry (30 days). */
export const MAX_EXTEND_HOURS = 720;

/**
 * How long an operation lock (and a `currentOperation` without a lock item) counts as held, in seconds,
 * unless `BERTH_LOCK_TTL_SECONDS` says otherwise: longer than any lifecycle execution's own timeout.
 */
export const DEFAULT_LOCK_TTL_SECONDS = 7200;
