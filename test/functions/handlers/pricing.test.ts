import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SHIPPED_PRICES } from '../../../functions/core/cost.ts';
import { defaultDeps as apiDeps } from '../../../functions/handlers/api.ts';
import { loadHandlerConfig } from '../../../functions/handlers/config.ts';
import { defaultDeps as nightlyDeps } from '../../../functions/handlers/nightly.ts';
import {
  lazyPricing,
  type Pricing,
  pricingFromConfig,
  resolvePricing,
} from '../../../functions/handlers/pricing.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-prices-'));
const US = SHIPPED_PRICES['us-east-1'] as NonNullable<(typeof SHIPPED_PRICES)['us-east-1']>;
/** A refreshed table: the ALB at twice the shipped price, in eu-west-1 too. */
const refreshed = join(dir, 'prices.json');
writeFileSync(
  refreshed,
  JSON.stringify({ 'us-east-1': { ...US, albHourly: 0.045 }, 'eu-west-1': { ...US, albHourly: 0.0252 } }),
);
const broken = join(dir, 'broken.json');
writeFileSync(broken, JSON.stringify({ 'us-east-1': { ...US, albHourly: -1 } }));

const ENTRY = {
  BERTH_TABLE_NAME: 'berth-registry',
  BERTH_LIFECYCLE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:berth-lifecycle',
  BERTH_PLAN_FUNCTION_NAME: 'berth-plan',
};
const previous = process.env['BERTH_PRICES_FILE'];

afterEach(() => {
  if (previous === undefined) delete process.env['BERTH_PRICES_FILE'];
  else process.env['BERTH_PRICES_FILE'] = previous;
});

describe('handler pricing', () => {
  it("reads the refreshed table of the handler's declared BERTH_PRICES_FILE, in its region", () => {
    const config = loadHandlerConfig('api', { ...ENTRY, BERTH_PRICES_FILE: refreshed });
    const pricing = lazyPricing(config, 'eu-west-1')();
    expect(pricing.region).toBe('eu-west-1');
    expect(pricing.prices['eu-west-1']?.albHourly).toBe(0.0252);
    expect(pricingFromConfig({}, 'us-east-1')).toEqual({ region: 'us-east-1', prices: SHIPPED_PRICES });
  });

  it('gives the API and the nightly job the table of their own config, not of process.env', () => {
    process.env['BERTH_PRICES_FILE'] = broken;
    const env = { ...ENTRY, BERTH_PRICES_FILE: refreshed, AWS_REGION: 'us-east-1' };
    const api = apiDeps(env).pricing as () => Pricing;
    expect(api().prices['us-east-1']?.albHourly).toBe(0.045);
    const nightly = nightlyDeps({ BERTH_TABLE_NAME: 'berth-registry', BERTH_PRICES_FILE: refreshed })
      .pricing as () => Pricing;
    expect(nightly().prices['us-east-1']?.albHourly).toBe(0.045);
    // Without a pricing dependency the shipped table applies: the process environment is not read for it.
    expect(resolvePricing(undefined).prices).toBe(SHIPPED_PRICES);
  });

  it('fails naming the variable, the file and the field of a bad table, on first use', () => {
    const pricing = lazyPricing({ pricesFile: broken }, 'us-east-1');
    expect(pricing).toThrow(
      `BERTH_PRICES_FILE ${broken}: prices.us-east-1.albHourly: must be a price in USD (≥ 0)`,
    );
    expect(lazyPricing({ pricesFile: join(dir, 'missing.json') }, 'us-east-1')).toThrow(
      /^BERTH_PRICES_FILE .*missing\.json: cannot read a JSON price table/,
    );
  });

  it('ignores BERTH_PRICES_FILE in a handler that does not declare it', () => {
    const config = loadHandlerConfig('idle-check', { ...ENTRY, BERTH_PRICES_FILE: broken });
    expect('pricesFile' in config).toBe(false);
  });
});
