import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
} from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { httpGet, publicSubnets, until } from '../../helpers/dataplane-fixtures.ts';

let tc: TestCloud;
let vpcId: string;
let subnetIds: string[];
let albSg: string;

beforeAll(async () => {
  tc = await startTestCloud({ profile: 'instant' });
  ({ vpcId, subnetIds } = await publicSubnets(tc));
  const sg = await tc.clients.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'alb', Description: 'alb', VpcId: vpcId }),
  );
  albSg = sg.GroupId ?? '';
  // Security groups are enforced: clients reach the listeners through the ALB group's HTTP ingress.
  await tc.settle('securityGroupPropagation');
  await tc.clients.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: albSg,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  );
});

afterAll(async () => {
  await tc?.stop();
});

/** The error a call rejects with (fails when it resolves). */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

const elb = () => tc.clients.elbv2;

async function createLb(name: string) {
  const out = await elb().send(
    new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds, SecurityGroups: [albSg] }),
  );
  return out.LoadBalancers?.[0] ?? {};
}

async function createTg(name: string, extra: Record<string, unknown> = {}) {
  const out = await elb().send(
    new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, ...extra }),
  );
  return out.TargetGroups?.[0] ?? {};
}

async function listen(lbArn: string | undefined, tgArn: string | undefined, port = 80) {
  const out = await elb().send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTP',
      Port: port,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
    }),
  );
  return out.Listeners?.[0] ?? {};
}

describe('load balancers', () => {
  it('creates an ALB that is provisioning, then active, with a local DNS name', async () => {
    const lb = await createLb('web-1');
    expect(lb.State?.Code).toBe('provisioning');
    expect(lb.DNSName).toMatch(/^web-1-\d{10}\.us-east-1\.elb\.localhost$/);
    expect(lb.LoadBalancerArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/web-1\/[0-9a-f]{16}$/,
    );
    expect(lb.AvailabilityZones).toHaveLength(2);
    await until(async () => {
      const out = await elb().send(new DescribeLoadBalancersCommand({ Names: ['web-1'] }));
      return out.LoadBalancers?.[0]?.State?.Code === 'active';
    });
  });

  it.each([
    ['a'.repeat(33), `Load balancer name '${'a'.repeat(33)}' cannot be longer than '32' characters`],
    ['internal-web', "Load balancer name 'internal-web' cannot begin with 'internal-'"],
    ['-web', "Load balancer name '-web' cannot begin or end with '-' character"],
    ['web_1', "Load balancer name 'web_1' must contain only alphanumeric characters or hyphens"],
  ])('rejects the load balancer name %s', async (name, message) => {
    const err = await failure(createLb(name));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe(message);
  });

  it('requires two subnets in two Availability Zones for an ALB', async () => {
    const err = await failure(
      elb().send(new CreateLoadBalancerCommand({ Name: 'one-az', Subnets: [subnetIds[0] ?? ''] })),
    );
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe('At least two subnets in two different Availability Zones must be specified');
  });

  it('rejects an unknown security group', async () => {
    const err = await failure(
      elb().send(
        new CreateLoadBalancerCommand({
          Name: 'bad-sg',
          Subnets: subnetIds,
          SecurityGroups: ['sg-0000000000000000a'],
        }),
      ),
    );
    expect(err.name).toBe('InvalidSecurityGroupException');
    expect(err.message).toBe("Security group 'sg-0000000000000000a' does not exist");
  });

  it('returns the same ALB for identical settings and refuses a different one with the same name', async () => {
    const first = await createLb('dup-1');
    const again = await createLb('dup-1');
    expect(again.LoadBalancerArn).toBe(first.LoadBalancerArn);
    const err = await failure(
      elb().send(new CreateLoadBalancerCommand({ Name: 'dup-1', Subnets: subnetIds })),
    );
    expect(err.name).toBe('DuplicateLoadBalancerNameException');
    expect(err.message).toBe(
      "A load balancer with the same name 'dup-1' exists, but with different settings",
    );
  });

  it('pages DescribeLoadBalancers with markers', async () => {
    await createLb('page-a');
    await createLb('page-b');
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const out = await elb().send(new DescribeLoadBalancersCommand({ PageSize: 1, Marker: marker }));
      expect(out.LoadBalancers).toHaveLength(1);
      names.push(out.LoadBalancers?.[0]?.LoadBalancerName ?? '');
      marker = out.NextMarker;
    } while (marker);
    expect(names).toEqual(expect.arrayContaining(['page-a', 'page-b']));
  });

  it('answers LoadBalancerNotFound for an unknown name', async () => {
    const err = await failure(elb().send(new DescribeLoadBalancersCommand({ Names: ['nope'] })));
    expect(err.name).toBe('LoadBalancerNotFoundException');
    expect(err.message).toBe("Load balancers '[nope]' not found");
  });

  it('holds its security groups until the ALB is gone, and deletes idempotently', async () => {
    const sg = await tc.clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'held', Description: 'x', VpcId: vpcId }),
    );
    const out = await elb().send(
      new CreateLoadBalancerCommand({
        Name: 'holder',
        Subnets: subnetIds,
        SecurityGroups: [sg.GroupId ?? ''],
      }),
    );
    const arn = out.LoadBalancers?.[0]?.LoadBalancerArn;
    const held = await failure(tc.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg.GroupId })));
    expect(held.name).toBe('DependencyViolation');
    await elb().send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    await elb().send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    await until(async () => {
      await tc.clients.ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg.GroupId }));
      return true;
    });
    const gone = await failure(
      elb().send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn ?? ''] })),
    );
    expect(gone.name).toBe('LoadBalancerNotFoundException');
  });
});

