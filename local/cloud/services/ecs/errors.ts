import { ServiceError } from '../../core/service-error.ts';

/** AWS-like messages for ECS errors. */
export const ECS_ERRORS = {
  clusterNotFound: () => new ServiceError('ClusterNotFoundException', 'Cluster not found.'),
  serviceNotFound: () => new ServiceError('ServiceNotFoundException', 'Service not found.'),
  serviceNotActive: () => new ServiceError('ServiceNotActiveException', 'Service was not ACTIVE.'),
  taskDefinitionNotFound: () => new ServiceError('ClientException', 'Unable to describe task definition.'),
  invalid: (message: string) => new ServiceError('InvalidParameterException', message),
  client: (message: string) => new ServiceError('ClientException', message),
};
