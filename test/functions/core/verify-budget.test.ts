import { describe, expect, it } from 'vitest';
import { parseEnvSpec } from '../../../functions/core/env-spec.ts';
import { verifyBudget } from '../../../functions/core/verify-budget.ts';

const base = { name: 'demo', image: 'nginx:1.27', owner: 'ana' };

describe('verifyBudget', () => {
  it.each([
    {
      what: 'a dedicated EC2 up: the ALB provisions while instances boot, then 5 × 30 s checks',
      spec: {},
      operation: 'up',
      seconds: 1800 + 30 * 6 + 5,
    },
    {
      what: 'a shared Fargate up: no ALB to wait for',
      spec: { launchType: 'FARGATE', networkMode: 'awsvpc', loadBalancer: { mode: 'shared' } },
      operation: 'up',
      seconds: 120 + 120 + 185,
    },
    {
      what: 'an EC2 scale: managed-scaling warm-up, boot, start, checks and the old targets draining',
      spec: {},
      operation: 'scale',
      seconds: 300 + 300 + 120 + 185 + 30,
    },
    {
      what: 'a redeploy: start, checks and draining',
      spec: {},
      operation: 'redeploy',
      seconds: 120 + 185 + 30,
    },
    {
      what: "a dedicated up with the spec's own health checks (10 s × 3, timeout 4 s)",
      spec: { healthCheck: { intervalSeconds: 10, healthyThreshold: 3, timeoutSeconds: 4 } },
      operation: 'up',
      seconds: 1800 + 10 * 4 + 4,
    },
  ])('allows $what', ({ spec, operation, seconds }) => {
    const budget = verifyBudget(parseEnvSpec({ ...base, ...spec }), operation, {
      deregistrationDelaySeconds: 30,
    });
    expect(budget.seconds).toBe(seconds);
    expect(budget.formula.endsWith(`= ${seconds} s`)).toBe(true);
  });

  it('names every part it waits for', () => {
    const budget = verifyBudget(parseEnvSpec(base), 'up');
    expect(budget.parts.map((part) => part.step)).toEqual([
      'ALB provisioning',
      'instance boot and registration',
      'image pull and task start',
      'health checks (5 × 30 s, timeout 5 s)',
    ]);
  });
});
