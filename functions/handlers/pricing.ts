import { readFileSync } from 'node:fs';
import { type PriceTable, parsePriceTable, SHIPPED_PRICES } from '../core/cost.ts';
import { type EnvironmentCost, environmentCost, type RecordedUsage } from '../core/environment-cost.ts';
import { ConfigError, ValidationError } from '../core/errors.ts';

/** The price table and the region the environments run in (docs/cost.md). */
export interface Pricing {
  readonly region: string;
  readonly prices: PriceTable;
}

/**
 * The prices the handlers use: the table in the JSON file `BERTH_PRICES_FILE` when set (a refreshed table, e.g.
 * written by `berth prices refresh`), else the table shipped with Berth; the region is the function's own
 * (`AWS_REGION`, us-east-1 when unset). A bad file fails naming the variable and the field.
 *
 * @example pricingFromEnv({ AWS_REGION: 'us-east-1' }).prices['us-east-1']?.albHourly // 0.0225
 */
export function pricingFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Pricing {
  const region = env['AWS_REGION']?.trim() || env['AWS_DEFAULT_REGION']?.trim() || 'us-east-1';
  const file = env['BERTH_PRICES_FILE']?.trim();
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

let cached: Pricing | undefined;

/** {@link pricingFromEnv} of `process.env`, read once per container. */
export const defaultPricing = (): Pricing => {
  cached ??= pricingFromEnv();
  return cached;
};

/**
 * The `cost` of an environment record at `now` (null until verify first saw it running).
 *
 * @example costOfRecord(record, defaultPricing(), new Date())?.hourlyUsd
 */
export const costOfRecord = (
  record: { readonly usage?: RecordedUsage | undefined },
  pricing: Pricing,
  now: Date,
): EnvironmentCost | null => environmentCost(record.usage, pricing.prices, now) ?? null;
