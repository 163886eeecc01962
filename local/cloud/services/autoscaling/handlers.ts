import type { ServiceFactory } from '../../core/types.ts';

/** Auto Scaling (Query protocol, version 2011-01-01). */
export const autoScalingService: ServiceFactory = () => ({
  signingName: 'autoscaling',
  protocol: 'query',
  xmlNamespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
  actions: {},
});
