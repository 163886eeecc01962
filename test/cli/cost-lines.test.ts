import { describe, expect, it } from 'vitest';
import { costLines } from '../../cli/commands/status.ts';
import { costText } from '../../functions/handlers/slack-messages.ts';

const cost = {
  hourlyUsd: 0.046588,
  sinceCreatedUsd: 0.103175,
  currency: 'USD' as const,
  lines: [{ item: '1 × t3.small', hourlyUsd: 0.0208 }],
  oneOff: [{ item: '400 state transitions', usd: 0.01 }],
  observedAt: '2026-11-30T00:00:00.000Z',
  region: 'us-east-1',
  pricesAsOf: '2026-11-01',
  source: 'AWS pricing pages',
};

describe('the state transitions in berth status and Slack status', () => {
  it('shows them as a one-off line in berth status', () => {
    expect(costLines(cost)).toEqual([
      '  cost:     $0.0466/h ($0.1032 since created; prices of 2026-11-01)',
      '            1 × t3.small: $0.0208/h',
      '            400 state transitions: $0.0100 (one-off)',
    ]);
  });

  it('names them next to the cost since created in Slack', () => {
    expect(costText(cost)).toBe('$0.0466/h · $0.1032 since created (400 state transitions: $0.0100)');
  });
});
