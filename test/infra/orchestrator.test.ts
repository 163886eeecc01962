import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionOfRoute, HTTP_ROUTES, ROUTES } from '../../functions/handlers/http/routes.ts';
import { BERTH_RUNTIME } from '../../infra/constructs/lifecycle-function.ts';
import { ALL_HANDLERS } from '../../infra/handler-catalog.ts';
import { berthVariablesOf, cleanup, type Synthesized, synthesize } from './helpers.ts';

let synth: Synthesized;
let template: Template;

beforeAll(() => {
  synth = synthesize();
  template = synth.orchestrator;
});
afterAll(() => cleanup(synth));

const resourcesOf = (type: string): Array<[string, any]> => Object.entries(template.findResources(type));

const statements = (): any[] =>
  resourcesOf('AWS::IAM::Policy').flatMap(
    ([, policy]) => policy.Properties.PolicyDocument.Statement as any[],
  );

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('registry table', () => {
  it('keys on pk/sk strings, bills per request, keeps point-in-time recovery and expires items by ttl', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });
});

describe('functions', () => {
  it('deploys one function per handler in docs/architecture.md', () => {
    const functions = resourcesOf('AWS::Lambda::Function').filter(([id]) => !id.startsWith('AWS'));
    expect(functions).toHaveLength(ALL_HANDLERS.length);
    expect(ALL_HANDLERS.map((h) => h.file)).toEqual(
      expect.arrayContaining([
        'lock',
        'record',
        'verify',
        'teardown-network',
        'notify',
        'nightly',
        'api',
        'slack',
        'plan',
      ]),
    );
  });

  it('runs every function on ARM64 with the current Node.js LTS runtime and active tracing', () => {
    const functions = resourcesOf('AWS::Lambda::Function').filter(([id]) => !id.startsWith('AWS'));
    for (const [, fn] of functions) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Runtime).toBe(BERTH_RUNTIME.name);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
    expect(BERTH_RUNTIME.name).toBe('nodejs24.x');
  });

  it('gives every function its own log group with a retention period', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    const functions = resourcesOf('AWS::Lambda::Function').filter(([id]) => !id.startsWith('AWS'));
    for (const [, fn] of functions) {
      const ref = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(logGroups[ref]?.Properties.RetentionInDays).toBe(30);
    }
  });

  it('gives each function exactly the settings it declares (functions/handlers/settings.ts), no other', () => {
    const given = new Map(ALL_HANDLERS.map((entry) => [entry.id, berthVariablesOf(template, entry.id)]));
    // What this stack (no optional context) can give at all: the platform-only settings never are.
    const deployable = [...new Set([...given.values()].flat())].sort();
    expect(deployable).toEqual(
      [
        'BERTH_TABLE_NAME',
        'BERTH_VPC_ID',
        'BERTH_PUBLIC_SUBNETS',
        'BERTH_PRIVATE_SUBNETS',
        'BERTH_INSTANCE_PROFILE_ARN',
        'BERTH_EXECUTION_ROLE_ARN',
        'BERTH_ALLOWED_CIDR',
        'BERTH_AMI_PARAMETER',
        'BERTH_SHARED_LISTENER_ARN',
        'BERTH_SHARED_ALB_SECURITY_GROUP_ID',
        'BERTH_LIFECYCLE_STATE_MACHINE_ARN',
        'BERTH_NIGHTLY_STATE_MACHINE_ARN',
        'BERTH_SLACK_SECRET_ARN',
        'BERTH_LOCK_TTL_SECONDS',
        'BERTH_WAKE_FUNCTION_ARN',
        'BERTH_NOTIFY_WEBHOOK_SECRET_ARN',
        'BERTH_PLAN_FUNCTION_NAME',
        'BERTH_SCHEDULE_FUNCTION_NAME',
        'BERTH_SCHEDULE_GROUP',
        'BERTH_SCHEDULED_ACTION_FUNCTION_ARN',
        'BERTH_SCHEDULER_ROLE_ARN',
      ].sort(),
    );
    for (const entry of ALL_HANDLERS) {
      const declared = [...entry.settings.required, ...entry.settings.optional];
      expect(given.get(entry.id), entry.id).toEqual(declared.filter((v) => deployable.includes(v)).sort());
      expect(given.get(entry.id), entry.id).toEqual(expect.arrayContaining([...entry.settings.required]));
    }
    expect(given.get('Lock')).toEqual(['BERTH_LOCK_TTL_SECONDS', 'BERTH_TABLE_NAME']);
    expect(given.get('TeardownCluster')).toEqual([]);
    expect(given.get('Notify')).toEqual(['BERTH_NOTIFY_WEBHOOK_SECRET_ARN']);
    // The dry runs invoke the plan function by name: the api-aux function's, not the api's.
    const variablesOf = (prefix: string) =>
      resourcesOf('AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))?.[1].Properties.Environment
        .Variables;
    expect(variablesOf('ApiAuxFunction').BERTH_PLAN_FUNCTION_NAME).toEqual({
      Ref: expect.stringMatching(/^PlanFunction/),
    });
    expect(variablesOf('ApiFunction').BERTH_PLAN_FUNCTION_NAME).toBeUndefined();
  });
});

