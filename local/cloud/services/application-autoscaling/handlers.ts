import { ServiceError } from '../../core/service-error.ts';
import type { RequestContext, ServiceFactory } from '../../core/types.ts';
import {
  type ApplicationAutoScalingBackend,
  applicationAutoScalingBackend,
  ECS_DIMENSION,
  ECS_NAMESPACE,
  parseEcsResourceId,
  type ScalableTarget,
  type ScalingPolicy,
  type SuspendedState,
} from './backend.ts';

const backendOf = (ctx: RequestContext): ApplicationAutoScalingBackend =>
  applicationAutoScalingBackend(ctx.cloud, ctx.accountId, ctx.region);

/** The ServiceNamespace enum of the API (API reference, RegisterScalableTarget). */
const NAMESPACES = [
  'ecs',
  'elasticmapreduce',
  'ec2',
  'appstream',
  'dynamodb',
  'rds',
  'sagemaker',
  'custom-resource',
  'comprehend',
  'lambda',
  'cassandra',
  'kafka',
  'elasticache',
  'neptune',
  'workspaces',
];

const nullError = (member: string) =>
  new ServiceError(
    'ValidationException',
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );

function required(params: Record<string, any>, name: string, member: string): string {
  const v = params[name];
  if (typeof v !== 'string' || v.length === 0) throw nullError(member);
  return v;
}

/** Checks the namespace, dimension and resource id of a target reference (only ECS services are emulated). */
function targetRef(params: Record<string, any>, withDimension = true) {
  const serviceNamespace = required(params, 'ServiceNamespace', 'serviceNamespace');
  if (!NAMESPACES.includes(serviceNamespace)) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value '${serviceNamespace}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${NAMESPACES.join(', ')}]`,
    );
  }
  if (serviceNamespace !== ECS_NAMESPACE) {
    throw new ServiceError(
      'ValidationException',
      `The local cloud emulates the ${ECS_NAMESPACE} namespace only, not ${serviceNamespace}`,
    );
  }
  const resourceId = required(params, 'ResourceId', 'resourceId');
  const scalableDimension = withDimension
    ? required(params, 'ScalableDimension', 'scalableDimension')
    : ECS_DIMENSION;
  if (scalableDimension !== ECS_DIMENSION) {
    throw new ServiceError(
      'ValidationException',
      `Unsupported scalable dimension ${scalableDimension} for service namespace ${serviceNamespace}`,
    );
  }
  if (parseEcsResourceId(resourceId) === undefined) {
    throw new ServiceError(
      'ValidationException',
      `Unsupported resource ID ${resourceId}: an ECS service's is service/<cluster-name>/<service-name>`,
    );
  }
  return { serviceNamespace, resourceId, scalableDimension };
}

function capacity(params: Record<string, any>, name: string, member: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ServiceError(
      'ValidationException',
      `1 validation error detected: Value '${String(v)}' at '${member}' failed to satisfy constraint: Member must be an integer of 0 or more`,
    );
  }
  return v;
}

function suspended(raw: unknown): Partial<SuspendedState> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const s = raw as Record<string, unknown>;
  const out: Partial<SuspendedState> = {};
  const take = (wire: string, field: keyof SuspendedState) => {
    const v = s[wire];
    if (v === undefined) return;
    if (typeof v !== 'boolean')
      throw new ServiceError('ValidationException', `SuspendedState.${wire} must be a boolean`);
    out[field] = v;
  };
  take('DynamicScalingInSuspended', 'dynamicScalingInSuspended');
  take('DynamicScalingOutSuspended', 'dynamicScalingOutSuspended');
  take('ScheduledScalingSuspended', 'scheduledScalingSuspended');
  return out;
}

const renderTarget = (t: ScalableTarget) => ({
  ServiceNamespace: t.serviceNamespace,
  ResourceId: t.resourceId,
  ScalableDimension: t.scalableDimension,
  MinCapacity: t.minCapacity,
  MaxCapacity: t.maxCapacity,
  RoleARN: t.roleArn,
  CreationTime: t.creationTime,
  SuspendedState: {
    DynamicScalingInSuspended: t.suspendedState.dynamicScalingInSuspended,
    DynamicScalingOutSuspended: t.suspendedState.dynamicScalingOutSuspended,
    ScheduledScalingSuspended: t.suspendedState.scheduledScalingSuspended,
  },
  ScalableTargetARN: t.scalableTargetArn,
});

const renderPolicy = (p: ScalingPolicy) => ({
  PolicyARN: p.policyArn,
  PolicyName: p.policyName,
  ServiceNamespace: p.serviceNamespace,
  ResourceId: p.resourceId,
  ScalableDimension: p.scalableDimension,
  PolicyType: p.policyType,
  ...p.configuration,
  Alarms: [],
  CreationTime: p.creationTime,
});

