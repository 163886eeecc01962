/** Escapes text for an XML element body or attribute. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Renders a plain value as XML element content: objects become child elements, arrays
 * become repeated `<itemName>` children, `Date` ISO-8601, booleans `true`/`false`,
 * `undefined`/`null` omitted.
 */
export function renderXmlValue(value: unknown, itemName: string): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    return value.map((v) => `<${itemName}>${renderXmlValue(v, itemName)}</${itemName}>`).join('');
  }
  if (typeof value === 'object') {
    let out = '';
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || v === null) continue;
      out += `<${k}>${renderXmlValue(v, itemName)}</${k}>`;
    }
    return out;
  }
  return escapeXml(String(value));
}

/**
 * Parses a form-encoded AWS Query body into nested params. Numeric path segments make
 * arrays (1-based); a `member`/`item` segment followed by a number is the list marker
 * and is dropped; `entry` lists stay arrays of `{key, value}`. Values stay strings.
 */
export function parseFormParams(body: string): {
  params: Record<string, any>;
  action: string;
  version: string;
} {
  const search = new URLSearchParams(body);
  const root: Record<string, any> = {};
  let action = '';
  let version = '';
  for (const [key, value] of search) {
    if (key === 'Action') {
      action = value;
      continue;
    }
    if (key === 'Version') {
      version = value;
      continue;
    }
    const parts = key.split('.');
    const path: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as string;
      const next = parts[i + 1];
      if ((p === 'member' || p === 'item') && next !== undefined && /^\d+$/.test(next)) continue;
      path.push(p);
    }
    let node: Record<string, any> = root;
    for (let i = 0; i < path.length - 1; i++) {
      const p = path[i] as string;
      if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
      node = node[p];
    }
    node[path[path.length - 1] as string] = value;
  }
  return { params: arrayify(root) as Record<string, any>, action, version };
}

function arrayify(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => arrayify(obj[String(k)]));
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = arrayify(obj[k]);
  return out;
}
