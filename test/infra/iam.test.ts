import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFunctionPolicies } from '../../infra/function-policies.ts';
import { ALL_HANDLERS } from '../../infra/handler-catalog.ts';
import { HANDLER_PERMISSIONS, isReadOnlyAction } from '../../infra/handler-permissions.ts';
import { API_THROTTLING } from '../../infra/orchestrator-stack.ts';
import { cleanup, type Synthesized, synthesize } from './helpers.ts';

let synth: Synthesized;
let template: Template;

beforeAll(() => {
  synth = synthesize();
  template = synth.orchestrator;
});
afterAll(() => cleanup(synth));

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

/** Every statement of every inline policy of the orchestrator stack, with the policy's logical id. */
const statements = (): Array<{ policy: string; statement: Statement }> =>
  Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([policy, resource]) =>
    (resource.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ policy, statement })),
  );

/** The statements of one function's role, from the template. */
const functionStatements = (id: string): Statement[] =>
  (extractFunctionPolicies(template.toJSON()).functions[
    `berth-${ALL_HANDLERS.find((e) => e.id === id)?.file}`
  ]?.statements ?? []) as unknown as Statement[];

/**
 * Actions AWS offers no resource-level permission and no condition for, added by CDK for tracing and state
 * machine logging; nothing can narrow them.
 */
const UNSCOPABLE: Record<string, string> = {
  'xray:PutTraceSegments': 'active tracing',
  'xray:PutTelemetryRecords': 'active tracing',
  'xray:GetSamplingRules': 'active tracing',
  'xray:GetSamplingTargets': 'active tracing',
  'logs:CreateLogDelivery': 'Step Functions logging (vended logs)',
  'logs:GetLogDelivery': 'Step Functions logging (vended logs)',
  'logs:UpdateLogDelivery': 'Step Functions logging (vended logs)',
  'logs:DeleteLogDelivery': 'Step Functions logging (vended logs)',
  'logs:ListLogDeliveries': 'Step Functions logging (vended logs)',
  'logs:PutResourcePolicy': 'Step Functions logging (vended logs)',
  'logs:DescribeResourcePolicies': 'Step Functions logging (vended logs)',
  'logs:DescribeLogGroups': 'Step Functions logging (vended logs)',
};

/**
 * Reads whose name isReadOnlyAction does not recognise, granted on * without a condition: the task execution
 * role's image pulls (environments run images from any repository their spec names).
 */
const READS: Record<string, string> = {
  'ecr:BatchCheckLayerAvailability': 'image pulls by the task execution role (layer existence check)',
};

/**
 * Actions AWS authorizes as part of another call (no SDK command of their own in Berth): tag-on-create, a role
 * passed in a request, the launch checks of an Auto Scaling group, service-linked roles created on first use.
 */
const IMPLIED: Record<string, string> = {
  'ecs:TagResource': 'tags on ECS Create*/RegisterTaskDefinition (ecs:CreateAction)',
  'ec2:CreateTags': 'TagSpecifications on CreateSecurityGroup/CreateLaunchTemplate (ec2:CreateAction)',
  'elasticloadbalancing:AddTags': 'tags on ELBv2 Create* (elasticloadbalancing:CreateAction)',
  'ec2:RunInstances': 'checked when an Auto Scaling group is created from a launch template',
  'iam:PassRole':
    "executionRoleArn of a task definition, instance profile of a launch template, a schedule's target role",
  'iam:CreateServiceLinkedRole': 'ECS, Auto Scaling and ELB service-linked roles on first use',
};

/** `service:Action` of every SDK command the adapters send (functions/adapters), by client package. */
function adapterActions(): Set<string> {
  const prefixes: Record<string, string> = {
    '@aws-sdk/client-ecs': 'ecs',
    '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
    '@aws-sdk/client-auto-scaling': 'autoscaling',
    '@aws-sdk/client-ec2': 'ec2',
    '@aws-sdk/client-ssm': 'ssm',
    '@aws-sdk/client-cloudwatch-logs': 'logs',
    '@aws-sdk/client-cloudwatch': 'cloudwatch',
    '@aws-sdk/client-sfn': 'states',
    '@aws-sdk/client-lambda': 'lambda',
    '@aws-sdk/client-secrets-manager': 'secretsmanager',
    '@aws-sdk/client-application-auto-scaling': 'application-autoscaling',
    '@aws-sdk/client-scheduler': 'scheduler',
    '@aws-sdk/lib-dynamodb': 'dynamodb',
    '@aws-sdk/client-dynamodb': 'dynamodb',
  };
  const renamed: Record<string, string> = {
    'lambda:Invoke': 'lambda:InvokeFunction',
    'dynamodb:Get': 'dynamodb:GetItem',
    'dynamodb:Put': 'dynamodb:PutItem',
    'dynamodb:Update': 'dynamodb:UpdateItem',
    'dynamodb:Delete': 'dynamodb:DeleteItem',
    'dynamodb:BatchGet': 'dynamodb:BatchGetItem',
    'dynamodb:BatchWrite': 'dynamodb:BatchWriteItem',
  };
  const dir = join(import.meta.dirname, '../../functions/adapters');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const out = new Set<string>();
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
      const prefix = prefixes[m[2] ?? ''];
      if (!prefix) continue;
      for (const name of (m[1] ?? '').split(',').map((n) => n.trim())) {
        const command = /^([A-Za-z]+)Command$/.exec(name)?.[1];
        if (!command || !source.includes(`new ${name}(`)) continue;
        const action = `${prefix}:${command}`;
        out.add(renamed[action] ?? action);
      }
    }
  }
  return out;
}

