import type { APIGatewayProxyResult } from 'aws-lambda';
import { statusForError } from './error-status.ts';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

/** A JSON API Gateway proxy result. */
export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyResult => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** Optional logger; handlers pass their own (tests pass a spy or nothing). */
export interface ErrorLogger {
  error(message: string, details: Record<string, unknown>): void;
}

/**
 * Turns a thrown value into the error response of the status table. Client errors carry
 * `{ error, message }` plus `field`/`rule` for validation errors and `allowed` for 405; a 503 carries its
 * error name and a fixed message (never the AWS error text); anything else is a 500
 * `{ error: 'InternalError', requestId }` with no message or stack.
 */
export const errorResponse = (
  error: unknown,
  requestId: string,
  logger?: ErrorLogger,
): APIGatewayProxyResult => {
  const mapped = statusForError(error);
  if (mapped.status >= 500 && mapped.exposeDetails && error instanceof Error) {
    // A 5xx (throttled, transient, not ready) is the server's state: its message can quote an AWS error
    // (codes, ARNs, account ids), so it is logged, and the client gets the error name and a fixed message.
    logger?.error('service unavailable', {
      requestId,
      error: { name: error.name, message: error.message },
    });
    return jsonResponse(mapped.status, {
      error: mapped.error,
      message: 'Berth or an AWS service it uses is busy or not ready: retry in a few seconds',
      requestId,
    });
  }
  if (!mapped.exposeDetails || !(error instanceof Error)) {
    logger?.error('unexpected error', {
      requestId,
      error:
        error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error,
    });
    return jsonResponse(500, { error: 'InternalError', requestId });
  }
  const body: Record<string, unknown> = { error: mapped.error, message: error.message };
  const headers: Record<string, string> = {};
  const extra = error as Error & { field?: unknown; rule?: unknown; allowed?: unknown };
  if (typeof extra.field === 'string') body['field'] = extra.field;
  if (typeof extra.rule === 'string') body['rule'] = extra.rule;
  if (Array.isArray(extra.allowed)) {
    body['allowed'] = extra.allowed;
    headers['allow'] = extra.allowed.join(', ');
  }
  return jsonResponse(mapped.status, body, headers);
};
