/**
 * The schemas of functions/core are built on first use, not at module load (docs/decisions/0006: constructing them
 * was ~20–30 ms of each Lambda cold start): every exported schema is a `z.lazy` whose inner schema is created when
 * a value is first validated with it.
 */
import { describe, expect, it } from 'vitest';
import * as accessPolicy from '../../../functions/core/access-policy.ts';
import * as cost from '../../../functions/core/cost.ts';
import * as envSpec from '../../../functions/core/env-spec.ts';
import * as operation from '../../../functions/core/operation.ts';
import * as records from '../../../functions/core/records.ts';

type Schema = { _zod: { def: { type: string } } };
const schemasOf = (module: Record<string, unknown>): [string, Schema][] =>
  Object.entries(module).filter(
    (entry): entry is [string, Schema] =>
      entry[0].endsWith('Schema') && typeof (entry[1] as Schema | undefined)?._zod?.def === 'object',
  );

describe('core schemas', () => {
  const all = [accessPolicy, cost, envSpec, operation, records].flatMap((m) =>
    schemasOf(m as unknown as Record<string, unknown>),
  );

  it('are all lazy: nothing is constructed at import', () => {
    expect(all.length).toBeGreaterThanOrEqual(20);
    expect(all.filter(([, schema]) => schema._zod.def.type !== 'lazy').map(([name]) => name)).toEqual([]);
  });

  it('validate as before once built (a spec, a bad name, a record)', () => {
    expect(envSpec.parseEnvSpec({ name: 'demo', image: 'nginx:1.27', owner: 'ana' }).cpu).toBe(256);
    expect(() => envSpec.parseEnvSpec({ name: 'Demo', image: 'nginx', owner: 'ana' })).toThrow(/^name: /);
    expect(() => records.parseLockRecord({ token: 1 })).toThrow(/registry item lock\.token: Invalid input/);
  });
});
