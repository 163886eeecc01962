/**
 * The whole product on one machine: the local cloud, the Step Functions + Lambda emulator running
 * the real ASL files with the real handlers in-process, and the HTTP API.
 *
 * One platform per process: the handlers read their configuration (and build their AWS clients)
 * from `process.env` once, when first used, so a second platform in the same process would reuse
 * the first one's configuration. Tests start one platform per test file.
 */
import './polyfills.ts';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { localForwarder, type RunningDashboard, startDashboard } from '../../dashboard/server.ts';
import { DEVELOPMENT_POLICY, parseAccessPolicy } from '../../functions/core/access-policy.ts';
import { DEFAULT_SCHEDULE_GROUP } from '../../functions/core/schedules.ts';
import type { FaultsPatch } from '../cloud/core/faults.ts';
import type { FunctionPrincipal, IamMode } from '../cloud/core/iam/enforcer.ts';
import { functionPrincipals, readFunctionPolicies } from '../cloud/core/iam/function-policies.ts';
import { resolveTimeProfile, type TimeProfileName } from '../cloud/core/time-profile.ts';
import { type RunningCloud, startCloud } from '../cloud/server.ts';
import { type RunningApiServer, startApiServer } from './api-server.ts';
import type { AslDefinition } from './asl.ts';
import {
  functionArnFor,
  functionNameFor,
  HandlerRegistry,
  handlerFileForFunction,
  type LambdaHandler,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
} from './lambda.ts';
import { type RunningRuntimeServer, startRuntimeServer } from './runtime-server.ts';
import { LocalScheduler } from './scheduler.ts';
import { StepFunctionsEmulator } from './step-functions/emulator.ts';

/** Default ports of `npm start` (docs/architecture.md, "The local platform"). */
export const DEFAULT_PORTS = Object.freeze({ cloud: 4566, sfn: 4567, api: 4568, dashboard: 4569 });

export const LIFECYCLE_MACHINE = 'berth-lifecycle';
const NIGHTLY_MACHINE = 'berth-nightly-teardown';
export const REGISTRY_TABLE = 'berth-registry';

/** The registry table as the stack declares it (infra/orchestrator-stack.ts): string keys `pk` and `sk`, on demand. */
export const registryTable = (tableName = REGISTRY_TABLE): CreateTableCommandInput => ({
  TableName: tableName,
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
});
const SHARED_ALB_NAME = 'berth-shared-alb';
const DEFAULT_SLACK_SIGNING_SECRET = 'berth-local-slack-signing-secret';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Options of {@link startPlatform}. */
export interface PlatformOptions {
  /** Time profile of the local cloud (and of the state machines' waits). Default `instant`. */
  profile?: TimeProfileName;
  /** Scales `realistic` (or overrides a profile's factor). */
  factor?: number;
  /**
   * Ports; 0 picks a free port. Defaults 4566 / 4567 / 4568. The dashboard starts only when its
   * port is given (`npm start` gives 4569).
   */
  ports?: { cloud?: number; sfn?: number; api?: number; dashboard?: number };
  /** Slack signing secret injected into the slack handler's SecretPort. */
  slackSigningSecret?: string;
  /** Initial fault configuration of the local cloud. */
  faults?: FaultsPatch;
  /**
   * The caller identity of every local API request (default: `BERTH_OWNER`, else the OS user). The api handler
   * records it as owner and `requestedBy` and authorizes it against the access policy.
   */
  callerUser?: string;
  /** The access policy file (`--policy`; default `BERTH_POLICY_FILE`, else the development policy). */
  policyFile?: string;
  /** Extra environment variables for the handlers (e.g. `BERTH_NOTIFY_WEBHOOK_URL`, `BERTH_LOCK_TTL_SECONDS`). */
  env?: Record<string, string>;
  /** Handler log level (`POWERTOOLS_LOG_LEVEL`): DEBUG, INFO, WARN, ERROR or SILENT. Default: unchanged (INFO). */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Replace handlers by file name (tests). */
  handlerOverrides?: Record<string, LambdaHandler>;
  /**
   * IAM of the functions' calls to the local cloud (docs/architecture.md, "IAM"): `enforce` (default, or
   * `BERTH_IAM`) denies what a function's policy from the synthesized template does not allow; `record`
   * evaluates and records without denying; `off` skips IAM.
   */
  iam?: IamMode;
  /**
   * Seconds between runs of the expiry check (Slack expiry warnings, `expiry-warnings`): what EventBridge Scheduler
   * runs every 15 minutes when deployed. Default 60; 0 runs it only when asked (`platform.scheduler.run`).
   */
  expiryCheckSeconds?: number;
  /**
   * Seconds between runs of the idle check (idle sleep, `idle-check`): what EventBridge Scheduler runs every 5
   * minutes when deployed. Default 300; 0 runs it only when asked (`platform.scheduler.run('idle-check')`).
   */
  idleCheckSeconds?: number;
  /**
   * The local cloud's wall clock in ms (default `Date.now`): tests move it forward to let time pass for the
   * cloud (its metrics, its propagation windows) without waiting.
   */
  cloudNow?: () => number;
}

