import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HTTP_ROUTES } from '../../../../functions/handlers/http/routes.ts';

const doc = parse(readFileSync(new URL('../../../../docs/openapi.yaml', import.meta.url), 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, any>>;
  components: Record<string, Record<string, unknown>>;
};
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

const documented = Object.entries(doc.paths)
  .flatMap(([path, item]) =>
    Object.keys(item)
      .filter((k) => METHODS.has(k))
      .map((m) => `${m.toUpperCase()} ${path}`),
  )
  .sort();

describe('docs/openapi.yaml', () => {
  it('is OpenAPI 3.0.3', () => {
    expect(doc.openapi).toBe('3.0.3');
  });

  it('describes exactly the routes of the route table', () => {
    expect(documented).toEqual(HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('documents 202, 400, 404, 409 and 413 for every mutation of an existing environment', () => {
    for (const path of [
      '/environments/{name}/scale',
      '/environments/{name}/redeploy',
      '/environments/{name}/extend',
    ]) {
      expect(Object.keys(doc.paths[path]?.['post']?.responses ?? {})).toEqual(
        expect.arrayContaining(['202', '400', '404', '409', '413']),
      );
    }
    expect(Object.keys(doc.paths['/environments/{name}']?.['delete']?.responses ?? {})).toEqual(
      expect.arrayContaining(['202', '400', '404', '409', '413']),
    );
  });

  it('documents 403 (access policy refusal) for every API route', () => {
    for (const route of HTTP_ROUTES) {
      if (route.path.startsWith('/slack')) continue;
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(Object.keys(op?.responses ?? {}), `${route.method} ${route.path}`).toContain('403');
    }
  });

  it('resolves every $ref', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const [, section, name] = /#\/components\/([^/]+)\/([^"]+)"/.exec(ref) ?? [];
      expect(doc.components[section ?? '']?.[name ?? ''], ref).toBeDefined();
    }
  });
});
