/**
 * A token bucket that refills in real time: `burst` tokens at most, `perSecond`
 * tokens added each second. The emulator's rate limits are per real second whatever
 * the time profile, because the SDK clients calling it run in real time.
 */
export class TokenBucket {
  readonly burst: number;
  readonly perSecond: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(burst: number, perSecond: number, now: () => number = () => performance.now()) {
    this.burst = burst;
    this.perSecond = perSecond;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes one token; false when the bucket is empty (the call is throttled). */
  take(): boolean {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Tokens available now. */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + elapsed * this.perSecond);
  }
}
