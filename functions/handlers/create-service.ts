import { ValidationError } from '../core/errors.ts';
import { resourceNames } from '../core/names.ts';
import { assertOwned, ownershipTags } from '../core/tags.ts';
import { requireConfig } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  type ServiceResult,
  specOf,
} from './runtime.ts';
import { ecsAdapter, registryAdapter } from './wiring.ts';

function instanceSecurityGroupOf(state: LifecycleState): string {
  const id = state.resources?.network?.instanceSecurityGroupId;
  if (!id) {
    throw new ValidationError(
      'resources.network.instanceSecurityGroupId',
      'is required for awsvpc (create-network first)',
    );
  }
  return id;
}

export type CreateServiceDeps = Pick<HandlerDeps, 'config' | 'ecs' | 'registry' | 'logger'>;

/**
 * Converges the ECS service: created with the target group → container mapping, circuit breaker
 * (rollback), 100/200 %, the spec's grace period, the env's capacity provider (EC2) or FARGATE with
 * awsvpc; an existing service is updated only when its revision or desired count differs.
 * Needs `resources.loadBalancer.targetGroupArn` and `resources.taskDefinition.taskDefinitionArn`.
 * @returns `{ serviceArn }`
 */
export function makeHandler(deps: CreateServiceDeps) {
  return async (state: LifecycleState): Promise<ServiceResult> =>
    runStep(deps.logger, 'create-service', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const names = resourceNames(env);
      const targetGroupArn = state.resources?.loadBalancer?.targetGroupArn;
      const taskDefinitionArn = state.resources?.taskDefinition?.taskDefinitionArn;
      if (!targetGroupArn) {
        throw new ValidationError(
          'resources.loadBalancer.targetGroupArn',
          'is required (create-load-balancer first)',
        );
      }
      if (!taskDefinitionArn) {
        throw new ValidationError(
          'resources.taskDefinition.taskDefinitionArn',
          'is required (create-task-definition first)',
        );
      }
      const existing = await deps.ecs.observeService(names.cluster, names.service);
      if (existing && existing.status === 'ACTIVE') {
        assertOwned(`ECS service ${names.service}`, existing.tags, env);
        const service = existing;
        if (service.taskDefinition !== taskDefinitionArn || service.desiredCount !== spec.desiredCount) {
          const updated = await deps.ecs.updateService({
            cluster: names.cluster,
            service: names.service,
            taskDefinition: taskDefinitionArn,
            desiredCount: spec.desiredCount,
          });
          return { serviceArn: updated.arn };
        }
        return { serviceArn: service.arn };
      }
      const awsvpc =
        spec.networkMode === 'awsvpc'
          ? {
              subnets: requireConfig(deps.config.privateSubnets, 'BERTH_PRIVATE_SUBNETS'),
              securityGroups: [instanceSecurityGroupOf(state)],
            }
          : undefined;
      const fargate = spec.launchType === 'FARGATE';
      const created = await deps.ecs.ensureService({
        env,
        cluster: names.cluster,
        name: names.service,
        taskDefinitionArn,
        desiredCount: spec.desiredCount,
        targetGroupArn,
        containerName: names.containerName,
        containerPort: spec.containerPort,
        healthCheckGracePeriodSeconds: spec.healthCheck.gracePeriodSeconds,
        ...(fargate ? { fargate: true } : { capacityProvider: names.capacityProvider }),
        ...(awsvpc ? { awsvpc } : {}),
        tags: ownershipTags(env, spec.owner),
      });
      return { serviceArn: created.arn };
    });
}

export const handler = makeHandler(defaultDeps([], { ecs: ecsAdapter, registry: registryAdapter }));
