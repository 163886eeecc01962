/**
 * Production adapter factories, one per AWS service family. Each is a separate export so a handler's
 * bundle contains only the SDK clients of the factories it names (esbuild drops the others): a
 * handler passes exactly what its step calls to `defaultDeps(file, adapters)`. The registry's
 * factory lives in `wiring-registry.ts`: its DynamoDB document client cannot be tree-shaken, so only
 * the handlers that read or write the registry import it (test/infra/handler-bundles.test.ts checks).
 */
import { AwsApplicationAutoScalingAdapter } from '../adapters/application-autoscaling.ts';
import { AwsAutoScalingAdapter } from '../adapters/autoscaling.ts';
import {
  applicationAutoScalingClient,
  autoScalingClient,
  ec2Client,
  ecsClient,
  elbv2Client,
  logsClient,
  schedulerClient,
  ssmClient,
} from '../adapters/aws/clients.ts';
import { AwsEc2Adapter } from '../adapters/ec2.ts';
import { AwsEcsAdapter } from '../adapters/ecs.ts';
import { AwsElbv2Adapter } from '../adapters/elbv2.ts';
import { AwsLogsAdapter } from '../adapters/logs.ts';
import { AwsSchedulerAdapter } from '../adapters/scheduler.ts';
import { AwsParameterAdapter } from '../adapters/ssm-parameter.ts';
import { DEFAULT_SCHEDULE_GROUP } from '../core/schedules.ts';

/** @example makeHandler(defaultDeps('teardown-service', { ecs: ecsAdapter })) */
export const ecsAdapter = (): AwsEcsAdapter => new AwsEcsAdapter(ecsClient());
export const elbv2Adapter = (): AwsElbv2Adapter => new AwsElbv2Adapter(elbv2Client());
export const autoScalingAdapter = (): AwsAutoScalingAdapter => new AwsAutoScalingAdapter(autoScalingClient());
/** CloudWatch Logs: the environment's log group and its lines. */
export const logsAdapter = (): AwsLogsAdapter => new AwsLogsAdapter(logsClient());
/** EC2 for security groups and observation. */
export const ec2Adapter = (): AwsEc2Adapter => new AwsEc2Adapter(ec2Client());
/** EC2 with SSM, for launch templates: the ECS-optimized AMI comes from its public SSM parameter. */
export const ec2WithAmiAdapter = (): AwsEc2Adapter =>
  new AwsEc2Adapter(ec2Client(), new AwsParameterAdapter(ssmClient()));
/** Application Auto Scaling: pause and resume (and their dry run) only. */
export const applicationAutoScalingAdapter = (): AwsApplicationAutoScalingAdapter =>
  new AwsApplicationAutoScalingAdapter(applicationAutoScalingClient());
/** EventBridge Scheduler: the sleep/wake schedules, in Berth's group (`BERTH_SCHEDULE_GROUP`). */
export const schedulerAdapter = (config: { readonly scheduleGroup?: string }): AwsSchedulerAdapter =>
  new AwsSchedulerAdapter(schedulerClient(), config.scheduleGroup ?? DEFAULT_SCHEDULE_GROUP);
