import { describe, expect, it } from 'vitest';
import { formatPlan, pendingSteps, stageSteps, step } from '../../../functions/core/plan.ts';

const steps = [
  step('service', 'update', 'ECS service berth-demo', 'scale to 0 (desired count 2)'),
  step('load-balancer', 'delete', 'load balancer berth-demo-alb', 'dedicated ALB (active)'),
  step('network', 'keep', 'security group berth-demo-alb', 'exists'),
];

describe('formatPlan', () => {
  it('prints one aligned, numbered line per step', () => {
    expect(formatPlan(steps)).toBe(
      [
        '1. service        update  ECS service berth-demo — scale to 0 (desired count 2)',
        '2. load-balancer  delete  load balancer berth-demo-alb — dedicated ALB (active)',
        '3. network        keep    security group berth-demo-alb — exists',
      ].join('\n'),
    );
  });

  it('pads step numbers when there are ten or more steps', () => {
    const many = Array.from({ length: 10 }, (_, index) => step('s', 'wait', `r${index}`, 'why'));
    const lines = formatPlan(many).split('\n');
    expect(lines[0]).toBe(' 1. s  wait  r0 — why');
    expect(lines[9]).toBe('10. s  wait  r9 — why');
  });

  it('says so when there is nothing to do', () => {
    expect(formatPlan([])).toBe('No changes.');
  });
});

describe('plan helpers', () => {
  it('keeps only steps that change or wait', () => {
    expect(pendingSteps(steps).map((planStep) => planStep.action)).toEqual(['update', 'delete']);
  });

  it('selects one stage', () => {
    expect(stageSteps(steps, 'network')).toEqual([steps[2]]);
  });
});
