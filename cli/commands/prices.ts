import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type PriceTable, parsePriceTable } from '../../functions/core/cost.ts';
import { INSTANCE_TYPES } from '../../functions/core/env-spec.ts';
import {
  type OnDemandPrice,
  onDemandPrices,
  type PriceListQuery,
  priceListQueries,
  regionPricesFromPriceList,
} from '../../functions/core/price-list.ts';
import type { CliIo } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { type CredentialProvider, signRequest } from '../sign.ts';

export interface PricesOptions {
  readonly region?: string;
  readonly out?: string;
  /** Where the Price List Query API answers (us-east-1, eu-central-1 or ap-south-1). */
  readonly apiRegion?: string;
  /** Endpoint override (tests). */
  readonly endpoint?: string;
}

/** One signed `GetProducts` call per page (JSON 1.1, `AWSPriceListService.GetProducts`). */
async function getProducts(
  io: CliIo,
  credentials: CredentialProvider,
  endpoint: string,
  apiRegion: string,
  query: PriceListQuery,
): Promise<OnDemandPrice[]> {
  const out: OnDemandPrice[] = [];
  let nextToken: string | undefined;
  const send = io.fetch ?? fetch;
  do {
    const body = JSON.stringify({
      ServiceCode: query.serviceCode,
      Filters: query.filters,
      FormatVersion: 'aws_v1',
      MaxResults: 100,
      ...(nextToken === undefined ? {} : { NextToken: nextToken }),
    });
    const request = {
      method: 'POST',
      url: endpoint,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSPriceListService.GetProducts',
      },
      body,
    };
    const headers = await signRequest(request, { credentials, region: apiRegion, service: 'pricing' });
    const response = await send(endpoint, { method: 'POST', headers, body });
    const text = await response.text();
    if (!response.ok) {
      throw new CliError(
        ExitCode.Unreachable,
        `Price List GetProducts ${query.serviceCode} answered HTTP ${response.status}: ${text.slice(0, 300)}`,
      );
    }
    const page = JSON.parse(text) as { PriceList?: unknown[]; NextToken?: string };
    for (const entry of page.PriceList ?? []) out.push(onDemandPrices(entry as string));
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
  return out;
}

/**
 * `berth prices refresh [--region r] [--out file]`: reads the on-demand prices of a region from the AWS Price List
 * Query API (your AWS credentials; `pricing:GetProducts`) and writes the price table Berth uses
 * (`BERTH_PRICES_FILE`, docs/cost.md). An existing file keeps its other regions.
 */
export async function pricesRefresh(
  io: CliIo,
  credentials: CredentialProvider,
  options: PricesOptions,
): Promise<number> {
  const region = options.region ?? io.env['AWS_REGION'] ?? 'us-east-1';
  const apiRegion = options.apiRegion ?? 'us-east-1';
  const endpoint = options.endpoint ?? `https://api.pricing.${apiRegion}.amazonaws.com/`;
  const out = options.out ?? 'prices.json';
  const types = Object.keys(INSTANCE_TYPES);
  const answers: Record<string, OnDemandPrice[]> = {};
  for (const query of priceListQueries(region, types)) {
    answers[query.key] = await getProducts(io, credentials, endpoint, apiRegion, query);
  }
  const asOf = io.now().toISOString().slice(0, 10);
  const prices = regionPricesFromPriceList(region, asOf, answers, types);
  let table: PriceTable = {};
  if (existsSync(out)) table = parsePriceTable(JSON.parse(readFileSync(out, 'utf8')));
  table = { ...table, [region]: prices };
  writeFileSync(out, `${JSON.stringify(table, null, 2)}\n`);
  io.stdout(
    `wrote ${out}: ${region} prices of ${asOf} (${types.length} instance types, EBS gp3, ALB, Fargate, Step Functions). Use it with BERTH_PRICES_FILE=${out}.\n`,
  );
  return ExitCode.Ok;
}
