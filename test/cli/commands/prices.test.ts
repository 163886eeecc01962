import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pricesRefresh } from '../../../cli/commands/prices.ts';
import { parsePriceTable, SHIPPED_PRICES } from '../../../functions/core/cost.ts';
import { INSTANCE_TYPES } from '../../../functions/core/env-spec.ts';
import { onDemandPrices, regionPricesFromPriceList } from '../../../functions/core/price-list.ts';
import { testIo } from '../fake-api.ts';

/** A Price List product as GetProducts returns it (a JSON string: product attributes and on-demand terms). */
const product = (attributes: Record<string, string>, unit: string, usd: number): string =>
  JSON.stringify({
    product: { productFamily: 'x', attributes, sku: 'SKU1' },
    serviceCode: 'x',
    terms: {
      OnDemand: {
        'SKU1.JRTCKXETXF': {
          priceDimensions: {
            'SKU1.JRTCKXETXF.6YS6EN2CT7': { unit, pricePerUnit: { USD: usd.toFixed(10) }, description: 'x' },
          },
          sku: 'SKU1',
          effectiveDate: '2026-11-01T00:00:00Z',
        },
      },
    },
    version: '20261101',
  });

const P = SHIPPED_PRICES['us-east-1'] as NonNullable<(typeof SHIPPED_PRICES)['us-east-1']>;

/** The answer of each GetProducts request, by service code and filters, from the shipped us-east-1 figures. */
function answer(body: { ServiceCode: string; Filters: { Field: string; Value: string }[] }): string[] {
  const f = Object.fromEntries(body.Filters.map((x) => [x.Field, x.Value]));
  if (body.ServiceCode === 'AmazonEC2' && f['instanceType']) {
    return [
      product(
        { instanceType: f['instanceType'], usagetype: `BoxUsage:${f['instanceType']}` },
        'Hrs',
        P.ec2Hourly[f['instanceType']] ?? 1,
      ),
    ];
  }
  if (body.ServiceCode === 'AmazonEC2') return [product({ volumeApiName: 'gp3' }, 'GB-Mo', P.ebsGp3GbMonth)];
  if (body.ServiceCode === 'AWSELB') {
    return [
      product({ usagetype: 'LCUUsage' }, 'LCU-Hrs', P.albLcuHourly),
      product({ usagetype: 'LoadBalancerUsage' }, 'Hrs', P.albHourly),
    ];
  }
  if (body.ServiceCode === 'AmazonECS') {
    return [
      product({ usagetype: 'USE1-Fargate-EphemeralStorage-GB-Hours' }, 'GB-Hours', 0.000111),
      product({ usagetype: 'USE1-Fargate-vCPU-Hours:perCPU' }, 'hours', P.fargate.x86_64.vcpuHourly),
      product({ usagetype: 'USE1-Fargate-GB-Hours' }, 'GB-Hours', P.fargate.x86_64.gbHourly),
      product({ usagetype: 'USE1-Fargate-ARM-vCPU-Hours:perCPU' }, 'hours', P.fargate.arm64.vcpuHourly),
      product({ usagetype: 'USE1-Fargate-ARM-GB-Hours' }, 'GB-Hours', P.fargate.arm64.gbHourly),
    ];
  }
  if (body.ServiceCode === 'AmazonStates') {
    return [product({ usagetype: 'USE1-StateTransition' }, 'StateTransitions', P.stepFunctionsTransition)];
  }
  return [];
}

describe('regionPricesFromPriceList', () => {
  it('names the price it could not find', () => {
    expect(() => regionPricesFromPriceList('us-east-1', '2026-11-29', {}, ['t3.small'])).toThrow(
      'prices.us-east-1.ec2Hourly.t3.small: no on-demand price in the Price List answer',
    );
  });

  it('reads the on-demand price of a product', () => {
    expect(onDemandPrices(product({ instanceType: 't3.small' }, 'Hrs', 0.0208)).prices).toEqual([
      { unit: 'Hrs', usd: 0.0208 },
    ]);
  });
});

describe('berth prices refresh', () => {
  it('asks the Price List Query API, signed for pricing, page by page, and writes the table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-prices-'));
    const out = join(dir, 'prices.json');
    // An existing table keeps its other regions.
    await writeFile(out, JSON.stringify({ 'eu-west-1': { ...P, asOf: '2026-10-01' } }));
    const calls: { headers: Record<string, string>; body: any }[] = [];
    const t = testIo();
    const io = {
      ...t.io,
      fetch: (async (_url: string, init: { headers: Record<string, string>; body: string }) => {
        const body = JSON.parse(init.body);
        calls.push({ headers: init.headers, body });
        const items = answer(body);
        // The ECS answer comes in two pages.
        const paged = body.ServiceCode === 'AmazonECS' && body.NextToken === undefined;
        return new Response(
          JSON.stringify({
            FormatVersion: 'aws_v1',
            PriceList: paged ? items.slice(0, 2) : body.ServiceCode === 'AmazonECS' ? items.slice(2) : items,
            ...(paged ? { NextToken: 'page-2' } : {}),
          }),
          { status: 200 },
        );
      }) as unknown as typeof fetch,
    };
    const code = await pricesRefresh(
      io,
      async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      {
        region: 'us-east-1',
        out,
        endpoint: 'https://pricing.test/',
      },
    );
    expect(code).toBe(0);
    const first = calls[0];
    expect(first?.headers['x-amz-target']).toBe('AWSPriceListService.GetProducts');
    expect(first?.headers['authorization']).toMatch(
      /Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/pricing\/aws4_request/,
    );
    expect(first?.body).toMatchObject({ ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v1' });
    expect(calls.filter((c) => c.body.ServiceCode === 'AmazonECS')).toHaveLength(2);
    const table = parsePriceTable(JSON.parse(await readFile(out, 'utf8')));
    expect(Object.keys(table).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(table['us-east-1']).toEqual({
      ...P,
      asOf: '2026-01-01',
      source: 'AWS Price List Query API (GetProducts, on-demand terms)',
      ec2Hourly: Object.fromEntries(Object.keys(INSTANCE_TYPES).map((type) => [type, P.ec2Hourly[type]])),
    });
    expect(t.stdout()).toContain(`wrote ${out}: us-east-1 prices of 2026-01-01`);
  });
});
