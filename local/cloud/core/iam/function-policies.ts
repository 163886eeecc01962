/**
 * The identity policies of Berth's functions, as synthesized by the CDK stack: `function-policies.json` is
 * extracted from the OrchestratorStack template by `npm run iam:policies` (infra/export-function-policies.ts)
 * and checked in; test/infra/function-policies.test.ts fails when it differs from a fresh synthesis. The
 * local platform reads this file instead of synthesizing at every start (a synthesis takes seconds).
 *
 * CloudFormation references stay symbolic in the file — `${AWS::Partition}`, `${AWS::Region}`,
 * `${AWS::AccountId}`, `${Ref:<LogicalId>}`, `${GetAtt:<LogicalId>.<Attr>}`, `${Import:<ExportName>}` — and are bound to the local
 * platform's values when loaded. A reference without a binding stays literal, so it matches nothing (fails
 * closed).
 */
import { readFileSync } from 'node:fs';
import type { FunctionPrincipal } from './enforcer.ts';
import type { PolicyStatement } from './evaluate.ts';

const FUNCTION_POLICIES_FILE = new URL('./function-policies.json', import.meta.url);

interface FunctionPolicyEntry {
  /** Logical id of the function's execution role in the template. */
  readonly role: string;
  readonly statements: readonly PolicyStatement[];
}

export interface FunctionPoliciesDocument {
  readonly description: string;
  /** Keyed by the function's name on the local platform (`berth-<handler file>`). */
  readonly functions: Readonly<Record<string, FunctionPolicyEntry>>;
}

export interface PolicyBindings {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  /**
   * Values of template references by logical-id prefix (CDK appends a hash to logical ids), e.g.
   * `{ 'Registry': 'arn:aws:dynamodb:…:table/berth-registry' }` for `${GetAtt:Registry1234.Arn}`.
   */
  readonly references: Readonly<Record<string, string>>;
}

export function readFunctionPolicies(file: URL | string = FUNCTION_POLICIES_FILE): FunctionPoliciesDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as FunctionPoliciesDocument;
}

/** Substitutes the placeholders of one string. */
function bindPlaceholders(value: string, bindings: PolicyBindings): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, ref: string) => {
    if (ref === 'AWS::Partition') return bindings.partition;
    if (ref === 'AWS::Region') return bindings.region;
    if (ref === 'AWS::AccountId') return bindings.accountId;
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
    const m = /^(?:Ref|GetAtt|Import):([A-Za-z0-9:-]+)/.exec(ref);
    if (m) {
      const logicalId = m[1] as string;
      const prefix = Object.keys(bindings.references)
        .filter((p) => logicalId.startsWith(p))
        .sort((a, b) => b.length - a.length)[0];
      if (prefix !== undefined) return bindings.references[prefix] as string;
    }
    return whole;
  });
}

function bindDeep<T>(value: T, bindings: PolicyBindings): T {
  if (typeof value === 'string') return bindPlaceholders(value, bindings) as T;
  if (Array.isArray(value)) return value.map((v) => bindDeep(v, bindings)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[bindPlaceholders(k, bindings)] = bindDeep(v, bindings);
    return out as T;
  }
  return value;
}

/** The function principals of a policies document, bound to local values. */
export function functionPrincipals(
  document: FunctionPoliciesDocument,
  bindings: PolicyBindings,
): FunctionPrincipal[] {
  return Object.entries(document.functions).map(([functionName, entry]) => ({
    functionName,
    roleName: entry.role,
    statements: bindDeep(entry.statements, bindings),
  }));
}