const POLICY_TYPES = ['StepScaling', 'TargetTrackingScaling', 'PredictiveScaling'];
const POLICY_CONFIGURATIONS = [
  'StepScalingPolicyConfiguration',
  'TargetTrackingScalingPolicyConfiguration',
  'PredictiveScalingPolicyConfiguration',
];

/**
 * Application Auto Scaling (JSON 1.1, `AnyScaleFrontendService.*`, signing name `application-autoscaling`):
 * scalable targets and scaling policies of ECS services, and a scaler that holds a service's desired count
 * inside its target's bounds (see backend.ts for what is modeled and the sources).
 */
export const applicationAutoScalingService: ServiceFactory = (cloud) => {
  cloud.addStateDumper('application-autoscaling', () => {
    const out: Record<string, unknown> = {};
    for (const k of cloud.backendKeys('application-autoscaling')) {
      const [account = '', region = ''] = k.split('/');
      out[k] = applicationAutoScalingBackend(cloud, account, region).dump();
    }
    return out;
  });
  return {
    signingName: 'application-autoscaling',
    protocol: 'json',
    jsonTargetPrefix: 'AnyScaleFrontendService',
    jsonVersion: '1.1',
    actions: {
      RegisterScalableTarget(params, ctx) {
        const ref = targetRef(params);
        const state = suspended(params.SuspendedState);
        const target = backendOf(ctx).register({
          ...ref,
          ...optional('minCapacity', capacity(params, 'MinCapacity', 'minCapacity')),
          ...optional('maxCapacity', capacity(params, 'MaxCapacity', 'maxCapacity')),
          ...optional('suspendedState', state),
        });
        return { ScalableTargetARN: target.scalableTargetArn };
      },
      DescribeScalableTargets(params, ctx) {
        const serviceNamespace = required(params, 'ServiceNamespace', 'serviceNamespace');
        const resourceIds = Array.isArray(params.ResourceIds) ? params.ResourceIds.map(String) : undefined;
        const dimension = typeof params.ScalableDimension === 'string' ? params.ScalableDimension : undefined;
        const targets = backendOf(ctx).describe({
          serviceNamespace,
          ...optional('resourceIds', resourceIds),
          ...optional('scalableDimension', dimension),
        });
        return { ScalableTargets: targets.map(renderTarget) };
      },
      DeregisterScalableTarget(params, ctx) {
        const ref = targetRef(params);
        backendOf(ctx).deregister(ref.serviceNamespace, ref.resourceId, ref.scalableDimension);
        return {};
      },
      PutScalingPolicy(params, ctx) {
        const policyName = required(params, 'PolicyName', 'policyName');
        const ref = targetRef(params);
        const policyType = typeof params.PolicyType === 'string' ? params.PolicyType : 'StepScaling';
        if (!POLICY_TYPES.includes(policyType)) {
          throw new ServiceError(
            'ValidationException',
            `1 validation error detected: Value '${policyType}' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [${POLICY_TYPES.join(', ')}]`,
          );
        }
        const configuration: Record<string, unknown> = {};
        for (const name of POLICY_CONFIGURATIONS)
          if (params[name] !== undefined) configuration[name] = params[name];
        const policy = backendOf(ctx).putPolicy({ ...ref, policyName, policyType, configuration });
        return { PolicyARN: policy.policyArn, Alarms: [] };
      },
      DescribeScalingPolicies(params, ctx) {
        const serviceNamespace = required(params, 'ServiceNamespace', 'serviceNamespace');
        const policies = backendOf(ctx).describePolicies({
          serviceNamespace,
          ...optional('resourceId', typeof params.ResourceId === 'string' ? params.ResourceId : undefined),
          ...optional(
            'scalableDimension',
            typeof params.ScalableDimension === 'string' ? params.ScalableDimension : undefined,
          ),
        });
        const names = Array.isArray(params.PolicyNames) ? params.PolicyNames.map(String) : undefined;
        return {
          ScalingPolicies: policies
            .filter((p) => names === undefined || names.length === 0 || names.includes(p.policyName))
            .map(renderPolicy),
        };
      },
      DeleteScalingPolicy(params, ctx) {
        const policyName = required(params, 'PolicyName', 'policyName');
        const ref = targetRef(params);
        backendOf(ctx).deletePolicy(policyName, ref.serviceNamespace, ref.resourceId, ref.scalableDimension);
        return {};
      },
    },
  };
};

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
