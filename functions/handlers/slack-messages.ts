/**
 * Berth's Slack messages (Block Kit), each one shown in docs/slack.md: the `status` answer with its buttons, the
 * progress of a clicked operation (one message updated in place), and the expiry warning.
 */

import { formatUsd } from '../core/cost.ts';
import type { EnvironmentCost } from '../core/environment-cost.ts';
import { OPERATIONS } from '../core/operation.ts';
import {
  EXTEND_BUTTON_HOURS,
  type SlackActionId,
  type SlackButtonAction,
} from '../core/slack-interaction.ts';
import type { EnvironmentRecord, OperationRecord } from './http/ports.ts';

const code = (text: string): string => `\`${text}\``;
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });

/** Whether the lifecycle knows an operation (pause/resume appear once the platform supports them). */
const supported = (operation: string): boolean => (OPERATIONS as readonly string[]).includes(operation);

const button = (actionId: SlackActionId, text: string, env: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  action_id: actionId,
  text: plain(text),
  value: env,
  ...extra,
});

/**
 * The buttons for an environment in its current status: Extend 8 h, Keep (unless kept), Redeploy, Pause or Resume
 * (when the platform supports them), Tear down (behind Slack's confirmation dialog). None for a deleted one.
 *
 * @example actionButtons(record).elements.map((b) => b.action_id) // ['berth_extend', 'berth_keep', 'berth_redeploy', 'berth_down']
 */
function actionButtons(
  record: Pick<EnvironmentRecord, 'name' | 'status' | 'keep'>,
  only?: readonly SlackButtonAction[],
): { type: 'actions'; block_id: string; elements: Record<string, unknown>[] } | undefined {
  if (record.status === 'deleted') return undefined;
  const env = record.name;
  const all: [SlackButtonAction, Record<string, unknown>][] = [
    ['extend', button('berth_extend', `Extend ${EXTEND_BUTTON_HOURS} h`, env, { style: 'primary' })],
    ...(record.keep
      ? []
      : [['keep', button('berth_keep', 'Keep', env)] as [SlackButtonAction, Record<string, unknown>]]),
    ['redeploy', button('berth_redeploy', 'Redeploy', env)],
    ...((record.status as string) === 'paused' // a status the pause operation adds to ENVIRONMENT_STATUSES
      ? supported('resume')
        ? [['resume', button('berth_resume', 'Resume', env)] as [SlackButtonAction, Record<string, unknown>]]
        : []
      : supported('pause')
        ? [['pause', button('berth_pause', 'Pause', env)] as [SlackButtonAction, Record<string, unknown>]]
        : []),
    [
      'down',
      button('berth_down', 'Tear down', env, {
        style: 'danger',
        confirm: {
          title: plain(`Tear down ${env}?`),
          text: mrkdwn(`Deletes every AWS resource of ${code(env)}. Its URL stops answering.`),
          confirm: plain('Tear down'),
          deny: plain('Cancel'),
          style: 'danger',
        },
      }),
    ],
  ];
  const elements = all.filter(([action]) => only === undefined || only.includes(action)).map(([, b]) => b);
  return elements.length === 0 ? undefined : { type: 'actions', block_id: `berth_actions_${env}`, elements };
}

/** `$0.0466/h · $1.12 since created (412 state transitions: $0.0103)`, or why there is no estimate. */
export const costText = (cost: EnvironmentCost | null | undefined): string => {
  if (cost === undefined || cost === null) return '—';
  if (cost.hourlyUsd === null) return `unknown (${cost.reason})`;
  const since = cost.sinceCreatedUsd === null ? '' : ` · ${formatUsd(cost.sinceCreatedUsd)} since created`;
  const oneOff = (cost.oneOff ?? []).map((line) => `${line.item}: ${formatUsd(line.usd)}`);
  // The load balancer's capacity units are the one hourly item that moves with use: named next to the total.
  const capacity = (cost.lines ?? [])
    .filter((line) => line.kind === 'capacity-units')
    .map((line) => ` · incl. ${line.item}: ${formatUsd(line.hourlyUsd, true)}`)
    .join('');
  return `${formatUsd(cost.hourlyUsd, true)}${since}${capacity}${oneOff.length === 0 ? '' : ` (${oneOff.join(', ')})`}`;
};

export interface StatusExtras {
  readonly cost?: EnvironmentCost | null;
  /** Where its workload's logs are read (console URL when deployed, the local API's logs route locally). */
  readonly logsUrl?: string;
  /** Add the action buttons (default true). */
  readonly buttons?: boolean;
}

