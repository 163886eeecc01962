/**
 * What each handler calls, declared once (docs/architecture.md, "IAM"): per handler, the service actions,
 * the resources (ARN patterns) and the conditions that keep them to Berth's own resources. The stack's IAM
 * policies are generated from this declaration (infra/orchestrator-stack.ts), and the local platform's IAM
 * enforcement reads the synthesized result (local/cloud/core/iam/function-policies.json).
 *
 * Derived from the adapters each handler uses (the files under functions/adapters/ and functions/handlers/) and checked
 * by test/e2e/iam-usage.test.ts, which records the (function, action) pairs a full run uses.
 *
 * Resource strings are ARN templates: `{partition}`, `{region}`, `{account}` and the references
 * `{registryTable}`, `{vpc}`, `{instanceRole}`, `{executionRole}`, `{lifecycleStateMachine}`,
 * `{lifecycleExecutions}`, `{nightlyStateMachine}`, `{nightlyExecutions}`, `{planFunction}`, `{scheduleFunction}`,
 * `{slackSecret}`,
 * `{notifyWebhookSecret}` are
 * bound by the stack; `{accessPolicyParameter}` only when that CDK context is given (statements with `onlyWith`).
 *
 * Facts the declaration relies on (Service Authorization Reference and the services' guides):
 * - the Describe and List actions of ECS, ELBv2, Auto Scaling and EC2 and `ecs:RegisterTaskDefinition` support no
 *   resource-level permissions: their resource is `*`.
 * - Creating a tagged resource is authorized as the create action with `aws:RequestTag/*` plus the tagging
 *   action (`ecs:TagResource`, `ec2:CreateTags`, `elasticloadbalancing:AddTags`) with `<service>:CreateAction`.
 * - An Auto Scaling group created from a launch template is checked for `ec2:RunInstances` on the template's
 *   resources and `iam:PassRole` of its instance profile's role (EC2 Auto Scaling User Guide).
 * - AWS creates the ECS, Auto Scaling and ELB service-linked roles on the first create in an account, with
 *   the caller's `iam:CreateServiceLinkedRole` permission (`iam:AWSServiceName` names the service).
 */

const MANAGED_BY_TAG = 'berth:managed-by';
const MANAGED_BY_VALUE = 'berth';

/** IAM condition block, as in a policy document. */
export type Conditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface Permission {
  /** Statement id (unique within the handler). */
  readonly sid: string;
  readonly actions: readonly string[];
  /** ARN templates (see the module comment) or `*`. */
  readonly resources: readonly string[];
  readonly conditions?: Conditions;
  /**
   * Why a resource of this statement contains a wildcard (cdk-nag AwsSolutions-IAM5 acknowledgement, one per
   * wildcard resource). Required when any resource contains `*`.
   */
  readonly wildcardReason?: string;
  /**
   * Set when AWS performs the action on the caller's behalf in a way the local cloud does not model (creating a
   * service-linked role on first use): the usage test does not expect to see it, and says so.
   */
  readonly notObservedLocally?: string;
  /**
   * The reference (without braces) of an optional deploy-time setting: the statement is emitted only when the
   * stack binds it (e.g. `accessPolicyParameter`, given by the CDK context of the same name).
   */
  readonly onlyWith?: string;
}

// ---------------------------------------------------------------- ARN templates

const arn = (service: string, resource: string, region = '{region}', account = '{account}') =>
  `arn:{partition}:${service}:${region}:${account}:${resource}`;
const ecs = (resource: string) => arn('ecs', resource);
const elb = (resource: string) => arn('elasticloadbalancing', resource);
const ec2 = (resource: string) => arn('ec2', resource);

const CLUSTER = ecs('cluster/berth-*');
const SERVICE = ecs('service/berth-*/berth-*');
const TASK_DEFINITION = ecs('task-definition/berth-*:*');
const CAPACITY_PROVIDER = ecs('capacity-provider/berth-*');
const LOAD_BALANCER = elb('loadbalancer/app/berth-*/*');
const TARGET_GROUP = elb('targetgroup/berth-*/*');
const LISTENER = elb('listener/app/berth-*/*/*');
const LISTENER_RULE = elb('listener-rule/app/berth-*/*/*/*');
const ASG = arn('autoscaling', 'autoScalingGroup:*:autoScalingGroupName/berth-*');
const SECURITY_GROUP = ec2('security-group/*');
const LAUNCH_TEMPLATE = ec2('launch-template/*');
/** Each environment's workload log group `/berth/<env>` (functions/core/logs.ts). */
const BERTH_LOG_GROUPS = arn('logs', 'log-group:/berth/*');
const BERTH_LOG_STREAMS = `${BERTH_LOG_GROUPS}:log-stream:*`;
/** logs:DescribeLogGroups is authorized on the account's `log-group:*` (Service Authorization Reference). */
const ALL_LOG_GROUPS = arn('logs', 'log-group:*');