describe('target groups', () => {
  it('applies AWS defaults', async () => {
    const tg = await createTg('defaults');
    expect(tg).toMatchObject({
      TargetGroupName: 'defaults',
      HealthCheckIntervalSeconds: 30,
      HealthCheckTimeoutSeconds: 5,
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      HealthCheckPath: '/',
      HealthCheckPort: 'traffic-port',
      Matcher: { HttpCode: '200' },
      TargetType: 'instance',
      LoadBalancerArns: [],
    });
    const attrs = await elb().send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn }),
    );
    expect(attrs.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '300' });
  });

  it('requires the timeout to be smaller than the interval', async () => {
    const err = await failure(
      createTg('hc-bad', { HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5 }),
    );
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe('Health check interval must be greater than the timeout.');
  });

  it('requires a port for instance targets', async () => {
    const err = await failure(
      elb().send(new CreateTargetGroupCommand({ Name: 'no-port', Protocol: 'HTTP', VpcId: vpcId })),
    );
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe('A port must be specified');
  });

  it('rejects a name over 32 characters', async () => {
    const name = 't'.repeat(33);
    const err = await failure(createTg(name));
    expect(err.name).toBe('ValidationError');
    expect(err.message).toBe(`Target group name '${name}' cannot be longer than '32' characters`);
  });

  it('returns the existing group for identical settings and refuses different ones', async () => {
    const a = await createTg('same');
    const b = await createTg('same');
    expect(b.TargetGroupArn).toBe(a.TargetGroupArn);
    const err = await failure(createTg('same', { Port: 8080 }));
    expect(err.name).toBe('DuplicateTargetGroupNameException');
    expect(err.message).toBe("A target group with the same name 'same' exists, but with different settings");
  });

  it('modifies health checks and attributes', async () => {
    const tg = await createTg('modify');
    const out = await elb().send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: tg.TargetGroupArn,
        HealthCheckPath: '/healthz',
        Matcher: { HttpCode: '200-299' },
      }),
    );
    expect(out.TargetGroups?.[0]).toMatchObject({
      HealthCheckPath: '/healthz',
      Matcher: { HttpCode: '200-299' },
    });
    const attrs = await elb().send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
      }),
    );
    expect(attrs.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '30' });
  });

  it('pages DescribeTargetGroups and finds groups by load balancer', async () => {
    const lb = await createLb('tg-by-lb');
    const tg = await createTg('tg-by-lb-tg');
    await listen(lb.LoadBalancerArn, tg.TargetGroupArn);
    const byLb = await elb().send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(byLb.TargetGroups?.map((t) => t.TargetGroupName)).toEqual(['tg-by-lb-tg']);
    expect(byLb.TargetGroups?.[0]?.LoadBalancerArns).toEqual([lb.LoadBalancerArn]);
    const first = await elb().send(new DescribeTargetGroupsCommand({ PageSize: 1 }));
    expect(first.TargetGroups).toHaveLength(1);
    const second = await elb().send(
      new DescribeTargetGroupsCommand({ PageSize: 1, Marker: first.NextMarker }),
    );
    expect(second.TargetGroups?.[0]?.TargetGroupArn).not.toBe(first.TargetGroups?.[0]?.TargetGroupArn);
  });

  it('answers TargetGroupNotFound for an unknown name', async () => {
    const err = await failure(elb().send(new DescribeTargetGroupsCommand({ Names: ['ghost'] })));
    expect(err.name).toBe('TargetGroupNotFoundException');
    expect(err.message).toBe("Target groups '[ghost]' not found");
  });

  it('refuses to delete a group in use by a listener', async () => {
    const lb = await createLb('in-use');
    const tg = await createTg('in-use-tg');
    const listener = await listen(lb.LoadBalancerArn, tg.TargetGroupArn);
    const err = await failure(
      elb().send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn })),
    );
    expect(err.name).toBe('ResourceInUseException');
    expect(err.message).toBe(
      `Target group '${tg.TargetGroupArn}' is currently in use by a listener or a rule`,
    );
    await elb().send(new DeleteListenerCommand({ ListenerArn: listener.ListenerArn }));
    await elb().send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }));
    const gone = await failure(
      elb().send(new DescribeTargetGroupsCommand({ TargetGroupArns: [tg.TargetGroupArn ?? ''] })),
    );
    expect(gone.name).toBe('TargetGroupNotFoundException');
  });
});

