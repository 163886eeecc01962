import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, type Synthesized, synthesize } from './helpers.ts';
import { normalizeTemplate } from './helpers-snapshot.ts';

let synth: Synthesized;

beforeAll(() => {
  synth = synthesize();
});
afterAll(() => cleanup(synth));

describe('template snapshots', () => {
  it('keeps the network template stable', async () => {
    await expect(
      `${JSON.stringify(normalizeTemplate(synth.network.toJSON()), null, 2)}\n`,
    ).toMatchFileSnapshot('./__snapshots__/berth-network.template.json');
  });

  it('keeps the orchestrator template stable', async () => {
    await expect(
      `${JSON.stringify(normalizeTemplate(synth.orchestrator.toJSON()), null, 2)}\n`,
    ).toMatchFileSnapshot('./__snapshots__/berth-orchestrator.template.json');
  });
});
