import { ServiceError } from './service-error.ts';
import { TokenBucket } from './token-bucket.ts';

export interface RateLimit {
  burst: number;
  perSecond: number;
}

/** The faults JSON of `/_berth/faults` (every field optional when merging). */
export interface FaultsConfig {
  throttling: {
    /** AWS's per-action ECS limits as token buckets. */
    ecsRateLimits: boolean;
    /** Extra limits keyed `"<service>:<Action>"`, e.g. `"ec2:DescribeSubnets"`. */
    rates: Record<string, RateLimit>;
  };
  random: {
    seed: number;
    throttleRate: number;
    serverErrorRate: number;
    /** Restricts random faults to these actions (`"ecs:CreateService"` or `"CreateService"`); all when absent. */
    actions?: string[];
  };
  workload: { crashImages: string[]; unhealthyImages: string[]; errorImages: string[] };
  capacity: { insufficientInstanceTypes: string[] };
}

export type FaultsPatch = {
  throttling?: Partial<FaultsConfig['throttling']>;
  random?: Partial<FaultsConfig['random']>;
  workload?: Partial<FaultsConfig['workload']>;
  capacity?: Partial<FaultsConfig['capacity']>;
};

/** AWS's documented ECS API rate limits (burst / sustained per second). */
export const ECS_RATE_LIMITS: Record<string, RateLimit> = {
  CreateService: { burst: 50, perSecond: 5 },
  UpdateService: { burst: 50, perSecond: 5 },
  DeleteService: { burst: 50, perSecond: 5 },
  DescribeServices: { burst: 100, perSecond: 20 },
  ListServices: { burst: 100, perSecond: 20 },
  CreateCluster: { burst: 20, perSecond: 1 },
  DeleteCluster: { burst: 20, perSecond: 1 },
  PutClusterCapacityProviders: { burst: 20, perSecond: 1 },
  RegisterTaskDefinition: { burst: 20, perSecond: 1 },
  DeregisterTaskDefinition: { burst: 20, perSecond: 1 },
  CreateCapacityProvider: { burst: 10, perSecond: 1 },
  DeleteCapacityProvider: { burst: 10, perSecond: 1 },
  UpdateCapacityProvider: { burst: 10, perSecond: 1 },
  RunTask: { burst: 100, perSecond: 40 },
  StopTask: { burst: 100, perSecond: 40 },
  DescribeTasks: { burst: 100, perSecond: 20 },
  ListTasks: { burst: 100, perSecond: 20 },
};
const ECS_DEFAULT_RATE_LIMIT: RateLimit = { burst: 50, perSecond: 20 };

/** The default configuration: no faults. */
function defaultFaults(): FaultsConfig {
  return {
    throttling: { ecsRateLimits: false, rates: {} },
    random: { seed: 1, throttleRate: 0, serverErrorRate: 0 },
    workload: { crashImages: [], unhealthyImages: [], errorImages: [] },
    capacity: { insufficientInstanceTypes: [] },
  };
}

/** A small seeded PRNG (mulberry32): same seed, same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * DynamoDB's item (data-plane) actions: throttled, they answer ProvisionedThroughputExceededException — on-demand
 * tables too (the DynamoDB API reference, "Common errors" and each item action's Errors) — where its table
 * (control-plane) actions answer ThrottlingException.
 */
const DYNAMODB_ITEM_ACTIONS: ReadonlySet<string> = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
]);

/** The throttling error each service answers with for `action` (HTTP 400, classified as throttling by the SDK). */
function throttlingError(service: string, action = ''): ServiceError {
  if (service === 'dynamodb' && DYNAMODB_ITEM_ACTIONS.has(action)) {
    return new ServiceError(
      'ProvisionedThroughputExceededException',
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      400,
    );
  }
  switch (service) {
    case 'ec2':
      return new ServiceError('RequestLimitExceeded', 'Request limit exceeded.', 400);
    case 'autoscaling':
    case 'elasticloadbalancing':
      return new ServiceError('Throttling', 'Rate exceeded', 400);
    default:
      return new ServiceError('ThrottlingException', 'Rate exceeded', 400);
  }
}

