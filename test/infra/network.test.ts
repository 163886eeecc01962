import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, type Synthesized, synthesize } from './helpers.ts';

let synth: Synthesized;
let template: Template;

beforeAll(() => {
  synth = synthesize();
  template = synth.network;
});
afterAll(() => cleanup(synth));

const groupId = (name: string): string => {
  const [id] = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).find(
    ([, g]: [string, any]) => g.Properties.GroupName === name,
  ) ?? [''];
  return id;
};

describe('network stack', () => {
  it('creates a VPC with public and private subnets in two availability zones', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet')) as any[];
    const byType = (type: string) =>
      subnets.filter((s) =>
        s.Properties.Tags.some((t: any) => t.Key === 'aws-cdk:subnet-type' && t.Value === type),
      );
    expect(byType('Public')).toHaveLength(2);
    expect(byType('Private')).toHaveLength(2);
  });

  it('opens the alb group to HTTP and HTTPS from the internet', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupName: 'berth-shared-alb',
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 }),
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }),
      ],
    });
  });

  it('narrows the shared alb group to allowedCidr, like the dedicated ones', () => {
    const narrowed = synthesize({ allowedCidr: '203.0.113.0/24' });
    try {
      expect(narrowed.findings).toEqual([]);
      narrowed.network.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupName: 'berth-shared-alb',
        SecurityGroupIngress: [
          Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 80, ToPort: 80 }),
          Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 443, ToPort: 443 }),
        ],
      });
      narrowed.orchestrator.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ BERTH_ALLOWED_CIDR: '203.0.113.0/24' }) },
      });
    } finally {
      cleanup(narrowed);
    }
  });

  it('opens the instances group to the ephemeral port range from the alb group only', () => {
    const instances = template.findResources('AWS::EC2::SecurityGroup')[
      groupId('berth-shared-instances')
    ] as any;
    expect(instances.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as any[];
    expect(ingress).toHaveLength(1);
    expect(ingress[0].Properties).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 32768,
      ToPort: 65535,
      GroupId: { 'Fn::GetAtt': [groupId('berth-shared-instances'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [groupId('berth-shared-alb'), 'GroupId'] },
    });
  });

  it('has no admin group unless adminCidr is given', () => {
    expect(groupId('berth-shared-admin')).toBe('');

    const withAdmin = synthesize({ adminCidr: '203.0.113.0/24' });
    cleanup(withAdmin);
    withAdmin.network.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupName: 'berth-shared-admin',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 22, ToPort: 22 })],
    });
  });

  it('answers unmatched requests on the shared ALB listener with a fixed 404', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Name: 'berth-shared',
      Scheme: 'internet-facing',
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        Match.objectLike({
          Type: 'fixed-response',
          FixedResponseConfig: Match.objectLike({ StatusCode: '404' }),
        }),
      ],
    });
  });
});
