import { describe, expect, it } from 'vitest';
import { SHIPPED_PRICES } from '../../../functions/core/cost.ts';
import {
  accrueUsage,
  environmentCost,
  type RecordedUsage,
} from '../../../functions/core/environment-cost.ts';
import { stateTransitionsOf } from '../../../functions/core/state-transitions.ts';

describe('stateTransitionsOf', () => {
  it('counts one transition per state entered', () => {
    expect(
      stateTransitionsOf([
        'ExecutionStarted',
        'PassStateEntered',
        'PassStateExited',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'WaitStateEntered',
        'WaitStateExited',
        'ChoiceStateEntered',
        'ChoiceStateExited',
        'SucceedStateEntered',
        'ExecutionSucceeded',
      ]),
    ).toBe(5);
  });

  it('counts each retry of a task as one more transition', () => {
    expect(
      stateTransitionsOf([
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionFailed',
        'LambdaFunctionScheduled',
        'LambdaFunctionFailed',
        'LambdaFunctionScheduled',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskSucceeded',
        'TaskStateExited',
      ]),
    ).toBe(2 + 2);
  });

  it('counts nothing in an empty history', () => {
    expect(stateTransitionsOf([])).toBe(0);
  });
});

describe('state transitions in the cost', () => {
  const observedAt = '2026-11-30T00:00:00.000Z';
  const usage: RecordedUsage = {
    resources: {
      region: 'us-east-1',
      instances: [{ type: 't3.small', count: 1 }],
      loadBalancer: { mode: 'dedicated' },
    },
    observedAt,
    accruedUsd: 0,
    stateTransitions: 400,
  };

  it('adds them once to the cost since created, as a one-off line, never to the hourly cost', () => {
    const cost = environmentCost(usage, SHIPPED_PRICES, new Date('2026-11-30T02:00:00.000Z'));

    // Hourly: 0.0208 (t3.small) + 30 × 0.08 / 730 (gp3) + 0.0225 (ALB) = 0.046587671…
    // Since created: 2 h × 0.046587671… + 400 × $0.000025 = 0.093175342… + 0.01 = 0.103175
    expect(cost).toMatchObject({
      hourlyUsd: 0.046588,
      sinceCreatedUsd: 0.103175,
      oneOff: [{ item: '400 state transitions', usd: 0.01 }],
    });
  });

  it('accumulates each finished operation once: a retried record of the same execution adds nothing', () => {
    const now = new Date('2026-11-30T01:00:00.000Z');
    const first = accrueUsage(usage, undefined, 'ready', SHIPPED_PRICES, now, {
      executionArn: 'arn:exec:scale',
      count: 37,
      region: 'us-east-1',
    });
    const retried = accrueUsage(first, undefined, 'ready', SHIPPED_PRICES, now, {
      executionArn: 'arn:exec:scale',
      count: 37,
      region: 'us-east-1',
    });

    expect(first?.stateTransitions).toBe(437);
    expect(retried?.stateTransitions).toBe(437);
    // The hourly period in between is accrued without the transitions (they are counted once, in the total).
    expect(first?.accruedUsd).toBe(0.046588);
  });

  it('starts a usage from the transitions alone when an operation observed nothing (a failed up)', () => {
    const now = new Date('2026-11-30T01:00:00.000Z');
    const usage = accrueUsage(undefined, undefined, 'failed', SHIPPED_PRICES, now, {
      executionArn: 'arn:exec:up',
      count: 120,
      region: 'us-east-1',
    });

    expect(usage).toMatchObject({ resources: { region: 'us-east-1', instances: [] }, stateTransitions: 120 });
    // 120 × $0.000025 = $0.003
    expect(environmentCost(usage, SHIPPED_PRICES, now)).toMatchObject({
      hourlyUsd: 0,
      sinceCreatedUsd: 0.003,
      oneOff: [{ item: '120 state transitions', usd: 0.003 }],
    });
  });
});
