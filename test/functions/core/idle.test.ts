import { describe, expect, it } from 'vitest';
import { validateEnvSpec } from '../../../functions/core/env-spec.ts';
import {
  decideIdle,
  type IdleCandidate,
  type IdleRecord,
  metricDimensionOf,
  parseIdleAfter,
  requestMetricOf,
  selectIdleCandidate,
} from '../../../functions/core/idle.ts';

const NOW = new Date('2026-11-30T12:00:00Z');
const LB =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/berth-demo-alb/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/berth-demo-tg/73e2d6bc24d8a067';
const SHARED_RULE =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/berth-shared/9f8e7d6c5b4a3f2e/0123456789abcdef/fedcba9876543210';

const record = (extra: Partial<IdleRecord> = {}): IdleRecord => ({
  name: 'demo',
  status: 'ready',
  idleAfter: '2h',
  updatedAt: '2026-11-30T09:00:00.000Z',
  loadBalancer: { loadBalancerArn: LB, targetGroupArn: TG },
  ...extra,
});

const candidate = (): IdleCandidate => {
  const selection = selectIdleCandidate(record(), NOW);
  if (selection?.kind !== 'check') throw new Error('expected a candidate');
  return selection.candidate;
};

const at = (iso: string) => new Date(iso);

describe('parseIdleAfter', () => {
  it.each([
    ['15m', 900],
    ['2h', 7200],
    ['1d12h', 129_600],
    ['7d', 604_800],
  ])('accepts %s', (text, seconds) => {
    expect(parseIdleAfter(text)).toBe(seconds);
  });

  it.each(['14m', '8d', '0m', '2 hours', ''])('refuses %j naming the field', (text) => {
    expect(() => parseIdleAfter(text)).toThrow(
      `idleAfter: must be a duration like 30m, 2h or 1d between 15m and 7d (got ${JSON.stringify(text)})`,
    );
  });

  it('is a spec field the spec validation checks by name', () => {
    const base = { name: 'demo', image: 'nginx:1.27', owner: 'ana' };
    expect(validateEnvSpec({ ...base, idleAfter: '2h' })).toMatchObject({
      ok: true,
      spec: { idleAfter: '2h' },
    });
    expect(validateEnvSpec({ ...base, idleAfter: '5m' })).toEqual({
      ok: false,
      issues: [{ field: 'idleAfter', rule: 'must be a duration like 30m, 2h or 1d between 15m and 7d' }],
    });
    expect(validateEnvSpec(base)).toMatchObject({ ok: true });
  });
});

describe('requestMetricOf', () => {
  it('counts a dedicated load balancer by its ARN suffix', () => {
    expect(requestMetricOf({ loadBalancerArn: LB, targetGroupArn: TG })).toEqual({
      namespace: 'AWS/ApplicationELB',
      metricName: 'RequestCount',
      dimensions: { LoadBalancer: 'app/berth-demo-alb/50dc6c495c0c9188' },
    });
  });

  it("counts an environment on the shared load balancer by its own target group's requests", () => {
    expect(requestMetricOf({ ruleArn: SHARED_RULE, targetGroupArn: TG })?.dimensions).toEqual({
      TargetGroup: 'targetgroup/berth-demo-tg/73e2d6bc24d8a067',
      LoadBalancer: 'app/berth-shared/9f8e7d6c5b4a3f2e',
    });
  });

  it('has no metric without recorded load-balancing resources', () => {
    expect(requestMetricOf(undefined)).toBeUndefined();
    expect(requestMetricOf({ targetGroupArn: TG })).toBeUndefined();
    expect(metricDimensionOf('arn:aws:ecs:us-east-1:1:cluster/x')).toBeUndefined();
  });
});

describe('selectIdleCandidate', () => {
  it('checks a ready environment over the last idleAfter', () => {
    expect(selectIdleCandidate(record(), NOW)).toEqual({
      kind: 'check',
      candidate: {
        env: 'demo',
        idleAfterSeconds: 7200,
        metric: expect.objectContaining({
          dimensions: { LoadBalancer: 'app/berth-demo-alb/50dc6c495c0c9188' },
        }),
        windowStart: '2026-11-30T10:00:00.000Z',
        windowEnd: '2026-11-30T12:00:00.000Z',
      },
    });
  });

  it('leaves out an environment without idleAfter', () => {
    expect(selectIdleCandidate(record({ idleAfter: undefined as unknown as string }), NOW)).toBeUndefined();
    const { idleAfter: _, ...rest } = record();
    expect(selectIdleCandidate(rest, NOW)).toBeUndefined();
  });

  it('does not judge an environment ready for less than idleAfter (just created, resumed or woken)', () => {
    expect(selectIdleCandidate(record({ updatedAt: '2026-11-30T10:30:00.000Z' }), NOW)).toEqual({
      kind: 'skip',
      env: 'demo',
      reason: 'ready for 1h30m, less than idleAfter 2h',
    });
  });

  it.each(['paused', 'pausing', 'creating', 'failed', 'tearing-down', 'deleted'])(
    'skips an environment whose status is %s',
    (status) => {
      expect(selectIdleCandidate(record({ status }), NOW)).toEqual({
        kind: 'skip',
        env: 'demo',
        reason: `status is ${status}, not ready`,
      });
    },
  );

  it('skips an environment with an operation running', () => {
    expect(selectIdleCandidate(record({ busy: true }), NOW)).toMatchObject({
      kind: 'skip',
      reason: 'an operation is running',
    });
  });

  it('skips, with the rule, a stored idleAfter that is not valid', () => {
    expect(selectIdleCandidate(record({ idleAfter: '1m' }), NOW)).toEqual({
      kind: 'skip',
      env: 'demo',
      reason: 'idleAfter: must be a duration like 30m, 2h or 1d between 15m and 7d (got "1m")',
    });
  });
});

describe('decideIdle', () => {
  it('pauses when CloudWatch has no datapoint in the window (no request, no data)', () => {
    expect(decideIdle(candidate(), { timestamps: [], values: [] })).toEqual({
      action: 'pause',
      env: 'demo',
      reason: 'no request through its load balancer for 2h (idleAfter 2h)',
    });
  });

  it('pauses when the only datapoints are zeros or before the window', () => {
    const data = {
      timestamps: [at('2026-11-30T09:58:00Z'), at('2026-11-30T11:00:00Z')],
      values: [40, 0],
    };
    expect(decideIdle(candidate(), data).action).toBe('pause');
  });

  it('keeps an environment that had requests in the window', () => {
    const data = {
      timestamps: [at('2026-11-30T11:58:00Z'), at('2026-11-30T10:30:00Z')],
      values: [3, 2],
    };
    expect(decideIdle(candidate(), data)).toEqual({
      action: 'keep',
      env: 'demo',
      requests: 5,
      reason:
        '5 request(s) through its load balancer in the last 2h (last in the minute of 2026-11-30T11:58:00.000Z)',
    });
  });

  it('counts the minute that straddles the window start', () => {
    const data = { timestamps: [at('2026-11-30T09:59:30Z')], values: [1] };
    expect(decideIdle(candidate(), data).action).toBe('keep');
  });

  it('says a shared environment is judged by its target group', () => {
    const selection = selectIdleCandidate(
      record({ loadBalancer: { ruleArn: SHARED_RULE, targetGroupArn: TG } }),
      NOW,
    );
    if (selection?.kind !== 'check') throw new Error('expected a candidate');
    expect(decideIdle(selection.candidate, { timestamps: [], values: [] }).reason).toBe(
      'no request through its target group for 2h (idleAfter 2h)',
    );
  });
});
