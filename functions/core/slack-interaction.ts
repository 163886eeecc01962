import { createHash } from 'node:crypto';
import { EnvNameSchema } from './env-spec.ts';
import { ValidationError } from './errors.ts';
import * as z from './zod.ts';

/**
 * Slack interactivity (docs/slack.md): a click on a Berth button arrives as a `block_actions` payload (JSON in the
 * `payload` form field of a signed POST). Each button's `action_id` names what to do and its `value` the environment.
 */

/** What a button does, by its `action_id`. */
const SLACK_ACTIONS = {
  berth_extend: 'extend',
  berth_keep: 'keep',
  berth_redeploy: 'redeploy',
  berth_pause: 'pause',
  berth_resume: 'resume',
  berth_down: 'down',
} as const;

export type SlackActionId = keyof typeof SLACK_ACTIONS;
export type SlackButtonAction = (typeof SLACK_ACTIONS)[SlackActionId];

/** Hours the Extend button adds. */
export const EXTEND_BUTTON_HOURS = 8;

/** A click on one of Berth's buttons, with who clicked where. */
export interface SlackInteraction {
  readonly action: SlackButtonAction;
  readonly env: string;
  readonly teamId: string;
  readonly userId: string;
  readonly channelId?: string;
  /** Where to update the message the button belongs to (`replace_original`). */
  readonly responseUrl?: string;
  readonly triggerId?: string;
  /** Slack's time of the click (unique per click). */
  readonly actionTs: string;
}

const id = () => z.looseObject({ id: z.string().check(z.minLength(1)) });

const PayloadSchema = z.lazy(() =>
  z.looseObject({
    type: z.string(),
    team: z.nullish(id()),
    user: id(),
    channel: z.nullish(id()),
    response_url: z.optional(z.string()),
    trigger_id: z.optional(z.string()),
    actions: z
      .array(
        z.looseObject({
          action_id: z.string(),
          value: z.optional(z.string()),
          action_ts: z.optional(z.string()),
        }),
      )
      .check(z.minLength(1)),
  }),
);

/**
 * Parses the `payload` form field of an interaction request.
 *
 * @throws ValidationError naming the field: `payload` (not JSON, or not a block_actions payload of Berth's buttons),
 *   `payload.actions[0].action_id` (a button Berth does not know), `payload.actions[0].value` (not an environment name)
 * @example parseSlackInteraction(form.get('payload')).action // 'extend'
 */
export function parseSlackInteraction(payload: string | null | undefined): SlackInteraction {
  if (payload === null || payload === undefined || payload === '') {
    throw new ValidationError(
      'payload',
      'is required (the interaction JSON Slack sends in the payload form field)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new ValidationError('payload', 'must be JSON');
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (type !== 'block_actions') {
    throw new ValidationError(
      'payload.type',
      `must be block_actions (got ${JSON.stringify(typeof type === 'string' ? type : String(type))})`,
    );
  }
  const parsed = PayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['payload', ...(issue?.path ?? []).map(String)].join('.');
    throw new ValidationError(path, 'is missing or malformed');
  }
  const p = parsed.data;
  const [first] = p.actions;
  if (first === undefined) throw new ValidationError('payload.actions', 'must hold the clicked button');
  if (!Object.hasOwn(SLACK_ACTIONS, first.action_id)) {
    throw new ValidationError(
      'payload.actions[0].action_id',
      `must be one of ${Object.keys(SLACK_ACTIONS).join(', ')} (got ${JSON.stringify(first.action_id)})`,
    );
  }
  const env = EnvNameSchema.safeParse(first.value);
  if (!env.success) {
    throw new ValidationError('payload.actions[0].value', 'must be an environment name');
  }
  const teamId = p.team?.id ?? (p.user as { team_id?: unknown }).team_id;
  return {
    action: SLACK_ACTIONS[first.action_id as SlackActionId],
    env: env.data,
    teamId: typeof teamId === 'string' ? teamId : '',
    userId: p.user.id,
    ...(p.channel?.id ? { channelId: p.channel.id } : {}),
    ...(p.response_url ? { responseUrl: p.response_url } : {}),
    ...(p.trigger_id ? { triggerId: p.trigger_id } : {}),
    actionTs: first.action_ts ?? '',
  };
}

/**
 * The request id of a click, so the same click delivered twice (a replay, or Slack's retry) maps to one operation:
 * a hash of Slack's `trigger_id` (unique per interaction) — or of the click's `action_ts`, user and button when
 * there is none.
 *
 * @example interactionRequestId(interaction) // 'slack-i-1f2e…' (24 hex digits)
 */
export function interactionRequestId(interaction: SlackInteraction): string {
  const key =
    interaction.triggerId ??
    `${interaction.teamId}/${interaction.userId}/${interaction.action}/${interaction.env}/${interaction.actionTs}`;
  return `slack-i-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}