describe('state machines', () => {
  it('logs ALL events without execution data (no env values or secrets in the logs) and traces both standard state machines', () => {
    const machines = resourcesOf('AWS::StepFunctions::StateMachine');
    expect(machines.map(([, m]) => m.Properties.StateMachineName).sort()).toEqual([
      'berth-lifecycle',
      'berth-nightly-teardown',
    ]);
    for (const [, machine] of machines) {
      expect(machine.Properties.StateMachineType).toBe('STANDARD');
      expect(machine.Properties.LoggingConfiguration).toMatchObject({
        Level: 'ALL',
        IncludeExecutionData: false,
      });
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    }
  });

  it('deploys the committed ASL files unchanged, with substitutions', () => {
    const assets = readdirSync(synth.outdir).filter((f) => /^asset\..*\.json$/.test(f));
    const contents = assets.map((f) => readFileSync(join(synth.outdir, f), 'utf8'));
    for (const file of ['lifecycle', 'nightly-teardown']) {
      const asl = readFileSync(new URL(`../../statemachine/${file}.asl.json`, import.meta.url), 'utf8');
      expect(contents).toContain(asl);
    }
    for (const [, machine] of resourcesOf('AWS::StepFunctions::StateMachine')) {
      expect(machine.Properties.DefinitionS3Location).toBeDefined();
      expect(Object.keys(machine.Properties.DefinitionSubstitutions).length).toBeGreaterThan(1);
    }
  });
});

describe('api', () => {
  const methods = () =>
    resourcesOf('AWS::ApiGateway::Method').filter(([, m]) => m.Properties.HttpMethod !== 'OPTIONS');
  const pathOf = (resourceId: string): string => {
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const parts: string[] = [];
    let current: any = resources[resourceId];
    while (current) {
      parts.unshift(current.Properties.PathPart);
      current = resources[current.Properties.ParentId.Ref];
    }
    return `/${parts.join('/')}`;
  };

  it('exposes exactly the routes the api and slack handlers serve', () => {
    const routes = methods().map(
      ([, m]) => `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId.Ref)}`,
    );
    expect(routes.sort()).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('integrates each route with the function that serves it: dry runs, settings changes and logs with api-aux', () => {
    const integrated: string[] = [];
    for (const [, method] of methods()) {
      const path = pathOf(method.Properties.ResourceId.Ref);
      const route = ROUTES.find((r) => r.method === method.Properties.HttpMethod && r.path === path);
      if (route === undefined) continue; // the Slack routes
      const target = /"(ApiAuxFunction|ApiFunction)[0-9A-F]{8}"/.exec(
        JSON.stringify(method.Properties.Integration.Uri),
      )?.[1];
      const expected = functionOfRoute(route.name) === 'api-aux' ? 'ApiAuxFunction' : 'ApiFunction';
      expect(target, `${route.method} ${route.path}`).toBe(expected);
      if (target === 'ApiAuxFunction') integrated.push(route.name);
    }
    expect(integrated.sort()).toEqual(['environmentLogs', 'planEnvironment', 'updateEnvironment']);
  });

  it('requires IAM (SigV4) authorization on every route except the Slack command and interactions', () => {
    const slack = new Set(['/slack/commands', '/slack/interactions']);
    for (const [, method] of methods()) {
      const path = pathOf(method.Properties.ResourceId.Ref);
      expect(method.Properties.AuthorizationType, path).toBe(slack.has(path) ? 'NONE' : 'AWS_IAM');
    }
  });

  it('validates the bodies of create, update, scale and extend against models', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    const withModels = methods()
      .filter(([, m]) => m.Properties.RequestModels?.['application/json'])
      .map(([, m]) => pathOf(m.Properties.ResourceId.Ref))
      .sort();
    expect(withModels).toEqual([
      '/environments',
      '/environments/{name}',
      '/environments/{name}/extend',
      '/environments/{name}/scale',
    ]);
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'ScaleEnvironment',
      Schema: Match.objectLike({ required: ['desiredCount'] }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'UpdateEnvironment',
      Schema: Match.objectLike({ required: ['idleAfter'] }),
    });
  });

  it('writes access logs and traces the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: [Match.objectLike({ LoggingLevel: 'INFO', DataTraceEnabled: false })],
    });
  });
});

