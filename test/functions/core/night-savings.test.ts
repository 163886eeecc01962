import { describe, expect, it } from 'vitest';
import { SHIPPED_PRICES } from '../../../functions/core/cost.ts';
import { accrueUsage, type RecordedUsage } from '../../../functions/core/environment-cost.ts';
import { nightSavings } from '../../../functions/core/night-savings.ts';

const t0 = new Date('2026-11-29T08:00:00Z');
const t1 = new Date('2026-11-29T20:00:00Z');
const fargate = {
  region: 'us-east-1',
  instances: [],
  fargateTasks: { count: 2, cpuUnits: 512, memoryMiB: 1024 },
  loadBalancer: { mode: 'dedicated' as const },
};
const ran = accrueUsage(undefined, fargate, 'ready', SHIPPED_PRICES, t0) as RecordedUsage;

describe('nightSavings', () => {
  it('saves everything a teardown stopped and all but the load balancer of a pause', () => {
    const deleted = accrueUsage(ran, undefined, 'deleted', SHIPPED_PRICES, t1);
    const paused = accrueUsage(ran, undefined, 'paused', SHIPPED_PRICES, t1);
    expect(deleted?.before).toEqual(fargate);
    const savings = nightSavings(
      [
        { env: 'down-one', action: 'down', ...(deleted ? { usage: deleted } : {}) },
        { env: 'paused-one', action: 'pause', ...(paused ? { usage: paused } : {}) },
      ],
      SHIPPED_PRICES,
      12,
    );
    // Fargate 2 × (0.5 × 0.04048 + 1 × 0.004445) = 0.04937; the ALB 0.0225 stays while paused
    expect(savings.environments).toEqual([
      { env: 'down-one', action: 'down', hourlyUsd: 0.07187 },
      { env: 'paused-one', action: 'pause', hourlyUsd: 0.04937 },
    ]);
    expect(savings.hourlyUsd).toBe(0.12124);
    expect(savings.nightUsd).toBe(1.45488);
    expect(savings.unknown).toEqual([]);
  });

  it('saves the capacity units of the requests measured before the night too', () => {
    const deleted = accrueUsage(ran, undefined, 'deleted', SHIPPED_PRICES, t1) as RecordedUsage;
    const paused = accrueUsage(ran, undefined, 'paused', SHIPPED_PRICES, t1) as RecordedUsage;
    const traffic = {
      requestsPerHour: 180_000, // 50 new connections per second = 2 LCU × $0.008
      requests: 180_000,
      windowStart: '2026-11-29T19:00:00.000Z',
      windowEnd: t1.toISOString(),
    };
    const savings = nightSavings(
      [
        { env: 'down-one', action: 'down', usage: deleted, traffic },
        { env: 'paused-one', action: 'pause', usage: paused, traffic },
      ],
      SHIPPED_PRICES,
      12,
    );
    // 0.07187 + 0.016 torn down; 0.04937 + 0.016 paused (its first request would wake it)
    expect(savings.environments).toEqual([
      { env: 'down-one', action: 'down', hourlyUsd: 0.08787 },
      { env: 'paused-one', action: 'pause', hourlyUsd: 0.06537 },
    ]);
  });

  it('counts an environment never seen running as unknown, not as zero', () => {
    expect(nightSavings([{ env: 'x', action: 'down' }], SHIPPED_PRICES).unknown).toEqual([
      { env: 'x', reason: 'never seen running' },
    ]);
  });

  it('forgets what ran before once the environment is observed running again', () => {
    const deleted = accrueUsage(ran, undefined, 'deleted', SHIPPED_PRICES, t1) as RecordedUsage;
    expect(accrueUsage(deleted, fargate, 'ready', SHIPPED_PRICES, t1)).not.toHaveProperty('before');
  });
});
