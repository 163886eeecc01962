import type { ServiceFactory } from '../../core/types.ts';

/** SSM (JSON 1.1, `AmazonSSM.*`). */
export const ssmService: ServiceFactory = () => ({
  signingName: 'ssm',
  protocol: 'json',
  jsonTargetPrefix: 'AmazonSSM',
  jsonVersion: '1.1',
  actions: {},
});