describe('nightly schedule', () => {
  it('runs the nightly state machine at 20:00 UTC by default', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 20 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      Target: { Arn: { Ref: Match.stringLikeRegexp('^NightlyTeardown') }, RoleArn: Match.anyValue() },
    });
  });

  it('takes its cron expression and time zone from context', () => {
    const custom = synthesize({ nightlyCron: 'cron(30 21 ? * MON-FRI *)', nightlyTimezone: 'Asia/Seoul' });
    cleanup(custom);

    custom.orchestrator.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 21 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Asia/Seoul',
    });
  });
});

describe('sleep/wake schedules', () => {
  it("creates Berth's schedule group tagged berth:managed-by, and a role only Scheduler assumes to invoke scheduled-action", () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', {
      Name: 'berth-environments',
      Tags: [{ Key: 'berth:managed-by', Value: 'berth' }],
    });
    const [, role] =
      resourcesOf('AWS::IAM::Role').find(([id]) => id.startsWith('EnvironmentScheduleRole')) ?? [];
    expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const invoking = statements().filter((s) => asList<string>(s.Action).includes('lambda:InvokeFunction'));
    const scheduleInvoke = invoking.filter((s) => JSON.stringify(s.Resource).includes('-scheduled-action'));
    expect(scheduleInvoke).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Berth: Sleep/wake schedules'),
    });
  });

  it('gives create-service the group, the target function and the role, and teardown-service the group', () => {
    const variablesOf = (description: RegExp) => {
      const fn = resourcesOf('AWS::Lambda::Function').find(([, f]) =>
        description.test(f.Properties.Description),
      );
      expect(fn, String(description)).toBeDefined();
      return fn?.[1].Properties.Environment.Variables;
    };
    const create = variablesOf(/^Berth: Creates the ECS service/);
    expect(create.BERTH_SCHEDULE_GROUP).toBe('berth-environments');
    expect(JSON.stringify(create.BERTH_SCHEDULED_ACTION_FUNCTION_ARN)).toContain('-scheduled-action');
    expect(JSON.stringify(create.BERTH_SCHEDULER_ROLE_ARN)).toContain('EnvironmentScheduleRole');
    const teardown = variablesOf(/^Berth: Scales the service to zero and deletes it/);
    expect(teardown.BERTH_SCHEDULE_GROUP).toBe('berth-environments');
    expect(teardown.BERTH_SCHEDULER_ROLE_ARN).toBeUndefined();
  });
});

describe('IAM', () => {
  it('uses unique statement ids within each policy', () => {
    for (const [id, policy] of resourcesOf('AWS::IAM::Policy')) {
      const sids = (policy.Properties.PolicyDocument.Statement as any[]).map((st) => st.Sid).filter(Boolean);
      expect(new Set(sids).size, id).toBe(sids.length);
    }
  });

  it('allows ecs:DeleteService only on berth-* services tagged berth:managed-by=berth', () => {
    const deleting = statements().filter((s) => asList<string>(s.Action).includes('ecs:DeleteService'));
    expect(deleting).toHaveLength(1);
    expect(JSON.stringify(deleting[0].Resource)).toContain(':service/berth-*/berth-*');
    expect(deleting[0].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/berth:managed-by': 'berth' } });
  });

  it('passes only the task execution role, the instance role and the schedules role, each to its service', () => {
    const passing = statements().filter((s) => asList<string>(s.Action).includes('iam:PassRole'));
    expect(passing.length).toBeGreaterThan(0);
    const roles = new Set<string>();
    for (const statement of passing) {
      for (const resource of asList<any>(statement.Resource)) roles.add(resource['Fn::GetAtt'][0]);
      expect(Object.keys(statement.Condition.StringEquals)).toEqual(['iam:PassedToService']);
    }
    expect([...roles].map((r) => r.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'EcsInstanceRole',
      'EnvironmentScheduleRole',
      'TaskExecutionRole',
    ]);
  });

  it('grants the instance role the ECS agent and Session Manager policies through an instance profile', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [
        Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonEC2ContainerServiceforEC2Role')])],
        }),
        Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonSSMManagedInstanceCore')])],
        }),
      ],
    });
    template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
  });
});

