import type { DelayName, TimeProfile } from './time-profile.ts';
import { BASE_DELAYS } from './time-profile.ts';

/**
 * Time for the emulator: AWS-like durations scaled by the profile factor, and timers
 * that are tracked so that stop/reset clears them all.
 */
export class Clock {
  readonly #profile: TimeProfile;
  readonly #now: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(profile: TimeProfile, now: () => number = Date.now) {
    this.#profile = profile;
    this.#now = now;
  }

  /** The current time. */
  now(): Date {
    return new Date(this.#now());
  }

  /**
   * Real milliseconds for an AWS-like duration: scaled by the profile factor, and at least 1 ms for
   * any positive duration, so that no modeled delay or window of inconsistency vanishes in a fast
   * profile (issue 9: "never zero").
   */
  ms(awsMs: number): number {
    if (!(awsMs > 0)) return 0;
    return Math.max(1, Math.round(awsMs * this.#profile.factor));
  }

  /** Real milliseconds for one of the named base delays. */
  delay(name: DelayName): number {
    return this.ms(BASE_DELAYS[name]);
  }

  /** Runs `fn` after the scaled duration; returns a function that cancels it. */
  timer(awsMs: number, fn: () => void): () => void {
    const handle = setTimeout(() => {
      this.#timers.delete(handle);
      fn();
    }, this.ms(awsMs));
    handle.unref?.();
    this.#timers.add(handle);
    return () => {
      clearTimeout(handle);
      this.#timers.delete(handle);
    };
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Cancels every pending timer. */
  clear(): void {
    for (const handle of this.#timers) clearTimeout(handle);
    this.#timers.clear();
  }
}
