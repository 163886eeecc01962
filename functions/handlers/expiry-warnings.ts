import type { DynamoRegistry } from '../adapters/registry.ts';
import { DEFAULT_EXPIRY_WARNING_HOURS, dueWarnings, ownerMention } from '../core/expiry-warning.ts';
import type { EnvironmentRecord } from '../core/records.ts';
import { fetchPoster, type HttpPoster } from './http/http-poster.ts';
import { type WebhookSource, webhookFromConfig } from './http/webhook.ts';
import { type LogPort, defaultDeps as lifecycleDefaults } from './lifecycle-deps.ts';
import { deliver } from './notify.ts';
import { costOfRecord, lazyPricing, type PricingSource } from './pricing.ts';
import { expiryWarning } from './slack-messages.ts';
import { registryAdapter } from './wiring-registry.ts';

interface ExpiryWarningsDeps {
  readonly registry: Pick<DynamoRegistry, 'listEnvironments' | 'markExpiryWarned'>;
  readonly poster: HttpPoster;
  /**
   * The Slack channel the warnings go to: a URL, or a source read per run (deployed: the Secrets Manager secret
   * `BERTH_NOTIFY_WEBHOOK_SECRET_ARN`; locally `BERTH_NOTIFY_WEBHOOK_URL` — see `webhookFromConfig`).
   */
  readonly webhookUrl?: string | WebhookSource;
  /** `BERTH_EXPIRY_WARNING_HOURS` (default 2). */
  readonly warnHours?: number;
  readonly now: () => Date;
  readonly pricing?: PricingSource;
  readonly logger: LogPort;
}

interface ExpiryWarningsResult {
  readonly checked: number;
  readonly warned: readonly { env: string; expiresAt: string; delivered: boolean; reason?: string }[];
}

/**
 * The scheduled expiry check (EventBridge when deployed, the local runtime's scheduler locally): posts, for each
 * environment expiring within `BERTH_EXPIRY_WARNING_HOURS` that was not warned about this expiry yet, a message with
 * Extend and Keep buttons to the configured Slack channel (mentioning the owner when it is a Slack user), then notes
 * the warned expiry in the registry. A warning that could not be delivered is tried again at the next run; an
 * extension moves the expiry, so the new one is warned about in its turn.
 *
 * @returns `{ checked, warned: [{ env, expiresAt, delivered, reason? }] }`
 */
function makeHandler(deps: ExpiryWarningsDeps | (() => ExpiryWarningsDeps)) {
  let resolved: ExpiryWarningsDeps | undefined;
  return async (): Promise<ExpiryWarningsResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const d = resolved;
    const now = d.now();
    const records = await d.registry.listEnvironments();
    const byName = new Map<string, EnvironmentRecord>(records.map((r) => [r.name, r]));
    const due = dueWarnings(records, now, d.warnHours ?? DEFAULT_EXPIRY_WARNING_HOURS);
    const webhookUrl =
      due.length === 0 ? undefined : typeof d.webhookUrl === 'function' ? await d.webhookUrl() : d.webhookUrl;
    const warned: { env: string; expiresAt: string; delivered: boolean; reason?: string }[] = [];
    for (const warning of due) {
      const record = byName.get(warning.env) as EnvironmentRecord;
      const message = expiryWarning(record, warning.hoursLeft, costOfRecord(record, d.pricing, now));
      const mention = ownerMention(record.owner);
      const body = {
        ...message,
        text: mention?.startsWith('<@') ? `${mention} ${message.text}` : message.text,
      };
      const result = await deliver({ poster: d.poster }, webhookUrl, body);
      if (result.delivered)
        await d.registry.markExpiryWarned(warning.env, warning.expiresAt, now.toISOString());
      else d.logger.warn('expiry warning not delivered', { env: warning.env, reason: result.reason });
      warned.push({
        env: warning.env,
        expiresAt: warning.expiresAt,
        delivered: result.delivered,
        ...(result.reason === undefined ? {} : { reason: result.reason }),
      });
    }
    d.logger.info('expiry check done', { checked: records.length, warned });
    return { checked: records.length, warned };
  };
}

/** The registry (`BERTH_TABLE_NAME`), the webhook and the warning window from the environment. */
function defaultDeps(): ExpiryWarningsDeps {
  const base = lifecycleDefaults('expiry-warnings', { registry: registryAdapter });
  const config = base.config;
  return {
    registry: base.registry,
    poster: fetchPoster,
    webhookUrl: webhookFromConfig(config),
    ...(config.expiryWarningHours === undefined ? {} : { warnHours: config.expiryWarningHours }),
    now: () => new Date(),
    logger: base.logger,
    pricing: lazyPricing(config),
  };
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(() => defaultDeps());
