import { describe, expect, it } from 'vitest';
import { costLines } from '../../../cli/commands/status.ts';
import { costText } from '../../../functions/handlers/slack-messages.ts';

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

describe('the capacity units of the measured requests in berth status and Slack status', () => {
  const measured = {
    ...cost,
    hourlyUsd: 0.050588,
    lines: [
      { item: '1 × t3.small', hourlyUsd: 0.0208 },
      {
        item: '0.5 LCU (45,000 requests/h; new connections only, a lower bound)',
        hourlyUsd: 0.004,
        kind: 'capacity-units' as const,
      },
    ],
    oneOff: [],
  };

  it('lists the LCU line with the others in berth status', () => {
    expect(costLines(measured)).toContain(
      '            0.5 LCU (45,000 requests/h; new connections only, a lower bound): $0.0040/h',
    );
  });

  it('names it next to the total in Slack', () => {
    expect(costText(measured)).toBe(
      '$0.0506/h · $0.1032 since created · incl. 0.5 LCU (45,000 requests/h; new connections only, a lower bound): $0.0040/h',
    );
  });
});
