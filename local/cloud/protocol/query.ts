import type { ServiceError } from '../core/service-error.ts';
import { escapeXml, renderXmlValue } from './xml.ts';

/** An AWS Query reply: `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`. */
export function renderQueryResult(action: string, result: unknown, xmlns: string, requestId: string): string {
  const body =
    result === undefined ? '' : `<${action}Result>${renderXmlValue(result, 'member')}</${action}Result>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${escapeXml(xmlns)}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

/** An AWS Query error: `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>…`. */
export function renderQueryError(err: ServiceError, xmlns: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${escapeXml(xmlns)}"><Error><Type>${err.faultType}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
