import { describe, expect, it } from 'vitest';
import { parseEnvSpec } from '../../../functions/core/env-spec.ts';
import { nextCheck, type PreviousCheck } from '../../../functions/core/next-check.ts';
import { resumeWaitingFor } from '../../../functions/core/plan-pause.ts';

const spec = parseEnvSpec({ name: 'demo', image: 'nginx:1.27', owner: 'alice' });

/** The waits a resume asks for while it keeps waiting for the same thing. */
function waits(waiting: 'instances' | 'health-checks', n: number): number[] {
  const out: number[] = [];
  let previous: PreviousCheck | undefined;
  for (let i = 0; i < n; i++) {
    const next = nextCheck(waiting, spec, previous);
    out.push(next.seconds);
    previous = { waitingFor: waiting, waitSeconds: next.seconds, waitStep: next.step };
  }
  return out;
}

describe('resume waits', () => {
  it('wait for the instances at the capacity stage and for the health checks behind the waking page', () => {
    expect(resumeWaitingFor({ stage: 'capacity' })).toBe('instances');
    expect(resumeWaitingFor({ stage: 'load-balancer' })).toBe('health-checks');
  });

  it('are sized to what they wait for, then back off (not a fixed 35 s each)', () => {
    expect(waits('instances', 4)).toEqual([60, 10, 20, 30]);
    // 5 healthy checks 30 s apart (the spec's defaults) after the service is restored.
    expect(waits('health-checks', 4)).toEqual([150, 10, 20, 30]);
  });
});
