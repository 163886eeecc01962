import type { ServiceError } from '../core/service-error.ts';
import { escapeXml, renderXmlValue } from './xml.ts';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** An EC2 Query reply: `<ActionResponse><requestId>…</requestId>…</ActionResponse>`, lists as `<item>`. */
export function renderEc2Result(
  action: string,
  result: unknown,
  requestId: string,
  xmlns = EC2_XMLNS,
): string {
  const inner = result === undefined ? '' : renderXmlValue(result, 'item');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${escapeXml(xmlns)}"><requestId>${requestId}</requestId>${inner}</${action}Response>`;
}

/** An EC2 error: `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…`. */
export function renderEc2Error(err: ServiceError, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}
