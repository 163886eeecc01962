/**
 * The chaos tests' seed: `BERTH_CHAOS_SEED` or a fixed default, so that a run is reproducible
 * (`BERTH_CHAOS_SEED=<seed> npx vitest run test/chaos`). Failures print it.
 */
const DEFAULT_CHAOS_SEED = 20261125;

/** The seed for this run. */
export function chaosSeed(): number {
  const raw = process.env['BERTH_CHAOS_SEED'];
  if (raw === undefined || raw === '') return DEFAULT_CHAOS_SEED;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`BERTH_CHAOS_SEED must be an integer, got ${raw}`);
  return seed;
}

/** A small seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `fn`; on failure, rethrows with the seed and how to reproduce in the message. */
export async function withSeed<T>(seed: number, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const cause =
      error instanceof Error && error.cause instanceof Error ? `\ncause: ${error.cause.message}` : '';
    const message = `${error instanceof Error ? error.message : String(error)}${cause}`;
    const wrapped = new Error(
      `${what} failed with seed ${seed} (reproduce: BERTH_CHAOS_SEED=${seed} npx vitest run test/chaos): ${message}`,
    );
    if (error instanceof Error && error.stack) wrapped.stack = `${wrapped.message}\n${error.stack}`;
    throw wrapped;
  }
}
