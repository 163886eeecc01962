/**
 * A token bucket as AWS documents it for the ECS API ("Request throttling for the Amazon ECS API"): the
 * bucket's maximum capacity is the burst rate, each request takes a token, the bucket refills at the
 * sustained rate (`perSecond` tokens each second) and a refill that finds it full is discarded. AWS words
 * the refill as "a set number of tokens every second"; here it accrues continuously at that rate (the same
 * count at every whole second, and a rate below 1/s still gives a token every 1 ÷ rate seconds). The
 * emulator's rate limits are per real second whatever the time profile, because the SDK clients calling it
 * run in real time.
 */
/** Accrual in many small steps must not lose a token to floating-point rounding (0.1 × 10 < 1). */
const EPSILON = 1e-9;
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
    if (this.#tokens >= 1 - EPSILON) {
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
