import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_HANDLERS } from '../../infra/handler-catalog.ts';
import { berthVariablesOf, cleanup, type Synthesized, synthesize } from './helpers.ts';

const synths: Synthesized[] = [];
afterAll(() => {
  for (const synth of synths) cleanup(synth);
});

describe('access policy configuration (docs/security.md, docs/deploy.md)', () => {
  it('passes apiPrincipals and accessPolicyParameter to the api functions and lets api, api-aux, slack, nightly and scheduled-action read only that parameter', () => {
    const synth = synthesize({
      apiPrincipals: 'arn:aws:sts::123456789012:assumed-role/Dev/*, arn:aws:iam::123456789012:user/ops',
      accessPolicyParameter: '/berth/access-policy',
    });
    synths.push(synth);
    expect(synth.findings).toEqual([]);
    const template = synth.orchestrator;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Berth: REST API',
      Environment: {
        Variables: Match.objectLike({
          BERTH_API_PRINCIPALS:
            'arn:aws:sts::123456789012:assumed-role/Dev/*,arn:aws:iam::123456789012:user/ops',
          BERTH_POLICY_PARAMETER: '/berth/access-policy',
        }),
      },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy: any) => policy.Properties.PolicyDocument.Statement as any[],
    );
    const reads = statements.filter((s) => [s.Action].flat().includes('ssm:GetParameter'));
    expect(reads.map((s) => s.Sid)).toContain('ReadAccessPolicy');
    const read = reads.find((s) => s.Sid === 'ReadAccessPolicy');
    expect(JSON.stringify(read.Resource)).toContain(':parameter/berth/access-policy');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Berth: Slack slash commands',
      Environment: { Variables: Match.objectLike({ BERTH_POLICY_PARAMETER: '/berth/access-policy' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Berth: Lists teardown candidates and reports the nightly run',
      Environment: { Variables: Match.objectLike({ BERTH_POLICY_PARAMETER: '/berth/access-policy' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description:
        'Berth: Scheduled: pauses environments whose load balancer saw no request for their idleAfter',
      Environment: { Variables: Match.objectLike({ BERTH_POLICY_PARAMETER: '/berth/access-policy' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: "Berth: Sleep/wake schedules: EventBridge Scheduler's target; starts pause or resume",
      Environment: { Variables: Match.objectLike({ BERTH_POLICY_PARAMETER: '/berth/access-policy' }) },
    });
    // api, api-aux, slack, nightly, the idle check and scheduled-action: declared once in
    // infra/handler-permissions.ts, emitted only with the context.
    expect(reads.filter((s) => s.Sid === 'ReadAccessPolicy')).toHaveLength(6);
    // Only the functions that declare them get the context's settings (functions/handlers/settings.ts).
    const withVariable = (variable: string) =>
      ALL_HANDLERS.filter((entry) => berthVariablesOf(template, entry.id).includes(variable)).map(
        (e) => e.id,
      );
    expect(withVariable('BERTH_POLICY_PARAMETER').sort()).toEqual([
      'Api',
      'ApiAux',
      'IdleCheck',
      'Nightly',
      'ScheduledAction',
      'Slack',
    ]);
    expect(withVariable('BERTH_API_PRINCIPALS').sort()).toEqual(['Api', 'ApiAux']);
  });

  it('sets neither variable without the context values, and grants no ssm:GetParameter of a policy', () => {
    const synth = synthesize();
    synths.push(synth);
    const sids = Object.values(synth.orchestrator.findResources('AWS::IAM::Policy')).flatMap((policy: any) =>
      (policy.Properties.PolicyDocument.Statement as any[]).map((s) => s.Sid),
    );
    expect(sids).not.toContain('ReadAccessPolicy');
    const fns = Object.values(synth.orchestrator.findResources('AWS::Lambda::Function')) as any[];
    for (const fn of fns) {
      expect(fn.Properties.Environment?.Variables ?? {}).not.toHaveProperty('BERTH_POLICY_PARAMETER');
      expect(fn.Properties.Environment?.Variables ?? {}).not.toHaveProperty('BERTH_API_PRINCIPALS');
    }
  });
});