describe('slack secret', () => {
  it('keeps the signing secret and the webhook URL in Secrets Manager; only slack, notify, nightly and the expiry check read one each', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const policies = resourcesOf('AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
    );
    expect(policies.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^ExpiryWarningsFunctionServiceRoleDefaultPolicy/),
      expect.stringMatching(/^NightlyFunctionServiceRoleDefaultPolicy/),
      expect.stringMatching(/^NotifyFunctionServiceRoleDefaultPolicy/),
      expect.stringMatching(/^SlackFunctionServiceRoleDefaultPolicy/),
    ]);
    const readers = statements().filter((s) =>
      asList<string>(s.Action).includes('secretsmanager:GetSecretValue'),
    );
    expect(readers.map((s) => s.Sid).sort()).toEqual([
      'ReadNotifyWebhook',
      'ReadNotifyWebhook',
      'ReadNotifyWebhook',
      'ReadSlackSigningSecret',
    ]);
  });

  it('puts no webhook URL in the template or a Lambda environment: notify, nightly and the expiry check get the secret ARN', () => {
    const withSecret: string[] = [];
    for (const [, fn] of resourcesOf('AWS::Lambda::Function')) {
      const vars = fn.Properties.Environment?.Variables ?? {};
      expect(vars).not.toHaveProperty('BERTH_NOTIFY_WEBHOOK_URL');
      if ('BERTH_NOTIFY_WEBHOOK_SECRET_ARN' in vars) withSecret.push(fn.Properties.Description);
    }
    expect(withSecret.sort()).toEqual([
      'Berth: Lists teardown candidates and reports the nightly run',
      'Berth: Posts the outcome to Slack or the configured webhook',
      'Berth: Scheduled: warns in Slack before environments expire (Extend / Keep buttons)',
    ]);
  });
});

describe('workload logs permissions', () => {
  /** logs:* actions of the policies attached to roles whose logical id starts with `rolePrefix`. */
  const logsActionsOf = (rolePrefix: string): { actions: string[]; resources: string[] } => {
    const actions = new Set<string>();
    const resources: string[] = [];
    for (const [, policy] of resourcesOf('AWS::IAM::Policy')) {
      const roles = (policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
      if (!roles.some((r) => r.startsWith(rolePrefix))) continue;
      for (const s of policy.Properties.PolicyDocument.Statement as any[]) {
        const logs = asList<string>(s.Action).filter((a) => a.startsWith('logs:'));
        if (logs.length === 0) continue;
        for (const a of logs) actions.add(a);
        resources.push(...asList<unknown>(s.Resource).map((r) => JSON.stringify(r)));
      }
    }
    return { actions: [...actions].sort(), resources };
  };

  it('lets the task execution role create streams and put events only in /berth/* groups', () => {
    const role = resourcesOf('AWS::IAM::Role').find(([id]) => id.startsWith('TaskExecutionRole'));
    expect(role?.[1].Properties.ManagedPolicyArns).toBeUndefined();
    const { actions, resources } = logsActionsOf('TaskExecutionRole');
    expect(actions).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(resources).toHaveLength(1);
    expect(resources[0]).toContain(':log-group:/berth/*:log-stream:*');
  });

  it.each([
    [
      'CreateTaskDefinitionFunction',
      [
        'logs:CreateLogGroup',
        'logs:DescribeLogGroups',
        'logs:ListTagsForResource',
        'logs:PutRetentionPolicy',
        'logs:TagResource',
        'logs:UntagResource',
      ],
    ],
    ['VerifyFunction', ['logs:GetLogEvents']],
    ['TeardownServiceFunction', ['logs:DescribeLogGroups', 'logs:ListTagsForResource']],
    [
      'TeardownTaskDefinitionsFunction',
      ['logs:DeleteLogGroup', 'logs:DescribeLogGroups', 'logs:ListTagsForResource', 'logs:TagResource'],
    ],
    ['NightlyFunction', ['logs:DeleteLogGroup', 'logs:DescribeLogGroups', 'logs:ListTagsForResource']],
    ['ApiAuxFunction', ['logs:FilterLogEvents']],
    ['ApiFunction', []],
    ['CreateServiceFunction', []],
    ['TeardownClusterFunction', []],
  ])('grants %s only the log actions it calls, on Berth log groups', (prefix, expected) => {
    const { actions, resources } = logsActionsOf(prefix);
    expect(actions).toEqual(expected);
    for (const resource of resources) {
      // DescribeLogGroups is authorised on log-group:*; every other resource is a /berth/ group.
      expect(resource).toMatch(/:log-group:(\/berth\/\*|\*)/);
    }
  });
});
