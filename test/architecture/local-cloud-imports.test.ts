import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLOUD = join(ROOT, 'local/cloud');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports (type-only ones included: a cycle of types is still a cycle of modules). */
function importGraph(): Map<string, string[]> {
  const files = sources(CLOUD);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"](\.[^'"]+)['"]/g)]
      .map((m) => resolve(dirname(file), m[1] ?? ''))
      .filter((dep) => files.includes(dep));
    graph.set(
      relative(ROOT, file),
      deps.map((dep) => relative(ROOT, dep)),
    );
  }
  return graph;
}

/** The import cycles (strongly connected components of more than one module), Tarjan's algorithm. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('local cloud imports', () => {
  const graph = importGraph();

  it('finds the local cloud sources', () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(graph.get('local/cloud/services/autoscaling/backend.ts')).toContain(
      'local/cloud/services/ec2/backend.ts',
    );
  });

  it('detects a cycle when there is one', () => {
    const looped = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(looped)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('keeps core/ free of services, data plane and protocol modules', () => {
    const offending = [...graph]
      .filter(([file]) => file.startsWith('local/cloud/core/'))
      .flatMap(([file, deps]) =>
        deps.filter((d) => !d.startsWith('local/cloud/core/')).map((d) => `${file} imports ${d}`),
      );
    expect(offending).toEqual([]);
  });

  it('has no import cycle through the cloud, the EC2 or the Auto Scaling backend', () => {
    const watched = [
      'local/cloud/core/cloud.ts',
      'local/cloud/services/ec2/backend.ts',
      'local/cloud/services/autoscaling/backend.ts',
    ];
    expect(cycles(graph).filter((c) => c.some((file) => watched.includes(file)))).toEqual([]);
  });

  it('has no import cycle anywhere in the local cloud (the per-resource modules of a service included)', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import cycle between the ECS backend and the data-plane scheduler', () => {
    const watched = ['local/cloud/services/ecs/backend.ts', 'local/cloud/dataplane/scheduler.ts'];
    expect(cycles(graph).filter((c) => c.some((file) => watched.includes(file)))).toEqual([]);
  });
});
