/**
 * IAM identity-policy evaluation for the local cloud, written for Berth (no third-party evaluator).
 *
 * Follows the IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements: Condition operators":
 * - an explicit `Deny` whose action, resource and conditions match wins; otherwise a matching `Allow` allows;
 *   otherwise the request is implicitly denied;
 * - `Action`/`NotAction` match case-insensitively with `*` and `?` wildcards; `Resource`/`NotResource` match
 *   case-sensitively with the same wildcards (a `*` in an ARN pattern may span `/` and `:`);
 * - every condition operator of a statement must match, every key of an operator must match, and a key
 *   matches when any of the policy's values matches (OR); condition key names are case-insensitive;
 * - a key absent from the request context makes positive operators false and negated operators
 *   (`StringNotEquals`, `StringNotLike`, `ArnNotLike` …) true; `…IfExists` is true when the key is absent;
 *   `Null: true` means "absent"; `ForAllValues:` is true for an absent or empty key, `ForAnyValue:` false.
 */

/** One statement as CloudFormation/IAM writes it (values are resolved strings). */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | boolean | readonly (string | boolean)[]>>>
  >;
}

/**
 * Context key the local cloud sets (instead of resource tags) when the request names a resource that does not
 * exist: conditions on `aws:ResourceTag/*` and `<service>:ResourceTag/*` then do not deny (see
 * local/cloud/iam/request-context.ts). Not an AWS key.
 */
export const RESOURCE_GONE = 'berth:local:resource-gone';

/** Values of the request context keys (`aws:ResourceTag/k`, `aws:TagKeys`, `ecs:cluster` …). */
type RequestContextValues = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One authorization question: may the principal do `action` on `resource` with `context`? */
export interface AuthorizationRequest {
  /** `service:Action`, e.g. `ecs:CreateCluster`. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  readonly context: RequestContextValues;
}

/** One authorization a call needs; `launchTemplateId` marks the launch checks of an Auto Scaling group. */
export interface RequiredAuthorization extends AuthorizationRequest {
  readonly launchTemplateId?: string;
}

export type Decision =
  | { readonly effect: 'allow'; readonly statement: PolicyStatement }
  | { readonly effect: 'explicitDeny'; readonly statement: PolicyStatement }
  | { readonly effect: 'implicitDeny' };

const list = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

const globCache = new Map<string, RegExp>();

/** `*` = any run of characters, `?` = one character; everything else literal. */
function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    globCache.set(key, re);
  }
  return re.test(value);
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return list(statement.Action).some((p) => globMatches(p, action, true));
  if (statement.NotAction !== undefined)
    return !list(statement.NotAction).some((p) => globMatches(p, action, true));
  return false;
}

/** An ARN pattern matches segment by segment for the first five `:` fields, then as a glob. */
function resourceMatches(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) return list(statement.Resource).some((p) => arnMatches(p, resource));
  if (statement.NotResource !== undefined)
    return !list(statement.NotResource).some((p) => arnMatches(p, resource));
  return false;
}

function arnMatches(pattern: string, resource: string): boolean {
  if (pattern === '*') return true;
  if (resource === '*') return false;
  return globMatches(pattern, resource);
}

function contextValue(context: RequestContextValues, key: string): readonly string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() === wanted) return v === undefined ? undefined : list(v);
  }
  return undefined;
}

type Comparator = (policyValue: string, requestValue: string) => boolean;

const COMPARATORS: Record<string, { compare: Comparator; negated: boolean }> = {
  stringequals: { compare: (p, r) => p === r, negated: false },
  stringnotequals: { compare: (p, r) => p === r, negated: true },
  stringequalsignorecase: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
  stringnotequalsignorecase: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: true },
  stringlike: { compare: (p, r) => globMatches(p, r), negated: false },
  stringnotlike: { compare: (p, r) => globMatches(p, r), negated: true },
  arnequals: { compare: (p, r) => p === r, negated: false },
  arnnotequals: { compare: (p, r) => p === r, negated: true },
  arnlike: { compare: (p, r) => globMatches(p, r), negated: false },
  arnnotlike: { compare: (p, r) => globMatches(p, r), negated: true },
  bool: { compare: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
};

/** Thrown for a condition operator the evaluator does not know (fails closed, names the operator). */
export class UnsupportedConditionError extends Error {
  override readonly name = 'UnsupportedConditionError';
}

function operatorMatches(
  operator: string,
  conditions: Readonly<Record<string, string | boolean | readonly (string | boolean)[]>>,
  context: RequestContextValues,
): boolean {
  let op = operator;
  let setOp: 'all' | 'any' | undefined;
  if (/^forallvalues:/i.test(op)) {
    setOp = 'all';
    op = op.slice('ForAllValues:'.length);
  } else if (/^foranyvalue:/i.test(op)) {
    setOp = 'any';
    op = op.slice('ForAnyValue:'.length);
  }
  let ifExists = false;
  if (/ifexists$/i.test(op)) {
    ifExists = true;
    op = op.slice(0, -'IfExists'.length);
  }
  const lower = op.toLowerCase();
  const gone = contextValue(context, RESOURCE_GONE) !== undefined;
  return Object.entries(conditions).every(([key, raw]) => {
    if (gone && /^[a-z0-9-]+:resourcetag\//i.test(key)) return true;
    const policyValues = list(raw).map(String);
    const values = contextValue(context, key);
    if (lower === 'null') {
      const absent = values === undefined || values.length === 0;
      return policyValues.some((p) => (p.toLowerCase() === 'true') === absent);
    }
    const comparator = COMPARATORS[lower];
    if (!comparator) throw new UnsupportedConditionError(`unsupported condition operator ${operator}`);
    const matchOne = (requestValue: string): boolean =>
      policyValues.some((p) => comparator.compare(p, requestValue));
    if (setOp === 'all') {
      if (values === undefined || values.length === 0) return true;
      return values.every((v) => (comparator.negated ? !matchOne(v) : matchOne(v)));
    }
    if (setOp === 'any') {
      if (values === undefined || values.length === 0) return false;
      return values.some((v) => (comparator.negated ? !matchOne(v) : matchOne(v)));
    }
    if (values === undefined || values.length === 0) return ifExists || comparator.negated;
    const any = values.some(matchOne);
    return comparator.negated ? !any : any;
  });
}

function conditionsMatch(statement: PolicyStatement, context: RequestContextValues): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, conditions]) =>
    operatorMatches(operator, conditions, context),
  );
}

function statementApplies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  return (
    actionMatches(statement, request.action) &&
    resourceMatches(statement, request.resource) &&
    conditionsMatch(statement, request.context)
  );
}

/**
 * Evaluates identity-policy statements for one request: explicit deny, else allow, else implicit deny.
 *
 * @example
 * evaluate([{ Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' }],
 *   { action: 'ecs:DescribeClusters', resource: '*', context: {} }).effect // 'allow'
 */
export function evaluate(statements: readonly PolicyStatement[], request: AuthorizationRequest): Decision {
  let allow: PolicyStatement | undefined;
  for (const statement of statements) {
    if (!statementApplies(statement, request)) continue;
    if (statement.Effect === 'Deny') return { effect: 'explicitDeny', statement };
    allow ??= statement;
  }
  return allow ? { effect: 'allow', statement: allow } : { effect: 'implicitDeny' };
}
