import { estimateCost, type PriceTable } from './cost.ts';
import type { RecordedTraffic, RecordedUsage } from './environment-cost.ts';

/**
 * What a night's teardowns and pauses save (docs/cost.md): for each environment the nightly run stopped, the hourly
 * cost of what it ran before (`usage.before`) minus what it runs now (nothing once deleted, the load balancer while
 * paused), over the hours until it would be needed again.
 */

/** Default hours a night's savings count: from the default 20:00 nightly run to 08:00. */
export const DEFAULT_NIGHT_HOURS = 12;

interface EnvironmentSaving {
  readonly env: string;
  /** `down` or `pause`. */
  readonly action: string;
  readonly hourlyUsd: number;
}

export interface NightSavings {
  readonly hourlyUsd: number;
  /** `hourlyUsd` × `hours`. */
  readonly nightUsd: number;
  readonly hours: number;
  readonly environments: readonly EnvironmentSaving[];
  /** Environments whose saving is unknown (never seen running, or no prices): why. */
  readonly unknown: readonly { readonly env: string; readonly reason: string }[];
}

const hourly = (
  usage: RecordedUsage['resources'],
  prices: PriceTable,
  requestsPerHour = 0,
): number | string => {
  const estimate = estimateCost(
    { ...usage, requestsPerHour, stateTransitions: 0 },
    prices,
    new Date(0),
    new Date(0),
  );
  return estimate.known ? estimate.hourlyUsd : estimate.reason;
};

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

/**
 * The savings of the environments a night stopped, from their recorded usage: what ran before, with its load
 * balancer's capacity units at the request rate last measured (`traffic`), against what is left (the load balancer
 * of a paused environment, without requests: the first one wakes it).
 *
 * @example nightSavings([{ env: 'a', action: 'down', usage }], SHIPPED_PRICES).hourlyUsd // 0.046588
 */
export function nightSavings(
  stopped: readonly {
    readonly env: string;
    readonly action: string;
    readonly usage?: RecordedUsage;
    readonly traffic?: RecordedTraffic;
  }[],
  prices: PriceTable,
  hours = DEFAULT_NIGHT_HOURS,
): NightSavings {
  const environments: EnvironmentSaving[] = [];
  const unknown: { env: string; reason: string }[] = [];
  for (const { env, action, usage, traffic } of stopped) {
    if (usage?.before === undefined) {
      unknown.push({ env, reason: 'never seen running' });
      continue;
    }
    const rate = traffic?.requestsPerHour;
    const before = hourly(usage.before, prices, typeof rate === 'number' && rate > 0 ? rate : 0);
    const after = hourly(usage.resources, prices);
    if (typeof before === 'string' || typeof after === 'string') {
      unknown.push({ env, reason: typeof before === 'string' ? before : (after as string) });
      continue;
    }
    environments.push({ env, action, hourlyUsd: round6(Math.max(0, before - after)) });
  }
  const total = round6(environments.reduce((sum, e) => sum + e.hourlyUsd, 0));
  return { hourlyUsd: total, nightUsd: round6(total * hours), hours, environments, unknown };
}
