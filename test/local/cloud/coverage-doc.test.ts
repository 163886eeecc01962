import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  COVERAGE_DOC,
  INDEX_BEGIN,
  INDEX_END,
  operationTable,
  withOperationIndex,
} from '../../../local/cloud/coverage.ts';

const doc = readFileSync(COVERAGE_DOC, 'utf8');

/** True when the notes name the operation, alone or abbreviated as `Describe/ModifyThing`. */
function mentioned(notes: string, op: string): boolean {
  if (new RegExp(`\\b${op}\\b`).test(notes)) return true;
  const m = /^([A-Z][a-z]+)(.+)$/.exec(op);
  if (!m) return false;
  const [, verb, rest] = m;
  return new RegExp(`\\b${verb}/[A-Z][a-z]+${rest}\\b|\\b[A-Z][a-z]+/${verb}${rest}\\b`).test(notes);
}

describe('docs/local-cloud-coverage.md', () => {
  it('carries the operation index generated from the operation table (npm run docs:cloud)', () => {
    expect(withOperationIndex(doc)).toBe(doc);
  });

  it('lists the operations every service answers', () => {
    const ec2 = operationTable().find((s) => s.service === 'EC2');
    expect(ec2?.operations).toEqual(expect.arrayContaining(['CreateVpc', 'DeleteVpc', 'DescribeImages']));
  });

  it('has a note on every operation the index lists', () => {
    const notes = doc.slice(0, doc.indexOf(INDEX_BEGIN)) + doc.slice(doc.indexOf(INDEX_END));
    const missing = operationTable().flatMap((s) =>
      s.operations.filter((op) => !mentioned(notes, op)).map((op) => `${s.service} ${op}`),
    );
    expect(missing).toEqual([]);
  });
});
