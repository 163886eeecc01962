import { ValidationError } from './errors.ts';
import * as z from './zod.ts';

/**
 * Estimated cost of an environment from its actual resources (docs/cost.md). Prices come from a table shipped
 * with Berth, one entry per region, each with the date it was read and its public source; a user can replace or
 * extend the table (a JSON document of the same shape), and a deployed stack can refresh it from the AWS Price List
 * Query API. Everything here is an estimate: on-demand Linux prices, no free tier, no savings plans, no data
 * transfer.
 */

const usd = () =>
  z
    .number({ error: 'must be a price in USD' })
    .check(z.nonnegative({ error: 'must be a price in USD (≥ 0)' }));

export const RegionPricesSchema = z.lazy(() =>
  z.strictObject({
    /** When the prices were read (YYYY-MM-DD). */
    asOf: z
      .string({ error: 'must be a date' })
      .check(z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date (YYYY-MM-DD)' })),
    /** Where they were read. */
    source: z
      .string({ error: 'must name the public source' })
      .check(z.minLength(1, { error: 'must name the public source' })),
    /** EC2 on-demand Linux, USD per instance-hour, by instance type. */
    ec2Hourly: z.record(z.string(), usd()),
    /** EBS gp3, USD per GB-month (a month is 730 hours). */
    ebsGp3GbMonth: usd(),
    /** Application Load Balancer, USD per ALB-hour. */
    albHourly: usd(),
    /** Application Load Balancer, USD per LCU-hour. */
    albLcuHourly: usd(),
    /** Fargate Linux, USD per vCPU-hour and per GB-hour, by architecture. */
    fargate: z.strictObject({
      x86_64: z.strictObject({ vcpuHourly: usd(), gbHourly: usd() }),
      arm64: z.strictObject({ vcpuHourly: usd(), gbHourly: usd() }),
    }),
    /** Step Functions Standard, USD per state transition. */
    stepFunctionsTransition: usd(),
  }),
);

export const PriceTableSchema = z.lazy(() =>
  z.record(
    z
      .string()
      .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'must be a region code such as us-east-1' })),
    RegionPricesSchema,
  ),
);

export type RegionPrices = z.output<typeof RegionPricesSchema>;
export type PriceTable = z.output<typeof PriceTableSchema>;

/**
 * The shipped table. US East (N. Virginia) on-demand prices as published on the AWS pricing pages for EC2
 * On-Demand (Linux), Amazon EBS (gp3), Elastic Load Balancing (Application Load Balancer), AWS Fargate (Linux) and
 * AWS Step Functions (Standard workflows); the same figures the AWS Price List Query API returns for these SKUs.
 */
export const SHIPPED_PRICES: PriceTable = {
  'us-east-1': {
    asOf: '2026-11-01',
    source:
      'AWS pricing pages: Amazon EC2 On-Demand (Linux), Amazon EBS (gp3), Elastic Load Balancing (ALB), AWS Fargate (Linux), AWS Step Functions (Standard)',
    ec2Hourly: {
      't3.micro': 0.0104,
      't3.small': 0.0208,
      't3.medium': 0.0416,
      't3.large': 0.0832,
      't3.xlarge': 0.1664,
      't4g.micro': 0.0084,
      't4g.small': 0.0168,
      't4g.medium': 0.0336,
      't4g.large': 0.0672,
      't4g.xlarge': 0.1344,
      'm5.large': 0.096,
      'm5.xlarge': 0.192,
      'm6i.large': 0.096,
      'm6i.xlarge': 0.192,
      'm6g.large': 0.077,
      'm7g.large': 0.0816,
      'c5.large': 0.085,
      'c6i.large': 0.085,
      'c6i.xlarge': 0.17,
      'c6g.large': 0.068,
      'c7g.large': 0.0725,
      'r6i.large': 0.126,
    },
    ebsGp3GbMonth: 0.08,
    albHourly: 0.0225,
    albLcuHourly: 0.008,
    fargate: {
      x86_64: { vcpuHourly: 0.04048, gbHourly: 0.004445 },
      arm64: { vcpuHourly: 0.03238, gbHourly: 0.00356 },
    },
    stepFunctionsTransition: 0.000025,
  },
};

/**
 * Parses a user's price table (e.g. a refreshed one), naming the bad field.
 *
 * @throws ValidationError `prices.us-east-1.albHourly: must be a price in USD (≥ 0)`
 */
export function parsePriceTable(document: unknown): PriceTable {
  const result = PriceTableSchema.safeParse(document);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const field = ['prices', ...(issue?.path ?? []).map(String)].join('.');
  const rule = issue?.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue?.message;
  throw new ValidationError(field, rule ?? 'must be an object');
}

/** Hours in a billing month, as AWS prices monthly resources. */
export const HOURS_PER_MONTH = 730;
/** Root volume of the ECS-optimized Amazon Linux 2023 AMI (gp3), unless the launch template says otherwise. */
export const DEFAULT_ROOT_VOLUME_GIB = 30;
/**
 * One LCU covers 25 new connections per second (ELB pricing, "LCU details"). An LCU has four dimensions — new
 * connections (25/s), active connections (3,000/min), processed bytes (1 GB/h) and rule evaluations (1,000/s) — and
 * AWS bills the largest; Berth estimates from requests only, each counted as a new connection (a request over a
 * kept-alive connection is not one), so the LCU line is a lower bound of what the other dimensions may add.
 */
export const NEW_CONNECTIONS_PER_LCU_SECOND = 25;