describe('targets', () => {
  it('reports unused targets while no load balancer uses the group', async () => {
    const tg = await createTg('unused');
    await elb().send(
      new RegisterTargetsCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Targets: [{ Id: 'i-0123456789abcdef0' }],
      }),
    );
    const out = await elb().send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(out.TargetHealthDescriptions).toEqual([
      {
        Target: { Id: 'i-0123456789abcdef0', Port: 80 },
        HealthCheckPort: '80',
        TargetHealth: {
          State: 'unused',
          Reason: 'Target.NotInUse',
          Description: 'Target group is not configured to receive traffic from the load balancer',
        },
      },
    ]);
  });

  it('reports Target.NotRegistered for a target asked about but not registered', async () => {
    const tg = await createTg('not-reg');
    const out = await elb().send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Targets: [{ Id: 'i-0aaaaaaaaaaaaaaaa', Port: 80 }],
      }),
    );
    expect(out.TargetHealthDescriptions?.[0]?.TargetHealth).toEqual({
      State: 'unused',
      Reason: 'Target.NotRegistered',
      Description: 'Target is not registered to the target group',
    });
  });

  it('marks a target that nothing answers as unhealthy, and drains it on deregistration', async () => {
    const lb = await createLb('probe');
    const tg = await createTg('probe-tg', {
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 2,
      UnhealthyThresholdCount: 2,
    });
    await listen(lb.LoadBalancerArn, tg.TargetGroupArn);
    await elb().send(
      new RegisterTargetsCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Targets: [{ Id: 'i-0bbbbbbbbbbbbbbbb', Port: 1 }],
      }),
    );
    const initial = await elb().send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(initial.TargetHealthDescriptions?.[0]?.TargetHealth?.State).toBe('initial');
    const row = await until(async () => {
      const out = await elb().send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
      return out.TargetHealthDescriptions?.find((r) => r.TargetHealth?.State === 'unhealthy');
    });
    expect(row.TargetHealth).toEqual({
      State: 'unhealthy',
      Reason: 'Target.FailedHealthChecks',
      Description: 'Health checks failed',
    });
    await elb().send(
      new DeregisterTargetsCommand({
        TargetGroupArn: tg.TargetGroupArn,
        Targets: [{ Id: 'i-0bbbbbbbbbbbbbbbb', Port: 1 }],
      }),
    );
    const draining = await elb().send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    expect(draining.TargetHealthDescriptions?.[0]?.TargetHealth?.Reason).toBe(
      'Target.DeregistrationInProgress',
    );
  });
});

