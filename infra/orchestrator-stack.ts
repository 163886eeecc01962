import { fileURLToPath } from 'node:url';
import { ArnFormat, CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
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
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { LifecycleFunction, nagResourceName } from './constructs/lifecycle-function.ts';
import { EDGE_HANDLERS, type HandlerEntry, STATE_MACHINE_HANDLERS } from './handler-catalog.ts';

/** Path of a state machine definition, `statemachine/<name>.asl.json`. */
export const aslFile = (name: 'lifecycle' | 'nightly-teardown'): string =>
  fileURLToPath(new URL(`../statemachine/${name}.asl.json`, import.meta.url));

export const LIFECYCLE_STATE_MACHINE_NAME = 'berth-lifecycle';
export const NIGHTLY_STATE_MACHINE_NAME = 'berth-nightly-teardown';
export const DEFAULT_NIGHTLY_CRON = 'cron(0 20 * * ? *)';
export const DEFAULT_NIGHTLY_TIMEZONE = 'UTC';
/** Tag condition every mutating statement on environment resources carries. */
export const MANAGED_BY_TAG = 'berth:managed-by';
export const MANAGED_BY_VALUE = 'berth';

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
  /** Webhook for notifications without a Slack `response_url` (context `notifyWebhookUrl`). */
  readonly notifyWebhookUrl?: string;
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
}

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
    const environment: Record<string, string> = {
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
      ...(props.notifyWebhookUrl ? { BERTH_NOTIFY_WEBHOOK_URL: props.notifyWebhookUrl } : {}),
    };
    const make = (entry: HandlerEntry, extra: Record<string, string> = {}): LifecycleFunction =>
      new LifecycleFunction(this, `${entry.id}Function`, {
        handlerFile: entry.file,
        description: `Berth: ${entry.description}`,
        environment: { ...environment, ...extra },
      });
    const fns: Record<string, LifecycleFunction> = {};
    for (const entry of STATE_MACHINE_HANDLERS) fns[entry.id] = make(entry);
    const plan = make(EDGE_HANDLERS.find((e) => e.id === 'Plan') as HandlerEntry);
    fns['Plan'] = plan;
    for (const id of ['Api', 'Slack']) {
      fns[id] = make(EDGE_HANDLERS.find((e) => e.id === id) as HandlerEntry, {
        BERTH_PLAN_FUNCTION_NAME: plan.functionName,
        ...(id === 'Api' && props.apiPrincipals?.length
          ? { BERTH_API_PRINCIPALS: props.apiPrincipals.join(',') }
          : {}),
        ...(props.accessPolicyParameter ? { BERTH_POLICY_PARAMETER: props.accessPolicyParameter } : {}),
      });
    }
    this.functions = fns;
    const fn = (id: string): LifecycleFunction => {
      const found = fns[id];
      if (!found) throw new Error(`no function ${id}`);
      return found;
    };
    this.grantPermissions(fn, {
      lifecycleArn,
      lifecycleExecutionsArn,
      nightlyArn,
      nightlyExecutionsArn,
      instanceRoleArn: this.instanceRole.roleArn,
      executionRoleArn: this.executionRole.roleArn,
    });
    for (const id of props.accessPolicyParameter ? ['Api', 'Slack'] : []) {
      fn(id).allow(
        'The API and Slack handlers read the access policy document (docs/security.md).',
        new PolicyStatement({
          sid: 'ReadAccessPolicy',
          actions: ['ssm:GetParameter'],
          resources: [
            this.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: (props.accessPolicyParameter ?? '').replace(/^\//, ''),
            }),
          ],
        }),
      );
    }

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
        includeExecutionData: true,
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
        includeExecutionData: true,
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
    this.api = this.createApi(fn('Api'), fn('Slack'));

    // ---- nightly schedule ----
    const schedulerRole = new Role(this, 'NightlyScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'Lets EventBridge Scheduler start the nightly teardown',
    });
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

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'LifecycleStateMachineArn', { value: this.lifecycleStateMachine.stateMachineArn });
    new CfnOutput(this, 'NightlyStateMachineArn', { value: this.nightlyStateMachine.stateMachineArn });
    new CfnOutput(this, 'SlackSecretArn', { value: this.slackSecret.secretArn });
  }

  /** Least-privilege IAM for every handler; see docs/deploy.md ("Permissions"). */
  private grantPermissions(
    fn: (id: string) => LifecycleFunction,
    arns: {
      lifecycleArn: string;
      lifecycleExecutionsArn: string;
      nightlyArn: string;
      nightlyExecutionsArn: string;
      instanceRoleArn: string;
      executionRoleArn: string;
    },
  ): void {
    const arn = (
      service: string,
      resource: string,
      resourceName?: string,
      sep = ArnFormat.SLASH_RESOURCE_NAME,
    ) =>
      this.formatArn({
        service,
        resource,
        ...(resourceName === undefined ? {} : { resourceName }),
        arnFormat: sep,
      });
    const ecsCluster = arn('ecs', 'cluster', 'berth-*');
    const ecsService = arn('ecs', 'service', 'berth-*/berth-*');
    const ecsTaskDefinition = arn('ecs', 'task-definition', 'berth-*:*');
    const ecsCapacityProvider = arn('ecs', 'capacity-provider', 'berth-*');
    const ecsContainerInstance = arn('ecs', 'container-instance', 'berth-*/*');
    const elbLoadBalancer = arn('elasticloadbalancing', 'loadbalancer', 'app/berth-*/*');
    const elbTargetGroup = arn('elasticloadbalancing', 'targetgroup', 'berth-*/*');
    const elbListener = arn('elasticloadbalancing', 'listener', 'app/berth-*/*/*');
    const elbListenerRule = arn('elasticloadbalancing', 'listener-rule', 'app/berth-*/*/*/*');
    const asg = this.formatArn({
      service: 'autoscaling',
      resource: 'autoScalingGroup',
      resourceName: '*:autoScalingGroupName/berth-*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const securityGroups = arn('ec2', 'security-group', '*');
    const launchTemplates = arn('ec2', 'launch-template', '*');
    const vpcArn = arn('ec2', 'vpc', '*');
    // Each environment's workload logs: the group /berth/<env> and its streams.
    const berthLogGroups = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '/berth/*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const berthLogStreams = `${berthLogGroups}:log-stream:*`;
    const allLogGroups = this.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const managed = { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE };
    const requested = { [`aws:RequestTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE };
    const reasons = new Map<PolicyStatement, string>();
    const stmt = (
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: Record<string, Record<string, unknown>>,
      reason?: string,
    ): PolicyStatement => {
      const statement = new PolicyStatement({
        sid,
        effect: Effect.ALLOW,
        actions,
        resources,
        ...(conditions ? { conditions } : {}),
      });
      reasons.set(
        statement,
        reason ??
          (resources.every((r) => r === '*')
            ? 'Describe/List actions of ECS, ELBv2, Auto Scaling and EC2 support no resource-level permissions: they need *.'
            : "Scoped to Berth's own resources: berth-* names where the ARN carries a name, the berth:managed-by=berth tag (aws:ResourceTag, or aws:RequestTag on create) where it carries only an id; environments are created per request, so exact ARNs are unknown at deploy time."),
      );
      return statement;
    };
    const grant = (id: string, ...statements: PolicyStatement[]): void => {
      for (const statement of statements) fn(id).allow(reasons.get(statement) ?? '', statement);
    };
    const describeEcs = stmt(
      'DescribeEcs',
      [
        'ecs:DescribeClusters',
        'ecs:DescribeServices',
        'ecs:DescribeTasks',
        'ecs:DescribeTaskDefinition',
        'ecs:DescribeCapacityProviders',
        'ecs:DescribeContainerInstances',
        'ecs:ListServices',
        'ecs:ListTasks',
        'ecs:ListContainerInstances',
        'ecs:ListTaskDefinitions',
        'ecs:ListTagsForResource',
      ],
      ['*'],
    );
    const describeElb = stmt(
      'DescribeElb',
      [
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeLoadBalancerAttributes',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
      ],
      ['*'],
    );
    const describeAsg = stmt(
      'DescribeAutoScaling',
      [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeScalingActivities',
        'autoscaling:DescribeTags',
      ],
      ['*'],
    );
    const describeEc2 = stmt(
      'DescribeEc2',
      [
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSecurityGroupRules',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
        'ec2:DescribeInstances',
        'ec2:DescribeTags',
      ],
      ['*'],
    );
    const passRoles = (roles: string[], service: string) =>
      stmt('PassBerthRoles', ['iam:PassRole'], roles, { StringEquals: { 'iam:PassedToService': service } });
    const tagOnCreate = (service: string, actions: string[], resources: string[]) =>
      stmt(`TagOnCreate${service.replace(/[^A-Za-z0-9]/g, '')}`, actions, resources, {
        StringEquals: { [`${service}:CreateAction`]: actionsNeedingTags[service] ?? [] },
      });
    const actionsNeedingTags: Record<string, string[]> = {
      ec2: ['CreateSecurityGroup', 'CreateLaunchTemplate', 'RunInstances'],
      ecs: ['CreateCluster', 'CreateService', 'CreateCapacityProvider', 'RegisterTaskDefinition'],
      elasticloadbalancing: ['CreateLoadBalancer', 'CreateTargetGroup', 'CreateListener', 'CreateRule'],
    };

    // Registry access: lock/record/extend/api/slack/nightly write; every other handler reads its environment.
    for (const id of ['Lock', 'Record', 'Extend', 'Api', 'Slack', 'Nightly'])
      fn(id).grantTable(this.table, 'readWrite');
    for (const entry of [...STATE_MACHINE_HANDLERS, ...EDGE_HANDLERS]) {
      if (!['Lock', 'Record', 'Extend', 'Api', 'Slack', 'Nightly', 'Notify'].includes(entry.id)) {
        fn(entry.id).grantTable(this.table, 'read');
      }
    }

    grant(
      'CreateNetwork',
      describeEc2,
      stmt('CreateSecurityGroupInVpc', ['ec2:CreateSecurityGroup'], [vpcArn]),
      stmt('CreateTaggedSecurityGroup', ['ec2:CreateSecurityGroup'], [securityGroups], {
        StringEquals: requested,
      }),
      tagOnCreate('ec2', ['ec2:CreateTags'], [securityGroups]),
      stmt(
        'ManageOwnSecurityGroupRules',
        [
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupEgress',
        ],
        [securityGroups],
        { StringEquals: managed },
      ),
    );
    grant(
      'CreateLoadBalancer',
      describeElb,
      describeEc2,
      stmt(
        'CreateTaggedLoadBalancing',
        [
          'elasticloadbalancing:CreateLoadBalancer',
          'elasticloadbalancing:CreateTargetGroup',
          'elasticloadbalancing:CreateListener',
          'elasticloadbalancing:CreateRule',
        ],
        [elbLoadBalancer, elbTargetGroup, elbListener, elbListenerRule],
        { StringEquals: requested },
      ),
      tagOnCreate(
        'elasticloadbalancing',
        ['elasticloadbalancing:AddTags'],
        [elbLoadBalancer, elbTargetGroup, elbListener, elbListenerRule],
      ),
      stmt(
        'ConfigureOwnLoadBalancing',
        [
          'elasticloadbalancing:ModifyTargetGroupAttributes',
          'elasticloadbalancing:ModifyLoadBalancerAttributes',
          'elasticloadbalancing:ModifyListener',
          'elasticloadbalancing:ModifyRule',
        ],
        [elbLoadBalancer, elbTargetGroup, elbListener, elbListenerRule],
        { StringEquals: managed },
      ),
    );
    grant(
      'CreateCluster',
      describeEcs,
      describeAsg,
      describeEc2,
      stmt(
        'CreateTaggedCluster',
        ['ecs:CreateCluster', 'ecs:CreateCapacityProvider'],
        [ecsCluster, ecsCapacityProvider],
        {
          StringEquals: requested,
        },
      ),
      tagOnCreate('ecs', ['ecs:TagResource'], [ecsCluster, ecsCapacityProvider]),
      stmt('AttachCapacityProvider', ['ecs:PutClusterCapacityProviders'], [ecsCluster], {
        StringEquals: managed,
      }),
      stmt(
        'CreateTaggedLaunchTemplate',
        ['ec2:CreateLaunchTemplate', 'ec2:CreateLaunchTemplateVersion'],
        [launchTemplates],
        { StringEquals: requested },
      ),
      tagOnCreate(
        'ec2',
        ['ec2:CreateTags'],
        [launchTemplates, arn('ec2', 'instance', '*'), arn('ec2', 'volume', '*')],
      ),
      stmt(
        'LaunchInstancesFromBerthTemplates',
        ['ec2:RunInstances'],
        [
          launchTemplates,
          arn('ec2', 'instance', '*'),
          arn('ec2', 'volume', '*'),
          arn('ec2', 'network-interface', '*'),
          arn('ec2', 'subnet', '*'),
          securityGroups,
          this.formatArn({ service: 'ec2', account: '', resource: 'image', resourceName: '*' }),
        ],
        undefined,
        'Auto Scaling launches instances from Berth launch templates: the instances, volumes and ENIs do not exist yet (ids unknown), the AMI is the public ECS-optimized image that changes with each release, the subnets and groups are per environment.',
      ),
      stmt('CreateTaggedAutoScalingGroup', ['autoscaling:CreateAutoScalingGroup'], [asg], {
        StringEquals: requested,
      }),
      stmt(
        'TagOwnAutoScalingGroup',
        ['autoscaling:CreateOrUpdateTags', 'autoscaling:UpdateAutoScalingGroup'],
        [asg],
        {
          StringEquals: { [`autoscaling:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
        },
      ),
      stmt(
        'ReadEcsOptimizedAmi',
        ['ssm:GetParameter', 'ssm:GetParameters'],
        [
          this.formatArn({
            service: 'ssm',
            account: '',
            resource: 'parameter',
            resourceName: 'aws/service/ecs/*',
          }),
        ],
        undefined,
        'The public ECS-optimized AMI parameters live under /aws/service/ecs/ (path chosen per OS and architecture).',
      ),
      passRoles([arns.instanceRoleArn], 'ec2.amazonaws.com'),
      stmt(
        'AutoScalingServiceLinkedRole',
        ['iam:CreateServiceLinkedRole'],
        [
          this.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: 'aws-service-role/*.amazonaws.com/*',
          }),
        ],
        { StringEquals: { 'iam:AWSServiceName': ['autoscaling.amazonaws.com', 'ecs.amazonaws.com'] } },
        'Creates the Auto Scaling/ECS service-linked roles on first use in a fresh account; limited by iam:AWSServiceName.',
      ),
    );
    const registerTaskDefinition = [
      stmt(
        'RegisterTaggedTaskDefinition',
        ['ecs:RegisterTaskDefinition'],
        ['*'],
        { StringEquals: requested },
        'ecs:RegisterTaskDefinition supports no resource-level permissions; it is limited to requests tagged berth:managed-by=berth.',
      ),
      tagOnCreate(
        'ecs',
        ['ecs:TagResource'],
        [ecsTaskDefinition, ecsService, ecsCluster, ecsCapacityProvider],
      ),
      passRoles([arns.executionRoleArn], 'ecs-tasks.amazonaws.com'),
    ];
    const logsReason =
      "Scoped to Berth's log groups (/berth/<env>); logs:DescribeLogGroups is authorised on the account's log-group:* resource and filtered by name prefix.";
    const describeLogGroups = stmt(
      'DescribeBerthLogGroups',
      ['logs:DescribeLogGroups', 'logs:ListTagsForResource'],
      [allLogGroups, berthLogGroups],
      undefined,
      logsReason,
    );
    grant(
      'CreateTaskDefinition',
      describeEcs,
      ...registerTaskDefinition,
      describeLogGroups,
      stmt(
        'CreateBerthLogGroup',
        ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource', 'logs:UntagResource'],
        [berthLogGroups],
        undefined,
        logsReason,
      ),
    );
    grant(
      'CreateService',
      describeEcs,
      describeElb,
      stmt('CreateTaggedService', ['ecs:CreateService'], [ecsService], { StringEquals: requested }),
      tagOnCreate('ecs', ['ecs:TagResource'], [ecsService]),
    );
    grant(
      'Verify',
      describeEcs,
      describeElb,
      describeAsg,
      stmt('ReadTaskLogs', ['logs:GetLogEvents'], [berthLogStreams], undefined, logsReason),
    );
    grant('Plan', describeEcs, describeElb, describeAsg, describeEc2);
    grant(
      'Scale',
      describeEcs,
      describeAsg,
      stmt('UpdateOwnService', ['ecs:UpdateService'], [ecsService], { StringEquals: managed }),
      stmt('ResizeOwnAutoScalingGroup', ['autoscaling:UpdateAutoScalingGroup'], [asg], {
        StringEquals: { [`autoscaling:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
      }),
    );
    grant(
      'Redeploy',
      describeEcs,
      ...registerTaskDefinition,
      stmt('UpdateOwnService', ['ecs:UpdateService'], [ecsService], { StringEquals: managed }),
    );
    grant(
      'TeardownService',
      describeEcs,
      describeElb,
      describeAsg,
      describeEc2,
      stmt('StopOwnTasks', ['ecs:StopTask'], [arn('ecs', 'task', 'berth-*/*')]),
      describeLogGroups,
      stmt('DrainAndDeleteOwnService', ['ecs:UpdateService', 'ecs:DeleteService'], [ecsService], {
        StringEquals: managed,
      }),
    );
    grant(
      'TeardownCapacity',
      describeEcs,
      describeElb,
      describeAsg,
      describeEc2,
      stmt(
        'DrainAndDeleteOwnAutoScalingGroup',
        [
          'autoscaling:UpdateAutoScalingGroup',
          'autoscaling:SetInstanceProtection',
          'autoscaling:DeleteAutoScalingGroup',
        ],
        [asg],
        { StringEquals: { [`autoscaling:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE } },
      ),
      stmt(
        'DetachAndDeleteOwnCapacityProvider',
        ['ecs:PutClusterCapacityProviders', 'ecs:DeleteCapacityProvider'],
        [ecsCluster, ecsCapacityProvider],
        { StringEquals: managed },
      ),
      stmt('DeleteOwnLaunchTemplate', ['ec2:DeleteLaunchTemplate'], [launchTemplates], {
        StringEquals: managed,
      }),
    );
    grant(
      'TeardownCluster',
      describeEcs,
      describeElb,
      describeAsg,
      describeEc2,
      stmt(
        'DeleteOwnCluster',
        ['ecs:DeleteCluster', 'ecs:PutClusterCapacityProviders', 'ecs:DeregisterContainerInstance'],
        [ecsCluster, ecsContainerInstance],
        { StringEquals: managed },
      ),
    );
    grant(
      'TeardownLoadBalancer',
      describeEcs,
      describeElb,
      describeAsg,
      describeEc2,
      stmt(
        'DeleteOwnLoadBalancing',
        [
          'elasticloadbalancing:DeleteRule',
          'elasticloadbalancing:DeleteListener',
          'elasticloadbalancing:DeleteLoadBalancer',
          'elasticloadbalancing:DeleteTargetGroup',
        ],
        [elbLoadBalancer, elbTargetGroup, elbListener, elbListenerRule],
        { StringEquals: managed },
      ),
    );
    grant(
      'TeardownNetwork',
      describeEcs,
      describeElb,
      describeAsg,
      describeEc2,
      stmt(
        'DeleteOwnSecurityGroups',
        ['ec2:DeleteSecurityGroup', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
        [securityGroups],
        { StringEquals: managed },
      ),
    );
    grant(
      'TeardownTaskDefinitions',
      describeEcs,
      describeElb,
      describeAsg,
      describeEc2,
      stmt(
        'DeregisterTaskDefinitions',
        ['ecs:DeregisterTaskDefinition', 'ecs:DeleteTaskDefinitions'],
        ['*'],
        undefined,
        'ecs:DeregisterTaskDefinition and ecs:DeleteTaskDefinitions support no resource-level permissions (the handler only touches berth-<env> families it observed with its tags).',
      ),
      describeLogGroups,
      stmt(
        'DeleteOrKeepBerthLogGroup',
        ['logs:DeleteLogGroup', 'logs:TagResource'],
        [berthLogGroups],
        undefined,
        logsReason,
      ),
    );
    grant('Api', stmt('ReadBerthLogs', ['logs:FilterLogEvents'], [berthLogGroups], undefined, logsReason));
    grant(
      'Nightly',
      describeLogGroups,
      stmt('DeleteExpiredBerthLogGroups', ['logs:DeleteLogGroup'], [berthLogGroups], undefined, logsReason),
    );
    for (const id of ['Api', 'Slack']) {
      grant(
        id,
        stmt('StartLifecycle', ['states:StartExecution'], [arns.lifecycleArn]),
        stmt(
          'ReadLifecycleExecutions',
          ['states:DescribeExecution', 'states:GetExecutionHistory'],
          [arns.lifecycleExecutionsArn],
        ),
        stmt('ListLifecycleExecutions', ['states:ListExecutions'], [arns.lifecycleArn]),
      );
      if (id === 'Api') {
        grant(
          id,
          stmt('ListNightlyExecutions', ['states:ListExecutions'], [arns.nightlyArn]),
          stmt(
            'ReadNightlyExecutions',
            ['states:DescribeExecution'],
            [arns.nightlyExecutionsArn],
            undefined,
            'GET /nightly/last describes the newest nightly execution; its name changes every night, so the execution ARN ends in *.',
          ),
        );
      }
      fn('Plan').grantInvoke(fn(id));
      Validations.of(fn(id)).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(this, fn('Plan').functionArn)}:*]`,
        reason: 'grantInvoke also allows the version/alias qualifiers (:*) of the plan function.',
      });
    }
    this.slackSecret.grantRead(fn('Slack'));
  }

  private createApi(apiFn: LifecycleFunction, slackFn: LifecycleFunction): RestApi {
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
    const integration = new LambdaIntegration(apiFn);
    const withBody = (m: Model, v: RequestValidator) => ({
      requestValidator: v,
      requestModels: { 'application/json': m },
    });
    const environments = api.root.addResource('environments');
    environments.addMethod('POST', integration, withBody(createModel, validator));
    environments.addMethod('GET', integration);
    const one = environments.addResource('{name}');
    one.addMethod('GET', integration);
    one.addMethod('DELETE', integration);
    one.addResource('scale').addMethod('POST', integration, withBody(scaleModel, validator));
    one.addResource('redeploy').addMethod('POST', integration, { requestValidator: validator });
    one.addResource('extend').addMethod('POST', integration, withBody(extendModel, validator));
    one.addResource('plan').addMethod('POST', integration, { requestValidator: validator });
    api.root.addResource('nightly').addResource('last').addMethod('GET', integration);
    one.addResource('logs').addMethod('GET', integration);
    const slackMethod = api.root
      .addResource('slack')
      .addResource('commands')
      .addMethod('POST', new LambdaIntegration(slackFn), { authorizationType: AuthorizationType.NONE });
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
    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason:
          'The API is for engineers and automation with AWS credentials: IAM (SigV4) authorization, no user pool.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'IAM-authorized internal API with per-account throttling; a WAF web ACL can be attached per deployment but is not part of the product.',
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
