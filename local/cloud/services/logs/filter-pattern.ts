import { ServiceError } from '../../core/service-error.ts';

/** A compiled filter pattern: true when a message matches. */
export type MessageMatcher = (message: string) => boolean;

/**
 * Compiles a CloudWatch Logs filter pattern for unstructured log events:
 * - empty pattern: every event;
 * - `ERROR timeout`: every term must appear (terms are case-sensitive);
 * - `"connection refused"`: a quoted phrase is one term;
 * - `ERROR -health`: a term prefixed with `-` must not appear;
 * - `?ERROR ?WARN`: at least one of the `?` terms must appear.
 *
 * Source: "Filter pattern syntax for metric filters, subscription filters, filter log events,
 * and Live Tail" › "Matching terms in unstructured log events" (Amazon CloudWatch Logs User Guide).
 * JSON (`{ $.x = … }`) and space-delimited (`[ip, user, …]`) patterns are not emulated: the local
 * cloud rejects them with `InvalidParameterException` rather than matching them wrongly.
 *
 * @example compileFilterPattern('GET -health')('GET /orders 200') // true
 */
export function compileFilterPattern(pattern: string | undefined): MessageMatcher {
  const text = (pattern ?? '').trim();
  if (text === '') return () => true;
  if (text.startsWith('{') || text.startsWith('[') || text.startsWith('%')) {
    throw new ServiceError(
      'InvalidParameterException',
      'The local cloud matches only unstructured term patterns (terms, "quoted phrases", -exclusions, ?alternatives); JSON, space-delimited and regular-expression patterns are not emulated.',
    );
  }
  const required: string[] = [];
  const excluded: string[] = [];
  const anyOf: string[] = [];
  const tokens = text.match(/[-?]?"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  for (const raw of tokens) {
    let token = raw;
    let kind: 'required' | 'excluded' | 'anyOf' = 'required';
    if (token.startsWith('-') && token.length > 1) {
      kind = 'excluded';
      token = token.slice(1);
    } else if (token.startsWith('?') && token.length > 1) {
      kind = 'anyOf';
      token = token.slice(1);
    }
    if (token.startsWith('"')) {
      if (!token.endsWith('"') || token.length < 2) {
        throw new ServiceError('InvalidParameterException', "Invalid character(s) in term '\"'");
      }
      token = token.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (token === '') continue;
    ({ required, excluded, anyOf })[kind].push(token);
  }
  return (message) =>
    required.every((t) => message.includes(t)) &&
    !excluded.some((t) => message.includes(t)) &&
    (anyOf.length === 0 || anyOf.some((t) => message.includes(t)));
}