describe('listeners and rules', () => {
  it('refuses a second listener on the same port with other settings', async () => {
    const lb = await createLb('dup-listen');
    const tg = await createTg('dup-listen-a');
    const other = await createTg('dup-listen-b');
    await listen(lb.LoadBalancerArn, tg.TargetGroupArn);
    const err = await failure(listen(lb.LoadBalancerArn, other.TargetGroupArn));
    expect(err.name).toBe('DuplicateListenerException');
    expect(err.message).toBe(
      `A listener already exists on this port for this load balancer '${lb.LoadBalancerArn}'`,
    );
  });

  it('refuses a target group already used by another load balancer', async () => {
    const a = await createLb('assoc-a');
    const b = await createLb('assoc-b');
    const tg = await createTg('assoc-tg');
    await listen(a.LoadBalancerArn, tg.TargetGroupArn);
    const err = await failure(listen(b.LoadBalancerArn, tg.TargetGroupArn));
    expect(err.name).toBe('TargetGroupAssociationLimitException');
    expect(err.message).toBe(
      `The following target groups cannot be associated with more than one load balancer: ${tg.TargetGroupArn}`,
    );
  });

  it('creates, lists, modifies and deletes rules with unique priorities', async () => {
    const lb = await createLb('rules');
    const tg = await createTg('rules-tg');
    const listener = await listen(lb.LoadBalancerArn, tg.TargetGroupArn);
    const rule = await elb().send(
      new CreateRuleCommand({
        ListenerArn: listener.ListenerArn,
        Priority: 10,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['pr-1.example.com'] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
      }),
    );
    const ruleArn = rule.Rules?.[0]?.RuleArn;
    const clash = await failure(
      elb().send(
        new CreateRuleCommand({
          ListenerArn: listener.ListenerArn,
          Priority: 10,
          Conditions: [{ Field: 'path-pattern', Values: ['/x/*'] }],
          Actions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
        }),
      ),
    );
    expect(clash.name).toBe('PriorityInUseException');
    expect(clash.message).toBe("Priority '10' is currently in use");
    const rules = await elb().send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
    expect(rules.Rules?.map((r) => [r.Priority, r.IsDefault])).toEqual([
      ['10', false],
      ['default', true],
    ]);
    const modified = await elb().send(
      new ModifyRuleCommand({
        RuleArn: ruleArn,
        Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }],
      }),
    );
    expect(modified.Rules?.[0]?.Conditions?.[0]).toMatchObject({ Field: 'path-pattern', Values: ['/api/*'] });
    const defaultArn = rules.Rules?.[1]?.RuleArn;
    const refuse = await failure(elb().send(new DeleteRuleCommand({ RuleArn: defaultArn })));
    expect(refuse.name).toBe('OperationNotPermittedException');
    expect(refuse.message).toBe('Default rules cannot be deleted');
    await elb().send(new DeleteRuleCommand({ RuleArn: ruleArn }));
    const after = await elb().send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
    expect(after.Rules).toHaveLength(1);
  });

  it('routes by host header and path before the default action', async () => {
    const lb = await createLb('routing');
    const tg = await createTg('routing-tg');
    const listener = await listen(lb.LoadBalancerArn, tg.TargetGroupArn);
    await elb().send(
      new CreateRuleCommand({
        ListenerArn: listener.ListenerArn,
        Priority: 5,
        Conditions: [
          { Field: 'host-header', Values: ['*.preview.local'] },
          { Field: 'path-pattern', Values: ['/teapot*'] },
        ],
        Actions: [
          {
            Type: 'fixed-response',
            FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'tea' },
          },
        ],
      }),
    );
    const state = await tc.control('/_berth/state');
    const entry = state.elbv2['000000000000/us-east-1'].loadBalancers.find((l: any) => l.name === 'routing');
    const port = entry.listeners[0].localPort;
    const tea = await httpGet(`http://127.0.0.1:${port}/teapot/1`, 'pr-1.preview.local');
    expect(tea).toMatchObject({ status: 418, body: 'tea' });
    const fallback = await httpGet(`http://127.0.0.1:${port}/teapot/1`, 'other.local');
    expect(fallback.status).toBe(503);
    await elb().send(
      new CreateRuleCommand({
        ListenerArn: listener.ListenerArn,
        Priority: 6,
        Conditions: [{ Field: 'path-pattern', Values: ['/front'] }],
        Actions: [
          { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: 'front door' } },
        ],
      }),
    );
    const front = await httpGet(`${tc.url}/front`, lb.DNSName);
    expect(front).toMatchObject({ status: 200, body: 'front door' });
  });

  it('modifies a listener port and describes listeners by load balancer', async () => {
    const lb = await createLb('mod-listen');
    const tg = await createTg('mod-listen-tg');
    const listener = await listen(lb.LoadBalancerArn, tg.TargetGroupArn);
    await elb().send(new ModifyListenerCommand({ ListenerArn: listener.ListenerArn, Port: 8080 }));
    const out = await elb().send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    expect(out.Listeners?.map((l) => l.Port)).toEqual([8080]);
  });
});

describe('tags', () => {
  it('adds, describes and removes tags', async () => {
    const lb = await createLb('tagged');
    const tg = await createTg('tagged-tg');
    const arns = [lb.LoadBalancerArn ?? '', tg.TargetGroupArn ?? ''];
    await elb().send(
      new AddTagsCommand({
        ResourceArns: arns,
        Tags: [
          { Key: 'berth:env', Value: 'pr-1' },
          { Key: 'team', Value: 'a' },
        ],
      }),
    );
    await elb().send(new RemoveTagsCommand({ ResourceArns: arns, TagKeys: ['team'] }));
    const out = await elb().send(new DescribeTagsCommand({ ResourceArns: arns }));
    expect(out.TagDescriptions).toEqual([
      { ResourceArn: arns[0], Tags: [{ Key: 'berth:env', Value: 'pr-1' }] },
      { ResourceArn: arns[1], Tags: [{ Key: 'berth:env', Value: 'pr-1' }] },
    ]);
  });

  it('answers LoadBalancerNotFound when tagging an unknown load balancer', async () => {
    const err = await failure(
      elb().send(
        new AddTagsCommand({
          ResourceArns: [
            'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/x/0123456789abcdef',
          ],
          Tags: [{ Key: 'a', Value: 'b' }],
        }),
      ),
    );
    expect(err.name).toBe('LoadBalancerNotFoundException');
    expect(err.message).toBe('One or more load balancers not found');
  });
});
