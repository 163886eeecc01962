import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NetworkStack } from './network-stack.ts';
import { OrchestratorStack } from './orchestrator-stack.ts';

const contextString = (app: App, key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/**
 * Builds the Berth CDK app: `berth-network` and `berth-orchestrator`, checked by cdk-nag (AwsSolutions).
 *
 * @example
 * const app = buildApp(new App({ context: { nightlyTimezone: 'Asia/Seoul' } }));
 * app.synth();
 */
export function buildApp(app: App): { app: App; network: NetworkStack; orchestrator: OrchestratorStack } {
  const vpcId = contextString(app, 'vpcId');
  const adminCidr = contextString(app, 'adminCidr');
  const nightlyCron = contextString(app, 'nightlyCron');
  const nightlyTimezone = contextString(app, 'nightlyTimezone');
  if (contextString(app, 'notifyWebhookUrl') !== undefined) {
    throw new Error(
      'context notifyWebhookUrl is no longer accepted (it would put the URL in the template): deploy, then store the URL in the secret named by the NotifyWebhookSecretArn output (aws secretsmanager put-secret-value)',
    );
  }
  const allowedCidr = contextString(app, 'allowedCidr');
  const apiPrincipals = contextString(app, 'apiPrincipals')
    ?.split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const accessPolicyParameter = contextString(app, 'accessPolicyParameter');
  const lockTtl = contextString(app, 'lockTtlSeconds') ?? app.node.tryGetContext('lockTtlSeconds');
  const warnHours = contextString(app, 'expiryWarningHours') ?? app.node.tryGetContext('expiryWarningHours');
  const account = process.env['CDK_DEFAULT_ACCOUNT'];
  const region = process.env['CDK_DEFAULT_REGION'];
  // Importing a VPC by id needs a concrete account and region (VPC lookup).
  const env = account && region ? { env: { account, region } } : {};

  const network = new NetworkStack(app, 'berth-network', {
    ...env,
    description: 'Berth shared network: VPC, security groups by role, shared ALB',
    ...(vpcId ? { vpcId } : {}),
    ...(adminCidr ? { adminCidr } : {}),
    ...(allowedCidr ? { allowedCidr } : {}),
  });
  const orchestrator = new OrchestratorStack(app, 'berth-orchestrator', {
    ...env,
    description: 'Berth orchestrator: registry, handlers, state machines, API, schedule',
    vpc: network.vpc,
    instanceSecurityGroup: network.instanceSecurityGroup,
    sharedAlbSecurityGroup: network.albSecurityGroup,
    sharedListenerArn: network.sharedListener.listenerArn,
    ...(nightlyCron ? { nightlyCron } : {}),
    ...(nightlyTimezone ? { nightlyTimezone } : {}),
    ...(allowedCidr ? { allowedCidr } : {}),
    ...(apiPrincipals?.length ? { apiPrincipals } : {}),
    ...(accessPolicyParameter ? { accessPolicyParameter } : {}),
    ...(warnHours === undefined ? {} : { expiryWarningHours: Number(warnHours) }),
    ...(lockTtl === undefined ? {} : { lockTtlSeconds: Number(lockTtl) }),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, network, orchestrator };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildApp(new App()).app.synth();
}
