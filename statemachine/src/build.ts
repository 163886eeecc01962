/**
 * Writes `statemachine/<name>.asl.json` from the TypeScript sources (`npm run asl`). The JSON files are the
 * artifact CDK deploys and the local runtime runs; `test/statemachine/src/build.test.ts` fails when they differ
 * from what this writes.
 *
 * @example
 * npm run asl            # writes statemachine/lifecycle.asl.json and statemachine/nightly-teardown.asl.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Machine, render } from './asl.ts';
import { lifecycle } from './lifecycle.ts';
import { nightlyTeardown } from './nightly-teardown.ts';

/** Every state machine, by the file name it is written to (`<name>.asl.json`). */
export const MACHINES: Readonly<Record<'lifecycle' | 'nightly-teardown', () => Machine>> = {
  lifecycle: () => lifecycle(),
  'nightly-teardown': nightlyTeardown,
};

export type MachineName = keyof typeof MACHINES;

const aslFile = (name: MachineName): string => fileURLToPath(new URL(`../${name}.asl.json`, import.meta.url));

/** The ASL text the source generates for one machine. */
export const generate = (name: MachineName): string => render(MACHINES[name]());

const main = (): void => {
  for (const name of Object.keys(MACHINES) as MachineName[]) {
    const file = aslFile(name);
    const text = generate(name);
    let before = '';
    try {
      before = readFileSync(file, 'utf8');
    } catch {
      // a new machine
    }
    if (before === text) {
      console.log(`${name}.asl.json: unchanged`);
      continue;
    }
    writeFileSync(file, text);
    console.log(`${name}.asl.json: written (${text.split('\n').length - 1} lines)`);
  }
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
