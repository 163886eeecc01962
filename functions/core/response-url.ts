/**
 * Where a Slack `response_url` may point (docs/slack.md): Berth posts progress and results there, so a forged or
 * mistaken URL would make it send environment details elsewhere. Slack's response URLs are on its hooks host
 * over HTTPS; the local platform and tests add their own origins.
 */

/** The default: Slack's own hooks host, HTTPS only. */
export const SLACK_RESPONSE_URL_ORIGINS: readonly string[] = Object.freeze(['https://hooks.slack.com']);

/**
 * Parses `BERTH_SLACK_RESPONSE_URL_ORIGINS`-style text: comma-separated origins `scheme://host[:port]` (no port:
 * the scheme's default port; `:*`: any port, for loopback receivers). Empty or absent → the default.
 */
export function parseResponseUrlOrigins(text: string | undefined): readonly string[] {
  const list = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return list.length === 0 ? SLACK_RESPONSE_URL_ORIGINS : list;
}

/**
 * Whether `url` is an allowed response URL: its scheme, host and port equal one of `origins` (an origin ending in
 * `:*` admits any port); no user info. Anything unparsable is refused.
 *
 * @example responseUrlAllowed('https://hooks.slack.com/commands/T1/1/x', SLACK_RESPONSE_URL_ORIGINS) // true
 * @example responseUrlAllowed('https://hooks.slack.com.example.net/x', SLACK_RESPONSE_URL_ORIGINS) // false
 */
export function responseUrlAllowed(url: string, origins: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') return false;
  return origins.some((origin) => {
    const anyPort = origin.endsWith(':*');
    let allowed: URL;
    try {
      allowed = new URL(anyPort ? origin.slice(0, -2) : origin);
    } catch {
      return false;
    }
    return (
      allowed.protocol === parsed.protocol &&
      allowed.hostname.toLowerCase() === parsed.hostname.toLowerCase() &&
      (anyPort || allowed.port === parsed.port)
    );
  });
}
