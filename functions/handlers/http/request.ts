import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ValidationError } from '../../core/errors.ts';
import { PayloadTooLargeError } from './http-errors.ts';

/** The largest request body the API accepts (decoded bytes). */
const MAX_BODY_BYTES = 64 * 1024;

/** Case-insensitive header lookup (API Gateway keeps the client's casing). */
export const header = (event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

/**
 * The raw request body as bytes, decoded when API Gateway base64-encoded it.
 * Throws `PayloadTooLargeError` above `limit` bytes, checked before and after decoding.
 */
export const rawBodyBytes = (
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  limit: number = MAX_BODY_BYTES,
): Buffer => {
  const body = event.body ?? '';
  if (!event.isBase64Encoded) {
    const size = Buffer.byteLength(body, 'utf8');
    if (size > limit) throw new PayloadTooLargeError(limit, size);
    return Buffer.from(body, 'utf8');
  }
  // base64 is 4/3 of the decoded size: reject early without decoding huge inputs.
  const estimated = Math.floor((body.length * 3) / 4);
  if (estimated > limit + 2) throw new PayloadTooLargeError(limit, estimated);
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length > limit) throw new PayloadTooLargeError(limit, bytes.length);
  return bytes;
};

/** The raw request body as UTF-8 text (see {@link rawBodyBytes}). */
export const rawBody = (
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  limit: number = MAX_BODY_BYTES,
): string => rawBodyBytes(event, limit).toString('utf8');

/**
 * Parses a JSON object body. An empty body is `{}` when `allowEmpty`; anything that is not
 * a JSON object is a `ValidationError` on field `body`.
 */
export const jsonObjectBody = (
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  options: { allowEmpty?: boolean } = {},
): Record<string, unknown> => {
  const text = rawBody(event);
  if (text.trim() === '') {
    if (options.allowEmpty) return {};
    throw new ValidationError('body', 'a JSON object is required');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'must be valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('body', 'must be a JSON object');
  }
  return parsed as Record<string, unknown>;
};

/** Rejects keys outside `allowed` (the first unknown key is named). */
export const rejectUnknownKeys = (
  body: Record<string, unknown>,
  allowed: readonly string[],
  prefix = '',
): void => {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new ValidationError(`${prefix}${key}`, 'unknown field');
  }
};
