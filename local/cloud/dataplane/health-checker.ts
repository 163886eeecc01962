import { request } from 'node:http';
import type { ClockLike } from './clock-like.ts';

/** A target group's health-check settings, as ELBv2 stores them. */
export interface HealthCheckSettings {
  path: string;
  /** `traffic-port` or a port number as text. */
  port: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** ELBv2 matcher: `200`, `200-299`, `200,302`. */
  matcher: string;
  enabled: boolean;
}

/** ELBv2 target health states. */
type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

/** One target's health as DescribeTargetHealth reports it. */
export interface TargetHealthView {
  state: TargetState;
  reason?: string;
  description?: string;
}

/** A registered target. `address` is the loopback address actually connected to. */
export interface TrackedTarget {
  id: string;
  port: number;
  address: string;
  availabilityZone?: string;
}

interface TargetRecord extends TrackedTarget {
  state: 'initial' | 'healthy' | 'unhealthy' | 'draining';
  reason?: string;
  description?: string;
  successes: number;
  failures: number;
  checking: boolean;
  cancelCheck?: () => void;
  cancelDrain?: () => void;
  stopped: boolean;
}

/** Reason codes and descriptions as ELBv2 returns them. */
export const TARGET_REASONS = {
  registration: ['Elb.RegistrationInProgress', 'Target registration is in progress'],
  initial: ['Elb.InitialHealthChecking', 'Initial health checks in progress'],
  timeout: ['Target.Timeout', 'Request timed out'],
  failed: ['Target.FailedHealthChecks', 'Health checks failed'],
  notInUse: ['Target.NotInUse', 'Target group is not configured to receive traffic from the load balancer'],
  draining: ['Target.DeregistrationInProgress', 'Target deregistration is in progress'],
  notRegistered: ['Target.NotRegistered', 'Target is not registered to the target group'],
} as const;

/** Does an HTTP status satisfy an ELBv2 matcher (`200`, `200-299`, `200,302`)? */
export function matchesHttpCode(matcher: string, status: number): boolean {
  return matcher.split(',').some((part) => {
    const [lo, hi] = part.trim().split('-');
    const low = Number(lo);
    const high = hi === undefined ? low : Number(hi);
    return status >= low && status <= high;
  });
}

/** The loopback address for a target id: `127.x` ids are used as is, anything else maps to 127.0.0.1. */
export function targetAddress(id: string): string {
  return id.startsWith('127.') ? id : '127.0.0.1';
}

const keyOf = (id: string, port: number): string => `${id}:${port}`;

/**
 * Real HTTP health checks for one target group: one loop per target with the group's
 * interval, timeout, thresholds and matcher (intervals scaled by the clock).
 *
 * Checks run only while `active()` holds — a load balancer using the group is `active`. While
 * its load balancer still provisions, a registered target stays `initial` with
 * `Elb.RegistrationInProgress` ("The target is in the process of being registered with the load
 * balancer", ELBv2 API reference, TargetHealth): ALB health checks start once the ALB is active,
 * so time-to-ready is provisioning + healthyThreshold × interval, not their maximum.
 * A target whose security groups do not admit the load balancer (`reachable`) is never connected
 * to: its checks time out (`Target.Timeout`), as when AWS drops the packets.
 */
