import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors.ts';
import { parseSlackCommand, SLACK_USAGE } from '../../../functions/core/slack-command.ts';

describe('parseSlackCommand', () => {
  it.each([
    ['redeploy demo', { verb: 'redeploy', env: 'demo' }],
    ['redeploy demo nginx:1.28', { verb: 'redeploy', env: 'demo', image: 'nginx:1.28' }],
    ['  REDEPLOY   demo   nginx:1.28 ', { verb: 'redeploy', env: 'demo', image: 'nginx:1.28' }],
    ['status demo', { verb: 'status', env: 'demo' }],
    ['up demo', { verb: 'up', env: 'demo' }],
    ['down demo', { verb: 'down', env: 'demo' }],
    ['pause demo', { verb: 'pause', env: 'demo' }],
    ['resume demo', { verb: 'resume', env: 'demo' }],
    ['extend demo 4', { verb: 'extend', env: 'demo', hours: 4 }],
    ['help', { verb: 'help' }],
    ['', { verb: 'help' }],
  ])('parses %j', (text, command) => {
    expect(parseSlackCommand(text)).toEqual(command);
  });

  it.each([
    ['deploy demo', 'verb', `verb: unknown command "deploy"; usage:\n${SLACK_USAGE}`],
    ['status', 'env', 'env: is required; usage: /berth status <env>'],
    [
      'down Demo',
      'env',
      'env: must be a DNS label of 2–20 lowercase letters, digits or hyphens; usage: /berth down <env>',
    ],
    ['extend demo', 'hours', 'hours: is required; usage: /berth extend <env> <hours>'],
    ['extend demo 0', 'hours', 'hours: must be an integer from 1 to 720; usage: /berth extend <env> <hours>'],
    [
      'extend demo 2.5',
      'hours',
      'hours: must be an integer from 1 to 720; usage: /berth extend <env> <hours>',
    ],
    [
      'redeploy demo NGINX',
      'image',
      'image: must be a container image reference (repository[:tag][@digest]) of at most 255 characters without whitespace; usage: /berth redeploy <env> [image]',
    ],
    ['up demo now', 'arguments', 'arguments: unexpected "now"; usage: /berth up <env>'],
  ])('rejects %j naming the argument', (text, field, message) => {
    let error: unknown;
    try {
      parseSlackCommand(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ name: 'ValidationError', field, message });
  });
});
