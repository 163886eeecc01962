import { secretsClient } from '../../adapters/aws/clients.ts';
import { AwsSecretsAdapter } from '../../adapters/secrets.ts';
import type { Config } from '../config.ts';

/** The notification webhook URL, read when needed (`undefined`: none configured). */
export type WebhookSource = () => Promise<string | undefined>;

/**
 * Where the notify and nightly handlers find the webhook (docs/security.md): deployed, the URL lives in the
 * Secrets Manager secret `BERTH_NOTIFY_WEBHOOK_SECRET_ARN` (never in the template or a Lambda environment
 * variable; a value that is not an https URL — the generated placeholder — means none). The local platform and
 * tests pass the URL itself in `BERTH_NOTIFY_WEBHOOK_URL`. A secret that cannot be read means no webhook this
 * time (notifications are best effort), with a warning.
 */
export function webhookFromConfig(
  config: Pick<Config, 'notifyWebhookSecretArn' | 'notifyWebhookUrl'>,
  warn: (message: string, details: Record<string, unknown>) => void = (message, details) =>
    console.warn(JSON.stringify({ level: 'WARN', message, ...details })),
): WebhookSource {
  const arn = config.notifyWebhookSecretArn;
  const direct = config.notifyWebhookUrl;
  if (!arn) return async () => (direct ? direct : undefined);
  let secrets: AwsSecretsAdapter | undefined;
  return async () => {
    try {
      secrets ??= new AwsSecretsAdapter(secretsClient());
      return webhookOfSecret(await secrets.getSecretString(arn));
    } catch (error) {
      warn('notify webhook secret not readable', {
        secret: arn,
        error: error instanceof Error ? error.name : String(error),
      });
      return undefined;
    }
  };
}

/** The secret's value when it is an https URL, else `undefined` (the placeholder until an operator sets it). */
export function webhookOfSecret(value: string): string | undefined {
  const text = value.trim();
  try {
    return new URL(text).protocol === 'https:' ? text : undefined;
  } catch {
    return undefined;
  }
}
