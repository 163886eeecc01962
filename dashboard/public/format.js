// Pure formatting helpers of the dashboard (also unit-tested from test/dashboard/public/format.test.ts).

/** 1h 02m, 45s, 3d 4h. */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  const hr = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${hr}h`;
  if (hr > 0) return `${hr}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** `in 7h 59m`, `expired 3m 02s ago`, with `(kept)` for kept environments. */
export function expiryText(expiresAt, keep, now = Date.now()) {
  if (!expiresAt) return keep ? 'kept' : '—';
  const left = Date.parse(expiresAt) - now;
  const text = left >= 0 ? `in ${duration(left)}` : `expired ${duration(-left)} ago`;
  return keep ? `${text} (kept)` : text;
}

/**
 * Estimated cost per hour, when the API provides one: `cost` as a number, as core's estimate
 * (`{ hourlyUsd, sinceCreatedUsd, lines }`, functions/core/cost.ts) or as `{ perHour, currency }`.
 */
export function costText(env) {
  const c = env.cost;
  const value =
    typeof c === 'number'
      ? c
      : (c?.hourlyUsd ?? c?.perHour ?? c?.hourly ?? env.costPerHour ?? env.estimatedCostPerHour);
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  const currency = c?.currency ?? 'USD';
  return `${currency === 'USD' ? '$' : `${currency} `}${value < 1 ? value.toFixed(3) : value.toFixed(2)}/h`;
}

/**
 * Collapses consecutive repeats of a step into one entry with a count, the first and last time, and
 * the last status and detail: the verify loop's polls (`VerifyUp` every few seconds) whatever their
 * status, other steps when they repeat with the same status.
 */
export function collapseSteps(steps) {
  const out = [];
  for (const step of steps) {
    const last = out.at(-1);
    if (last && last.step === step.step && (/^Verify/.test(step.step) || last.status === step.status)) {
      last.count += 1;
      last.status = step.status;
      last.lastAt = step.at;
      last.detail = step.detail;
    } else out.push({ ...step, count: 1, firstAt: step.at, lastAt: step.at });
  }
  return out;
}

/**
 * The steps of one operation seen so far: the API lists the execution's finished Task states only
 * while it runs, so a page that watched it keeps them once it has finished. Union, in time order.
 */
export function mergeSteps(known, fresh) {
  const key = (s) => `${s.at}|${s.step}|${s.status}`;
  const seen = new Map();
  for (const s of [...known, ...fresh]) if (!seen.has(key(s))) seen.set(key(s), s);
  return [...seen.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
