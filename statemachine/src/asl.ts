/**
 * Amazon States Language (JSONPath query language), the subset Berth's state machines use, typed, with the
 * small builders every machine is written with. Reference: the Amazon States Language specification
 * (states-language.net/spec.html) and the Step Functions developer guide ("State machine structure",
 * "Handling errors in Step Functions workflows").
 *
 * A machine is written as {@link Step}s: a step is a function from "what comes next" to a {@link Fragment}
 * (its first state and the states it adds). {@link sequence} wires steps one after the other, so a definition
 * reads top to bottom and no `Next` is written by hand.
 */

export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
/** `Parameters`, `ResultSelector`, `ItemSelector`: keys ending in `.$` hold a path or an intrinsic function. */
export type Payload = { readonly [key: string]: Json };
/** A reference path into the state (`$.…`) or the context object (`$$.…`). */
export type Path = `$${string}`;

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly BackoffRate: number;
  readonly MaxAttempts: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath?: Path;
  readonly Next: string;
}

/** A Choice rule's boolean expression (data-test expressions and `And`/`Or`/`Not`). */
export type Condition =
  | { readonly And: readonly Condition[] }
  | { readonly Or: readonly Condition[] }
  | { readonly Not: Condition }
  | ({ readonly Variable: Path } & { readonly [operator: string]: Json });

export type ChoiceRule = Condition & { readonly Next: string };

interface Base {
  readonly Comment?: string;
}
interface Transition {
  readonly Next?: string;
  readonly End?: true;
}
interface Io {
  readonly InputPath?: Path;
  readonly Parameters?: Payload;
  readonly ResultSelector?: Payload;
  readonly ResultPath?: Path;
  readonly OutputPath?: Path;
}

interface TaskState extends Base, Transition, Io {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}
export interface PassState extends Base, Transition, Io {
  readonly Type: 'Pass';
  readonly Result?: Json;
}
interface ChoiceState extends Base {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}
export interface WaitState extends Base, Transition {
  readonly Type: 'Wait';
  readonly Seconds?: number;
  readonly SecondsPath?: Path;
}
interface ParallelState extends Base, Transition, Io {
  readonly Type: 'Parallel';
  readonly Branches: readonly Machine[];
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}
interface MapState extends Base, Transition, Io {
  readonly Type: 'Map';
  readonly ItemsPath?: Path;
  readonly MaxConcurrencyPath?: Path;
  readonly ItemSelector?: Payload;
  readonly ItemProcessor: Machine & { readonly ProcessorConfig: { readonly Mode: 'INLINE' } };
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}
interface SucceedState extends Base {
  readonly Type: 'Succeed';
  readonly OutputPath?: Path;
}
interface FailState extends Base {
  readonly Type: 'Fail';
  readonly Error?: string;
  readonly Cause?: string;
  readonly ErrorPath?: Path;
  readonly CausePath?: Path;
}

export type State =
  | TaskState
  | PassState
  | ChoiceState
  | WaitState
  | ParallelState
  | MapState
  | SucceedState
  | FailState;
export type States = Readonly<Record<string, State>>;

export interface Machine {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: States;
}

/** Marks the last state of a branch or item processor (`"End": true`). */
export const END = Symbol('End');
export type NextState = string | typeof END;

/** A piece of a machine: the state it starts at and the states it adds. */
export interface Fragment {
  readonly start: string;
  readonly states: States;
}
/** A piece of a machine that continues at `next` when it succeeds. */
export type Step = (next: NextState) => Fragment;

export const transition = (next: NextState): { Next: string } | { End: true } =>
  next === END ? { End: true } : { Next: next };

/** Joins the states of fragments; a state name may appear once in a whole machine. */
export const join = (...fragments: readonly Fragment[]): States => {
  const states: Record<string, State> = {};
  for (const fragment of fragments) {
    for (const [name, state] of Object.entries(fragment.states)) {
      if (name in states) throw new Error(`state ${name} is defined twice`);
      states[name] = state;
    }
  }
  return states;
};

/** One named state as a fragment. */
export const single = (name: string, state: State): Fragment => ({ start: name, states: { [name]: state } });

/** Runs steps one after the other: each continues at the next one's first state, the last at `next`. */
export const sequence =
  (...steps: readonly Step[]): Step =>
  (next) => {
    const fragments: Fragment[] = [];
    let after = next;
    for (const step of [...steps].reverse()) {
      const fragment = step(after);
      fragments.unshift(fragment);
      after = fragment.start;
    }
    const first = fragments[0];
    if (!first) throw new Error('sequence of no steps');
    return { start: first.start, states: join(...fragments) };
  };

/** A step made of one state, given its transition. */
export const stateStep =
  (name: string, state: (next: NextState) => State): Step =>
  (next) =>
    single(name, state(next));

export const pass = (
  name: string,
  fields: Omit<PassState, 'Type' | 'Next' | 'End'> & { readonly Result?: Json } = {},
): Step => stateStep(name, (next) => ({ Type: 'Pass', ...fields, ...transition(next) }));

export const wait = (name: string, fields: Omit<WaitState, 'Type' | 'Next' | 'End'>): Step =>
  stateStep(name, (next) => ({ Type: 'Wait', ...fields, ...transition(next) }));

