import { readFileSync } from 'node:fs';
import { type PriceTable, parsePriceTable, SHIPPED_PRICES } from '../core/cost.ts';
import {
  type EnvironmentCost,
  environmentCost,
  type RecordedTraffic,
  type RecordedUsage,
} from '../core/environment-cost.ts';
import { ConfigError, ValidationError } from '../core/errors.ts';
import type { Config } from './config.ts';

/** The price table and the region the environments run in (docs/cost.md). */
export interface Pricing {
  readonly region: string;
  readonly prices: PriceTable;
}

/** Pricing as a handler's dependencies carry it: the table itself (tests), or read on first use. */
export type PricingSource = Pricing | (() => Pricing);

type Env = Readonly<Record<string, string | undefined>>;

/** The function's own region (`AWS_REGION`, set by the Lambda runtime; us-east-1 when unset). */
export const functionRegion = (env: Env = process.env): string =>
  env['AWS_REGION']?.trim() || env['AWS_DEFAULT_REGION']?.trim() || 'us-east-1';

/**
 * The prices of a handler's declared setting `pricesFile` (`BERTH_PRICES_FILE`, parsed by `loadHandlerConfig`): the
 * table in that JSON file (a refreshed table, e.g. written by `berth prices refresh`), else the table shipped with
 * Berth. A bad file fails naming the variable and the field.
 *
 * @example pricingFromConfig({}, 'us-east-1').prices['us-east-1']?.albHourly // 0.0225
 */
export function pricingFromConfig(config: Pick<Config, 'pricesFile'>, region: string): Pricing {
  const file = config.pricesFile;
  if (file === undefined || file === '') return { region, prices: SHIPPED_PRICES };
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `BERTH_PRICES_FILE ${file}: cannot read a JSON price table (${(error as Error).message})`,
    );
  }
  try {
    return { region, prices: parsePriceTable(document) };
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ConfigError(`BERTH_PRICES_FILE ${file}: ${error.message}`);
    throw error;
  }
}

/**
 * {@link pricingFromConfig} read on first use and kept (once per container): what each handler's `defaultDeps`
 * passes, from its own config.
 *
 * @example const pricing = lazyPricing(loadHandlerConfig('api', process.env)); pricing().prices
 */
export function lazyPricing(config: Pick<Config, 'pricesFile'>, region = functionRegion()): () => Pricing {
  let pricing: Pricing | undefined;
  return () => {
    pricing ??= pricingFromConfig(config, region);
    return pricing;
  };
}

/** The pricing of a dependency: read it when lazy; without one, the shipped table in the function's region. */
export const resolvePricing = (source: PricingSource | undefined): Pricing =>
  source === undefined
    ? { region: functionRegion(), prices: SHIPPED_PRICES }
    : typeof source === 'function'
      ? source()
      : source;

/**
 * The `cost` of an environment record at `now` (null until verify first saw it running), its load balancer's
 * capacity units priced from the request rate the idle check last measured (`traffic`).
 *
 * @example costOfRecord(record, deps.pricing, new Date())?.hourlyUsd
 */
export const costOfRecord = (
  record: { readonly usage?: RecordedUsage | undefined; readonly traffic?: RecordedTraffic | undefined },
  pricing: PricingSource | undefined,
  now: Date,
): EnvironmentCost | null =>
  environmentCost(record.usage, resolvePricing(pricing).prices, now, record.traffic) ?? null;
