/**
 * Reading the ASL files the way the local runtime needs them: which Task state calls which handler,
 * which states are Waits or have Retry fields, and the CDK-like `${Name}` substitution.
 */

/** A state-machine definition as parsed JSON (only the fields the runtime walks are typed). */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  TimeoutSeconds?: number;
  [other: string]: unknown;
}

export interface AslState {
  Type: string;
  Resource?: string;
  Parameters?: unknown;
  Branches?: AslDefinition[];
  Iterator?: AslDefinition;
  ItemProcessor?: AslDefinition;
  Retry?: unknown[];
  Seconds?: number;
  SecondsPath?: string;
  [other: string]: unknown;
}

/** What a Task state is bound to in the local runtime. */
export type TaskBinding =
  | {
      kind: 'lambda';
      stateName: string;
      /** The substitution variable, e.g. `TeardownLoadBalancerFunctionArn`. */
      variable: string;
      /** The handler file name without extension, e.g. `teardown-load-balancer`. */
      handlerFile: string;
      /** `direct` for `"Resource": "${XFunctionArn}"`, `invoke` for `arn:aws:states:::lambda:invoke`. */
      style: 'direct' | 'invoke';
    }
  | {
      kind: 'start-execution';
      stateName: string;
      /** `sync2` for `.sync:2` (JSON output), `sync` for `.sync` (string output), `async` for fire-and-forget. */
      mode: 'sync2' | 'sync' | 'async';
    };

const SUBSTITUTION = /^\$\{([A-Za-z0-9]+)\}$/;
const FUNCTION_VARIABLE = /^([A-Za-z0-9]+)FunctionArn$/;

/**
 * Turns a Lambda substitution variable into its handler file name.
 *
 * @example substitutionToHandlerFile('TeardownLoadBalancerFunctionArn') // 'teardown-load-balancer'
 */
export function substitutionToHandlerFile(variable: string): string | undefined {
  const match = FUNCTION_VARIABLE.exec(variable);
  if (!match?.[1]) return undefined;
  return match[1]
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Calls `visit` for every state of the definition, including Parallel branches and Map iterators. */
export function walkStates(definition: AslDefinition, visit: (name: string, state: AslState) => void): void {
  for (const [name, state] of Object.entries(definition.States)) {
    visit(name, state);
    for (const branch of state.Branches ?? []) walkStates(branch, visit);
    if (state.Iterator) walkStates(state.Iterator, visit);
    if (state.ItemProcessor) walkStates(state.ItemProcessor, visit);
  }
}

function lambdaVariable(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = SUBSTITUTION.exec(value);
  return match?.[1];
}

/**
 * Lists the Task states the runtime overrides, with what each one runs. Throws when a Task's
 * resource is neither a `${XFunctionArn}` substitution nor a supported service integration, so
 * a definition the runtime cannot run fails loudly at start instead of calling real AWS.
 */
export function collectTaskBindings(definition: AslDefinition): TaskBinding[] {
  const bindings: TaskBinding[] = [];
  walkStates(definition, (stateName, state) => {
    if (state.Type !== 'Task') return;
    const resource = state.Resource ?? '';
    const direct = lambdaVariable(resource);
    if (direct) {
      const handlerFile = substitutionToHandlerFile(direct);
      if (!handlerFile) throw new Error(`Task ${stateName}: unsupported substitution \${${direct}}`);
      bindings.push({ kind: 'lambda', stateName, variable: direct, handlerFile, style: 'direct' });
      return;
    }
    if (resource.startsWith('arn:aws:states:::lambda:invoke')) {
      const params = (state.Parameters ?? {}) as Record<string, unknown>;
      const variable = lambdaVariable(params['FunctionName']);
      const handlerFile = variable ? substitutionToHandlerFile(variable) : undefined;
      if (!variable || !handlerFile) {
        throw new Error(`Task ${stateName}: lambda:invoke needs "FunctionName": "\${XFunctionArn}"`);
      }
      bindings.push({ kind: 'lambda', stateName, variable, handlerFile, style: 'invoke' });
      return;
    }
    if (resource === 'arn:aws:states:::states:startExecution.sync:2') {
      bindings.push({ kind: 'start-execution', stateName, mode: 'sync2' });
      return;
    }
    if (resource === 'arn:aws:states:::states:startExecution.sync') {
      bindings.push({ kind: 'start-execution', stateName, mode: 'sync' });
      return;
    }
    if (resource === 'arn:aws:states:::states:startExecution') {
      bindings.push({ kind: 'start-execution', stateName, mode: 'async' });
      return;
    }
    throw new Error(`Task ${stateName}: the local runtime cannot run resource ${resource}`);
  });
  return bindings;
}

/** Names of the Wait states, with their static `Seconds` or their `SecondsPath` when they have one. */
export function collectWaitStates(
  definition: AslDefinition,
): Array<{ stateName: string; seconds?: number; secondsPath?: string }> {
  const waits: Array<{ stateName: string; seconds?: number; secondsPath?: string }> = [];
  walkStates(definition, (stateName, state) => {
    if (state.Type !== 'Wait') return;
    if (typeof state.Seconds === 'number') waits.push({ stateName, seconds: state.Seconds });
    else if (typeof state.SecondsPath === 'string') waits.push({ stateName, secondsPath: state.SecondsPath });
    else waits.push({ stateName });
  });
  return waits;
}

/**
 * The value a simple reference path (`$.a.b.c`) selects in a state's input, or undefined. Wait states'
 * `SecondsPath` in Berth's machines are such paths.
 */
export function selectPath(input: unknown, referencePath: string): unknown {
  if (!/^\$(\.[A-Za-z_][\w-]*)*$/.test(referencePath)) return undefined;
  let value: unknown = input;
  for (const key of referencePath.split('.').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The timing fields of one `Retry` entry. */
export interface AslRetrier {
  ErrorEquals?: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxAttempts?: number;
  MaxDelaySeconds?: number;
}

/** The states that carry a `Retry` field, with their retriers in order. */
export function collectRetryStates(
  definition: AslDefinition,
): Array<{ stateName: string; retriers: AslRetrier[] }> {
  const found: Array<{ stateName: string; retriers: AslRetrier[] }> = [];
  walkStates(definition, (stateName, state) => {
    if (Array.isArray(state.Retry) && state.Retry.length > 0) {
      found.push({ stateName, retriers: state.Retry as AslRetrier[] });
    }
  });
  return found;
}

/**
 * Replaces `${Name}` in every string of the definition, as CDK's `definitionSubstitutions` do.
 * Unknown variables are left as they are.
 */
export function substitute(
  definition: AslDefinition,
  variables: Readonly<Record<string, string>>,
): AslDefinition {
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, name: string) => variables[name] ?? whole);
    }
    if (Array.isArray(value)) return value.map(replace);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item)]));
    }
    return value;
  };
  return replace(definition) as AslDefinition;
}
