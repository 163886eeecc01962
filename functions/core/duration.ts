import { ValidationError } from './errors.ts';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
type Unit = keyof typeof UNIT_SECONDS;

const DURATION = /^(?:\d+[smhdw])+$/;
const PART = /(\d+)([smhdw])/g;

/**
 * Parses a duration such as `30m`, `8h`, `2d` or `1d12h` into seconds.
 * Units: `s`, `m`, `h`, `d`, `w`. Whitespace around the text is ignored.
 *
 * @param text the duration text
 * @param field the field named in the error (default `duration`)
 * @throws ValidationError when the text is not a positive duration
 * @example parseDuration('8h') // 28800
 */
export function parseDuration(text: string, field = 'duration'): number {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!DURATION.test(trimmed)) {
    throw new ValidationError(field, `must be a duration like 30m, 8h or 2d (got ${JSON.stringify(text)})`);
  }
  let seconds = 0;
  for (const match of trimmed.matchAll(PART)) {
    seconds += Number(match[1]) * UNIT_SECONDS[match[2] as Unit];
  }
  if (seconds <= 0 || !Number.isSafeInteger(seconds)) {
    throw new ValidationError(field, `must be a positive duration (got ${JSON.stringify(text)})`);
  }
  return seconds;
}

/**
 * Formats seconds as the shortest exact duration text (`86400` → `1d`, `5400` → `1h30m`).
 *
 * @example formatDuration(5400) // '1h30m'
 */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) return '0s';
  let rest = seconds;
  let text = '';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_SECONDS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}

/**
 * The ISO expiry time `ttl` after `now`.
 *
 * @example expiresAt(new Date('2026-01-01T00:00:00Z'), '8h') // '2026-01-01T08:00:00.000Z'
 */
export function expiresAt(now: Date, ttl: string): string {
  return new Date(now.getTime() + parseDuration(ttl, 'ttl') * 1000).toISOString();
}
