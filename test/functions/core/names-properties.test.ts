import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnvNameSchema } from '../../../functions/core/env-spec.ts';
import { executionName, NAME_LIMITS, resourceNames } from '../../../functions/core/names.ts';

/** Legal environment names: a letter, then letters/digits/hyphens (no "--"), ending in a letter or digit. */
const envName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/)
  .filter((name) => EnvNameSchema.safeParse(name).success);

describe('names (properties)', () => {
  it('keeps every derived name within its AWS limit for any legal env name', () => {
    fc.assert(
      fc.property(envName, (env) => {
        const names = resourceNames(env);
        for (const [key, limit] of Object.entries(NAME_LIMITS)) {
          expect(names[key as keyof typeof NAME_LIMITS].length).toBeLessThanOrEqual(limit);
        }
      }),
      { seed: 20261125, numRuns: 300 },
    );
  });

  it('gives a safe, bounded, deterministic execution name for any request id', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('up', 'down', 'scale', 'redeploy', 'extend'),
        envName,
        fc.string({ maxLength: 300 }),
        (op, env, id) => {
          const name = executionName(op, env, id);
          expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
          expect(executionName(op, env, id)).toBe(name);
        },
      ),
      { seed: 20261125, numRuns: 300 },
    );
  });

  it('never gives two request ids the same execution name', () => {
    fc.assert(
      fc.property(envName, fc.string({ maxLength: 120 }), fc.string({ maxLength: 120 }), (env, a, b) => {
        fc.pre(a !== b);
        expect(executionName('up', env, a)).not.toBe(executionName('up', env, b));
      }),
      { seed: 20261125, numRuns: 300 },
    );
  });
});
