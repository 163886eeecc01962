/** Helpers for handlers reading Query/EC2 params (all values arrive as strings). */

/** A list param as an array (`undefined` or the empty-list marker `''` → `[]`). */
export function list<T = any>(value: unknown): T[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value as T[];
  if (typeof value === 'object') return Object.values(value as Record<string, T>);
  return [value as T];
}

/** An integer param, or undefined when absent. */
export function int(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** A boolean param (`'true'`/`true`), or undefined when absent. */
export function bool(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return value === true || value === 'true';
}

/** A string param, or undefined when absent or empty. */
export function str(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}
