import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ValidationError } from '../../core/errors.ts';

/** True for a plain JSON object (not null, not an array). */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const query = (event: APIGatewayProxyEvent): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) out[key] = value;
  }
  return out;
};

/** The query string's parameters; any other than `allowed` is refused (400 naming it). */
export const rejectUnknownQuery = (
  event: APIGatewayProxyEvent,
  allowed: readonly string[],
): Record<string, string> => {
  const q = query(event);
  for (const key of Object.keys(q)) {
    if (!allowed.includes(key)) throw new ValidationError(`query.${key}`, 'unknown query parameter');
  }
  return q;
};

/** A page token: the last shown key, base64url. */
export const encodeToken = (name: string): string => Buffer.from(name, 'utf8').toString('base64url');
export const decodeToken = (token: string): string => {
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (token.length === 0 || token.length > 64 || encodeToken(name) !== token) {
    throw new ValidationError('query.nextToken', 'must be a nextToken returned by a previous page');
  }
  return name;
};

/** The history route's token: the last shown operation's `startedAt#operationId`. */
export const decodeOperationToken = (token: string): string => {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (token.length === 0 || token.length > 512 || encodeToken(key) !== token || !key.includes('#')) {
    throw new ValidationError('query.nextToken', 'must be a nextToken returned by a previous page');
  }
  return key;
};