/** What an environment runs now, as observed (or as recorded at its last operation). */
export interface CostResources {
  readonly region: string;
  /** Running EC2 instances by type (`InService` or `Pending`; a paused environment has none). */
  readonly instances: readonly {
    readonly type: string;
    readonly count: number;
    readonly volumeGiB?: number;
  }[];
  /** Running Fargate tasks and their size. */
  readonly fargateTasks?: {
    readonly count: number;
    readonly cpuUnits: number;
    readonly memoryMiB: number;
    readonly architecture?: 'x86_64' | 'arm64';
  };
  /** `dedicated`: the environment pays a whole ALB; `shared`: its share of the shared ALB. */
  readonly loadBalancer?:
    | { readonly mode: 'dedicated' }
    | { readonly mode: 'shared'; readonly environments: number };
  /**
   * Requests per hour through its load balancer (its target group's on the shared ALB), when known: the
   * capacity-unit estimate, from the new-connections dimension only (a lower bound).
   */
  readonly requestsPerHour?: number;
  /** State transitions of the environment's operations so far (one-off, not hourly). */
  readonly stateTransitions?: number;
}

export interface CostLine {
  readonly item: string;
  readonly hourlyUsd: number;
  /** `capacity-units`: the load balancer's LCU estimate from the measured requests (a lower bound). */
  readonly kind?: 'capacity-units';
}

/** A cost paid once, not per hour: the state transitions of the environment's operations. */
export interface OneOffCostLine {
  readonly item: string;
  readonly usd: number;
}

export type CostEstimate =
  | {
      readonly known: true;
      readonly hourlyUsd: number;
      /** Hourly cost × hours since creation + the operations' state transitions. */
      readonly sinceCreatedUsd: number;
      readonly lines: readonly CostLine[];
      /** One-off costs included in `sinceCreatedUsd` (the operations' state transitions). */
      readonly oneOff: readonly OneOffCostLine[];
      readonly region: string;
      readonly pricesAsOf: string;
      readonly source: string;
    }
  | { readonly known: false; readonly reason: string };

/**
 * Estimates the hourly cost of an environment and what it has cost since `createdAt`.
 *
 * @example estimateCost({ region: 'us-east-1', instances: [{ type: 't3.small', count: 1 }], loadBalancer: { mode: 'dedicated' } }, SHIPPED_PRICES, created, now).hourlyUsd
 */
export function estimateCost(
  resources: CostResources,
  prices: PriceTable,
  createdAt: Date,
  now: Date,
): CostEstimate {
  const table = prices[resources.region];
  if (table === undefined) {
    return { known: false, reason: `no prices for region ${resources.region} in the price table` };
  }
  const lines: CostLine[] = [];
  for (const group of resources.instances) {
    if (group.count <= 0) continue;
    const hourly = table.ec2Hourly[group.type];
    if (hourly === undefined) {
      return { known: false, reason: `no price for instance type ${group.type} in ${resources.region}` };
    }
    const gib = group.volumeGiB ?? DEFAULT_ROOT_VOLUME_GIB;
    lines.push({ item: `${group.count} × ${group.type}`, hourlyUsd: group.count * hourly });
    lines.push({
      item: `${group.count} × ${gib} GiB gp3`,
      hourlyUsd: (group.count * gib * table.ebsGp3GbMonth) / HOURS_PER_MONTH,
    });
  }
  const tasks = resources.fargateTasks;
  if (tasks !== undefined && tasks.count > 0) {
    const rate = table.fargate[tasks.architecture ?? 'x86_64'];
    const vcpu = tasks.cpuUnits / 1024;
    const gb = tasks.memoryMiB / 1024;
    lines.push({
      item: `${tasks.count} × Fargate ${vcpu} vCPU / ${gb} GB`,
      hourlyUsd: tasks.count * (vcpu * rate.vcpuHourly + gb * rate.gbHourly),
    });
  }
  const lb = resources.loadBalancer;
  if (lb !== undefined) {
    const lcu = (resources.requestsPerHour ?? 0) / 3600 / NEW_CONNECTIONS_PER_LCU_SECOND;
    if (lb.mode === 'dedicated') {
      lines.push({ item: 'Application Load Balancer', hourlyUsd: table.albHourly });
    } else {
      const share = Math.max(1, lb.environments);
      lines.push({
        item: `1/${share} of the shared Application Load Balancer`,
        hourlyUsd: table.albHourly / share,
      });
    }
    if (lcu > 0) {
      const requests = Math.round(resources.requestsPerHour ?? 0).toLocaleString('en-US');
      lines.push({
        item: `${Number(lcu.toPrecision(2))} LCU (${requests} requests/h; new connections only, a lower bound)`,
        hourlyUsd: lcu * table.albLcuHourly,
        kind: 'capacity-units',
      });
    }
  }
  const hourlyUsd = lines.reduce((sum, line) => sum + line.hourlyUsd, 0);
  const hours = Math.max(0, (now.getTime() - createdAt.getTime()) / 3_600_000);
  const count = resources.stateTransitions ?? 0;
  const transitions = count * table.stepFunctionsTransition;
  return {
    known: true,
    hourlyUsd: round(hourlyUsd, 6),
    sinceCreatedUsd: round(hourlyUsd * hours + transitions, 6),
    lines: lines.map((line) => ({ ...line, hourlyUsd: round(line.hourlyUsd, 6) })),
    oneOff:
      count > 0
        ? [{ item: `${count} state transition${count === 1 ? '' : 's'}`, usd: round(transitions, 6) }]
        : [],
    region: resources.region,
    pricesAsOf: table.asOf,
    source: table.source,
  };
}

/** `$0.0312/h` — money as people read it: cents for large figures, four decimals for small hourly ones. */
export function formatUsd(amount: number, perHour = false): string {
  const text = amount >= 1 ? amount.toFixed(2) : amount.toFixed(4);
  return `$${text}${perHour ? '/h' : ''}`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
