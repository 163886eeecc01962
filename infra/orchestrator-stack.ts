import { fileURLToPath } from 'node:url';
import { ArnFormat, Aws, CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  JsonSchemaType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type Model,
  type RequestValidator,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  CfnInstanceProfile,
  Effect,
  ManagedPolicy,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { FunctionProps } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule, CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DEFAULT_SCHEDULE_GROUP } from '../functions/core/schedules.ts';
import type { ConfigVariable } from '../functions/handlers/config.ts';
import { type ApiFunctionFile, functionOfRoute, type RouteName } from '../functions/handlers/http/routes.ts';
import { LifecycleFunction, nagResourceName } from './constructs/lifecycle-function.ts';
import { ALL_HANDLERS, type HandlerEntry, STATE_MACHINE_HANDLERS } from './handler-catalog.ts';
import { type Conditions, HANDLER_PERMISSIONS } from './handler-permissions.ts';

/** Path of a state machine definition, `statemachine/<name>.asl.json`. */
const aslFile = (name: 'lifecycle' | 'nightly-teardown'): string =>
  fileURLToPath(new URL(`../statemachine/${name}.asl.json`, import.meta.url));

const LIFECYCLE_STATE_MACHINE_NAME = 'berth-lifecycle';
const NIGHTLY_STATE_MACHINE_NAME = 'berth-nightly-teardown';
const DEFAULT_NIGHTLY_CRON = 'cron(0 20 * * ? *)';
const DEFAULT_NIGHTLY_TIMEZONE = 'UTC';
/** API stage throttling (steady requests per second and burst), applied to every method. */
export const API_THROTTLING = Object.freeze({ rateLimit: 20, burstLimit: 40 });
/** Tag condition every mutating statement on environment resources carries. */

/** Why every function's policy has `Resource: *` (the statement CDK adds for active tracing). */
const X_RAY_WILDCARD_REASON =
  'Tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions.';

export interface OrchestratorStackProps extends StackProps {
  readonly vpc: IVpc;
  /** The shared `instances` group (its rule admits the shared ALB group). */
  readonly instanceSecurityGroup: ISecurityGroup;
  readonly sharedAlbSecurityGroup: ISecurityGroup;
  readonly sharedListenerArn: string;
  /** EventBridge Scheduler expression (context `nightlyCron`). */
  readonly nightlyCron?: string;
  /** IANA time zone of the schedule (context `nightlyTimezone`). */
  readonly nightlyTimezone?: string;
  /** CIDR allowed to reach per-environment ALBs (context `allowedCidr`). */
  readonly allowedCidr?: string;
  /** Lock lifetime in seconds (context `lockTtlSeconds`). */
  readonly lockTtlSeconds?: number;
  /**
   * IAM principal patterns that are API admins when no access policy is configured (context `apiPrincipals`,
   * comma-separated; docs/security.md). Without them and without `accessPolicyParameter`, the API refuses everyone.
   */
  readonly apiPrincipals?: readonly string[];
  /** The SSM parameter holding the JSON access policy (context `accessPolicyParameter`), e.g. `/berth/access-policy`. */
  readonly accessPolicyParameter?: string;
  /** Hours before expiry the Slack expiry warning is posted (context `expiryWarningHours`, default 2). */
  readonly expiryWarningHours?: number;
}

/** How often the expiry check runs (EventBridge Scheduler rate expression). */
const EXPIRY_CHECK_RATE = 'rate(15 minutes)';

/**
 * How often the idle check runs (idle sleep): ALB metrics are per minute, the shortest `idleAfter` is 15
 * minutes, so an idle environment is paused at most 5 minutes late.
 */
const IDLE_CHECK_RATE = 'rate(5 minutes)';

/**
 * Berth's control plane: the registry table, one Lambda per handler with least-privilege IAM, the
 * lifecycle and nightly-teardown state machines (from `statemachine/*.asl.json`), the REST API, the
 * Slack signing secret and the nightly schedule.
 */
