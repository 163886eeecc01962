import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesizeFunctionPolicies } from '../../infra/export-function-policies.ts';

describe('function-policies.json', () => {
  it('matches a fresh synthesis (run `npm run iam:policies` after changing infra/handler-permissions.ts)', () => {
    const checkedIn = readFileSync(
      join(import.meta.dirname, '../../local/cloud/core/iam/function-policies.json'),
      'utf8',
    );
    expect(checkedIn).toBe(synthesizeFunctionPolicies());
  });
});
