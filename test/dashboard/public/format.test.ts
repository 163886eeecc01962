import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript served to the browser as is, without type declarations
import * as format from '../../../dashboard/public/format.js';

interface Step {
  step: string;
  status: string;
  at: string;
  detail?: string;
}
const { collapseSteps, costText, duration, expiryText, mergeSteps } = format as {
  collapseSteps(steps: Step[]): Array<Step & { count: number; firstAt: string; lastAt: string }>;
  costText(env: Record<string, unknown>): string;
  duration(ms: number): string;
  expiryText(expiresAt: string | null, keep: boolean, now?: number): string;
  mergeSteps(known: Step[], fresh: Step[]): Step[];
};

const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 20, 0, s)).toISOString();

describe('collapseSteps', () => {
  it('collapses the verify polls into one entry with their count and last status', () => {
    const steps = [
      { step: 'CreateService', status: 'ok', at: at(0) },
      ...Array.from({ length: 13 }, (_, i) => ({ step: 'VerifyUp', status: 'ok', at: at(1 + i) })),
      { step: 'VerifyUp', status: 'failed', at: at(20), detail: 'probe 502' },
      { step: 'RecordReady', status: 'ok', at: at(21) },
    ];
    expect(collapseSteps(steps)).toEqual([
      { step: 'CreateService', status: 'ok', at: at(0), count: 1, firstAt: at(0), lastAt: at(0) },
      {
        step: 'VerifyUp',
        status: 'failed',
        at: at(1),
        count: 14,
        firstAt: at(1),
        lastAt: at(20),
        detail: 'probe 502',
      },
      { step: 'RecordReady', status: 'ok', at: at(21), count: 1, firstAt: at(21), lastAt: at(21) },
    ]);
  });

  it('keeps a repeated recorded step apart when its status changes', () => {
    const steps = [
      { step: 'up', status: 'creating', at: at(0) },
      { step: 'up', status: 'ready', at: at(9) },
    ];
    expect(collapseSteps(steps).map((s) => `${s.step}:${s.status}×${s.count}`)).toEqual([
      'up:creating×1',
      'up:ready×1',
    ]);
  });
});

describe('mergeSteps', () => {
  it('keeps the steps seen while running once the API lists only the recorded ones', () => {
    const running = [
      { step: 'up', status: 'creating', at: at(0) },
      { step: 'CreateNetwork', status: 'ok', at: at(1) },
    ];
    const finished = [
      { step: 'up', status: 'creating', at: at(0) },
      { step: 'up', status: 'ready', at: at(5) },
    ];
    expect(mergeSteps(running, finished)).toEqual([
      { step: 'up', status: 'creating', at: at(0) },
      { step: 'CreateNetwork', status: 'ok', at: at(1) },
      { step: 'up', status: 'ready', at: at(5) },
    ]);
  });
});

describe('duration, expiryText and costText', () => {
  it('formats durations', () => {
    expect([45_000, 125_000, 3_723_000, 3 * 86_400_000 + 4 * 3_600_000].map(duration)).toEqual([
      '45s',
      '2m 05s',
      '1h 02m',
      '3d 4h',
    ]);
  });

  it('counts down to the expiry and says when it has passed', () => {
    const now = Date.parse(at(0));
    expect(expiryText(new Date(now + 8 * 3_600_000).toISOString(), false, now)).toBe('in 8h 00m');
    expect(expiryText(new Date(now - 90_000).toISOString(), false, now)).toBe('expired 1m 30s ago');
    expect(expiryText(new Date(now + 60_000).toISOString(), true, now)).toBe('in 1m 00s (kept)');
    expect(expiryText(null, false, now)).toBe('—');
  });

  it('shows a cost per hour only when the API gives one', () => {
    expect(costText({})).toBe('—');
    expect(costText({ cost: 0.0523 })).toBe('$0.052/h');
    expect(costText({ cost: { perHour: 1.5, currency: 'USD' } })).toBe('$1.50/h');
    expect(costText({ cost: { hourlyUsd: 0.0842, sinceCreatedUsd: 1.2, lines: [] } })).toBe('$0.084/h');
    expect(costText({ cost: { perHour: 2, currency: 'EUR' } })).toBe('EUR 2.00/h');
    expect(costText({ cost: { perHour: 'a lot' } })).toBe('—');
  });
});
