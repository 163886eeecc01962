import { type RegionPrices, RegionPricesSchema } from './cost.ts';
import { ValidationError } from './errors.ts';

/**
 * Refreshing the price table from the AWS Price List Query API (`GetProducts`, docs/cost.md): which products to ask
 * for, and how their on-demand prices become one region's entry of the table. Pure: the CLI (`berth prices
 * refresh`) does the signed calls.
 */

/** One `GetProducts` request: a key for its answer, the service code and TERM_MATCH filters. */
export interface PriceListQuery {
  readonly key: string;
  readonly serviceCode: string;
  readonly filters: readonly {
    readonly Type: 'TERM_MATCH';
    readonly Field: string;
    readonly Value: string;
  }[];
}

const term = (Field: string, Value: string) => ({ Type: 'TERM_MATCH' as const, Field, Value });

/**
 * The requests that price a region: one per EC2 instance type (on-demand Linux, shared tenancy, no pre-installed
 * software, used capacity), gp3 storage, the Application Load Balancer, Fargate and Step Functions.
 *
 * @example priceListQueries('us-east-1', ['t3.small']).map((q) => q.key) // ['ec2:t3.small', 'ebs:gp3', 'alb', 'fargate', 'states']
 */
export function priceListQueries(region: string, instanceTypes: readonly string[]): PriceListQuery[] {
  const inRegion = term('regionCode', region);
  return [
    ...instanceTypes.map((type) => ({
      key: `ec2:${type}`,
      serviceCode: 'AmazonEC2',
      filters: [
        inRegion,
        term('instanceType', type),
        term('operatingSystem', 'Linux'),
        term('tenancy', 'Shared'),
        term('preInstalledSw', 'NA'),
        term('capacitystatus', 'Used'),
      ],
    })),
    {
      key: 'ebs:gp3',
      serviceCode: 'AmazonEC2',
      filters: [inRegion, term('productFamily', 'Storage'), term('volumeApiName', 'gp3')],
    },
    {
      key: 'alb',
      serviceCode: 'AWSELB',
      filters: [inRegion, term('productFamily', 'Load Balancer-Application')],
    },
    { key: 'fargate', serviceCode: 'AmazonECS', filters: [inRegion] },
    { key: 'states', serviceCode: 'AmazonStates', filters: [inRegion] },
  ];
}

/** What matters of one Price List product: its attributes and its on-demand prices (unit and USD). */
export interface OnDemandPrice {
  readonly attributes: Readonly<Record<string, string>>;
  readonly prices: readonly { readonly unit: string; readonly usd: number }[];
}

/**
 * Reads a `PriceList` entry (a JSON document: `product.attributes`, `terms.OnDemand.*.priceDimensions.*` with
 * `unit` and `pricePerUnit.USD`).
 *
 * @example onDemandPrices(entry).prices // [{ unit: 'Hrs', usd: 0.0208 }]
 */
export function onDemandPrices(entry: string | object): OnDemandPrice {
  const doc = (typeof entry === 'string' ? JSON.parse(entry) : entry) as {
    product?: { attributes?: Record<string, string> };
    terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, unknown> }> };
  };
  const prices: { unit: string; usd: number }[] = [];
  for (const offer of Object.values(doc.terms?.OnDemand ?? {})) {
    for (const dimension of Object.values(offer.priceDimensions ?? {})) {
      const d = dimension as { unit?: unknown; pricePerUnit?: { USD?: unknown } };
      const usd = Number(d.pricePerUnit?.USD);
      if (typeof d.unit === 'string' && Number.isFinite(usd)) prices.push({ unit: d.unit, usd });
    }
  }
  return { attributes: doc.product?.attributes ?? {}, prices };
}

/** The positive price of the first product whose attributes satisfy `match`, in `unit`. */
function pick(
  items: readonly OnDemandPrice[] | undefined,
  unit: RegExp,
  match: (attributes: Readonly<Record<string, string>>) => boolean = () => true,
): number | undefined {
  for (const item of items ?? []) {
    if (!match(item.attributes)) continue;
    const price = item.prices.find((p) => unit.test(p.unit) && p.usd > 0);
    if (price !== undefined) return price.usd;
  }
  return undefined;
}

/** A usage type, with or without its region prefix (`USE1-Fargate-GB-Hours`, `LoadBalancerUsage`). */
const usage = (name: string) => (a: Readonly<Record<string, string>>) => {
  const type = a['usagetype'] ?? '';
  return type === name || type.endsWith(`-${name}`);
};

/**
 * One region's entry of the price table from the answers to {@link priceListQueries}.
 *
 * @throws ValidationError naming what has no on-demand price, e.g. `prices.us-east-1.ec2Hourly.t3.small: no on-demand price in the Price List answer`
 */
export function regionPricesFromPriceList(
  region: string,
  asOf: string,
  answers: Readonly<Record<string, readonly OnDemandPrice[]>>,
  instanceTypes: readonly string[],
): RegionPrices {
  const missing = (field: string): never => {
    throw new ValidationError(`prices.${region}.${field}`, 'no on-demand price in the Price List answer');
  };
  const need = (value: number | undefined, field: string): number => value ?? missing(field);
  /** Fargate's per-vCPU and per-GB hourly prices of one architecture (usage types `Fargate-<prefix>vCPU-Hours…`). */
  const fargateHourly = (arch: 'x86_64' | 'arm64', prefix: '' | 'ARM-') => ({
    vcpuHourly: need(
      pick(answers['fargate'], /hours/i, usage(`Fargate-${prefix}vCPU-Hours:perCPU`)),
      `fargate.${arch}.vcpuHourly`,
    ),
    gbHourly: need(
      pick(answers['fargate'], /hours/i, usage(`Fargate-${prefix}GB-Hours`)),
      `fargate.${arch}.gbHourly`,
    ),
  });
  const ec2Hourly: Record<string, number> = {};
  for (const type of instanceTypes) {
    ec2Hourly[type] = need(pick(answers[`ec2:${type}`], /^Hrs$/), `ec2Hourly.${type}`);
  }
  const prices = {
    asOf,
    source: 'AWS Price List Query API (GetProducts, on-demand terms)',
    ec2Hourly,
    ebsGp3GbMonth: need(pick(answers['ebs:gp3'], /^GB-Mo$/), 'ebsGp3GbMonth'),
    albHourly: need(pick(answers['alb'], /^Hrs$/, usage('LoadBalancerUsage')), 'albHourly'),
    albLcuHourly: need(pick(answers['alb'], /^LCU-Hrs$/, usage('LCUUsage')), 'albLcuHourly'),
    fargate: {
      x86_64: fargateHourly('x86_64', ''),
      arm64: fargateHourly('arm64', 'ARM-'),
    },
    stepFunctionsTransition: need(
      pick(answers['states'], /.*/, usage('StateTransition')),
      'stepFunctionsTransition',
    ),
  };
  return RegionPricesSchema.parse(prices);
}
