import {
  CreateRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { elbv2Client } from '../../../functions/adapters/aws/clients.ts';
import { AwsElbv2Adapter } from '../../../functions/adapters/elbv2.ts';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);

beforeEach(() => {
  elbv2.reset();
});

describe('AwsElbv2Adapter shared listener rules', () => {
  const adapter = new AwsElbv2Adapter(elbv2Client({ region: 'us-east-1', maxAttempts: 1 }));
  const tags = { 'berth:env': 'demo', 'berth:managed-by': 'berth', 'berth:owner': 'ana' };

  it('creates a host-header rule at the lowest free priority, re-reading the rules when that one is taken', async () => {
    elbv2
      .on(DescribeRulesCommand)
      .resolvesOnce({
        Rules: [
          { RuleArn: 'arn:default', IsDefault: true, Priority: 'default' },
          { RuleArn: 'arn:a', Priority: '1', Conditions: [] },
          { RuleArn: 'arn:c', Priority: '3', Conditions: [] },
        ],
      })
      .resolves({
        Rules: [
          { RuleArn: 'arn:default', IsDefault: true, Priority: 'default' },
          { RuleArn: 'arn:a', Priority: '1', Conditions: [] },
          { RuleArn: 'arn:b', Priority: '2', Conditions: [] },
          { RuleArn: 'arn:c', Priority: '3', Conditions: [] },
        ],
      });
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [] });
    elbv2
      .on(CreateRuleCommand)
      .rejectsOnce(
        Object.assign(new Error("Priority '2' is currently in use"), {
          name: 'PriorityInUse',
          $metadata: {},
        }),
      )
      .resolves({ Rules: [{ RuleArn: 'arn:rule' }] });
    const rule = await adapter.createListenerRule({
      env: 'demo',
      listenerArn: 'arn:listener',
      targetGroupArn: 'arn:tg',
      host: 'demo.berth.internal',
      tags,
    });
    expect(rule).toEqual({ arn: 'arn:rule', priority: '4', tags });
    expect(elbv2).toHaveReceivedNthCommandWith(CreateRuleCommand, 1, { Priority: 2 });
    expect(elbv2).toHaveReceivedNthCommandWith(CreateRuleCommand, 2, {
      ListenerArn: 'arn:listener',
      Priority: 4,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['demo.berth.internal'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: 'arn:tg' }],
    });
  });

  it('refuses a host/path another environment claims, naming it and its owner, and creates nothing', async () => {
    elbv2.on(DescribeRulesCommand).resolves({
      Rules: [
        {
          RuleArn: 'arn:other',
          Priority: '1',
          Conditions: [{ Field: 'host-header', Values: ['Shop.Example.com'] }],
        },
      ],
    });
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [
        {
          ResourceArn: 'arn:other',
          Tags: [
            { Key: 'berth:env', Value: 'shop' },
            { Key: 'berth:managed-by', Value: 'berth' },
            { Key: 'berth:owner', Value: 'bo' },
          ],
        },
      ],
    });
    await expect(
      adapter.createListenerRule({
        env: 'demo',
        listenerArn: 'arn:listener',
        targetGroupArn: 'arn:tg',
        host: 'shop.example.com',
        tags,
      }),
    ).rejects.toMatchObject({
      name: 'RouteConflictError',
      message:
        'the shared load balancer\'s host shop.example.com is already claimed by environment "shop" (owner: bo)',
    });
    expect(elbv2).not.toHaveReceivedCommand(CreateRuleCommand);
  });

  it('refuses a route held by a rule Berth does not manage; a different path on the same host is free', async () => {
    elbv2.on(DescribeRulesCommand).resolves({
      Rules: [
        {
          RuleArn: 'arn:foreign',
          Priority: '9',
          Conditions: [
            { Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } },
            { Field: 'path-pattern', PathPatternConfig: { Values: ['/api', '/api/*'] } },
          ],
        },
      ],
    });
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: 'arn:foreign', Tags: [] }] });
    elbv2.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: 'arn:rule' }] });
    const input = {
      env: 'demo',
      listenerArn: 'arn:listener',
      targetGroupArn: 'arn:tg',
      host: 'shop.example.com',
      tags,
    };
    await expect(adapter.createListenerRule({ ...input, pathPrefix: '/api/' })).rejects.toMatchObject({
      name: 'RouteConflictError',
      message: expect.stringContaining('a listener rule Berth does not manage (arn:foreign, priority 9)'),
    });
    const rule = await adapter.createListenerRule({ ...input, pathPrefix: '/web' });
    expect(rule.priority).toBe('1');
  });

  it('finds the existing rule by its tags and creates nothing', async () => {
    elbv2.on(DescribeRulesCommand).resolves({
      Rules: [
        { RuleArn: 'arn:other', Priority: '7' },
        { RuleArn: 'arn:mine', Priority: '42' },
      ],
    });
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [
        {
          ResourceArn: 'arn:other',
          Tags: [
            { Key: 'berth:env', Value: 'other' },
            { Key: 'berth:managed-by', Value: 'berth' },
          ],
        },
        {
          ResourceArn: 'arn:mine',
          Tags: [
            { Key: 'berth:env', Value: 'demo' },
            { Key: 'berth:managed-by', Value: 'berth' },
          ],
        },
      ],
    });
    const rule = await adapter.observeListenerRule('arn:listener', 'demo');
    expect(rule?.arn).toBe('arn:mine');
    // Both non-default rules share the listener's load balancer (the cost estimate divides its hourly charge).
    expect(rule?.rulesOnListener).toBe(2);
    expect(elbv2).not.toHaveReceivedCommand(CreateRuleCommand);
  });
});
