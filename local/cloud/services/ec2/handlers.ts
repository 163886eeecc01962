import type { ServiceFactory } from '../../core/types.ts';

/** EC2 (EC2 Query protocol, version 2016-11-15). */
export const ec2Service: ServiceFactory = (cloud) => {
  cloud.addStateDumper('ec2', () => ({}));
  return {
    signingName: 'ec2',
    protocol: 'ec2',
    xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
    actions: {},
  };
};
