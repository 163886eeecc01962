import { describe, expect, it } from 'vitest';
import {
  parseResponseUrlOrigins,
  responseUrlAllowed,
  SLACK_RESPONSE_URL_ORIGINS,
} from '../../../functions/core/response-url.ts';

describe('Slack response_url origins', () => {
  it("allows only Slack's hooks host over HTTPS by default", () => {
    expect(responseUrlAllowed('https://hooks.slack.com/commands/T1/2/x', SLACK_RESPONSE_URL_ORIGINS)).toBe(
      true,
    );
    expect(responseUrlAllowed('https://HOOKS.slack.com/actions/T1/2/x', SLACK_RESPONSE_URL_ORIGINS)).toBe(
      true,
    );
    for (const url of [
      'http://hooks.slack.com/commands/1',
      'https://hooks.slack.com.example.net/commands/1',
      'https://example.net/?https://hooks.slack.com/',
      'https://x@hooks.slack.com/commands/1',
      'https://hooks.slack.com:8443/commands/1',
      'javascript:alert(1)',
      '',
    ]) {
      expect(responseUrlAllowed(url, SLACK_RESPONSE_URL_ORIGINS), url).toBe(false);
    }
  });

  it('reads configured origins; one ending in :* admits any port of its host', () => {
    const origins = parseResponseUrlOrigins(' https://hooks.slack.com , http://127.0.0.1:* ');
    expect(origins).toEqual(['https://hooks.slack.com', 'http://127.0.0.1:*']);
    expect(responseUrlAllowed('http://127.0.0.1/x', ['http://127.0.0.1'])).toBe(true);
    expect(responseUrlAllowed('http://127.0.0.1:4599/x', ['http://127.0.0.1'])).toBe(false);
    expect(responseUrlAllowed('http://127.0.0.1:4599/x', origins)).toBe(true);
    expect(responseUrlAllowed('http://127.0.0.2:4599/x', origins)).toBe(false);
    expect(parseResponseUrlOrigins('')).toBe(SLACK_RESPONSE_URL_ORIGINS);
    expect(parseResponseUrlOrigins(undefined)).toBe(SLACK_RESPONSE_URL_ORIGINS);
  });
});