// ---------------------------------------------------------------- conditions

const managed: Conditions = { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE } };
/** Auto Scaling's own tag key (the Auto Scaling User Guide's examples use it for group tags). */
const asgManaged: Conditions = {
  StringEquals: { [`autoscaling:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
};
const requested: Conditions = { StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE } };
const createdBy = (service: string, actions: readonly string[]): Conditions => ({
  StringEquals: { [`${service}:CreateAction`]: actions },
});

// ---------------------------------------------------------------- reasons for wildcards

const NO_RESOURCE_LEVEL =
  'These Describe/List actions support no resource-level permissions: IAM only accepts "*" for them (Service Authorization Reference).';
const PER_ENVIRONMENT =
  "Environments are created per request, so exact ARNs are unknown at deploy time: the pattern names Berth's berth-* resources, and the condition requires Berth's berth:managed-by tag on the resource (aws:ResourceTag) or in the request (aws:RequestTag).";
const BY_ID =
  "EC2 security groups and launch templates are named by generated ids in their ARNs; the berth:managed-by tag condition (aws:ResourceTag, or aws:RequestTag on create) is what limits the statement to Berth's resources.";
const TAG_ON_CREATE =
  "Tagging on create is authorized against the resource being created (id unknown until then); the <service>:CreateAction condition limits the tagging action to Berth's own create calls.";

const LOGS =
  "Scoped to Berth's log groups (/berth/<env>, one per environment, created per request); logs:DescribeLogGroups is authorized on the account's log-group:* resource and filtered by name prefix.";

// ---------------------------------------------------------------- shared blocks

/** The notification webhook URL, kept in Secrets Manager (docs/security.md). */
const readNotifyWebhook: Permission = {
  sid: 'ReadNotifyWebhook',
  actions: ['secretsmanager:GetSecretValue'],
  resources: ['{notifyWebhookSecret}'],
};

/**
 * The access policy document (docs/security.md), read by every entry point that authorizes: the API, Slack and
 * the nightly job. Only with the CDK context `accessPolicyParameter`.
 */
const readAccessPolicy: Permission = {
  sid: 'ReadAccessPolicy',
  actions: ['ssm:GetParameter'],
  resources: ['{accessPolicyParameter}'],
  onlyWith: 'accessPolicyParameter',
};

/** Registry table actions (`{registryTable}`); one statement per handler with exactly what it calls. */
const registry = (sid: string, actions: readonly string[]): Permission => ({
  sid,
  actions: actions.map((a) => `dynamodb:${a}`),
  resources: ['{registryTable}'],
});
const readSpec = registry('ReadEnvironmentRecord', ['GetItem']);

const reads = (sid: string, actions: readonly string[]): Permission => ({
  sid,
  actions,
  resources: ['*'],
  wildcardReason: NO_RESOURCE_LEVEL,
});

/** What `observeEnvironment` reads, per observed part (functions/adapters/observe-environment.ts). */
const OBSERVE = {
  network: ['ec2:DescribeSecurityGroups'],
  'load-balancer': [
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:DescribeRules',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTags',
  ],
  targets: [
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:DescribeRules',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetHealth',
    'elasticloadbalancing:DescribeTags',
  ],
  cluster: ['ecs:DescribeClusters'],
  capacity: [
    'ecs:DescribeClusters',
    'ecs:DescribeCapacityProviders',
    'autoscaling:DescribeAutoScalingGroups',
    'ec2:DescribeLaunchTemplates',
  ],
  service: ['ecs:DescribeClusters', 'ecs:DescribeServices'],
  tasks: ['ecs:DescribeClusters', 'ecs:DescribeServices', 'ecs:ListTasks', 'ecs:DescribeTasks'],
  'task-definitions': ['ecs:ListTaskDefinitions', 'ecs:DescribeTaskDefinition'],
  'latest-revision': ['ecs:ListTaskDefinitions', 'ecs:DescribeTaskDefinition'],
} as const;
type ObservedPart = keyof typeof OBSERVE;
const observe = (...parts: ObservedPart[]): Permission =>
  reads('ObserveEnvironment', [...new Set(parts.flatMap((p) => OBSERVE[p]))].sort());

const passRole = (role: '{instanceRole}' | '{executionRole}', service: string): Permission => ({
  sid: role === '{instanceRole}' ? 'PassInstanceRole' : 'PassTaskExecutionRole',
  actions: ['iam:PassRole'],
  resources: [role],
  conditions: { StringEquals: { 'iam:PassedToService': service } },
});

const serviceLinkedRole = (sid: string, service: string, role: string): Permission => ({
  sid,
  actions: ['iam:CreateServiceLinkedRole'],
  resources: [arn('iam', `role/aws-service-role/${service}/${role}`, '', '{account}')],
  conditions: { StringEquals: { 'iam:AWSServiceName': service } },
  notObservedLocally: `AWS creates ${role} on the first create in a fresh account; the local cloud has no IAM service.`,
});

/**
 * The scalable target a user may have registered on an environment's ECS service (Application Auto Scaling):
 * pause suspends its scaling, resume registers it again with the remembered bounds. Its ARN ends in an id AWS
 * assigns (`scalable-target/<id>`) and it carries no Berth tag (Berth does not create it), so the statement is
 * scoped by the service's condition keys to ECS services' desired counts. RegisterScalableTarget creates the
 * ECS service-linked role of Application Auto Scaling when an account has none (User Guide, "Service-linked
 * roles"): a target that exists already implies the role does.
 */
const SCALABLE_TARGET = arn('application-autoscaling', 'scalable-target/*');
const scalableTarget = (sid: string): readonly Permission[] => [
  reads(`Describe${sid}`, ['application-autoscaling:DescribeScalableTargets']),
  {
    sid: `Register${sid}`,
    actions: ['application-autoscaling:RegisterScalableTarget'],
    resources: [SCALABLE_TARGET],
    conditions: {
      StringEquals: {
        'application-autoscaling:service-namespace': 'ecs',
        'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
      },
    },
    wildcardReason:
      "A scalable target ARN ends in an id Application Auto Scaling assigns at registration, and the target (registered by a user) has no Berth tag: the service-namespace and scalable-dimension conditions limit the statement to ECS services' desired counts.",
  },
  serviceLinkedRole(
    `${sid}ServiceLinkedRole`,
    'ecs.application-autoscaling.amazonaws.com',
    'AWSServiceRoleForApplicationAutoScaling_ECSService',
  ),
];

const registerTaskDefinition: readonly Permission[] = [
  {
    sid: 'RegisterTaggedTaskDefinition',
    actions: ['ecs:RegisterTaskDefinition'],
    resources: ['*'],
    conditions: requested,
    wildcardReason:
      'ecs:RegisterTaskDefinition supports no resource-level permissions; the aws:RequestTag condition limits it to task definitions tagged berth:managed-by=berth.',
  },
  {
    sid: 'TagTaskDefinitionOnCreate',
    actions: ['ecs:TagResource'],
    resources: [TASK_DEFINITION],
    conditions: createdBy('ecs', ['RegisterTaskDefinition']),
    wildcardReason: TAG_ON_CREATE,
  },
  passRole('{executionRole}', 'ecs-tasks.amazonaws.com'),
];

const SCHEDULES =
  "The sleep/wake schedules are named per environment (berth-<env>-sleep|wake, created per request) in Berth's own schedule group: the pattern covers only Berth's names in that group. Schedules are not taggable (EventBridge Scheduler tags schedule groups only), so the group and the name are the scope.";

/** What `observeSchedules` reads (functions/adapters/scheduler.ts): Berth's group, its tags, the env's schedules. */
const observeSchedules: Permission = {
  sid: 'ObserveSchedules',
  actions: ['scheduler:GetScheduleGroup', 'scheduler:ListTagsForResource', 'scheduler:GetSchedule'],
  resources: ['{scheduleGroup}', '{environmentSchedules}'],
  wildcardReason: SCHEDULES,
};

/**
 * What converging an environment's schedules writes (`up`'s service stage and `berth schedule`): Berth's
 * schedule group (created tagged), the environment's schedules, and the role Scheduler invokes with.
 */
const writeSchedules: Permission[] = [
  {
    sid: 'CreateBerthScheduleGroup',
    actions: ['scheduler:CreateScheduleGroup'],
    resources: ['{scheduleGroup}'],
    conditions: requested,
  },
  {
    sid: 'WriteEnvironmentSchedules',
    actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
    resources: ['{environmentSchedules}'],
    wildcardReason: SCHEDULES,
  },
  {
    // The role EventBridge Scheduler assumes to invoke the scheduled-action function.
    sid: 'PassScheduleRole',
    actions: ['iam:PassRole'],
    resources: ['{environmentScheduleRole}'],
    conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
  },
];

/** What `observeLogGroup` / `listLogGroups` read (functions/adapters/logs.ts): the group by prefix, then its tags. */
const describeLogGroups: Permission = {
  sid: 'DescribeBerthLogGroups',
  actions: ['logs:DescribeLogGroups', 'logs:ListTagsForResource'],
  resources: [ALL_LOG_GROUPS, BERTH_LOG_GROUPS],
  wildcardReason: LOGS,
};

// BatchGetItem: starting an operation reads the environment, its lock and the request id's record in one call.
const apiRegistry = registry('Registry', [
  'BatchGetItem',
  'GetItem',
  'PutItem',
  'Query',
  'Scan',
  'UpdateItem',
]);
const startLifecycle: readonly Permission[] = [
  { sid: 'StartLifecycle', actions: ['states:StartExecution'], resources: ['{lifecycleStateMachine}'] },
  {
    sid: 'ReadLifecycleExecutions',
    actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
    resources: ['{lifecycleExecutions}'],
    wildcardReason:
      "Executions are named per request: the pattern covers only the lifecycle state machine's executions.",
  },
  {
    sid: 'ListLifecycleExecutions',
    actions: ['states:ListExecutions'],
    resources: ['{lifecycleStateMachine}'],
  },
];

// ---------------------------------------------------------------- per handler (keyed by catalog id)

export const HANDLER_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  Lock: [registry('Lock', ['PutItem', 'GetItem', 'DeleteItem'])],
  Record: [
    registry('Record', ['GetItem', 'PutItem', 'UpdateItem']),
    // At an operation's end: its own execution's history, whose state transitions are its one-off cost.
    {
      sid: 'ReadOwnExecutionHistory',
      actions: ['states:GetExecutionHistory'],
      resources: ['{lifecycleExecutions}'],
      wildcardReason:
        "Executions are named per request: the pattern covers only the lifecycle state machine's executions.",
    },
  ],
  // The new expiry, and the operation's history item (extend has no Record states).
  Extend: [registry('Extend', ['GetItem', 'UpdateItem', 'PutItem'])],
  // Lists the environments, notes each warned expiry (a conditional UpdateItem).
  ExpiryWarnings: [registry('ExpiryWarnings', ['Scan', 'UpdateItem']), readNotifyWebhook],
  CreateNetwork: [
    readSpec,
    observe('network'),
    // The VPC is known at deploy time: no wildcard.
    { sid: 'CreateSecurityGroupInBerthVpc', actions: ['ec2:CreateSecurityGroup'], resources: ['{vpc}'] },
    {
      sid: 'CreateTaggedSecurityGroup',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [SECURITY_GROUP],
      conditions: requested,
      wildcardReason: BY_ID,
    },
    {
      sid: 'TagSecurityGroupOnCreate',
      actions: ['ec2:CreateTags'],
      resources: [SECURITY_GROUP],
      conditions: createdBy('ec2', ['CreateSecurityGroup']),
      wildcardReason: TAG_ON_CREATE,
    },
  ],
  CreateLoadBalancer: [
    readSpec,
    // The security groups' rules, authorized after the load balancer is requested (core planUp).
    {
      sid: 'AuthorizeOwnSecurityGroupIngress',
      actions: ['ec2:AuthorizeSecurityGroupIngress'],
      resources: [SECURITY_GROUP],
      conditions: managed,
      wildcardReason: BY_ID,
    },
    reads('DescribeLoadBalancing', [
      'ec2:DescribeSecurityGroups',
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeRules',
      'elasticloadbalancing:DescribeTags',
      'elasticloadbalancing:DescribeTargetGroups',
    ]),
    {
      sid: 'CreateTaggedLoadBalancing',
      actions: [
        'elasticloadbalancing:CreateListener',
        'elasticloadbalancing:CreateLoadBalancer',
        'elasticloadbalancing:CreateRule',
        'elasticloadbalancing:CreateTargetGroup',
      ],
      resources: [LOAD_BALANCER, TARGET_GROUP, LISTENER, LISTENER_RULE],
      conditions: requested,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'TagLoadBalancingOnCreate',
      actions: ['elasticloadbalancing:AddTags'],
      resources: [LOAD_BALANCER, TARGET_GROUP, LISTENER, LISTENER_RULE],
      conditions: createdBy('elasticloadbalancing', [
        'CreateListener',
        'CreateLoadBalancer',
        'CreateRule',
        'CreateTargetGroup',
      ]),
      wildcardReason: TAG_ON_CREATE,
    },
    {
      sid: 'ConfigureOwnTargetGroup',
      actions: ['elasticloadbalancing:ModifyTargetGroupAttributes'],
      resources: [TARGET_GROUP],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    serviceLinkedRole(
      'ElbServiceLinkedRole',
      'elasticloadbalancing.amazonaws.com',
      'AWSServiceRoleForElasticLoadBalancing',
    ),
  ],
  CreateCluster: [
    readSpec,
    reads('DescribeCapacity', [
      'autoscaling:DescribeAutoScalingGroups',
      'ec2:DescribeLaunchTemplates',
      'ecs:DescribeCapacityProviders',
      'ecs:DescribeClusters',
    ]),
    {
      sid: 'CreateTaggedClusterAndCapacityProvider',
      actions: ['ecs:CreateCapacityProvider', 'ecs:CreateCluster'],
      resources: [CLUSTER, CAPACITY_PROVIDER],
      conditions: requested,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'TagClusterAndCapacityProviderOnCreate',
      actions: ['ecs:TagResource'],
      resources: [CLUSTER, CAPACITY_PROVIDER],
      conditions: createdBy('ecs', ['CreateCapacityProvider', 'CreateCluster']),
      wildcardReason: TAG_ON_CREATE,
    },
    {
      sid: 'AttachCapacityProviderToOwnCluster',
      actions: ['ecs:PutClusterCapacityProviders'],
      resources: [CLUSTER],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'CreateTaggedLaunchTemplate',
      actions: ['ec2:CreateLaunchTemplate'],
      resources: [LAUNCH_TEMPLATE],
      conditions: requested,
      wildcardReason: BY_ID,
    },
    {
      sid: 'TagLaunchTemplateOnCreate',
      actions: ['ec2:CreateTags'],
      resources: [LAUNCH_TEMPLATE],
      conditions: createdBy('ec2', ['CreateLaunchTemplate']),
      wildcardReason: TAG_ON_CREATE,
    },
    {
      sid: 'LaunchFromOwnLaunchTemplate',
      actions: ['ec2:RunInstances'],
      resources: [LAUNCH_TEMPLATE],
      conditions: managed,
      wildcardReason: BY_ID,
    },
    {
      sid: 'LaunchTaggedInstancesAndVolumes',
      actions: ['ec2:RunInstances'],
      resources: [ec2('instance/*'), ec2('volume/*')],
      conditions: requested,
      wildcardReason:
        'Instances and volumes do not exist when RunInstances is authorized (ids unknown); the aws:RequestTag condition requires the berth:managed-by tag the launch template puts on them.',
    },
    {
      sid: 'LaunchWithTemplateResources',
      actions: ['ec2:RunInstances'],
      resources: [
        ec2('network-interface/*'),
        ec2('subnet/*'),
        SECURITY_GROUP,
        arn('ec2', 'image/*', '{region}', ''),
      ],
      conditions: { ArnLike: { 'ec2:LaunchTemplate': LAUNCH_TEMPLATE } },
      wildcardReason:
        "The network interfaces are created by the launch, the subnets and groups are per environment and the AMI is the public ECS-optimized image of the day; ec2:LaunchTemplate limits these to launches from a launch template, and LaunchFromOwnLaunchTemplate requires that template to be Berth's.",
    },
    {
      sid: 'ReadEcsOptimizedAmiParameter',
      actions: ['ssm:GetParameter'],
      resources: [arn('ssm', 'parameter/aws/service/ecs/optimized-ami/*', '{region}', '')],
      wildcardReason:
        'The public ECS-optimized AMI parameters live under /aws/service/ecs/optimized-ami/ (the path depends on OS and architecture).',
    },
    {
      sid: 'CreateTaggedAutoScalingGroup',
      actions: ['autoscaling:CreateAutoScalingGroup'],
      resources: [ASG],
      conditions: requested,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      // A re-up converges the existing group's capacity (core planUp).
      sid: 'ConvergeOwnAutoScalingGroup',
      actions: ['autoscaling:UpdateAutoScalingGroup'],
      resources: [ASG],
      conditions: asgManaged,
      wildcardReason: PER_ENVIRONMENT,
    },
    passRole('{instanceRole}', 'ec2.amazonaws.com'),
    serviceLinkedRole('EcsServiceLinkedRole', 'ecs.amazonaws.com', 'AWSServiceRoleForECS'),
    serviceLinkedRole(
      'AutoScalingServiceLinkedRole',
      'autoscaling.amazonaws.com',
      'AWSServiceRoleForAutoScaling',
    ),
  ],
  CreateTaskDefinition: [
    readSpec,
    observe('latest-revision'),
    ...registerTaskDefinition,
    // The environment's log group comes first (core planUp's createLogGroup/updateLogGroup steps): observed,
    // created tagged with its retention, or converged.
    describeLogGroups,
    {
      sid: 'CreateBerthLogGroup',
      actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource', 'logs:UntagResource'],
      resources: [BERTH_LOG_GROUPS],
      wildcardReason: LOGS,
    },
  ],
  CreateService: [
    readSpec,
    observe('service', 'task-definitions'),
    {
      sid: 'CreateTaggedService',
      actions: ['ecs:CreateService'],
      resources: [SERVICE],
      conditions: { ...requested, ArnLike: { 'ecs:cluster': CLUSTER } },
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'TagServiceOnCreate',
      actions: ['ecs:TagResource'],
      resources: [SERVICE],
      conditions: createdBy('ecs', ['CreateService']),
      wildcardReason: TAG_ON_CREATE,
    },
    {
      // A re-`up` after a scale or redeploy converges the existing service.
      sid: 'UpdateOwnService',
      actions: ['ecs:UpdateService'],
      resources: [SERVICE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    // The spec's sleep/wake schedules converge with the service (functions/handlers/up-stage.ts).
    observeSchedules,
    ...writeSchedules,
  ],
  Verify: [
    readSpec,
    observe('targets', 'cluster', 'service', 'tasks', 'task-definitions'),
    // A crashed task's last lines go into the failure reason.
    {
      sid: 'ReadTaskLogs',
      actions: ['logs:GetLogEvents'],
      resources: [BERTH_LOG_STREAMS],
      wildcardReason: LOGS,
    },
  ],
  Scale: [
    readSpec,
    reads('DescribeServiceAndGroup', ['autoscaling:DescribeAutoScalingGroups', 'ecs:DescribeServices']),
    {
      sid: 'UpdateOwnService',
      actions: ['ecs:UpdateService'],
      resources: [SERVICE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      // EC2 launch type: the group's capacity follows the tasks (core instancesNeeded).
      sid: 'ResizeOwnAutoScalingGroup',
      actions: ['autoscaling:UpdateAutoScalingGroup'],
      resources: [ASG],
      conditions: asgManaged,
      wildcardReason: PER_ENVIRONMENT,
    },
  ],
  Pause: [
    // The spec and the counts a previous pause remembered; the counts are stored once (conditional update).
    registry('RememberPausedCounts', ['GetItem', 'UpdateItem']),
    reads('DescribeServiceAndGroup', ['autoscaling:DescribeAutoScalingGroups', 'ecs:DescribeServices']),
    // Wake on request: the target groups, the listener or rule and where they forward.
    observe('load-balancer', 'targets'),
    {
      sid: 'CreateTaggedWakeTargetGroup',
      actions: ['elasticloadbalancing:CreateTargetGroup'],
      resources: [TARGET_GROUP],
      conditions: requested,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'TagWakeTargetGroupOnCreate',
      actions: ['elasticloadbalancing:AddTags'],
      resources: [TARGET_GROUP],
      conditions: createdBy('elasticloadbalancing', ['CreateTargetGroup']),
      wildcardReason: TAG_ON_CREATE,
    },
    {
      // The wake function as the waking page's target; the route (listener default action or rule action)
      // forwarded to it.
      sid: 'RouteOwnTrafficToWakePage',
      actions: [
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyRule',
        'elasticloadbalancing:RegisterTargets',
      ],
      resources: [TARGET_GROUP, LISTENER, LISTENER_RULE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'ScaleOwnServiceToZero',
      actions: ['ecs:UpdateService'],
      resources: [SERVICE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      // Scale-in protection off (instances idle once the tasks drained), then min/max/desired 0.
      sid: 'EmptyOwnAutoScalingGroup',
      actions: ['autoscaling:SetInstanceProtection', 'autoscaling:UpdateAutoScalingGroup'],
      resources: [ASG],
      conditions: asgManaged,
      wildcardReason: PER_ENVIRONMENT,
    }, // The service's scaler, if one is registered: suspended before the service goes to 0.
    ...scalableTarget('ScalableTarget'),
  ],
  Resume: [
    readSpec,
    reads('DescribeServiceClusterAndGroup', [
      'autoscaling:DescribeAutoScalingGroups',
      'ecs:DescribeClusters',
      'ecs:DescribeServices',
    ]),
    // Wake on request: target health, then the route back to the environment's target group.
    observe('load-balancer', 'targets'),
    {
      sid: 'RouteOwnTrafficBack',
      actions: ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule'],
      resources: [LISTENER, LISTENER_RULE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'RestoreOwnServiceCount',
      actions: ['ecs:UpdateService'],
      resources: [SERVICE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      // EC2 launch type: the group's remembered min/max/desired.
      sid: 'RestoreOwnAutoScalingGroup',
      actions: ['autoscaling:UpdateAutoScalingGroup'],
      resources: [ASG],
      conditions: asgManaged,
      wildcardReason: PER_ENVIRONMENT,
    }, // The service's scaler, if one was registered: its remembered bounds and suspended state back.
    ...scalableTarget('ScalableTarget'),
  ],
  Redeploy: [
    readSpec,
    reads('DescribeServiceAndRevisions', [
      'ecs:DescribeServices',
      'ecs:DescribeTaskDefinition',
      'ecs:ListTaskDefinitions',
    ]),
    ...registerTaskDefinition,
    {
      sid: 'UpdateOwnService',
      actions: ['ecs:UpdateService'],
      resources: [SERVICE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
  ],
  TeardownService: [
    // The service's tasks too: one draining from the target group (DEACTIVATING) is neither running nor pending.
    observe('network', 'load-balancer', 'cluster', 'capacity', 'service', 'tasks', 'task-definitions'),
    // The teardown plan observes the log group too (functions/handlers/teardown-stage.ts).
    describeLogGroups,
    // The sleep/wake schedules are deleted first.
    observeSchedules,
    {
      sid: 'DeleteEnvironmentSchedules',
      actions: ['scheduler:DeleteSchedule'],
      resources: ['{environmentSchedules}'],
      wildcardReason: SCHEDULES,
    },
    {
      sid: 'DrainAndDeleteOwnService',
      actions: ['ecs:DeleteService', 'ecs:UpdateService'],
      resources: [SERVICE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    // The service's scaler, if a user registered one: suspended before the scale to 0.
    ...scalableTarget('ScalableTarget'),
  ],
  TeardownCapacity: [
    observe('cluster', 'capacity'),
    {
      sid: 'DrainAndDeleteOwnAutoScalingGroup',
      actions: [
        'autoscaling:DeleteAutoScalingGroup',
        'autoscaling:SetInstanceProtection',
        'autoscaling:UpdateAutoScalingGroup',
      ],
      resources: [ASG],
      conditions: asgManaged,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'DetachAndDeleteOwnCapacityProvider',
      actions: ['ecs:DeleteCapacityProvider', 'ecs:PutClusterCapacityProviders'],
      resources: [CLUSTER, CAPACITY_PROVIDER],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    {
      sid: 'DeleteOwnLaunchTemplate',
      actions: ['ec2:DeleteLaunchTemplate'],
      resources: [LAUNCH_TEMPLATE],
      conditions: managed,
      wildcardReason: BY_ID,
    },
  ],
  TeardownCluster: [
    observe('cluster', 'capacity', 'service'),
    {
      sid: 'DeleteOwnCluster',
      actions: ['ecs:DeleteCluster'],
      resources: [CLUSTER],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
  ],
  TeardownLoadBalancer: [
    observe('load-balancer'),
    {
      sid: 'DeleteOwnLoadBalancing',
      actions: [
        'elasticloadbalancing:DeleteListener',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:DeleteRule',
        'elasticloadbalancing:DeleteTargetGroup',
      ],
      resources: [LOAD_BALANCER, TARGET_GROUP, LISTENER, LISTENER_RULE],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
  ],
  TeardownNetwork: [
    observe('network'),
    reads('DescribeNetworkInterfaces', ['ec2:DescribeNetworkInterfaces']),
    {
      sid: 'DeleteOwnSecurityGroups',
      actions: ['ec2:DeleteSecurityGroup'],
      resources: [SECURITY_GROUP],
      conditions: managed,
      wildcardReason: BY_ID,
    },
  ],
  TeardownTaskDefinitions: [
    observe('task-definitions'),
    {
      sid: 'DeregisterOwnTaskDefinitions',
      actions: ['ecs:DeregisterTaskDefinition'],
      resources: [TASK_DEFINITION],
      conditions: managed,
      wildcardReason: PER_ENVIRONMENT,
    },
    // The log group is deleted, or kept (tagged with its expiry) until the nightly run deletes it.
    describeLogGroups,
    {
      sid: 'DeleteOrKeepBerthLogGroup',
      actions: ['logs:DeleteLogGroup', 'logs:TagResource'],
      resources: [BERTH_LOG_GROUPS],
      wildcardReason: LOGS,
    },
  ],
  // The webhook URL for notifications without a Slack response_url.
  Notify: [readNotifyWebhook],
  Nightly: [
    registry('ListEnvironments', ['Scan']),
    // Each teardown is authorized as the nightly caller first.
    readAccessPolicy,
    // The report's webhook URL.
    readNotifyWebhook,
    // Kept log groups past their expiry tag are deleted.
    describeLogGroups,
    {
      sid: 'DeleteExpiredBerthLogGroups',
      actions: ['logs:DeleteLogGroup'],
      resources: [BERTH_LOG_GROUPS],
      wildcardReason: LOGS,
    },
  ],
  // Dry runs observe every part (observeEnvironment without `parts`).
  // The dry run observes everything the real run does, the log group included (up and down plan its step).
  Plan: [
    observe(...(Object.keys(OBSERVE) as ObservedPart[])),
    describeLogGroups,
    observeSchedules,
    // The dry run of pause and resume shows the scalable target's suspension and restoration.
    reads('DescribeScalableTarget', ['application-autoscaling:DescribeScalableTargets']),
  ],
  Api: [
    apiRegistry,
    ...startLifecycle,
    readAccessPolicy,
    // GET /nightly/last reports the newest nightly run from its execution.
    {
      sid: 'ListNightlyExecutions',
      actions: ['states:ListExecutions'],
      resources: ['{nightlyStateMachine}'],
    },
    {
      sid: 'ReadNightlyExecutions',
      actions: ['states:DescribeExecution'],
      resources: ['{nightlyExecutions}'],
      wildcardReason:
        'GET /nightly/last describes the newest nightly execution; its name changes every night, so the execution ARN ends in *.',
    },
  ],
  // The API's dry runs, settings changes and logs (functions/handlers/api-aux.ts): the environment's record for the
  // access policy and its lock; PATCH /environments/{name} stores idleAfter (UpdateItem).
  ApiAux: [
    registry('Registry', ['GetItem', 'UpdateItem']),
    { sid: 'InvokePlan', actions: ['lambda:InvokeFunction'], resources: ['{planFunction}'] },
    // PATCH /environments/{name} with `schedule` (berth schedule) changes the schedules through this function.
    { sid: 'InvokeSchedule', actions: ['lambda:InvokeFunction'], resources: ['{scheduleFunction}'] },
    readAccessPolicy,
    // GET /environments/{name}/logs.
    {
      sid: 'ReadBerthLogs',
      actions: ['logs:FilterLogEvents'],
      resources: [BERTH_LOG_GROUPS],
      wildcardReason: LOGS,
    },
  ],
  // The waking page: reads the environment, records the request and starts resume (once per pause).
  Wake: [registry('Registry', ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem']), ...startLifecycle],
  IdleCheck: [
    // Lists the environments; reads the lock, the record and the request id, records the request of a pause;
    // stores each environment's measured request rate (`traffic`, one attribute per UpdateItem).
    registry('Registry', ['Scan', 'BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem']),
    // The load balancers' RequestCount (idle sleep, and the request rate its capacity units are priced from).
    {
      sid: 'ReadRequestCounts',
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
      wildcardReason:
        'cloudwatch:GetMetricData supports no resource-level permissions: IAM only accepts "*" for it (Service Authorization Reference, "Amazon CloudWatch").',
    },
    // Each pause is authorized as the idle caller first, then started like the API starts one.
    readAccessPolicy,
    ...startLifecycle,
  ],
  // berth schedule: under the environment's lock, converges its schedules and stores them in the spec.
  Schedule: [
    registry('Registry', ['GetItem', 'PutItem', 'DeleteItem', 'UpdateItem']),
    observeSchedules,
    ...writeSchedules,
  ],
  // Sleep/wake schedules: authorizes as the `schedule` caller, records the request, starts pause or resume.
  ScheduledAction: [
    registry('Registry', ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem']),
    ...startLifecycle,
    readAccessPolicy,
  ],
  Slack: [
    apiRegistry,
    ...startLifecycle,
    {
      sid: 'ReadSlackSigningSecret',
      actions: ['secretsmanager:GetSecretValue'],
      resources: ['{slackSecret}'],
    },
    readAccessPolicy,
  ],
};

/** Read-only actions (not subject to the "granted but never used" rule of the usage test). */
export function isReadOnlyAction(action: string): boolean {
  const name = action.split(':')[1] ?? '';
  return /^(Describe|List|Get|Query|Scan|BatchGet)/.test(name);
}
