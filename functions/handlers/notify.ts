import { formatUsd } from '../core/cost.ts';
import type { NightSavings } from '../core/night-savings.ts';
import { causeText, type NightlyReport } from '../core/nightly-report.ts';
import { loadHandlerConfig } from './config.ts';
import { fetchPoster, type HttpPoster } from './http/http-poster.ts';
import { type WebhookSource, webhookFromConfig } from './http/webhook.ts';

/** The flat notification input (docs and the Slack handler's `responseUrl`). */
export interface NotifyEvent {
  readonly operation: string;
  readonly env: string;
  readonly status: 'succeeded' | 'failed' | 'progress' | 'busy';
  readonly url?: string;
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  readonly step?: string;
  readonly responseUrl?: string;
  readonly requestedBy?: string;
  readonly executionArn?: string;
  /** `replace`: the result replaces the Slack message whose button started the operation. */
  readonly slackMessage?: 'replace';
  /** `extend`: whether it set the keep flag (Slack's Keep button). */
  readonly keep?: boolean;
}

/** What the lifecycle state machine's Notify states send: `{ outcome, executionArn, state: $ }`. */
export interface StateMachineNotifyEvent {
  readonly outcome: 'succeeded' | 'failed' | 'busy' | 'progress';
  readonly executionArn?: string;
  readonly state: Readonly<Record<string, unknown>>;
}

export type { NightlyReport };

interface ReportEvent extends NightlyReport {
  readonly action: 'report';
}

export type NotifyInput = NotifyEvent | StateMachineNotifyEvent | ReportEvent;

export interface NotifyResult {
  readonly delivered: boolean;
  readonly reason?: string;
}

export interface NotifyDeps {
  readonly poster: HttpPoster;
  /**
   * The webhook used when the event has no `responseUrl`: a URL, or a source read per notification (deployed:
   * the Secrets Manager secret `BERTH_NOTIFY_WEBHOOK_SECRET_ARN`; see `webhookFromConfig`).
   */
  readonly webhookUrl?: string | WebhookSource;
  readonly timeoutMs?: number;
  readonly logger?: { warn(message: string, details: Record<string, unknown>): void };
}

/** Slack answers within seconds; a slow receiver must not hold the state machine. */
const NOTIFY_TIMEOUT_MS = 3000;

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

export { causeText };

/** Normalises both input shapes to the flat {@link NotifyEvent}. */
export const toNotifyEvent = (input: NotifyEvent | StateMachineNotifyEvent): NotifyEvent => {
  if (!('outcome' in input)) return input;
  const state = input.state ?? {};
  const error = asRecord(state['error']);
  const verify = asRecord(state['verify']);
  const resources = asRecord(state['resources']);
  const lb = asRecord(resources?.['loadBalancer']);
  const url = asString(verify?.['url']) ?? asString(lb?.['url']) ?? asString(state['url']);
  const errorName = asString(error?.['Error']);
  const errorCause = asString(error?.['Cause']);
  const step = asString(error?.['step']) ?? asString(state['step']);
  const responseUrl = asString(state['responseUrl']);
  const requestedBy = asString(state['requestedBy']);
  const replace = state['slackMessage'] === 'replace';
  return {
    operation: asString(state['operation']) ?? 'operation',
    env: asString(state['env']) ?? 'unknown',
    status: input.outcome,
    ...(url === undefined ? {} : { url }),
    ...(errorName === undefined && errorCause === undefined
      ? {}
      : {
          error: {
            ...(errorName === undefined ? {} : { Error: errorName }),
            ...(errorCause === undefined ? {} : { Cause: errorCause }),
          },
        }),
    ...(step === undefined ? {} : { step }),
    ...(responseUrl === undefined ? {} : { responseUrl }),
    ...(requestedBy === undefined ? {} : { requestedBy }),
    ...(input.executionArn === undefined ? {} : { executionArn: input.executionArn }),
    ...(replace ? { slackMessage: 'replace' as const } : {}),
    ...(state['keep'] === true ? { keep: true } : {}),
  };
};

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });

/**
 * The Slack message (text + Block Kit) of one notification. Results (`succeeded`, `failed`) go
 * `in_channel` so the team sees them; `progress` and `busy` stay `ephemeral` to the requester.
 *
 * @example formatNotification({ operation: 'up', env: 'demo', status: 'succeeded', url: 'http://x' }).text
 * // ':white_check_mark: up of demo succeeded — http://x'
 */
export const formatNotification = (event: NotifyEvent) => {
  const subject = event.keep ? `keep of ${event.env}` : `${event.operation} of ${event.env}`;
  const reason = causeText(event.error?.Cause);
  let text: string;
  switch (event.status) {
    case 'succeeded':
      text = `:white_check_mark: ${subject} succeeded${event.url ? ` — ${event.url}` : ''}`;
      break;
    case 'failed':
      text = `:x: ${subject} failed${event.step ? ` at step ${event.step}` : ''}: ${event.error?.Error ?? 'Error'}${reason ? ` — ${reason}` : ''}`;
      break;
    case 'busy':
      text = `:no_entry: ${subject} was not started: another operation is running${reason ? ` (${reason})` : ''}`;
      break;
    default:
      text = `:hourglass_flowing_sand: ${subject}${event.step ? `: ${event.step}` : ' in progress'}`;
  }
  const fields = [mrkdwn(`*Environment*\n${event.env}`), mrkdwn(`*Operation*\n${event.operation}`)];
  if (event.url !== undefined) fields.push(mrkdwn(`*URL*\n${event.url}`));
  if (event.status === 'failed' && event.step !== undefined)
    fields.push(mrkdwn(`*Failed step*\n${event.step}`));
  if (event.requestedBy !== undefined) fields.push(mrkdwn(`*Requested by*\n${event.requestedBy}`));
  const blocks: unknown[] = [
    { type: 'section', text: mrkdwn(text) },
    { type: 'section', fields },
  ];
  if (event.executionArn !== undefined) {
    blocks.push({ type: 'context', elements: [mrkdwn(`Execution \`${event.executionArn}\``)] });
  }
  const inChannel = event.status === 'succeeded' || event.status === 'failed';
  // A button's operation reports in the message it started from (Slack's `replace_original`): one message per
  // operation, within response_url's 5 posts — the click's progress, then this result.
  const replace = event.slackMessage === 'replace' && event.status !== 'busy';
  return {
    response_type: inChannel || replace ? 'in_channel' : 'ephemeral',
    replace_original: replace,
    text,
    blocks,
  };
};

