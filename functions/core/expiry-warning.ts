/**
 * Expiry warnings (docs/slack.md): a scheduled check warns, `warnHours` before an environment expires, once per
 * expiry — extending moves the expiry, so the next one is warned again.
 */

/** Default of `BERTH_EXPIRY_WARNING_HOURS`. */
export const DEFAULT_EXPIRY_WARNING_HOURS = 2;

/** What the check needs of an environment record. */
export interface ExpiryCandidate {
  readonly name: string;
  readonly status: string;
  readonly keep?: boolean;
  readonly expiresAt?: string;
  /** The expiry already warned about (the registry's `expiryWarning.expiresAt`). */
  readonly expiryWarning?: { readonly expiresAt: string; readonly at?: string };
}

export interface DueWarning {
  readonly env: string;
  readonly expiresAt: string;
  readonly hoursLeft: number;
}

/** Statuses whose environment the nightly job would tear down once expired (a deleted one has nothing left). */
const WARNED_STATUSES: ReadonlySet<string> = new Set(['ready', 'paused', 'failed']);

/**
 * The environments to warn now: not kept, not deleted or busy, expiring within `warnHours` (and not expired yet), and
 * not warned about this same expiry before. Sorted by expiry, soonest first.
 *
 * @example dueWarnings([{ name: 'demo', status: 'ready', expiresAt: '2026-01-01T13:00:00Z' }], new Date('2026-01-01T12:00:00Z'), 2)
 * // [{ env: 'demo', expiresAt: '2026-01-01T13:00:00Z', hoursLeft: 1 }]
 */
export function dueWarnings(records: readonly ExpiryCandidate[], now: Date, warnHours: number): DueWarning[] {
  const out: DueWarning[] = [];
  for (const record of records) {
    if (record.keep === true || !WARNED_STATUSES.has(record.status) || record.expiresAt === undefined)
      continue;
    const expires = Date.parse(record.expiresAt);
    if (Number.isNaN(expires)) continue;
    const hoursLeft = (expires - now.getTime()) / 3_600_000;
    if (hoursLeft <= 0 || hoursLeft > warnHours) continue;
    if (record.expiryWarning?.expiresAt === record.expiresAt) continue;
    out.push({ env: record.name, expiresAt: record.expiresAt, hoursLeft: Math.round(hoursLeft * 100) / 100 });
  }
  return out.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
}

/** The Slack mention of an owner that is a Slack user (`slack:<team>/<user>` → `<@user>`), else the owner as is. */
export function ownerMention(owner: string | undefined): string | undefined {
  if (owner === undefined) return undefined;
  const m = /^slack:[A-Z0-9]+\/([A-Z0-9]+)$/.exec(owner);
  return m ? `<@${m[1]}>` : owner;
}