export class TargetHealthTracker {
  private readonly targets = new Map<string, TargetRecord>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly clock: ClockLike,
    private readonly settings: () => HealthCheckSettings,
    private readonly inUse: () => boolean,
    private readonly active: () => boolean = inUse,
    private readonly reachable: (target: TrackedTarget, port: number) => boolean = () => true,
  ) {}

  /** Calls `fn` whenever a target's state changes. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  /** Registers a target (re-registering a draining one cancels its drain). */
  register(target: TrackedTarget): void {
    const key = keyOf(target.id, target.port);
    const existing = this.targets.get(key);
    if (existing && existing.state !== 'draining') return;
    if (existing) this.stopRecord(existing);
    const [reason, description] = TARGET_REASONS.registration;
    const record: TargetRecord = {
      ...target,
      state: 'initial',
      reason,
      description,
      successes: 0,
      failures: 0,
      checking: false,
      stopped: false,
    };
    this.targets.set(key, record);
    this.schedule(record);
    this.changed();
  }

  /** Starts draining a target; it disappears after `delayAwsMs` (AWS time), then `onDrained` runs. */
  deregister(id: string, port: number, delayAwsMs: number, onDrained?: () => void): boolean {
    const record = this.targets.get(keyOf(id, port));
    if (!record || record.state === 'draining') return false;
    record.cancelCheck?.();
    const [reason, description] = TARGET_REASONS.draining;
    Object.assign(record, { state: 'draining', reason, description });
    record.cancelDrain = this.clock.timer(delayAwsMs, () => {
      if (this.targets.get(keyOf(id, port)) === record) this.targets.delete(keyOf(id, port));
      record.stopped = true;
      this.changed();
      onDrained?.();
    });
    this.changed();
    return true;
  }

  /** Every target currently known (including draining ones). */
  list(): TrackedTarget[] {
    return [...this.targets.values()].map(({ id, port, address, availabilityZone }) => ({
      id,
      port,
      address,
      ...(availabilityZone === undefined ? {} : { availabilityZone }),
    }));
  }

  /** Is this target registered (or draining)? */
  has(id: string, port: number): boolean {
    return this.targets.has(keyOf(id, port));
  }

  /** A target's health, `undefined` when it is not registered. */
  health(id: string, port: number): TargetHealthView | undefined {
    const record = this.targets.get(keyOf(id, port));
    if (!record) return undefined;
    if (record.state !== 'draining' && !this.inUse()) {
      const [reason, description] = TARGET_REASONS.notInUse;
      return { state: 'unused', reason, description };
    }
    if (record.state !== 'draining' && !this.settings().enabled) {
      return {
        state: 'unavailable',
        reason: 'Target.HealthCheckDisabled',
        description: 'Health checks are disabled',
      };
    }
    return {
      state: record.state,
      ...(record.reason === undefined ? {} : { reason: record.reason }),
      ...(record.description === undefined ? {} : { description: record.description }),
    };
  }

  /** Targets that may receive traffic: healthy ones (all non-draining ones when health checks are disabled). */
  healthyTargets(): TrackedTarget[] {
    const enabled = this.settings().enabled;
    return [...this.targets.values()]
      .filter((t) => (enabled ? t.state === 'healthy' : t.state !== 'draining'))
      .sort((a, b) => keyOf(a.id, a.port).localeCompare(keyOf(b.id, b.port)));
  }

  /** Stops every loop and timer and forgets all targets. */
  stop(): void {
    for (const record of this.targets.values()) this.stopRecord(record);
    this.targets.clear();
  }

  private stopRecord(record: TargetRecord): void {
    record.stopped = true;
    record.cancelCheck?.();
    record.cancelDrain?.();
  }

  private schedule(record: TargetRecord): void {
    if (record.stopped || record.state === 'draining') return;
    const interval = this.settings().intervalSeconds * 1000;
    record.cancelCheck = this.clock.timer(interval, () => {
      void this.check(record);
    });
  }

  private async check(record: TargetRecord): Promise<void> {
    if (record.stopped || record.state === 'draining') return;
    const settings = this.settings();
    if (!this.inUse() || !this.active() || !settings.enabled || record.checking) {
      this.schedule(record);
      return;
    }
    if (record.reason === TARGET_REASONS.registration[0]) {
      [record.reason, record.description] = TARGET_REASONS.initial;
      this.changed();
    }
    record.checking = true;
    const result = await this.probe(record, settings);
    record.checking = false;
    if (record.stopped || (record.state as TargetRecord['state']) === 'draining') return;
    const before = `${record.state}|${record.reason}`;
    if (result.ok) {
      record.successes += 1;
      record.failures = 0;
      if (record.state !== 'healthy' && record.successes >= settings.healthyThreshold) {
        record.state = 'healthy';
        delete record.reason;
        delete record.description;
      }
    } else {
      record.failures += 1;
      record.successes = 0;
      if (record.state !== 'unhealthy' && record.failures >= settings.unhealthyThreshold) {
        record.state = 'unhealthy';
      }
      if (record.state === 'unhealthy') {
        record.reason = result.reason;
        record.description = result.description;
      }
    }
    if (before !== `${record.state}|${record.reason}`) this.changed();
    this.schedule(record);
  }

  private probe(
    target: TargetRecord,
    settings: HealthCheckSettings,
  ): Promise<{ ok: true } | { ok: false; reason: string; description: string }> {
    const port = settings.port === 'traffic-port' ? target.port : Number(settings.port);
    const timeout = Math.max(this.clock.ms(settings.timeoutSeconds * 1000), 500);
    if (!this.reachable(target, port)) {
      // The target's security groups drop the load balancer's packets: the check times out.
      return new Promise((resolve) => {
        const timer = setTimeout(
          () =>
            resolve({ ok: false, reason: TARGET_REASONS.timeout[0], description: TARGET_REASONS.timeout[1] }),
          timeout,
        );
        timer.unref?.();
      });
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (value: { ok: true } | { ok: false; reason: string; description: string }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      };
      const req = request(
        {
          host: target.address,
          port,
          path: settings.path,
          method: 'GET',
          headers: { 'user-agent': 'ELB-HealthChecker/2.0' },
          agent: false,
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          if (matchesHttpCode(settings.matcher, status)) finish({ ok: true });
          else
            finish({
              ok: false,
              reason: 'Target.ResponseCodeMismatch',
              description: `Health checks failed with these codes: [${status}]`,
            });
        },
      );
      const timer = setTimeout(() => {
        finish({ ok: false, reason: TARGET_REASONS.timeout[0], description: TARGET_REASONS.timeout[1] });
        req.destroy();
      }, timeout);
      req.on('error', () =>
        finish({ ok: false, reason: TARGET_REASONS.failed[0], description: TARGET_REASONS.failed[1] }),
      );
      req.end();
    });
  }
}
