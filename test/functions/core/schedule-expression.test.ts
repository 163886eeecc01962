import { describe, expect, it } from 'vitest';
import { validateEnvSpec } from '../../../functions/core/env-spec.ts';
import {
  type CronExpression,
  instantOf,
  isTimeZone,
  nextOccurrence,
  parseCronExpression,
} from '../../../functions/core/schedule-expression.ts';

const cron = (text: string): CronExpression => {
  const parsed = parseCronExpression(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.reason}`);
  return parsed.cron;
};
const next = (text: string, zone: string, after: string): string | undefined => {
  const at = nextOccurrence(cron(text), zone, Date.parse(after));
  return at === undefined ? undefined : new Date(at).toISOString();
};

describe('parseCronExpression', () => {
  it.each([
    'cron(0 20 ? * MON-FRI *)',
    'cron(0 8 ? * MON-FRI *)',
    'cron(0/15 * * * ? *)',
    'cron(5,35 14 * * ? *)',
    'cron(0 18 ? * 2-6 2026-2030)',
    'cron(15 10 L * ? *)',
    'cron(0 9 15W * ? *)',
    'cron(0 9 ? * 6L *)',
    'cron(0 9 ? * 3#2 *)',
    'cron(0 9 ? * L *)',
    'cron(0 12 1 JAN,jul ? *)',
  ])('accepts %s', (text) => {
    expect(parseCronExpression(text).ok).toBe(true);
  });

  it.each([
    ['0 20 ? * MON-FRI *', 'must be written cron('],
    ['cron(0 20 ? * MON-FRI)', 'has 5 fields'],
    ['cron(0 20 * * MON-FRI *)', 'one of them must be ?'],
    ['cron(0 20 ? * ? *)', 'one of them must be ?'],
    ['cron(60 20 ? * MON *)', 'minutes value 60 is outside 0-59'],
    ['cron(0 24 ? * MON *)', 'hours value 24 is outside 0-23'],
    ['cron(0 8 ? * 0 *)', 'day-of-week value 0 is outside 1-7'],
    ['cron(0 8 ? * MON#6 *)', 'the occurrence after # is 1-5'],
    ['cron(0 8 ? * FRI-MON *)', 'goes backwards'],
    ['cron(0 8 1 * ? 2200)', 'year value 2200 is outside 1970-2199'],
    ['cron(0 8 1 FOO ? *)', "month value 'FOO' is not a number"],
    ['cron(0/0 8 1 * ? *)', "increment '0' is not a positive number"],
  ])('rejects %s (%s)', (text, reason) => {
    const parsed = parseCronExpression(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });

  it('reads month and day names in any case and steps from a start', () => {
    const c = cron('cron(10/20 1-3 ? jan-Mar sun,SAT *)');
    expect(c.minutes).toEqual([10, 30, 50]);
    expect(c.hours).toEqual([1, 2, 3]);
    expect([...c.months]).toEqual([1, 2, 3]);
    expect(c.dayOfWeek).toEqual({ kind: 'days', days: new Set([1, 7]) });
  });
});

describe('isTimeZone', () => {
  it.each(['UTC', 'Asia/Seoul', 'America/New_York', 'Europe/Paris', 'America/Argentina/Buenos_Aires'])(
    'accepts %s',
    (zone) => expect(isTimeZone(zone)).toBe(true),
  );
  it.each(['Mars/Olympus', '', 'Asia/Seoul ', '+09:00', 'Europe/../Paris'])('rejects %j', (zone) =>
    expect(isTimeZone(zone)).toBe(false),
  );
});

describe('nextOccurrence', () => {
  it('evaluates in the time zone: 08:00 on weekdays in Seoul after a Friday evening is Monday 08:00 KST', () => {
    // 2026-11-27 is a Friday; 23:00Z is Saturday 08:00 in Seoul, which is not a weekday.
    expect(next('cron(0 8 ? * MON-FRI *)', 'Asia/Seoul', '2026-11-27T23:00:00Z')).toBe(
      '2026-11-29T23:00:00.000Z',
    );
  });

  it('fires strictly after the given instant', () => {
    expect(next('cron(0 20 ? * * *)', 'UTC', '2026-11-30T20:00:00Z')).toBe('2026-12-01T20:00:00.000Z');
    expect(next('cron(0 20 ? * * *)', 'UTC', '2026-11-30T19:59:59Z')).toBe('2026-11-30T20:00:00.000Z');
  });

  it('skips a local time that does not exist when clocks go forward', () => {
    // New York springs forward on 2026-03-08 at 02:00 → 03:00: 02:30 does not exist that day.
    expect(next('cron(30 2 * * ? *)', 'America/New_York', '2026-03-07T12:00:00Z')).toBe(
      '2026-03-09T06:30:00.000Z',
    );
  });

  it('runs an ambiguous local time once when clocks go back', () => {
    // New York falls back on 2026-11-01 at 02:00 → 01:00: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    const first = next('cron(30 1 * * ? *)', 'America/New_York', '2026-11-01T04:00:00Z');
    expect(first).toBe('2026-11-01T05:30:00.000Z');
    expect(next('cron(30 1 * * ? *)', 'America/New_York', first as string)).toBe('2026-11-02T06:30:00.000Z');
  });

  it('keeps the wall-clock hour across a daylight saving change', () => {
    expect(next('cron(0 20 ? * * *)', 'Europe/Paris', '2026-10-24T12:00:00Z')).toBe(
      '2026-10-24T18:00:00.000Z',
    );
    expect(next('cron(0 20 ? * * *)', 'Europe/Paris', '2026-10-25T12:00:00Z')).toBe(
      '2026-10-25T19:00:00.000Z',
    );
  });

  it('finds the last day, the nearest weekday, the last Friday and the second Tuesday of a month', () => {
    expect(next('cron(0 0 L * ? *)', 'UTC', '2028-02-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    // 2026-08-15 is a Saturday: the nearest weekday is Friday the 14th.
    expect(next('cron(0 9 15W * ? *)', 'UTC', '2026-08-01T00:00:00Z')).toBe('2026-08-14T09:00:00.000Z');
    // 2026-11-01 is a Sunday: 1W is Monday the 2nd (it does not leave the month).
    expect(next('cron(0 9 1W * ? *)', 'UTC', '2026-10-31T00:00:00Z')).toBe('2026-11-02T09:00:00.000Z');
    expect(next('cron(0 9 ? * 6L *)', 'UTC', '2026-12-01T00:00:00Z')).toBe('2026-12-25T09:00:00.000Z');
    expect(next('cron(0 9 ? * TUE#2 *)', 'UTC', '2026-12-01T00:00:00Z')).toBe('2026-12-08T09:00:00.000Z');
  });

  it('reaches the next leap day and stops after the last year', () => {
    expect(next('cron(0 0 29 2 ? *)', 'UTC', '2097-03-01T00:00:00Z')).toBe('2104-02-29T00:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2026)', 'UTC', '2026-06-01T00:00:00Z')).toBeUndefined();
  });
});

describe('instantOf', () => {
  it('is undefined for a wall time in a spring-forward gap and the earlier instant in a fall-back overlap', () => {
    expect(instantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Paris')).toBeUndefined();
    expect(
      new Date(
        instantOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Paris') ?? 0,
      ).toISOString(),
    ).toBe('2026-10-25T00:30:00.000Z');
  });
});

describe('the spec field schedule', () => {
  const base = { name: 'demo', image: 'nginx:1.27', owner: 'ana' };

  it('takes sleep and wake with a time zone, UTC by default', () => {
    const result = validateEnvSpec({ ...base, schedule: { sleep: 'cron(0 20 ? * MON-FRI *)' } });
    expect(result.ok && result.spec.schedule).toEqual({ sleep: 'cron(0 20 ? * MON-FRI *)', timezone: 'UTC' });
  });

  it('names the field and the rule of a bad expression', () => {
    const result = validateEnvSpec({
      ...base,
      schedule: { wake: 'cron(0 8 * * MON-FRI *)', timezone: 'UTC' },
    });
    expect(result.ok ? [] : result.issues).toEqual([
      {
        field: 'schedule.wake',
        rule: "must be an EventBridge Scheduler cron expression, cron(minutes hours day-of-month month day-of-week year); 'cron(0 8 * * MON-FRI *)' gives both day-of-month and day-of-week (or neither): one of them must be ?",
      },
    ]);
  });

  it('rejects an unknown time zone, an empty schedule and unknown keys', () => {
    const issues = (input: unknown) => {
      const result = validateEnvSpec({ ...base, schedule: input });
      return result.ok ? [] : result.issues.map((i) => i.field);
    };
    expect(issues({ sleep: 'cron(0 20 ? * * *)', timezone: 'Mars/Olympus' })).toEqual(['schedule.timezone']);
    expect(issues({ timezone: 'UTC' })).toEqual(['schedule']);
    expect(issues({ sleep: 'cron(0 20 ? * * *)', at: 'x' })).toEqual(['schedule.at']);
  });
});