/** Block Kit for `/berth status <env>`: facts, cost, logs link, running operation, last failure, buttons. */
export const statusBlocks = (
  record: EnvironmentRecord,
  operations: readonly OperationRecord[],
  extras: StatusExtras = {},
): unknown[] => {
  const fields = [
    `*Status*\n${record.status}`,
    `*URL*\n${record.url ?? '—'}`,
    `*Expires*\n${record.expiresAt ?? '—'}${record.keep ? ' (kept)' : ''}`,
    `*Owner*\n${record.owner ?? '—'}`,
  ];
  if (extras.cost !== undefined) fields.push(`*Cost*\n${costText(extras.cost)}`);
  if (extras.logsUrl !== undefined) fields.push(`*Logs*\n<${extras.logsUrl}|${record.name} logs>`);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: `Environment ${record.name}` } },
    { type: 'section', fields: fields.map((text) => mrkdwn(text)) },
  ];
  const current = record.currentOperation;
  if (current !== undefined) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Running:* ${current.operation} (${code(current.operationId)})${current.step ? ` — step ${code(current.step)}` : ''}`,
      ),
    });
  }
  const failure = record.lastFailure;
  if (failure !== undefined) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Last failure:* ${failure.operation ?? 'operation'}${failure.step ? ` at step ${code(failure.step)}` : ''}: ${failure.reason ?? failure.error ?? 'unknown'}${failure.at ? ` (${failure.at})` : ''}`,
      ),
    });
  }
  const last = operations[0];
  if (last !== undefined) {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `Last operation: ${last.operation} ${last.status} (started ${last.startedAt})${
            last.status === 'refused' && typeof last.error === 'string' ? `: ${last.error}` : ''
          }`,
        ),
      ],
    });
  }
  if (extras.buttons !== false) {
    const actions = actionButtons(record);
    if (actions !== undefined) blocks.push(actions);
  }
  return blocks;
};

const DOING: Readonly<Record<SlackButtonAction, string>> = {
  extend: `Extending by ${EXTEND_BUTTON_HOURS} h`,
  keep: 'Keeping',
  redeploy: 'Redeploying',
  pause: 'Pausing',
  resume: 'Resuming',
  down: 'Tearing down',
};

/**
 * The message a click turns its message into while the operation runs (`replace_original`); the lifecycle's notify
 * step replaces it once more with the result.
 *
 * @example progressMessage('extend', 'demo', 'slack-i-…', 'slack:T1/U1').text // ':hourglass_flowing_sand: Extending by 8 h demo …'
 */
export const progressMessage = (
  action: SlackButtonAction,
  env: string,
  operationId: string,
  requestedBy: string,
) => {
  const text = `:hourglass_flowing_sand: ${DOING[action]} ${code(env)} — operation ${code(operationId)}, asked by ${requestedBy}. This message shows the result when it is done.`;
  return {
    replace_original: true,
    response_type: 'in_channel',
    text,
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
};

/** A refusal or an error about a click, shown to the clicker only, leaving the message as it was. */
export const ephemeralReply = (text: string) => ({
  replace_original: false,
  response_type: 'ephemeral',
  text,
});

/**
 * The expiry warning: posted `hoursLeft` before an environment expires, with Extend and Keep buttons (acting on it
 * updates this message).
 *
 * @example expiryWarning(record, 2, costOfRecord(...)).text // ':alarm_clock: demo expires in 2 h …'
 */
export const expiryWarning = (
  record: Pick<EnvironmentRecord, 'name' | 'status' | 'keep' | 'expiresAt' | 'owner' | 'url'>,
  hoursLeft: number,
  cost?: EnvironmentCost | null,
) => {
  const left =
    hoursLeft < 1 ? `${Math.max(1, Math.round(hoursLeft * 60))} min` : `${Math.round(hoursLeft * 10) / 10} h`;
  const text = `:alarm_clock: ${code(record.name)} expires in ${left} (${record.expiresAt}) and will be torn down by the nightly job.`;
  const fields = [`*Owner*\n${record.owner ?? '—'}`, `*URL*\n${record.url ?? '—'}`];
  if (cost !== undefined) fields.push(`*Cost*\n${costText(cost)}`);
  const blocks: unknown[] = [
    { type: 'section', text: mrkdwn(text) },
    { type: 'section', fields: fields.map((f) => mrkdwn(f)) },
  ];
  const actions = actionButtons(record, ['extend', 'keep']);
  if (actions !== undefined) blocks.push(actions);
  return { text, blocks };
};
