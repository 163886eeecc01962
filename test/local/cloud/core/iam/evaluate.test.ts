import { describe, expect, it } from 'vitest';
import {
  type AuthorizationRequest,
  evaluate,
  type PolicyStatement,
  UnsupportedConditionError,
} from '../../../../../local/cloud/core/iam/evaluate.ts';

const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/berth-demo';
const request = (action: string, resource: string, context: AuthorizationRequest['context'] = {}) => ({
  action,
  resource,
  context,
});
const effect = (statements: PolicyStatement[], r: AuthorizationRequest) => evaluate(statements, r).effect;

describe('evaluate', () => {
  it('denies implicitly when no statement matches', () => {
    expect(effect([], request('ecs:CreateCluster', CLUSTER))).toBe('implicitDeny');
  });

  it.each([
    ['ecs:CreateCluster', 'ecs:CreateCluster', 'allow'],
    ['ecs:createcluster', 'ecs:CreateCluster', 'allow'],
    ['ecs:Describe*', 'ecs:DescribeClusters', 'allow'],
    ['ecs:Describe?lusters', 'ecs:DescribeClusters', 'allow'],
    ['ecs:Describe*', 'ecs:CreateCluster', 'implicitDeny'],
    ['ec2:CreateCluster', 'ecs:CreateCluster', 'implicitDeny'],
  ])('matches Action %s against %s → %s', (pattern, action, expected) => {
    expect(effect([{ Effect: 'Allow', Action: pattern, Resource: '*' }], request(action, CLUSTER))).toBe(
      expected,
    );
  });

  it.each([
    ['arn:aws:ecs:us-east-1:000000000000:cluster/berth-*', CLUSTER, 'allow'],
    ['arn:aws:ecs:*:*:cluster/berth-*', CLUSTER, 'allow'],
    ['arn:aws:ecs:us-east-1:000000000000:cluster/other-*', CLUSTER, 'implicitDeny'],
    ['arn:aws:ecs:us-east-1:000000000000:cluster/BERTH-*', CLUSTER, 'implicitDeny'],
    ['*', CLUSTER, 'allow'],
    ['arn:aws:ecs:us-east-1:000000000000:cluster/berth-*', '*', 'implicitDeny'],
  ])('matches Resource %s against %s → %s', (pattern, resource, expected) => {
    expect(
      effect(
        [{ Effect: 'Allow', Action: 'ecs:DeleteCluster', Resource: pattern }],
        request('ecs:DeleteCluster', resource),
      ),
    ).toBe(expected);
  });

  it('lets an explicit Deny win over an Allow', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: 'ecs:*', Resource: '*' },
      { Sid: 'NoDelete', Effect: 'Deny', Action: 'ecs:DeleteCluster', Resource: '*' },
    ];
    const decision = evaluate(statements, request('ecs:DeleteCluster', CLUSTER));
    expect(decision).toEqual({ effect: 'explicitDeny', statement: statements[1] });
    expect(effect(statements, request('ecs:CreateCluster', CLUSTER))).toBe('allow');
  });

  it('honours NotAction and NotResource', () => {
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', NotAction: 'ecs:Delete*', NotResource: '*/prod-*' },
    ];
    expect(effect(statements, request('ecs:CreateCluster', CLUSTER))).toBe('allow');
    expect(effect(statements, request('ecs:DeleteCluster', CLUSTER))).toBe('implicitDeny');
    expect(effect(statements, request('ecs:CreateCluster', 'arn:aws:ecs:r:a:cluster/prod-x'))).toBe(
      'implicitDeny',
    );
  });

  describe('conditions', () => {
    const tagged: PolicyStatement = {
      Effect: 'Allow',
      Action: 'ecs:DeleteCluster',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/berth:managed-by': 'berth' } },
    };

    it('allows when StringEquals matches the resource tag, with a case-insensitive key name', () => {
      expect(
        effect(
          [tagged],
          request('ecs:DeleteCluster', CLUSTER, { 'aws:resourcetag/berth:managed-by': 'berth' }),
        ),
      ).toBe('allow');
    });

    it('denies a foreign tag value and a missing tag', () => {
      expect(
        effect([tagged], request('ecs:DeleteCluster', CLUSTER, { 'aws:ResourceTag/berth:managed-by': 'x' })),
      ).toBe('implicitDeny');
      expect(effect([tagged], request('ecs:DeleteCluster', CLUSTER, {}))).toBe('implicitDeny');
    });

    it('ORs the values of one key, ANDs the keys and the operators', () => {
      const statement: PolicyStatement = {
        Effect: 'Allow',
        Action: 'ecs:CreateService',
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:RequestTag/team': ['a', 'b'], 'aws:RequestTag/berth:managed-by': 'berth' },
          ArnLike: { 'ecs:cluster': 'arn:aws:ecs:*:*:cluster/berth-*' },
        },
      };
      const ctx = {
        'aws:RequestTag/team': 'b',
        'aws:RequestTag/berth:managed-by': 'berth',
        'ecs:cluster': CLUSTER,
      };
      expect(effect([statement], request('ecs:CreateService', '*', ctx))).toBe('allow');
      expect(
        effect([statement], request('ecs:CreateService', '*', { ...ctx, 'aws:RequestTag/team': 'c' })),
      ).toBe('implicitDeny');
      expect(
        effect(
          [statement],
          request('ecs:CreateService', '*', { ...ctx, 'ecs:cluster': 'arn:aws:ecs:r:a:cluster/x' }),
        ),
      ).toBe('implicitDeny');
    });

    it('treats a missing key as a match for negated operators and IfExists, not for positive ones', () => {
      const when = (operator: string) => ({
        Effect: 'Allow' as const,
        Action: 'ec2:CreateTags',
        Resource: '*',
        Condition: { [operator]: { 'ec2:CreateAction': 'RunInstances' } },
      });
      const bare = request('ec2:CreateTags', '*');
      expect(effect([when('StringEquals')], bare)).toBe('implicitDeny');
      expect(effect([when('StringNotEquals')], bare)).toBe('allow');
      expect(effect([when('StringEqualsIfExists')], bare)).toBe('allow');
      expect(effect([when('StringLike')], bare)).toBe('implicitDeny');
    });

    it('applies ForAllValues and ForAnyValue to multi-valued keys', () => {
      const all: PolicyStatement = {
        Effect: 'Allow',
        Action: 'ecs:TagResource',
        Resource: '*',
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['berth:env', 'berth:managed-by'] } },
      };
      const any: PolicyStatement = {
        ...all,
        Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'berth:*' } },
      };
      expect(effect([all], request('ecs:TagResource', '*', { 'aws:TagKeys': ['berth:env'] }))).toBe('allow');
      expect(effect([all], request('ecs:TagResource', '*', { 'aws:TagKeys': ['berth:env', 'owner'] }))).toBe(
        'implicitDeny',
      );
      expect(effect([all], request('ecs:TagResource', '*', {}))).toBe('allow');
      expect(effect([any], request('ecs:TagResource', '*', { 'aws:TagKeys': ['owner', 'berth:env'] }))).toBe(
        'allow',
      );
      expect(effect([any], request('ecs:TagResource', '*', {}))).toBe('implicitDeny');
    });

    it('reads Null as "the key is absent"', () => {
      const statement: PolicyStatement = {
        Effect: 'Deny',
        Action: 'ecs:CreateCluster',
        Resource: '*',
        Condition: { Null: { 'aws:RequestTag/berth:managed-by': 'true' } },
      };
      expect(effect([statement], request('ecs:CreateCluster', '*'))).toBe('explicitDeny');
      expect(
        effect(
          [statement],
          request('ecs:CreateCluster', '*', { 'aws:RequestTag/berth:managed-by': 'berth' }),
        ),
      ).toBe('implicitDeny');
    });

    it('fails closed, naming the operator, on an operator it does not know', () => {
      const statement: PolicyStatement = {
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
      };
      expect(() => evaluate([statement], request('ecs:CreateCluster', '*'))).toThrow(
        new UnsupportedConditionError('unsupported condition operator NumericLessThan'),
      );
    });
  });
});

