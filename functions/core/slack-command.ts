import { ValidationError } from './errors.ts';
import { checkOperationField } from './operation.ts';

/** A parsed `/berth …` slash command. */
export type SlackCommand =
  | { verb: 'redeploy'; env: string; image?: string }
  | { verb: 'status' | 'up' | 'down' | 'pause' | 'resume'; env: string }
  | { verb: 'extend'; env: string; hours: number }
  | { verb: 'help' };

const USAGE: Record<string, string> = {
  redeploy: '/berth redeploy <env> [image]',
  status: '/berth status <env>',
  up: '/berth up <env>',
  down: '/berth down <env>',
  pause: '/berth pause <env>',
  resume: '/berth resume <env>',
  extend: '/berth extend <env> <hours>',
  help: '/berth help',
};

/** Every form of the command, one per line. */
export const SLACK_USAGE = Object.values(USAGE).join('\n');

function fail(field: string, rule: string, verb?: string): never {
  const usage = verb === undefined ? `usage:\n${SLACK_USAGE}` : `usage: ${USAGE[verb]}`;
  throw new ValidationError(field, `${rule}; ${usage}`);
}

/** Checks an argument with the operation input's rule for `name` (core/operation.ts), adding the usage. */
function argument<F extends 'env' | 'image' | 'hours'>(verb: string, name: F, value: unknown) {
  try {
    return checkOperationField(name, value);
  } catch (error) {
    if (error instanceof ValidationError) fail(name, error.rule, verb);
    throw error;
  }
}

function envArgument(verb: string, value: string | undefined): string {
  if (value === undefined) fail('env', 'is required', verb);
  return argument(verb, 'env', value);
}

function noMore(verb: string, extra: readonly string[]): void {
  if (extra.length > 0) fail('arguments', `unexpected ${JSON.stringify(extra.join(' '))}`, verb);
}

/**
 * Parses the text of a `/berth` slash command (`redeploy <env> [image]`, `status <env>`,
 * `up <env>`, `down <env>`, `pause <env>`, `resume <env>`, `extend <env> <hours>`, `help`). Empty text is `help`.
 *
 * @throws ValidationError naming the argument (`verb`, `env`, `image`, `hours`, `arguments`) with the usage
 * @example parseSlackCommand('extend demo 4') // { verb: 'extend', env: 'demo', hours: 4 }
 */
export function parseSlackCommand(text: string): SlackCommand {
  const [first, ...args] = text
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0);
  if (first === undefined) return { verb: 'help' };
  const verb = first.toLowerCase();
  switch (verb) {
    case 'help':
      return { verb: 'help' };
    case 'status':
    case 'up':
    case 'down':
    case 'pause':
    case 'resume': {
      const env = envArgument(verb, args[0]);
      noMore(verb, args.slice(1));
      return { verb, env };
    }
    case 'redeploy': {
      const env = envArgument(verb, args[0]);
      const image = args[1];
      noMore(verb, args.slice(2));
      if (image === undefined) return { verb, env };
      return { verb, env, image: argument(verb, 'image', image) };
    }
    case 'extend': {
      const env = envArgument(verb, args[0]);
      const hoursText = args[1];
      noMore(verb, args.slice(2));
      if (hoursText === undefined) fail('hours', 'is required', verb);
      const hours = argument(verb, 'hours', /^\d+$/.test(hoursText) ? Number(hoursText) : Number.NaN);
      return { verb, env, hours };
    }
    default:
      return fail('verb', `unknown command ${JSON.stringify(first)}`);
  }
}