/** The 5xx error each protocol answers with for an injected server fault. */
function serverError(service: string): ServiceError {
  if (service === 'ecs' || service === 'ssm' || service === 'dynamodb') {
    return new ServiceError(
      service === 'ecs' ? 'ServerException' : 'InternalServerError',
      'An internal error occurred (injected by the local cloud).',
      500,
    );
  }
  return new ServiceError(
    'InternalFailure',
    'An internal error occurred (injected by the local cloud).',
    500,
  );
}

/**
 * Fault configuration plus the checks the server applies before dispatch. Workload and
 * capacity fields are read by the services that own them.
 */
export class Faults {
  #config: FaultsConfig = defaultFaults();
  #buckets = new Map<string, TokenBucket>();
  #random: () => number = seededRandom(1);
  #injected = new Map<string, number>();
  readonly #now: () => number;

  constructor(initial?: FaultsPatch, now: () => number = () => performance.now()) {
    this.#now = now;
    if (initial) this.merge(initial);
  }

  /** The current configuration (a copy). */
  get config(): FaultsConfig {
    return structuredClone(this.#config);
  }

  /** Merges a patch into the configuration; buckets and the PRNG restart. */
  merge(patch: FaultsPatch): FaultsConfig {
    const c = this.#config;
    if (patch.throttling) {
      c.throttling = {
        ...c.throttling,
        ...patch.throttling,
        rates: { ...c.throttling.rates, ...(patch.throttling.rates ?? {}) },
      };
    }
    if (patch.random) c.random = { ...c.random, ...patch.random } as FaultsConfig['random'];
    if (patch.workload) c.workload = { ...c.workload, ...patch.workload } as FaultsConfig['workload'];
    if (patch.capacity) c.capacity = { ...c.capacity, ...patch.capacity } as FaultsConfig['capacity'];
    this.#buckets.clear();
    this.#random = seededRandom(c.random.seed);
    return this.config;
  }

  /**
   * How many faults were injected since the last reset, by `<code> <service>:<action>`
   * (`ThrottlingException ecs:CreateService: 3`): what a fault-injection test asserts to know its fault fired.
   */
  injected(): Record<string, number> {
    return Object.fromEntries(this.#injected);
  }

  /** Back to no faults (and no injected count). */
  reset(): void {
    this.#injected.clear();
    this.#config = defaultFaults();
    this.#buckets.clear();
    this.#random = seededRandom(this.#config.random.seed);
  }

  /** True when `instanceType` is configured to fail with insufficient capacity. */
  insufficientCapacity(instanceType: string): boolean {
    return this.#config.capacity.insufficientInstanceTypes.includes(instanceType);
  }

  /**
   * The fault to answer instead of dispatching `service:action` for the caller
   * (`accountId`/`region`), or undefined to proceed. Rate limits are checked first.
   */
  check(
    service: string,
    action: string,
    accountId = '000000000000',
    region = 'us-east-1',
  ): ServiceError | undefined {
    const fault = this.#decide(service, action, accountId, region);
    if (fault) {
      const key = `${fault.code} ${service}:${action}`;
      this.#injected.set(key, (this.#injected.get(key) ?? 0) + 1);
    }
    return fault;
  }

  #decide(service: string, action: string, accountId: string, region: string): ServiceError | undefined {
    const limit = this.#limitFor(service, action);
    if (limit) {
      const key = `${accountId}/${region}/${service}:${action}`;
      let bucket = this.#buckets.get(key);
      if (!bucket) {
        bucket = new TokenBucket(limit.burst, limit.perSecond, this.#now);
        this.#buckets.set(key, bucket);
      }
      if (!bucket.take()) return throttlingError(service, action);
    }
    const r = this.#config.random;
    if (r.throttleRate > 0 || r.serverErrorRate > 0) {
      if (r.actions && !r.actions.includes(action) && !r.actions.includes(`${service}:${action}`))
        return undefined;
      const x = this.#random();
      if (x < r.throttleRate) return throttlingError(service, action);
      if (x < r.throttleRate + r.serverErrorRate) return serverError(service);
    }
    return undefined;
  }

  #limitFor(service: string, action: string): RateLimit | undefined {
    const explicit = this.#config.throttling.rates[`${service}:${action}`];
    if (explicit) return explicit;
    if (service === 'ecs' && this.#config.throttling.ecsRateLimits) {
      return ECS_RATE_LIMITS[action] ?? ECS_DEFAULT_RATE_LIMIT;
    }
    return undefined;
  }
}
