import {
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { elbv2Client } from '../../../functions/adapters/aws/clients.ts';
import { AwsElbv2Adapter } from '../../../functions/adapters/elbv2.ts';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const adapter = new AwsElbv2Adapter(elbv2Client({ region: 'us-east-1', maxAttempts: 1 }));
const lbArn =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/berth-demo-alb/0123456789abcdef';
const tgArn =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/berth-demo-tg/0123456789abcdef';

beforeEach(() => elbv2.reset());

describe('AwsElbv2Adapter when a resource vanishes between two calls', () => {
  it('observes an ALB that finishes deleting before DescribeTags as gone', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [
        { LoadBalancerArn: lbArn, LoadBalancerName: 'berth-demo-alb', State: { Code: 'active' } },
      ],
    });
    elbv2
      .on(DescribeTagsCommand)
      .rejects(
        new LoadBalancerNotFoundException({ message: 'One or more load balancers not found', $metadata: {} }),
      );

    expect(await adapter.observeLoadBalancer('berth-demo-alb')).toBeUndefined();
  });

  it('treats an ALB deleted in the meantime as already gone, without describing it again', async () => {
    elbv2
      .on(DeleteLoadBalancerCommand)
      .rejects(
        new LoadBalancerNotFoundException({ message: 'One or more load balancers not found', $metadata: {} }),
      );

    expect(await adapter.deleteLoadBalancer(lbArn, 'berth-demo-alb')).toBe(false);
    expect(elbv2).toHaveReceivedCommandWith(DeleteLoadBalancerCommand, { LoadBalancerArn: lbArn });
    expect(elbv2).not.toHaveReceivedCommand(DescribeLoadBalancersCommand);
    expect(elbv2).not.toHaveReceivedCommand(DescribeTagsCommand);
  });

  it('observes a target group deleted before DescribeTags as gone', async () => {
    elbv2.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [{ TargetGroupArn: tgArn, TargetGroupName: 'berth-demo-tg' }],
    });
    elbv2
      .on(DescribeTagsCommand)
      .rejects(
        new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }),
      );

    expect(await adapter.observeTargetGroup('berth-demo-tg')).toBeUndefined();
  });

  it('still fails on other DescribeTags errors', async () => {
    elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [{ LoadBalancerArn: lbArn, LoadBalancerName: 'berth-demo-alb' }],
    });
    elbv2.on(DescribeTagsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    await expect(adapter.observeLoadBalancer('berth-demo-alb')).rejects.toMatchObject({
      name: 'AwsRequestError',
      message: expect.stringContaining('AccessDenied: elbv2.DescribeTags'),
    });
  });
});