describe('generated IAM', () => {
  it('grants no mutating action on * without a condition', () => {
    const offenders = statements()
      .filter(({ statement: s }) => s.Effect === 'Allow' && asList(s.Resource).includes('*') && !s.Condition)
      .flatMap(({ policy, statement }) =>
        asList(statement.Action)
          .filter((a) => !isReadOnlyAction(a) && !(a in UNSCOPABLE) && !(a in READS))
          .map((a) => `${policy}: ${a}`),
      );
    expect(offenders).toEqual([]);
  });

  it('grants no action that no adapter sends and AWS does not imply', () => {
    const sent = adapterActions();
    expect(sent.has('ecs:CreateService')).toBe(true); // the scan finds the adapters' commands
    const granted = new Set(
      ALL_HANDLERS.flatMap((e) => functionStatements(e.id).flatMap((s) => asList(s.Action))),
    );
    const unexplained = [...granted].filter((a) => !sent.has(a) && !(a in IMPLIED) && !(a in UNSCOPABLE));
    expect(
      unexplained,
      'granted actions that no adapter sends: remove them from infra/handler-permissions.ts',
    ).toEqual([]);
  });

  it('generates each function policy from its declaration, statement for statement', () => {
    for (const entry of ALL_HANDLERS) {
      const sids = functionStatements(entry.id)
        .map((s) => s.Sid)
        .filter((sid) => sid !== undefined);
      // Statements that need an optional deploy-time setting (onlyWith) are absent from the default synth.
      const declared = (HANDLER_PERMISSIONS[entry.id] ?? []).filter((p) => p.onlyWith === undefined);
      expect(sids, entry.id).toEqual(declared.map((p) => p.sid));
    }
  });

  it('does not grant ecs:DeleteTaskDefinitions or ecs:StopTask (nothing calls them)', () => {
    const all = statements().flatMap(({ statement }) => asList(statement.Action));
    expect(all).not.toContain('ecs:DeleteTaskDefinitions');
    expect(all).not.toContain('ecs:StopTask');
  });

  it('deregisters only task definitions named berth-* and tagged berth:managed-by=berth', () => {
    const [statement, ...rest] = functionStatements('TeardownTaskDefinitions').filter((s) =>
      asList(s.Action).includes('ecs:DeregisterTaskDefinition'),
    );
    expect(rest).toEqual([]);
    expect(JSON.stringify(statement?.Resource)).toContain(':task-definition/berth-*:*');
    expect(statement?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/berth:managed-by': 'berth' } });
  });

  it("conditions every ec2:RunInstances statement: Berth's templates, tagged instances and volumes", () => {
    const running = functionStatements('CreateCluster').filter((s) =>
      asList(s.Action).includes('ec2:RunInstances'),
    );
    expect(running.map((s) => s.Condition)).toEqual([
      { StringEquals: { 'aws:ResourceTag/berth:managed-by': 'berth' } },
      { StringEquals: { 'aws:RequestTag/berth:managed-by': 'berth' } },
      { ArnLike: { 'ec2:LaunchTemplate': expect.anything() } },
    ]);
    expect(JSON.stringify(running[0]?.Resource)).toContain(':launch-template/*');
    expect(JSON.stringify(running[1]?.Resource)).toMatch(/:instance\/\*.*:volume\/\*/);
  });

  it('lets create-service update its service (a re-up after scale or redeploy)', () => {
    const actions = functionStatements('CreateService').flatMap((s) => asList(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['ecs:CreateService', 'ecs:UpdateService']));
  });

  it('lets create-load-balancer create the ELB service-linked role, and only that one', () => {
    const [statement, ...rest] = functionStatements('CreateLoadBalancer').filter((s) =>
      asList(s.Action).includes('iam:CreateServiceLinkedRole'),
    );
    expect(rest).toEqual([]);
    expect(statement?.Condition).toEqual({
      StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' },
    });
    expect(JSON.stringify(statement?.Resource)).toContain(
      ':role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing',
    );
  });

  it('acknowledges each wildcard resource with the statements that need it, never with one blanket reason', () => {
    const stack = synth.stacks.orchestrator;
    const acks = JSON.stringify(stack.node.findAll().flatMap((c) => c.node.metadata.map((m) => m.data)));
    expect(acks).not.toContain(
      'support no resource-level permissions.","id":"AwsSolutions-IAM5[Resource::*]',
    );
    expect(acks).toContain('ObserveEnvironment (');
  });

  it('throttles the API stage as the APIG3 acknowledgement says', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: API_THROTTLING.rateLimit,
          ThrottlingBurstLimit: API_THROTTLING.burstLimit,
        }),
      ]),
    });
  });
});
