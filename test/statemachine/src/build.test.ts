import { describe, expect, it } from 'vitest';
import { render } from '../../../statemachine/src/asl.ts';
import { generate, MACHINES, type MachineName } from '../../../statemachine/src/build.ts';
import { lifecycle } from '../../../statemachine/src/lifecycle.ts';
import { readAsl } from '../harness.ts';

const NAMES = Object.keys(MACHINES) as MachineName[];

describe.each(NAMES)('statemachine/%s.asl.json', (name) => {
  it('is exactly what statemachine/src generates (run `npm run asl` after changing the source)', () => {
    const committed = readAsl(name);
    const generated = generate(name);

    expect(committed === generated, `statemachine/${name}.asl.json is stale: run \`npm run asl\``).toBe(true);
  });
});

describe('the generated lifecycle', () => {
  it('changes when the source changes', () => {
    const changed = lifecycle();
    const states = { ...changed.States, SetDefaults: { Type: 'Pass' as const, Next: 'MergeDefaults' } };

    expect(render({ ...changed, States: states })).not.toBe(readAsl('lifecycle'));
  });
});