/**
 * The Slack message of the nightly teardown report.
 *
 * @example formatNightlyReport({ tornDown: [{ env: 'a' }], skipped: [], failed: [] }).text
 * // 'Nightly teardown: 1 torn down, 0 skipped, 0 failed'
 */
export const formatNightlyReport = (report: NightlyReport, savings?: NightSavings) => {
  const saved =
    savings === undefined || savings.environments.length === 0
      ? ''
      : `; saves ${formatUsd(savings.hourlyUsd, true)} (${formatUsd(savings.nightUsd)} over ${savings.hours} h)`;
  const paused = report.paused ?? [];
  const text = `Nightly teardown: ${report.tornDown.length} torn down, ${paused.length > 0 ? `${paused.length} paused, ` : ''}${report.skipped.length} skipped, ${report.failed.length} failed${saved}`;
  const list = (items: readonly string[]) => (items.length === 0 ? '—' : items.join('\n'));
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Berth nightly teardown' } },
    { type: 'section', text: mrkdwn(`*Torn down*\n${list(report.tornDown.map((t) => `• ${t.env}`))}`) },
    ...(paused.length > 0
      ? [{ type: 'section', text: mrkdwn(`*Paused*\n${list(paused.map((t) => `• ${t.env}`))}`) }]
      : []),
    {
      type: 'section',
      text: mrkdwn(`*Skipped*\n${list(report.skipped.map((s) => `• ${s.env} — ${s.reason}`))}`),
    },
    {
      type: 'section',
      text: mrkdwn(`*Failed*\n${list(report.failed.map((f) => `• ${f.env} — ${f.error}`))}`),
    },
  ];
  if (savings !== undefined) {
    const lines = savings.environments.map(
      (e) => `• ${e.env} (${e.action}) — ${formatUsd(e.hourlyUsd, true)}`,
    );
    const unknown = savings.unknown.map((u) => `• ${u.env} — unknown: ${u.reason}`);
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Saves* ${formatUsd(savings.hourlyUsd, true)} — ${formatUsd(savings.nightUsd)} over the next ${savings.hours} h\n${list([...lines, ...unknown])}`,
      ),
    });
  }
  return { text, blocks };
};

/**
 * Posts `body` to `url`; never throws. Non-2xx statuses, network errors and the timeout are
 * logged and reported as `{ delivered: false, reason }`.
 */
export const deliver = async (
  deps: NotifyDeps,
  url: string | undefined,
  body: unknown,
): Promise<NotifyResult> => {
  if (url === undefined || url === '')
    return { delivered: false, reason: 'no responseUrl or webhook configured' };
  try {
    const { status } = await deps.poster.postJson(url, body, {
      timeoutMs: deps.timeoutMs ?? NOTIFY_TIMEOUT_MS,
    });
    if (status >= 200 && status < 300) return { delivered: true };
    const reason = `receiver answered HTTP ${status}`;
    deps.logger?.warn('notification not delivered', { reason });
    return { delivered: false, reason };
  } catch (error) {
    const reason =
      error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        ? `timed out after ${deps.timeoutMs ?? NOTIFY_TIMEOUT_MS} ms`
        : `post failed: ${error instanceof Error ? error.message : String(error)}`;
    deps.logger?.warn('notification not delivered', { reason });
    return { delivered: false, reason };
  }
};

/**
 * Builds the notify handler: posts a Block Kit message to the event's Slack `responseUrl`, else
 * to the configured webhook, else does nothing. It never fails the state machine.
 *
 * @example await makeHandler({ poster: fetchPoster })({ operation: 'up', env: 'demo', status: 'succeeded' })
 */
export function makeHandler(deps: NotifyDeps | (() => NotifyDeps)) {
  let resolved: NotifyDeps | undefined;
  return async (input: NotifyInput): Promise<NotifyResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const d = resolved;
    const webhook = async () => (typeof d.webhookUrl === 'function' ? d.webhookUrl() : d.webhookUrl);
    if ('action' in input && input.action === 'report') {
      return deliver(d, await webhook(), formatNightlyReport(input));
    }
    const event = toNotifyEvent(input as NotifyEvent | StateMachineNotifyEvent);
    return deliver(d, event.responseUrl ?? (await webhook()), formatNotification(event));
  };
}

/** The webhook from `BERTH_NOTIFY_WEBHOOK_SECRET_ARN` (or `BERTH_NOTIFY_WEBHOOK_URL` locally); posts with `fetch`. */
function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): NotifyDeps {
  return {
    poster: fetchPoster,
    webhookUrl: webhookFromConfig(loadHandlerConfig('notify', env)),
    logger: {
      warn: (message, details) => console.warn(JSON.stringify({ level: 'WARN', message, ...details })),
    },
  };
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(() => defaultDeps());
