/** Posts JSON somewhere (Slack `response_url`, an incoming webhook). */
export interface HttpPoster {
  /** Resolves with the HTTP status; rejects on network errors and timeouts. */
  postJson(url: string, body: unknown, options: { timeoutMs: number }): Promise<{ status: number }>;
}

/**
 * The default poster: `fetch` with an abort timeout.
 *
 * @example await fetchPoster.postJson(webhookUrl, { text: 'hi' }, { timeoutMs: 3000 })
 */
export const fetchPoster: HttpPoster = {
  async postJson(url, body, { timeoutMs }) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain the body so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status };
  },
};