export class OrchestratorStack extends Stack {
  readonly table: Table;
  readonly functions: Readonly<Record<string, LifecycleFunction>>;
  readonly lifecycleStateMachine: StateMachine;
  readonly nightlyStateMachine: StateMachine;
  /** The substitutions handed to `statemachine/lifecycle.asl.json`. */
  readonly lifecycleSubstitutions: Readonly<Record<string, string>>;
  /** The substitutions handed to `statemachine/nightly-teardown.asl.json`. */
  readonly nightlySubstitutions: Readonly<Record<string, string>>;
  readonly api: RestApi;
  readonly slackSecret: Secret;
  /** The notification webhook URL (output `NotifyWebhookSecretArn`; set it with put-secret-value). */
  readonly notifyWebhookSecret: Secret;
  readonly instanceRole: Role;
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: OrchestratorStackProps) {
    super(scope, id, props);

    // ---- registry ----
    this.table = new Table(this, 'Registry', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- roles handed to ECS (iam:PassRole targets) ----
    this.instanceRole = new Role(this, 'EcsInstanceRole', {
      assumedBy: new ServicePrincipal('ec2.amazonaws.com'),
      description: 'Berth ECS container instances (ecsInstanceRole equivalent)',
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEC2ContainerServiceforEC2Role'),
        ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    Validations.of(this.instanceRole).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
        reason:
          'The documented, AWS-maintained policy for the ECS container agent; it follows the agent as it changes.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
        reason: 'Session Manager access to instances instead of SSH (the admin group stays off by default).',
      },
    );
    const instanceProfile = new CfnInstanceProfile(this, 'EcsInstanceProfile', {
      roles: [this.instanceRole.roleName],
    });
    this.executionRole = new Role(this, 'TaskExecutionRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Berth task execution role (image pulls, awslogs into /berth/* only)',
    });
    // What AmazonECSTaskExecutionRolePolicy grants, with the awslogs writes narrowed to Berth's
    // log groups (the managed policy allows logs:CreateLogStream/PutLogEvents on every group).
    this.executionRole.addToPolicy(
      new PolicyStatement({
        sid: 'PullImages',
        actions: [
          'ecr:GetAuthorizationToken',
          'ecr:BatchCheckLayerAvailability',
          'ecr:GetDownloadUrlForLayer',
          'ecr:BatchGetImage',
        ],
        resources: ['*'],
      }),
    );
    this.executionRole.addToPolicy(
      new PolicyStatement({
        sid: 'WriteBerthLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [
          this.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '/berth/*:log-stream:*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    Validations.of(this.executionRole).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken supports no resource-level permissions, and environments run images from any repository the spec names.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/berth/*:log-stream:*]',
        reason:
          "The awslogs driver creates one stream per task (<container>/<container>/<task id>) in the environment's group /berth/<env>; environments and tasks are created per request.",
      },
    );

    // ---- Slack signing secret (value set after deploy, see docs/deploy.md) ----
    this.slackSecret = new Secret(this, 'SlackSigningSecret', {
      description: 'Slack signing secret for /slack/commands; placeholder until set with put-secret-value',
      generateSecretString: { excludePunctuation: true, passwordLength: 32 },
    });
    // The notification webhook URL (a bearer credential for the channel) lives here, not in the template or a
    // Lambda environment variable: the generated placeholder means "no webhook" until an operator sets the URL.
    this.notifyWebhookSecret = new Secret(this, 'NotifyWebhookSecret', {
      description:
        'Webhook URL for Berth notifications without a Slack response_url; placeholder (no webhook) until set with put-secret-value',
      generateSecretString: { excludePunctuation: true, passwordLength: 32 },
    });
    Validations.of(this.notifyWebhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook URL is issued by the chat service; it is replaced there and copied here, AWS cannot rotate it.',
    });
    Validations.of(this.slackSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Slack issues the signing secret; it is rotated in Slack and copied here, AWS cannot rotate it.',
    });

    // ---- functions ----
    const lifecycleArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: LIFECYCLE_STATE_MACHINE_NAME,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const nightlyArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: NIGHTLY_STATE_MACHINE_NAME,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const lifecycleExecutionsArn = this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${LIFECYCLE_STATE_MACHINE_NAME}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const nightlyExecutionsArn = this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${NIGHTLY_STATE_MACHINE_NAME}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // Sleep/wake schedules (spec `schedule`): EventBridge Scheduler schedules in Berth's schedule group (tagged,
    // since schedules themselves are not taggable) invoke the scheduled-action function, assuming this role. The
    // function's ARN is built from its name, as the wake function's is.
    const scheduledActionName = `${Aws.STACK_NAME}-scheduled-action`;
    const scheduledActionArn = this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: scheduledActionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const scheduleGroup = new CfnScheduleGroup(this, 'EnvironmentScheduleGroup', {
      name: DEFAULT_SCHEDULE_GROUP,
      tags: [{ key: 'berth:managed-by', value: 'berth' }],
    });
    const environmentScheduleRole = this.schedulerRole(
      'EnvironmentScheduleRole',
      "Lets EventBridge Scheduler invoke the scheduled-action function for environments' sleep/wake schedules",
      scheduledActionArn,
    );
    // Every setting the stack can give a function; each function gets exactly the ones it declares
    // (functions/handlers/settings.ts, shown in infra/handler-catalog.ts).
    const wakeName = `${Aws.STACK_NAME}-wake`;
    const settingValues: Partial<Record<ConfigVariable, string>> = {
      BERTH_TABLE_NAME: this.table.tableName,
      BERTH_VPC_ID: props.vpc.vpcId,
      BERTH_PUBLIC_SUBNETS: props.vpc.publicSubnets.map((s) => s.subnetId).join(','),
      BERTH_PRIVATE_SUBNETS: props.vpc.privateSubnets.map((s) => s.subnetId).join(','),
      BERTH_INSTANCE_PROFILE_ARN: instanceProfile.attrArn,
      BERTH_EXECUTION_ROLE_ARN: this.executionRole.roleArn,
      BERTH_ALLOWED_CIDR: props.allowedCidr ?? '0.0.0.0/0',
      BERTH_AMI_PARAMETER: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
      BERTH_SHARED_LISTENER_ARN: props.sharedListenerArn,
      BERTH_SHARED_ALB_SECURITY_GROUP_ID: props.sharedAlbSecurityGroup.securityGroupId,
      BERTH_LIFECYCLE_STATE_MACHINE_ARN: lifecycleArn,
      BERTH_NIGHTLY_STATE_MACHINE_ARN: nightlyArn,
      BERTH_SLACK_SECRET_ARN: this.slackSecret.secretArn,
      BERTH_LOCK_TTL_SECONDS: String(props.lockTtlSeconds ?? 7200),
      // Wake on request: the function a paused environment's load balancer invokes. Pause registers it by
      // ARN; the ARN is built from its name (not a reference) so that pause → wake → lifecycle is no cycle.
      BERTH_WAKE_FUNCTION_ARN: this.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: wakeName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      // The webhook URL itself stays in the secret (never a Lambda environment variable).
      BERTH_NOTIFY_WEBHOOK_SECRET_ARN: this.notifyWebhookSecret.secretArn,
      BERTH_SCHEDULE_GROUP: DEFAULT_SCHEDULE_GROUP,
      BERTH_SCHEDULED_ACTION_FUNCTION_ARN: scheduledActionArn,
      BERTH_SCHEDULER_ROLE_ARN: environmentScheduleRole.roleArn,
      ...(props.accessPolicyParameter ? { BERTH_POLICY_PARAMETER: props.accessPolicyParameter } : {}),
      ...(props.apiPrincipals?.length ? { BERTH_API_PRINCIPALS: props.apiPrincipals.join(',') } : {}),
      ...(props.expiryWarningHours === undefined
        ? {}
        : { BERTH_EXPIRY_WARNING_HOURS: String(props.expiryWarningHours) }),
    };
    const environmentOf = (entry: HandlerEntry): Record<string, string> => {
      const environment: Record<string, string> = {};
      for (const variable of entry.settings.required) {
        const value = settingValues[variable];
        if (value === undefined)
          throw new Error(`${entry.id}: no value for its required setting ${variable}`);
        environment[variable] = value;
      }
      for (const variable of entry.settings.optional) {
        const value = settingValues[variable];
        if (value !== undefined) environment[variable] = value;
      }
      return environment;
    };
    const entryOf = (id: string): HandlerEntry => {
      const entry = ALL_HANDLERS.find((e) => e.id === id);
      if (!entry) throw new Error(`no handler ${id} in the catalog`);
      return entry;
    };
    const make = (entry: HandlerEntry, overrides?: Partial<FunctionProps>): LifecycleFunction =>
      new LifecycleFunction(this, `${entry.id}Function`, {
        handlerFile: entry.file,
        description: `Berth: ${entry.description}`,
        environment: environmentOf(entry),
        ...(overrides ? { overrides } : {}),
      });
    const fns: Record<string, LifecycleFunction> = {};
    const wake = make(entryOf('Wake'), { functionName: wakeName });
    // Elastic Load Balancing invokes it for Berth's wake target groups only (ELB User Guide, "Lambda
    // functions as targets": the permission must exist before RegisterTargets).
    wake.addPermission('InvokedByWakeTargetGroups', {
      principal: new ServicePrincipal('elasticloadbalancing.amazonaws.com'),
      sourceArn: this.formatArn({
        service: 'elasticloadbalancing',
        resource: 'targetgroup',
        resourceName: 'berth-*-wake/*',
      }),
    });
    fns['Wake'] = wake;
    fns['ScheduledAction'] = make(entryOf('ScheduledAction'), { functionName: scheduledActionName });
    // The API's dry runs invoke the plan function by name.
    const plan = make(entryOf('Plan'));
    fns['Plan'] = plan;
    settingValues.BERTH_PLAN_FUNCTION_NAME = plan.functionName;
    // `PATCH /environments/{name}` with `schedule` invokes the schedule function by name.
    const scheduleFn = make(entryOf('Schedule'));
    fns['Schedule'] = scheduleFn;
    settingValues.BERTH_SCHEDULE_FUNCTION_NAME = scheduleFn.functionName;
    for (const entry of ALL_HANDLERS) fns[entry.id] ??= make(entry);
    this.functions = fns;
    const fn = (id: string): LifecycleFunction => {
      const found = fns[id];
      if (!found) throw new Error(`no function ${id}`);
      return found;
    };
    this.grantDeclaredPermissions(fn, {
      partition: Aws.PARTITION,
      region: Aws.REGION,
      account: Aws.ACCOUNT_ID,
      registryTable: this.table.tableArn,
      vpc: this.formatArn({ service: 'ec2', resource: 'vpc', resourceName: props.vpc.vpcId }),
      instanceRole: this.instanceRole.roleArn,
      executionRole: this.executionRole.roleArn,
      lifecycleStateMachine: lifecycleArn,
      lifecycleExecutions: lifecycleExecutionsArn,
      nightlyStateMachine: nightlyArn,
      nightlyExecutions: nightlyExecutionsArn,
      planFunction: plan.functionArn,
      scheduleFunction: scheduleFn.functionArn,
      scheduleGroup: scheduleGroup.attrArn,
      environmentSchedules: this.formatArn({
        service: 'scheduler',
        resource: 'schedule',
        resourceName: `${DEFAULT_SCHEDULE_GROUP}/berth-*`,
      }),
      environmentScheduleRole: environmentScheduleRole.roleArn,
      slackSecret: this.slackSecret.secretArn,
      notifyWebhookSecret: this.notifyWebhookSecret.secretArn,
      ...(props.accessPolicyParameter
        ? {
            accessPolicyParameter: this.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: props.accessPolicyParameter.replace(/^\//, ''),
            }),
          }
        : {}),
    });
    // ---- state machines ----
    const substitutions: Record<string, string> = {};
    for (const entry of STATE_MACHINE_HANDLERS) {
      if (entry.substitution) substitutions[entry.substitution] = fn(entry.id).functionArn;
    }
    const lifecycleSubs = { ...substitutions };
    delete lifecycleSubs['NightlyFunctionArn'];
    this.lifecycleSubstitutions = lifecycleSubs;
    this.lifecycleStateMachine = new StateMachine(this, 'Lifecycle', {
      stateMachineName: LIFECYCLE_STATE_MACHINE_NAME,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(aslFile('lifecycle')),
      definitionSubstitutions: lifecycleSubs,
      logs: {
        destination: new LogGroup(this, 'LifecycleLogs', {
          retention: RetentionDays.THREE_MONTHS,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ALL,
        // Execution data (inputs, outputs: environment specs with their env values, Slack response URLs) stays
        // out of CloudWatch Logs; it remains in the execution history, behind states:GetExecutionHistory.
        includeExecutionData: false,
      },
      tracingEnabled: true,
    });
    for (const entry of STATE_MACHINE_HANDLERS) {
      if (entry.id !== 'Nightly') fn(entry.id).grantInvoke(this.lifecycleStateMachine);
    }

    this.nightlySubstitutions = {
      NightlyFunctionArn: fn('Nightly').functionArn,
      LifecycleStateMachineArn: lifecycleArn,
    };
    this.nightlyStateMachine = new StateMachine(this, 'NightlyTeardown', {
      stateMachineName: NIGHTLY_STATE_MACHINE_NAME,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(aslFile('nightly-teardown')),
      definitionSubstitutions: this.nightlySubstitutions,
      logs: {
        destination: new LogGroup(this, 'NightlyLogs', {
          retention: RetentionDays.THREE_MONTHS,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ALL,
        // Execution data (inputs, outputs: environment specs with their env values, Slack response URLs) stays
        // out of CloudWatch Logs; it remains in the execution history, behind states:GetExecutionHistory.
        includeExecutionData: false,
      },
      tracingEnabled: true,
    });
    this.nightlyStateMachine.node.addDependency(this.lifecycleStateMachine);
    fn('Nightly').grantInvoke(this.nightlyStateMachine);
    this.nightlyStateMachine.addToRolePolicy(
      new PolicyStatement({
        sid: 'StartLifecycleDown',
        actions: ['states:StartExecution'],
        resources: [lifecycleArn],
      }),
    );
    this.nightlyStateMachine.addToRolePolicy(
      new PolicyStatement({
        sid: 'FollowLifecycleExecutions',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [lifecycleExecutionsArn],
      }),
    );
    this.nightlyStateMachine.addToRolePolicy(
      new PolicyStatement({
        sid: 'SyncIntegrationEventRule',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          this.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
          }),
        ],
      }),
    );
    for (const machine of [this.lifecycleStateMachine, this.nightlyStateMachine]) {
      Validations.of(machine).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing and CloudWatch Logs log delivery (CreateLogDelivery, ...) support no resource-level permissions.',
      });
    }
    for (const entry of STATE_MACHINE_HANDLERS) {
      const target = entry.id === 'Nightly' ? this.nightlyStateMachine : this.lifecycleStateMachine;
      Validations.of(target).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, fn(entry.id).functionArn)}:*]`,
        reason: 'grantInvoke also allows the version/alias qualifiers (:*) of this one function.',
      });
    }
    Validations.of(this.nightlyStateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, lifecycleExecutionsArn)}]`,
      reason:
        'startExecution.sync follows the lifecycle executions it starts; their names are per environment and night.',
    });
    // ---- API ----
    this.api = this.createApi({ api: fn('Api'), 'api-aux': fn('ApiAux') }, fn('Slack'));

    // ---- nightly schedule ----
    const schedulerRole = this.schedulerRole(
      'NightlyScheduleRole',
      'Lets EventBridge Scheduler start the nightly teardown',
    );
    this.nightlyStateMachine.grantStartExecution(schedulerRole);
    new CfnSchedule(this, 'NightlySchedule', {
      description: 'Berth nightly teardown of expired or unkept environments',
      scheduleExpression: props.nightlyCron ?? DEFAULT_NIGHTLY_CRON,
      scheduleExpressionTimezone: props.nightlyTimezone ?? DEFAULT_NIGHTLY_TIMEZONE,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.nightlyStateMachine.stateMachineArn,
        roleArn: schedulerRole.roleArn,
        input: JSON.stringify({ dryRun: false }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });

    // ---- expiry warnings: a scheduled check posts Slack warnings before environments expire ----
    this.invokeOnSchedule('ExpiryCheck', fn('ExpiryWarnings'), {
      description: 'Berth expiry warnings (Slack) before environments expire',
      roleDescription: 'Lets EventBridge Scheduler invoke the expiry check',
      rate: EXPIRY_CHECK_RATE,
      maximumEventAgeInSeconds: 600,
    });

    // ---- idle sleep: a scheduled check pauses environments idle for their idleAfter ----
    this.invokeOnSchedule('IdleCheck', fn('IdleCheck'), {
      description:
        'Berth idle sleep: pauses environments whose load balancer saw no request for their idleAfter',
      roleDescription: 'Lets EventBridge Scheduler invoke the idle check',
      rate: IDLE_CHECK_RATE,
      maximumEventAgeInSeconds: 300,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'LifecycleStateMachineArn', { value: this.lifecycleStateMachine.stateMachineArn });
    new CfnOutput(this, 'NightlyStateMachineArn', { value: this.nightlyStateMachine.stateMachineArn });
    new CfnOutput(this, 'SlackSecretArn', { value: this.slackSecret.secretArn });
    new CfnOutput(this, 'NotifyWebhookSecretArn', { value: this.notifyWebhookSecret.secretArn });
  }

  /**
   * A role EventBridge Scheduler assumes for this account's schedules only (`aws:SourceAccount`); with
   * `invokes`, it may invoke that function itself only (grantInvoke would add its versions, `<arn>:*`).
   */
  private schedulerRole(id: string, description: string, invokes?: string): Role {
    const role = new Role(this, id, {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description,
    });
    if (invokes !== undefined) {
      role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [invokes] }));
    }
    return role;
  }

  /**
   * A schedule (`<id>Schedule`, enabled, every `rate`) that invokes `target` with `{}`, retried once within
   * `maximumEventAgeInSeconds`, through its own role (`<id>ScheduleRole`).
   */
  private invokeOnSchedule(
    id: string,
    target: LifecycleFunction,
    options: {
      readonly description: string;
      readonly roleDescription: string;
      readonly rate: string;
      readonly maximumEventAgeInSeconds: number;
    },
  ): void {
    const role = this.schedulerRole(`${id}ScheduleRole`, options.roleDescription, target.functionArn);
    new CfnSchedule(this, `${id}Schedule`, {
      description: options.description,
      scheduleExpression: options.rate,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: target.functionArn,
        roleArn: role.roleArn,
        input: '{}',
        retryPolicy: { maximumRetryAttempts: 1, maximumEventAgeInSeconds: options.maximumEventAgeInSeconds },
      },
    });
  }

  /**
   * Each function's policy, generated from its declaration in infra/handler-permissions.ts: one statement per
   * declared permission, ARN templates bound to this stack, and one cdk-nag acknowledgement per wildcard
   * resource whose reason lists the statements that need it.
   */
  private grantDeclaredPermissions(
    fn: (id: string) => LifecycleFunction,
    refs: Readonly<Record<string, string>>,
  ): void {
    const bind = (template: string): string =>
      template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => {
        const value = refs[name];
        if (value === undefined) throw new Error(`handler-permissions: unknown reference ${whole}`);
        return value;
      });
    const bindConditions = (conditions: Conditions): Record<string, Record<string, unknown>> =>
      Object.fromEntries(
        Object.entries(conditions).map(([operator, keys]) => [
          operator,
          Object.fromEntries(
            Object.entries(keys).map(([key, value]) => [
              key,
              typeof value === 'string' ? bind(value) : value.map(bind),
            ]),
          ),
        ]),
      );
    for (const entry of ALL_HANDLERS) {
      const target = fn(entry.id);
      const reasons = new Map<string, string[]>([['*', [X_RAY_WILDCARD_REASON]]]);
      for (const permission of HANDLER_PERMISSIONS[entry.id] ?? []) {
        if (permission.onlyWith !== undefined && refs[permission.onlyWith] === undefined) continue;
        const statement = new PolicyStatement({
          sid: permission.sid,
          effect: Effect.ALLOW,
          actions: [...permission.actions],
          resources: permission.resources.map(bind),
          ...(permission.conditions ? { conditions: bindConditions(permission.conditions) } : {}),
        });
        target.addToRolePolicy(statement);
        for (const resource of statement.resources) {
          const name = nagResourceName(this, resource);
          if (!name.includes('*')) continue;
          if (!permission.wildcardReason)
            throw new Error(
              `handler-permissions: ${entry.id}.${permission.sid} has a wildcard without a reason`,
            );
          const list = reasons.get(name) ?? [];
          list.push(`${permission.sid} (${permission.actions.join(', ')}): ${permission.wildcardReason}`);
          reasons.set(name, list);
        }
      }
      for (const [name, list] of reasons) {
        Validations.of(target).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${name}]`,
          reason: list.join(' '),
        });
      }
    }
  }

  private createApi(
    apiFns: Readonly<Record<ApiFunctionFile, LifecycleFunction>>,
    slackFn: LifecycleFunction,
  ): RestApi {
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new RestApi(this, 'Api', {
      restApiName: 'berth',
      description: 'Berth: ephemeral ECS environments',
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        // Stage-wide throttling of every method (the APIG3 acknowledgement relies on it).
        throttlingRateLimit: API_THROTTLING.rateLimit,
        throttlingBurstLimit: API_THROTTLING.burstLimit,
      },
    });
    const validator = api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'berth-body',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = (name: string, schema: ConstructorParameters<typeof Object>[0]): Model =>
      api.addModel(`${name}Model`, {
        contentType: 'application/json',
        modelName: name,
        schema: schema as never,
      });
    const createModel = model('CreateEnvironment', {
      type: JsonSchemaType.OBJECT,
      required: ['name'],
      properties: {
        name: { type: JsonSchemaType.STRING, pattern: '^[a-z][a-z0-9-]*[a-z0-9]$', maxLength: 20 },
      },
    });
    const scaleModel = model('ScaleEnvironment', {
      type: JsonSchemaType.OBJECT,
      required: ['desiredCount'],
      properties: { desiredCount: { type: JsonSchemaType.INTEGER, minimum: 0, maximum: 100 } },
    });
    const extendModel = model('ExtendEnvironment', {
      type: JsonSchemaType.OBJECT,
      properties: {
        hours: { type: JsonSchemaType.INTEGER, minimum: 1, maximum: 720 },
        ttl: { type: JsonSchemaType.STRING },
      },
    });
    const updateModel = model('UpdateEnvironment', {
      type: JsonSchemaType.OBJECT,
      required: ['idleAfter'],
      properties: { idleAfter: { type: [JsonSchemaType.STRING, JsonSchemaType.NULL] } },
    });
    // Each route's method integrates with the function that serves it (functionOfRoute: the dry runs, settings and logs
    // are the api-aux function's, docs/decisions/0006-lambda-credentials-and-zod-mini.md, decision 10).
    const integrations = {
      api: new LambdaIntegration(apiFns.api),
      'api-aux': new LambdaIntegration(apiFns['api-aux']),
    } satisfies Record<ApiFunctionFile, LambdaIntegration>;
    const to = (route: RouteName): LambdaIntegration => integrations[functionOfRoute(route)];
    const withBody = (m: Model, v: RequestValidator) => ({
      requestValidator: v,
      requestModels: { 'application/json': m },
    });
    const environments = api.root.addResource('environments');
    environments.addMethod('POST', to('createEnvironment'), withBody(createModel, validator));
    environments.addMethod('GET', to('listEnvironments'));
    const one = environments.addResource('{name}');
    one.addMethod('GET', to('describeEnvironment'));
    one.addMethod('DELETE', to('deleteEnvironment'));
    one.addMethod('PATCH', to('updateEnvironment'), withBody(updateModel, validator));
    one.addResource('scale').addMethod('POST', to('scaleEnvironment'), withBody(scaleModel, validator));
    one.addResource('redeploy').addMethod('POST', to('redeployEnvironment'), { requestValidator: validator });
    one.addResource('extend').addMethod('POST', to('extendEnvironment'), withBody(extendModel, validator));
    one.addResource('pause').addMethod('POST', to('pauseEnvironment'), { requestValidator: validator });
    one.addResource('resume').addMethod('POST', to('resumeEnvironment'), { requestValidator: validator });
    one.addResource('plan').addMethod('POST', to('planEnvironment'), { requestValidator: validator });
    api.root.addResource('nightly').addResource('last').addMethod('GET', to('lastNightlyReport'));
    one.addResource('logs').addMethod('GET', to('environmentLogs'));
    one.addResource('operations').addMethod('GET', to('environmentOperations'));
    const slack = api.root.addResource('slack');
    const slackIntegration = new LambdaIntegration(slackFn);
    const slackMethods = ['commands', 'interactions'].map((path) =>
      slack
        .addResource(path)
        .addMethod('POST', slackIntegration, { authorizationType: AuthorizationType.NONE }),
    );
    for (const slackMethod of slackMethods) {
      Validations.of(slackMethod).acknowledge(
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'Slack cannot sign requests with SigV4; the slack handler verifies the Slack signature (HMAC-SHA256, 5-minute window) with the secret from Secrets Manager.',
        },
        {
          id: 'AwsSolutions-COG4',
          reason:
            'Slack cannot present Cognito tokens; requests are authenticated by the Slack signing secret.',
        },
      );
    }
    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason:
          'The API is for engineers and automation with AWS credentials: IAM (SigV4) authorization, no user pool.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: `IAM-authorized internal API with stage throttling of every method (${API_THROTTLING.rateLimit} requests/s, burst ${API_THROTTLING.burstLimit}); a WAF web ACL can be attached per deployment but is not part of the product.`,
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy for API Gateway execution logs.',
      },
    );
    return api;
  }
}