/** A Choice is where a path forks, so it is a fragment rather than a step. */
export const choice = (
  name: string,
  choices: readonly ChoiceRule[],
  fallback: string,
  comment?: string,
): Fragment =>
  single(name, {
    Type: 'Choice',
    ...(comment ? { Comment: comment } : {}),
    Choices: choices,
    Default: fallback,
  });

/** Choice conditions. */
export const is = {
  string: (variable: Path, value: string): Condition => ({ Variable: variable, StringEquals: value }),
  boolean: (variable: Path, value: boolean): Condition => ({ Variable: variable, BooleanEquals: value }),
  present: (variable: Path): Condition => ({ Variable: variable, IsPresent: true }),
  /**
   * Absence, written `Not { IsPresent: true }`: `IsPresent: false` never matches in aws-local-stepfunctions
   * 3.0.0, which the local runtime uses.
   */
  absent: (variable: Path): Condition => ({ Not: { Variable: variable, IsPresent: true } }),
  atLeastPath: (variable: Path, other: Path): Condition => ({
    Variable: variable,
    NumericGreaterThanEqualsPath: other,
  }),
  not: (condition: Condition): Condition => ({ Not: condition }),
  and: (...conditions: Condition[]): Condition => ({ And: conditions }),
  or: (...conditions: Condition[]): Condition => ({ Or: conditions }),
};

export const when = (condition: Condition, next: string): ChoiceRule => ({ ...condition, Next: next });

/** A Retrier for the given error names with a policy (interval, backoff, attempts, cap, jitter). */
export const retryOn = (errors: readonly string[], policy: Omit<Retrier, 'ErrorEquals'>): Retrier => ({
  ErrorEquals: errors,
  ...policy,
});

/** `Catch` of every error (`States.ALL`) into `resultPath`, continuing at `next`. */
export const catchAll = (resultPath: Path, next: string): Catcher => ({
  ErrorEquals: ['States.ALL'],
  ResultPath: resultPath,
  Next: next,
});

/**
 * A whole machine (or a Parallel branch, or a Map item processor) from its body. Checks that every `Next`,
 * `Default` and `Catch` target names a state of the same machine.
 */
export const machine = (
  body: Fragment,
  options: { comment?: string; timeoutSeconds?: number } = {},
): Machine => {
  const targets = (state: State): string[] => {
    const out: string[] = [];
    if ('Next' in state && state.Next) out.push(state.Next);
    if (state.Type === 'Choice') {
      out.push(...state.Choices.map((c) => c.Next));
      if (state.Default) out.push(state.Default);
    }
    if ('Catch' in state && state.Catch) out.push(...state.Catch.map((c) => c.Next));
    return out;
  };
  for (const [name, state] of Object.entries(body.states)) {
    for (const target of targets(state)) {
      if (!(target in body.states)) throw new Error(`${name} goes to ${target}, which is not a state`);
    }
  }
  if (!(body.start in body.states)) throw new Error(`StartAt ${body.start} is not a state`);
  return {
    ...(options.comment ? { Comment: options.comment } : {}),
    StartAt: body.start,
    ...(options.timeoutSeconds ? { TimeoutSeconds: options.timeoutSeconds } : {}),
    States: body.states,
  };
};

/** Field order in the written JSON: roughly the order the ASL specification describes them in. */
const MACHINE_FIELDS = ['Comment', 'ProcessorConfig', 'StartAt', 'TimeoutSeconds', 'States'];
const STATE_FIELDS = [
  'Type',
  'Resource',
  'Comment',
  'ItemsPath',
  'MaxConcurrencyPath',
  'ItemSelector',
  'ItemProcessor',
  'Branches',
  'Parameters',
  'Result',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'Seconds',
  'SecondsPath',
  'Choices',
  'Default',
  'Error',
  'Cause',
  'ErrorPath',
  'CausePath',
  'Retry',
  'Catch',
  'Next',
  'End',
];

const sortedBy = <T extends object>(value: T, order: readonly string[]): T => {
  const rank = (key: string): number => (order.includes(key) ? order.indexOf(key) : order.length);
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => rank(a) - rank(b))) as T;
};

const orderMachine = (definition: Machine): Machine =>
  sortedBy(
    {
      ...definition,
      States: Object.fromEntries(
        Object.entries(definition.States).map(([name, state]) => [name, orderState(state)]),
      ),
    },
    MACHINE_FIELDS,
  );

const orderState = (state: State): State => {
  if (state.Type === 'Parallel')
    return sortedBy({ ...state, Branches: state.Branches.map(orderMachine) }, STATE_FIELDS);
  if (state.Type === 'Map') {
    return sortedBy(
      { ...state, ItemProcessor: orderMachine(state.ItemProcessor) as MapState['ItemProcessor'] },
      STATE_FIELDS,
    );
  }
  return sortedBy(state, STATE_FIELDS);
};

/** The ASL text written to `statemachine/<name>.asl.json`: fields in a fixed order, two-space indent. */
export const render = (definition: Machine): string =>
  `${JSON.stringify(orderMachine(definition), null, 2)}\n`;

/** A `${Variable}` that CDK's `definitionSubstitutions` replaces at deploy time (a function or machine ARN). */
export const substitution = (variable: string): string => `\${${variable}}`;
