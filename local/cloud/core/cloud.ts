import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Clock } from './clock.ts';
import type { FaultsPatch } from './faults.ts';
import { Faults } from './faults.ts';
import { Metrics } from './metrics.ts';
import type { TimeProfile, TimeProfileName } from './time-profile.ts';
import { resolveTimeProfile } from './time-profile.ts';

/** A non-AWS HTTP route on the cloud's port (the ALB front door). Checked before AWS dispatch. */
export interface HttpRoute {
  match(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export interface CloudOptions {
  profile?: TimeProfileName;
  factor?: number;
  faults?: FaultsPatch;
  /** Wall clock in ms (tests may pass a fake). */
  now?: () => number;
}

/** Payload of the `instance:running` bus event. */
export interface InstanceRunningEvent {
  accountId: string;
  region: string;
  instanceId: string;
  instanceType: string;
  cpu: number;
  memoryMiB: number;
  /** Decoded user data (contains `ECS_CLUSTER=<name>` for ECS hosts). */
  userData: string;
  autoScalingGroupName?: string;
  privateIpAddress: string;
  availabilityZone: string;
}

/** Payload of the `instance:terminating` bus event. */
export interface InstanceTerminatingEvent {
  accountId: string;
  region: string;
  instanceId: string;
}

/**
 * The shared state of one local cloud: clock, profile, event bus, faults, and the
 * service backends (memoised per service/account/region). The cloud knows no service: each
 * service module offers a typed accessor over {@link Cloud.backend} (`ec2Backend(cloud, …)`,
 * `autoScalingBackend(cloud, …)`), so services depend on the core and on each other one way only.
 */
export class Cloud {
  readonly profile: TimeProfile;
  readonly clock: Clock;
  readonly bus = new EventEmitter();
  readonly faults: Faults;
  readonly metrics = new Metrics();
  /**
   * The Lambda service the ALBs invoke for `lambda` target groups (the local runtime attaches its own; the
   * cloud itself runs no function code). Resolves to the function's result, rejects when it failed.
   */
  lambdaInvoker?: (functionArn: string, event: unknown) => Promise<unknown>;
  readonly #initialFaults: FaultsPatch | undefined;
  readonly #backends = new Map<string, unknown>();
  readonly #routes: HttpRoute[] = [];
  readonly #dumpers = new Map<string, () => unknown>();
  readonly #resetFns: Array<() => void | Promise<void>> = [];
  readonly #stopFns: Array<() => void | Promise<void>> = [];

  constructor(options: CloudOptions = {}) {
    this.profile = resolveTimeProfile(options.profile ?? 'instant', options.factor);
    this.clock = new Clock(this.profile, options.now);
    this.#initialFaults = options.faults;
    this.faults = new Faults(options.faults);
    this.bus.setMaxListeners(100);
  }

  /** The backend of `service` for one account and region, created on first use. */
  backend<T>(service: string, accountId: string, region: string, create: () => T): T {
    const key = `${service}/${accountId}/${region}`;
    if (!this.#backends.has(key)) this.#backends.set(key, create());
    return this.#backends.get(key) as T;
  }

  /** `"<accountId>/<region>"` of every backend of `service` created so far. */
  backendKeys(service: string): string[] {
    const prefix = `${service}/`;
    return [...this.#backends.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Registers a non-AWS HTTP route (checked before `/_berth/*` and AWS dispatch). */
  addHttpRoute(route: HttpRoute): void {
    this.#routes.push(route);
  }

  /** The registered HTTP routes, in registration order. */
  get httpRoutes(): readonly HttpRoute[] {
    return this.#routes;
  }

  /** Registers a section of `/_berth/state`. */
  addStateDumper(name: string, dump: () => unknown): void {
    this.#dumpers.set(name, dump);
  }

  /** Every section of `/_berth/state`. */
  dumpState(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      profile: this.profile,
      faults: this.faults.config,
    };
    for (const [name, dump] of this.#dumpers) {
      try {
        out[name] = dump();
      } catch (err) {
        out[name] = { error: String(err) };
      }
    }
    return out;
  }

  /** Runs `fn` on every reset (before backends are dropped). */
  onReset(fn: () => void | Promise<void>): void {
    this.#resetFns.push(fn);
  }

  /** Runs `fn` when the cloud stops. */
  onStop(fn: () => void | Promise<void>): void {
    this.#stopFns.push(fn);
  }

  /** Back to a fresh cloud: timers cleared, reset hooks run, backends dropped, faults as at start, metrics zeroed. */
  async reset(): Promise<void> {
    this.clock.clear();
    for (const fn of this.#resetFns) await fn();
    this.clock.clear();
    this.#backends.clear();
    this.faults.reset();
    if (this.#initialFaults) this.faults.merge(this.#initialFaults);
    this.metrics.reset();
  }

  /** Stops timers and runs stop hooks. */
  async stop(): Promise<void> {
    this.clock.clear();
    for (const fn of this.#stopFns) await fn();
    this.clock.clear();
  }
}
