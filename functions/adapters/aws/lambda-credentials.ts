/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (infra/constructs/lifecycle-function.ts
 * aliases it): credentials come from the environment only.
 */
import { fromEnv } from '@aws-sdk/credential-providers';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
