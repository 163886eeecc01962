/**
 * The part of the cloud's clock the data plane uses. Structural, so the data plane
 * classes can be unit-tested with a tiny fake and run with the cloud's real clock.
 */
export interface ClockLike {
  now(): Date;
  /** Real milliseconds for an AWS-time duration. */
  ms(awsMs: number): number;
  /** Runs `fn` after an AWS-time duration (scaled); returns a cancel function. */
  timer(awsMs: number, fn: () => void): () => void;
}
