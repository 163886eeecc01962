import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../../functions/handlers/config.ts';
import { HANDLER_SETTINGS } from '../../../functions/handlers/settings.ts';
import { ALL_HANDLERS } from '../../../infra/handler-catalog.ts';

const HANDLERS = join(dirname(fileURLToPath(import.meta.url)), '../../../functions/handlers');

describe('settings declaration (functions/handlers/settings.ts) and handler catalog', () => {
  it('declares the settings of every catalog handler, and of nothing else', () => {
    expect(ALL_HANDLERS.map((e) => e.file).sort()).toEqual(Object.keys(HANDLER_SETTINGS).sort());
    for (const entry of ALL_HANDLERS) {
      expect(entry.settings, entry.id).toBe(HANDLER_SETTINGS[entry.file]);
      expect(existsSync(join(HANDLERS, `${entry.file}.ts`)), entry.file).toBe(true);
    }
  });

  it('names known variables, each once per handler', () => {
    for (const [file, { required, optional }] of Object.entries(HANDLER_SETTINGS)) {
      const all: string[] = [...required, ...optional];
      expect(new Set(all).size, file).toBe(all.length);
      for (const variable of all) expect(Object.keys(CONFIG_VARIABLES), file).toContain(variable);
    }
  });
});
