import { ServiceError } from '../../core/service-error.ts';
import { int, list } from '../../protocol/params.ts';

/** One EC2 filter as parsed from `Filter.N.Name` / `Filter.N.Value.M`. */
export interface Ec2Filter {
  name: string;
  values: string[];
}

/** Reads `Filter.N` params. */
export function readFilters(raw: unknown): Ec2Filter[] {
  return list<any>(raw).map((f) => ({
    name: String(f?.Name ?? ''),
    values: list<string>(f?.Value).map(String),
  }));
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

/** Field getters per filter name; the value(s) an item has for it. */
export type FilterFields<T> = Record<string, (item: T) => string | string[] | undefined>;

/**
 * Keeps items matching every filter (values OR-ed, `*`/`?` wildcards); `tag:<key>`,
 * `tag-key` and `tag-value` use `tagsOf`. Unknown filter names are InvalidParameterValue.
 */
export function applyFilters<T>(
  items: T[],
  filters: Ec2Filter[],
  fields: FilterFields<T>,
  tagsOf: (item: T) => Record<string, string>,
): T[] {
  for (const f of filters) {
    if (!f.name.startsWith('tag:') && f.name !== 'tag-key' && f.name !== 'tag-value' && !fields[f.name]) {
      throw new ServiceError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    }
  }
  return items.filter((item) =>
    filters.every((f) => {
      const patterns = f.values.map(wildcard);
      let have: string[];
      if (f.name.startsWith('tag:')) {
        const v = tagsOf(item)[f.name.slice(4)];
        have = v === undefined ? [] : [v];
      } else if (f.name === 'tag-key') {
        have = Object.keys(tagsOf(item));
      } else if (f.name === 'tag-value') {
        have = Object.values(tagsOf(item));
      } else {
        const v = fields[f.name]?.(item);
        have = v === undefined ? [] : Array.isArray(v) ? v : [v];
      }
      return have.some((h) => patterns.some((p) => p.test(h)));
    }),
  );
}

/** Pagination bounds of one operation. */
export interface PageBounds {
  min: number;
  max: number;
}

/**
 * One page of `items` for `MaxResults`/`NextToken` (token = opaque offset). Validates
 * MaxResults against the operation's bounds as EC2 does.
 */
export function paginate<T>(
  items: T[],
  params: any,
  bounds: PageBounds = { min: 5, max: 1000 },
): { page: T[]; nextToken?: string } {
  const max = int(params.MaxResults);
  if (max !== undefined && (max < bounds.min || max > bounds.max)) {
    throw new ServiceError(
      'InvalidParameterValue',
      `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between ${bounds.min} and ${bounds.max}.`,
    );
  }
  let start = 0;
  if (params.NextToken) {
    const decoded = Number(
      Buffer.from(String(params.NextToken), 'base64url').toString('utf8').replace(/^off:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0) {
      throw new ServiceError(
        'InvalidParameterValue',
        `Invalid value '${params.NextToken}' for parameter nextToken`,
      );
    }
    start = decoded;
  }
  if (max === undefined) return { page: items.slice(start) };
  const page = items.slice(start, start + max);
  const out: { page: T[]; nextToken?: string } = { page };
  if (start + max < items.length) out.nextToken = Buffer.from(`off:${start + max}`).toString('base64url');
  return out;
}
