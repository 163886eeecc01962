import { describe, expect, it } from 'vitest';
import { estimateCost, formatUsd, parsePriceTable, SHIPPED_PRICES } from '../../../functions/core/cost.ts';
import { INSTANCE_TYPES } from '../../../functions/core/env-spec.ts';
import { ValidationError } from '../../../functions/core/errors.ts';

const created = new Date('2026-11-29T08:00:00Z');
const now = new Date('2026-11-29T18:00:00Z'); // 10 hours later

describe('estimateCost', () => {
  it('prices a dedicated EC2 environment as computed by hand', () => {
    const estimate = estimateCost(
      {
        region: 'us-east-1',
        instances: [{ type: 't3.small', count: 2 }],
        loadBalancer: { mode: 'dedicated' },
        stateTransitions: 100,
      },
      SHIPPED_PRICES,
      created,
      now,
    );
    // 2 × $0.0208 + 2 × 30 GiB × $0.08 / 730 h + $0.0225 = 0.0416 + 0.0065753… + 0.0225
    expect(estimate).toMatchObject({ known: true, hourlyUsd: 0.070675, pricesAsOf: '2026-11-01' });
    // 10 h × 0.0706753… + 100 transitions × $0.000025
    expect(estimate.known && estimate.sinceCreatedUsd).toBe(0.709253);
    expect(estimate.known && estimate.lines.map((line) => line.item)).toEqual([
      '2 × t3.small',
      '2 × 30 GiB gp3',
      'Application Load Balancer',
    ]);
  });

  it('prices Fargate tasks, a share of the shared ALB and the capacity units of its traffic', () => {
    const estimate = estimateCost(
      {
        region: 'us-east-1',
        instances: [],
        fargateTasks: { count: 3, cpuUnits: 256, memoryMiB: 512 },
        loadBalancer: { mode: 'shared', environments: 4 },
        requestsPerHour: 180_000, // 50 new connections per second = 2 LCU
      },
      SHIPPED_PRICES,
      created,
      created,
    );
    // 3 × (0.25 × 0.04048 + 0.5 × 0.004445) + 0.0225 / 4 + 2 × 0.008
    expect(estimate).toMatchObject({ known: true, hourlyUsd: 0.058653, sinceCreatedUsd: 0 });
  });

  it('prices a paused environment as its load balancer only', () => {
    const paused = estimateCost(
      {
        region: 'us-east-1',
        instances: [{ type: 't3.small', count: 0 }],
        loadBalancer: { mode: 'dedicated' },
      },
      SHIPPED_PRICES,
      created,
      now,
    );
    expect(paused).toMatchObject({ known: true, hourlyUsd: 0.0225 });
  });

  it('says why when a price is unknown instead of guessing', () => {
    expect(estimateCost({ region: 'ap-south-2', instances: [] }, SHIPPED_PRICES, created, now)).toEqual({
      known: false,
      reason: 'no prices for region ap-south-2 in the price table',
    });
    expect(
      estimateCost(
        { region: 'us-east-1', instances: [{ type: 'x9.huge', count: 1 }] },
        SHIPPED_PRICES,
        created,
        now,
      ),
    ).toEqual({ known: false, reason: 'no price for instance type x9.huge in us-east-1' });
  });

  it('has a price for every instance type a spec may name', () => {
    for (const type of Object.keys(INSTANCE_TYPES)) {
      expect(SHIPPED_PRICES['us-east-1']?.ec2Hourly[type], type).toBeGreaterThan(0);
    }
  });
});

describe('price table', () => {
  it('the shipped table is valid', () => {
    expect(parsePriceTable(SHIPPED_PRICES)).toEqual(SHIPPED_PRICES);
  });

  it('names the bad field of a user table', () => {
    const bad = structuredClone(SHIPPED_PRICES) as Record<string, Record<string, unknown>>;
    (bad['us-east-1'] as Record<string, unknown>).albHourly = -1;
    expect(() => parsePriceTable(bad)).toThrow(ValidationError);
    expect(() => parsePriceTable(bad)).toThrow('prices.us-east-1.albHourly: must be a price in USD (≥ 0)');
    expect(() => parsePriceTable({ 'not a region': SHIPPED_PRICES['us-east-1'] })).toThrow(
      'must be a region code such as us-east-1',
    );
  });
});

describe('helpers', () => {
  it('formats money', () => {
    expect(formatUsd(0.070675, true)).toBe('$0.0707/h');
    expect(formatUsd(12.345)).toBe('$12.35');
  });
});