/** Names and ARNs the local platform gives the resources the functions' policies reference. */
const LOCAL_RESOURCES = Object.freeze({
  instanceProfileArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:instance-profile/berth-ecs-instance`,
  instanceRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/berth-ecs-instance`,
  executionRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/berth-task-execution`,
  /**
   * The Slack signing secret's partial ARN (no random suffix). The platform creates the secret in the local
   * cloud at start; its full ARN (with the suffix) is what the functions get and their policies are bound to.
   */
  slackSecretArn: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:secret:berth/slack-signing-secret`,
  /** The role EventBridge Scheduler assumes to invoke the scheduled-action function (sleep/wake schedules). */
  schedulerRoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/berth-environment-schedules`,
});

/** The name of the Slack signing secret the local platform stores in the local cloud's Secrets Manager. */
const SLACK_SECRET_NAME = 'berth/slack-signing-secret';

/**
 * The function principals of the local platform: each function's policy from the synthesized template
 * (local/cloud/core/iam/function-policies.json), its references bound to the local resources.
 */
export function localFunctionPrincipals(
  vpcId: string,
  resources: { readonly slackSecretArn?: string } = {},
): FunctionPrincipal[] {
  return functionPrincipals(readFunctionPolicies(), {
    partition: 'aws',
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    references: {
      Registry: `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${REGISTRY_TABLE}`,
      EcsInstanceRole: LOCAL_RESOURCES.instanceRoleArn,
      EcsInstanceProfile: LOCAL_RESOURCES.instanceProfileArn,
      TaskExecutionRole: LOCAL_RESOURCES.executionRoleArn,
      PlanFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionNameFor('plan')}`,
      ScheduleFunction: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionNameFor('schedule')}`,
      SlackSigningSecret: resources.slackSecretArn ?? LOCAL_RESOURCES.slackSecretArn,
      EnvironmentScheduleGroup: `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:schedule-group/${DEFAULT_SCHEDULE_GROUP}`,
      EnvironmentScheduleRole: LOCAL_RESOURCES.schedulerRoleArn,
      // The network stack's VPC id, exported to the orchestrator stack.
      'berth-network:ExportsOutputRefVpc': vpcId,
    },
  });
}

function iamModeOf(value: string | undefined): IamMode | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'enforce' || value === 'record' || value === 'off') return value;
  throw new Error(`BERTH_IAM must be enforce, record or off (got ${JSON.stringify(value)})`);
}

/** A running platform. */
export interface RunningPlatform {
  urls: { cloud: string; sfn: string; lambda: string; api: string; dashboard?: string };
  ports: { cloud: number; sfn: number; api: number; dashboard?: number };
  cloud: RunningCloud;
  sfn: StepFunctionsEmulator;
  handlers: HandlerRegistry;
  /** The state machines' ARNs. */
  stateMachines: { lifecycle: string; nightly: string };
  /** The handler configuration the platform set in `process.env`. */
  env: Readonly<Record<string, string>>;
  /** Who local API requests come from, and the access policy they are authorized against. */
  access: { callerUser: string; policy: string };
  /** The shared-mode ALB resources. */
  shared: { loadBalancerArn: string; listenerArn: string; securityGroupId: string; dnsName: string };
  /**
   * The local runtime's scheduler (the deployed EventBridge schedules): `run('expiry-warnings')` or
   * `run('idle-check')` runs a check now.
   */
  scheduler: LocalScheduler;
  /** Stops every server and timer and restores `process.env`. */
  stop(): Promise<void>;
}

function loadAsl(file: string): AslDefinition {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'statemachine', file), 'utf8')) as AslDefinition;
}

/**
 * Real milliseconds for a Wait state under a time profile: its AWS seconds (static `Seconds`, or what its
 * `SecondsPath` selects when the execution reaches it; 15 s when that is not a number) scaled by the
 * profile's factor.
 */
export function scaledWaitMs(factor: number, seconds: number | undefined): number {
  return Math.max(2, Math.round((seconds ?? 15) * 1000 * factor));
}

/** Real milliseconds before a retry under a time profile (a typical backed-off interval, scaled). */
export function scaledRetryMs(
  factor: number,
  retrier: { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number },
): number {
  const interval = retrier.IntervalSeconds ?? 1;
  const backoff = retrier.BackoffRate ?? 2;
  const typical = Math.min(retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY, interval * backoff * backoff);
  return Math.max(2, Math.round(typical * 1000 * factor));
}

/**
 * Real milliseconds before a retry in the local runtime. Retriers that catch `ThrottlingError` wait at
 * least one real second whatever the profile: the local cloud refills its API rate-limit buckets in
 * real time (the slowest ECS sustained rates are 1 call/s), so a millisecond retry would only be
 * throttled again and exhaust `MaxAttempts`.
 */
export function localRetryMs(
  factor: number,
  retrier: {
    ErrorEquals?: readonly string[];
    IntervalSeconds?: number;
    BackoffRate?: number;
    MaxDelaySeconds?: number;
  },
): number {
  const scaled = scaledRetryMs(factor, retrier);
  return retrier.ErrorEquals?.includes('ThrottlingError')
    ? Math.max(THROTTLING_RETRY_FLOOR_MS, scaled)
    : scaled;
}

/** The shortest real wait before retrying a throttled step locally (see {@link localRetryMs}). */
const THROTTLING_RETRY_FLOOR_MS = 1_000;

/**
 * Starts the local platform: local cloud, registry table, shared ALB, handler configuration,
 * Step Functions + Lambda emulator and the HTTP API.
 *
 * @example
 * const platform = await startPlatform({ profile: 'instant', ports: { cloud: 0, sfn: 0, api: 0 } });
 * await fetch(`${platform.urls.api}/environments`);
 * await platform.stop();
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const profile = options.profile ?? 'instant';
  const factor = resolveTimeProfile(profile, options.factor).factor;
  const savedEnv = { ...process.env };
  const setEnv = (vars: Record<string, string>): void => {
    for (const [key, value] of Object.entries(vars)) process.env[key] = value;
  };
  const restoreEnv = (): void => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  };
  const credentials = {
    AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] || 'test',
    AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] || 'test',
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  setEnv(credentials);
  const callerUser = options.callerUser ?? localCallerUser();
  const policyFile = options.policyFile ?? (process.env['BERTH_POLICY_FILE'] || undefined);
  const policy = loadLocalPolicy(policyFile);

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch {
        // keep stopping the rest
      }
    }
    stops.length = 0;
    restoreEnv();
  };

  try {
    const iamMode = options.iam ?? iamModeOf(process.env['BERTH_IAM']) ?? 'enforce';
    const cloud = await startCloud({
      port: options.ports?.cloud ?? DEFAULT_PORTS.cloud,
      profile,
      iam: { mode: iamMode, principals: [] },
      ...(options.factor === undefined ? {} : { factor: options.factor }),
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.cloudNow === undefined ? {} : { now: options.cloudNow }),
    });
    stops.push(() => cloud.stop());

    const clientConfig = {
      endpoint: cloud.url,
      region: LOCAL_REGION,
      credentials: {
        accessKeyId: credentials.AWS_ACCESS_KEY_ID,
        secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY,
      },
      maxAttempts: 3,
    };
    const dynamodb = new DynamoDBClient(clientConfig);
    const ec2 = new EC2Client(clientConfig);
    const elbv2 = new ElasticLoadBalancingV2Client(clientConfig);
    try {
      await dynamodb.send(new CreateTableCommand(registryTable()));
      await dynamodb
        .send(
          new UpdateTimeToLiveCommand({
            TableName: REGISTRY_TABLE,
            TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
          }),
        )
        .catch(() => undefined); // the embedded DynamoDB may not model TTL; items simply stay

      const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
      const vpcId = subnets[0]?.VpcId;
      if (!vpcId) throw new Error('the local cloud has no default VPC subnets');
      // The Slack signing secret lives in the local cloud's Secrets Manager, as on AWS: the slack function
      // reads it with GetSecretValue, checked against its policy like every other call.
      const secret =
        options.slackSigningSecret ??
        process.env['BERTH_SLACK_SIGNING_SECRET'] ??
        DEFAULT_SLACK_SIGNING_SECRET;
      const secretsClient = new SecretsManagerClient(clientConfig);
      const slackSecretArn = (
        await secretsClient.send(
          new CreateSecretCommand({
            Name: SLACK_SECRET_NAME,
            SecretString: secret,
            Tags: [{ Key: 'berth:managed-by', Value: 'berth' }],
          }),
        )
      ).ARN as string;
      secretsClient.destroy();
      if (iamMode !== 'off') cloud.iam.setPrincipals(localFunctionPrincipals(vpcId, { slackSecretArn }));
      const typeOf = (s: (typeof subnets)[number]): string =>
        s.Tags?.find((t) => t.Key === 'berth:subnet-type')?.Value ??
        (s.MapPublicIpOnLaunch ? 'public' : 'private');
      const publicSubnets = subnets.filter((s) => typeOf(s) === 'public').map((s) => s.SubnetId!);
      const privateSubnets = subnets.filter((s) => typeOf(s) === 'private').map((s) => s.SubnetId!);

      const sharedTags = [
        { Key: 'berth:managed-by', Value: 'berth' },
        { Key: 'berth:shared', Value: 'true' },
      ];
      const sg = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: SHARED_ALB_NAME,
          Description: 'Berth shared ALB (local platform)',
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: sharedTags }],
        }),
      );
      const securityGroupId = sg.GroupId!;
      // EC2 is eventually consistent: wait until the new group's id is visible before using it.
      await untilGroupVisible(ec2, securityGroupId);
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: securityGroupId,
          IpPermissions: [80, 443].map((port) => ({
            IpProtocol: 'tcp',
            FromPort: port,
            ToPort: port,
            // The shared ALB honours the allowed CIDR like each dedicated one (BERTH_ALLOWED_CIDR).
            IpRanges: [{ CidrIp: options.env?.['BERTH_ALLOWED_CIDR'] ?? '0.0.0.0/0' }],
          })),
        }),
      );
      const lb = await elbv2.send(
        new CreateLoadBalancerCommand({
          Name: SHARED_ALB_NAME,
          Type: 'application',
          Scheme: 'internet-facing',
          Subnets: publicSubnets,
          SecurityGroups: [securityGroupId],
          Tags: sharedTags,
        }),
      );
      const loadBalancer = lb.LoadBalancers?.[0];
      if (!loadBalancer?.LoadBalancerArn) throw new Error('the local cloud did not create the shared ALB');
      const listener = await elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancer.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [
            {
              Type: 'fixed-response',
              FixedResponseConfig: {
                StatusCode: '404',
                ContentType: 'text/plain',
                MessageBody: 'no Berth environment here',
              },
            },
          ],
          Tags: sharedTags,
        }),
      );
      const listenerArn = listener.Listeners?.[0]?.ListenerArn;
      if (!listenerArn) throw new Error('the local cloud did not create the shared listener');

      const registry = new HandlerRegistry(options.handlerOverrides ?? {});
      // The ALBs' Lambda targets (wake on request) invoke the runtime's functions, as ELB invokes Lambda.
      cloud.cloud.lambdaInvoker = (functionArn, event) => {
        const file = handlerFileForFunction(functionArn);
        if (file === undefined) return Promise.reject(new Error(`Function not found: ${functionArn}`));
        return registry.invoke(file, event);
      };
      let emulator: StepFunctionsEmulator | undefined;
      const sfn = new StepFunctionsEmulator({
        machines: [
          {
            name: LIFECYCLE_MACHINE,
            definition: loadAsl('lifecycle.asl.json'),
            arnVariable: 'LifecycleStateMachineArn',
          },
          {
            name: NIGHTLY_MACHINE,
            definition: loadAsl('nightly-teardown.asl.json'),
            arnVariable: 'NightlyStateMachineArn',
          },
        ],
        invokeLambda: (file, event) => registry.invoke(file, event),
        waitMs: (_state, seconds) => scaledWaitMs(factor, seconds),
        retryMs: (_state, retrier) => localRetryMs(factor, retrier),
      });
      emulator = sfn;
      const runtime: RunningRuntimeServer = await startRuntimeServer({
        sfn,
        handlers: registry,
        // The functions' Step Functions and Lambda calls are checked like their calls to the local cloud.
        iam: cloud.iam,
        port: options.ports?.sfn ?? DEFAULT_PORTS.sfn,
      });
      stops.push(async () => {
        emulator?.stopAll();
        await emulator?.idle(5000);
        await runtime.stop();
      });

      const stateMachines = { lifecycle: sfn.arnOf(LIFECYCLE_MACHINE), nightly: sfn.arnOf(NIGHTLY_MACHINE) };
      const handlerEnv: Record<string, string> = {
        ...credentials,
        AWS_ENDPOINT_URL: cloud.url,
        AWS_ENDPOINT_URL_SFN: runtime.url,
        AWS_ENDPOINT_URL_LAMBDA: runtime.url,
        BERTH_TABLE_NAME: REGISTRY_TABLE,
        BERTH_VPC_ID: vpcId,
        BERTH_PUBLIC_SUBNETS: publicSubnets.join(','),
        BERTH_PRIVATE_SUBNETS: privateSubnets.join(','),
        BERTH_INSTANCE_PROFILE_ARN: LOCAL_RESOURCES.instanceProfileArn,
        BERTH_EXECUTION_ROLE_ARN: LOCAL_RESOURCES.executionRoleArn,
        BERTH_ALLOWED_CIDR: '0.0.0.0/0',
        BERTH_SHARED_LISTENER_ARN: listenerArn,
        BERTH_SHARED_ALB_SECURITY_GROUP_ID: securityGroupId,
        BERTH_LIFECYCLE_STATE_MACHINE_ARN: stateMachines.lifecycle,
        BERTH_NIGHTLY_STATE_MACHINE_ARN: stateMachines.nightly,
        BERTH_SLACK_SECRET_ARN: slackSecretArn,
        BERTH_PROBE_ENDPOINT: cloud.url,
        BERTH_PLAN_FUNCTION_NAME: functionNameFor('plan'),
        BERTH_SCHEDULE_FUNCTION_NAME: functionNameFor('schedule'),
        BERTH_WAKE_FUNCTION_ARN: functionArnFor('wake'),
        // Sleep/wake schedules: the local cloud's EventBridge Scheduler invokes this function when they fire.
        BERTH_SCHEDULE_GROUP: DEFAULT_SCHEDULE_GROUP,
        BERTH_SCHEDULED_ACTION_FUNCTION_ARN: functionArnFor('scheduled-action'),
        BERTH_SCHEDULER_ROLE_ARN: LOCAL_RESOURCES.schedulerRoleArn,
        BERTH_LOCAL_CALLER_IDENTITY: 'true',
        // Slack's hooks host, and the loopback receivers the local platform and its tests use.
        BERTH_SLACK_RESPONSE_URL_ORIGINS: 'https://hooks.slack.com,http://127.0.0.1:*,http://localhost:*',
        ...(policyFile === undefined ? {} : { BERTH_POLICY_FILE: policyFile }),
        ...(options.logLevel ? { POWERTOOLS_LOG_LEVEL: options.logLevel } : {}),
        ...(options.env ?? {}),
      };
      setEnv(handlerEnv);

      if (!options.handlerOverrides?.['api']) {
        // A fresh api handler per platform, configured from this platform's environment (the module's
        // `handler` memoizes its first configuration for the process).
        const apiModule = await import('../../functions/handlers/api.ts');
        registry.override(
          'api',
          apiModule.makeHandler(() => apiModule.defaultDeps(), {
            serves: apiModule.API_ROUTES,
          }) as LambdaHandler,
        );
      }
      if (!options.handlerOverrides?.['api-aux']) {
        // The same for the dry runs, settings changes and logs (functions/handlers/api-aux.ts).
        const auxModule = await import('../../functions/handlers/api-aux.ts');
        registry.override(
          'api-aux',
          auxModule.makeAuxHandler(() => auxModule.defaultDeps()) as LambdaHandler,
        );
      }
      if (!options.handlerOverrides?.['slack']) {
        // A fresh slack handler per platform (the module's `handler` memoizes its first configuration).
        const slackModule = await import('../../functions/handlers/slack.ts');
        registry.override('slack', slackModule.makeHandler(() => slackModule.defaultDeps()) as LambdaHandler);
      }

      const api: RunningApiServer = await startApiServer({
        resolveHandler: (target) => registry.resolve(target),
        callerUser,
        port: options.ports?.api ?? DEFAULT_PORTS.api,
      });
      stops.push(() => api.stop());
      // Where Slack `status` links an environment's logs locally: the API's logs route.
      process.env['BERTH_API_URL'] = api.url;
      handlerEnv['BERTH_API_URL'] = api.url;

      const scheduler = new LocalScheduler(
        [
          {
            name: 'expiry-warnings',
            everyMs: Math.max(0, options.expiryCheckSeconds ?? 60) * 1000,
            run: () => registry.invoke('expiry-warnings', {}),
          },
          {
            name: 'idle-check',
            everyMs: Math.max(0, options.idleCheckSeconds ?? 300) * 1000,
            run: () => registry.invoke('idle-check', {}),
          },
        ],
        (name, error) => console.error(`scheduled ${name} failed: ${String(error)}`),
      );
      scheduler.start();
      stops.push(() => scheduler.stop());

      let dashboard: RunningDashboard | undefined;
      if (options.ports?.dashboard !== undefined) {
        dashboard = await startDashboard({
          forward: localForwarder(api.url),
          info: { api: api.url, consoleRegion: null },
          port: options.ports.dashboard,
        });
        stops.push(() => dashboard!.stop());
      }

      return {
        urls: {
          cloud: cloud.url,
          sfn: runtime.url,
          lambda: runtime.url,
          api: api.url,
          ...(dashboard ? { dashboard: dashboard.url } : {}),
        },
        ports: {
          cloud: cloud.port,
          sfn: runtime.port,
          api: api.port,
          ...(dashboard ? { dashboard: dashboard.port } : {}),
        },
        cloud,
        sfn,
        handlers: registry,
        stateMachines,
        env: handlerEnv,
        scheduler,
        access: { callerUser, policy },
        shared: {
          loadBalancerArn: loadBalancer.LoadBalancerArn,
          listenerArn,
          securityGroupId,
          dnsName: loadBalancer.DNSName ?? '',
        },
        stop: stopAll,
      };
    } finally {
      dynamodb.destroy();
      ec2.destroy();
      elbv2.destroy();
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The local caller identity: `BERTH_OWNER`, else the OS user. */
function localCallerUser(): string {
  const fromEnv = process.env['BERTH_OWNER'];
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username || 'local';
  } catch {
    return process.env['USER'] || 'local';
  }
}

/**
 * Reads and checks the local access policy at start-up (a malformed file stops the platform with the field
 * named), and says which policy is in force.
 */
function loadLocalPolicy(file: string | undefined): string {
  if (file === undefined) return `${DEVELOPMENT_POLICY.description ?? 'development policy'}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `--policy ${file}: cannot be read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  let parsed: ReturnType<typeof parseAccessPolicy>;
  try {
    parsed = parseAccessPolicy(text);
  } catch (error) {
    throw new Error(`--policy ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return `policy file ${file}${parsed.description ? ` (${parsed.description})` : ''}`;
}

/**
 * Polls `DescribeSecurityGroups` until a just-created group is visible (EC2 eventual consistency:
 * "Eventual consistency in the Amazon EC2 API" recommends confirming with Describe before the next
 * call). Gives up after 30 s.
 */
async function untilGroupVisible(ec2: EC2Client, groupId: string): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
      return;
    } catch (err) {
      if ((err as { name?: string }).name !== 'InvalidGroup.NotFound' || Date.now() > end) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
