import { describe, expect, it } from 'vitest';
import { cleanup, synthesize } from './helpers.ts';

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged findings for the default app', () => {
    const synth = synthesize();
    cleanup(synth);

    expect(synth.findings).toEqual([]);
  });
});