describe('requiredAuthorizations', () => {
  it('authorizes a call that names no resource on "*"', async () => {
    const { Cloud } = await import('../../../../../local/cloud/core/cloud.ts');
    const { requiredAuthorizations } = await import('../../../../../local/cloud/iam/request-context.ts');
    const cloud = new Cloud();
    const where = { cloud, accountId: '000000000000', region: 'us-east-1' };
    expect(requiredAuthorizations(where, 'ecs', 'DescribeClusters', {})).toEqual([
      { action: 'ecs:DescribeClusters', resource: '*', context: { 'aws:RequestedRegion': 'us-east-1' } },
    ]);
    await cloud.stop();
  });

  it('does not let tag conditions deny a call on a resource that no longer exists', async () => {
    const { Cloud } = await import('../../../../../local/cloud/core/cloud.ts');
    const { requiredAuthorizations } = await import('../../../../../local/cloud/iam/request-context.ts');
    const cloud = new Cloud();
    const where = { cloud, accountId: '000000000000', region: 'us-east-1' };
    const gone =
      'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/berth-x-alb/0123456789abcdef';
    const [required] = requiredAuthorizations(where, 'elasticloadbalancing', 'DeleteLoadBalancer', {
      LoadBalancerArn: gone,
    });
    const statement: PolicyStatement = {
      Effect: 'Allow',
      Action: 'elasticloadbalancing:DeleteLoadBalancer',
      Resource: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/berth-*/*',
      Condition: { StringEquals: { 'aws:ResourceTag/berth:managed-by': 'berth' } },
    };
    expect(required && evaluate([statement], required).effect).toBe('allow');
    const other = { ...statement, Resource: 'arn:aws:elasticloadbalancing:*:*:loadbalancer/app/other-*/*' };
    expect(required && evaluate([other], required).effect).toBe('implicitDeny');
    await cloud.stop();
  });
});
