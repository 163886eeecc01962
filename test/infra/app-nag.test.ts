import { Peer, Port, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { cleanup, synthesize } from './helpers.ts';

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged errors or warnings for the default app', () => {
    const synth = synthesize();
    cleanup(synth);

    expect(synth.findings).toEqual([]);
  });

  it('reports no unacknowledged findings with the optional admin group', () => {
    const synth = synthesize({ adminCidr: '203.0.113.0/24' });
    cleanup(synth);

    expect(synth.findings).toEqual([]);
  });

  it('refuses a webhook URL in the context: it lives in Secrets Manager, never in the template', () => {
    expect(() => synthesize({ notifyWebhookUrl: 'https://hooks.example.test/x' })).toThrow(
      /notifyWebhookUrl is no longer accepted.*NotifyWebhookSecretArn/,
    );
  });

  it('reports an unacknowledged finding added to the app', () => {
    const synth = synthesize({}, ({ network }) => {
      const open = new SecurityGroup(network, 'OpenSsh', { vpc: network.vpc });
      open.addIngressRule(Peer.anyIpv4(), Port.tcp(22));
    });
    cleanup(synth);

    expect(synth.findings.join('\n')).toMatch(/AwsSolutions-EC23|ingress/i);
  });
});
