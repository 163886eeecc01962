/**
 * The local runtime's scheduler: what EventBridge Scheduler does when deployed — runs jobs on a rate — for the
 * local platform. Each job is a function invocation (the same handler the deployed schedule targets). A run that is
 * still going when the next is due is not overlapped.
 */

export interface ScheduledJob {
  /** The job's name (the handler file it invokes). */
  readonly name: string;
  /** Milliseconds between runs; 0 never runs it on its own (tests run it with {@link LocalScheduler.run}). */
  readonly everyMs: number;
  readonly run: () => Promise<unknown>;
}

/**
 * Runs jobs every `everyMs` until stopped; `run(name)` runs one now (and is what the timer calls).
 *
 * @example const scheduler = new LocalScheduler([{ name: 'expiry-warnings', everyMs: 60_000, run }]); scheduler.start();
 */
export class LocalScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly jobs: readonly ScheduledJob[],
    private readonly onError: (name: string, error: unknown) => void = () => {},
  ) {}

  /** Starts the timers of the jobs that have a rate. */
  start(): void {
    for (const job of this.jobs) {
      if (job.everyMs <= 0) continue;
      const timer = setInterval(() => {
        if (!this.running.has(job.name)) this.run(job.name).catch((error) => this.onError(job.name, error));
      }, job.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Runs a job now and returns its result (joins a run already going). */
  run(name: string): Promise<unknown> {
    const job = this.jobs.find((j) => j.name === name);
    if (job === undefined) return Promise.reject(new Error(`no scheduled job ${name}`));
    const going = this.running.get(name);
    if (going !== undefined) return going;
    const run = job.run().finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  /** Stops the timers and waits for runs in progress. */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.running.values()]);
  }
}
