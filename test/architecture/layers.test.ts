import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sourceFiles(dir: string): string[] {
  const absolute = join(ROOT, dir);
  let entries: string[];
  try {
    entries = readdirSync(absolute);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(absolute, entry);
    if (statSync(path).isDirectory())
      return entry === 'node_modules' ? [] : sourceFiles(relative(ROOT, path));
    return /\.(?:ts|mts|cts|js|mjs)$/.test(entry) && !entry.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

/** Module specifiers of static imports, re-exports, side-effect imports, dynamic imports and require calls. */
function importsOf(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] ?? ''));
}

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const resolvesInto = (file: string, specifier: string, dir: string): boolean =>
  specifier.startsWith('.') &&
  `${resolve(ROOT, dirname(file), specifier)}${sep}`.startsWith(join(ROOT, dir) + sep);

describe('importsOf', () => {
  it('finds every import form', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from '@aws-sdk/client-ecs';",
      "import 'side-effect';",
      "const d = await import('./d.ts');",
      "const e = require('e');",
      'import {\n  f,\n  g,\n} from "multi-line";',
    ].join('\n');
    expect(importsOf(source).sort()).toEqual(
      ['./a.ts', '../b.ts', '@aws-sdk/client-ecs', 'side-effect', './d.ts', 'e', 'multi-line'].sort(),
    );
  });
});

describe('architecture', () => {
  const core = sourceFiles('functions/core');

  it('finds the core sources', () => {
    expect(core.length).toBeGreaterThanOrEqual(10);
  });

  it('keeps functions/core importing only zod mini (through zod.ts), node:crypto and core files', () => {
    const ZOD_MINI = ['zod/mini', 'zod/v4/locales/en.js'];
    const offending = core.flatMap((file) =>
      importsOf(read(file))
        .filter(
          (specifier) =>
            !(file.endsWith('functions/core/zod.ts') && ZOD_MINI.includes(specifier)) &&
            specifier !== 'node:crypto' &&
            !resolvesInto(file, specifier, 'functions/core'),
        )
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps functions/core free of process.env, Date.now() and Math.random()', () => {
    const offending = core.flatMap((file) => {
      const source = read(file);
      return ['process.env', 'Date.now(', 'Math.random(']
        .filter((word) => source.includes(word))
        .map((word) => `${file}: ${word}`);
    });
    expect(offending).toEqual([]);
  });

  it('lets only functions/adapters import @aws-sdk', () => {
    const offending = sourceFiles('functions')
      .filter((file) => !file.startsWith(`functions${sep}adapters${sep}`))
      .flatMap((file) =>
        importsOf(read(file))
          .filter((specifier) => specifier.startsWith('@aws-sdk/'))
          .map((specifier) => `${file} imports ${specifier}`),
      );
    expect(offending).toEqual([]);
  });

  it('keeps local/cloud from importing functions/', () => {
    const offending = sourceFiles('local/cloud').flatMap((file) =>
      importsOf(read(file))
        .filter(
          (specifier) => resolvesInto(file, specifier, 'functions') || /(?:^|\/)functions\//.test(specifier),
        )
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });
});
