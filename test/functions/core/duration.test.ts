import { describe, expect, it } from 'vitest';
import { expiresAt, formatDuration, parseDuration } from '../../../functions/core/duration.ts';
import { ValidationError } from '../../../functions/core/errors.ts';

describe('parseDuration', () => {
  it.each([
    ['30m', 1800],
    ['8h', 28_800],
    ['2d', 172_800],
    ['1w', 604_800],
    ['90s', 90],
    ['1d12h', 129_600],
    [' 15m ', 900],
  ])('parses %j as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '24', 'h', '1.5h', '-1h', '1y', '1 h', '0m'])('rejects %j naming the field', (text) => {
    let error: unknown;
    try {
      parseDuration(text, 'ttl');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('ttl');
    expect((error as ValidationError).message).toMatch(/^ttl: must be a (positive )?duration/);
  });

  it('quotes the bad text in the message', () => {
    expect(() => parseDuration('soon')).toThrow(
      'duration: must be a duration like 30m, 8h or 2d (got "soon")',
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [86_400, '1d'],
    [5400, '1h30m'],
    [129_601, '1d12h1s'],
    [0, '0s'],
  ])('formats %i seconds as %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('expiresAt', () => {
  it('adds the ttl to now', () => {
    expect(expiresAt(new Date('2026-01-01T00:00:00Z'), '8h')).toBe('2026-01-01T08:00:00.000Z');
  });
});
