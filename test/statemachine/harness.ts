import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** Fake values for every substitution variable the ASL files use (the CDK stack provides the real ones). */
const FAKE_ACCOUNT = '123456789012';
const fakeFunctionArn = (handler: string): string =>
  `arn:aws:lambda:us-east-1:${FAKE_ACCOUNT}:function:berth-test-${handler}`;
const FAKE_LIFECYCLE_ARN = `arn:aws:states:us-east-1:${FAKE_ACCOUNT}:stateMachine:berth-test-lifecycle`;

export type MachineFile = 'lifecycle' | 'nightly-teardown';

const aslPath = (file: MachineFile): string =>
  fileURLToPath(new URL(`../../statemachine/${file}.asl.json`, import.meta.url));

/** The ASL text exactly as committed. */
export const readAsl = (file: MachineFile): string => readFileSync(aslPath(file), 'utf8');

/** Every `${Name}` substitution variable used in an ASL text. */
export const substitutionVariables = (text: string): string[] =>
  [...new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1] ?? ''))].sort();

/** The ASL with substitutions replaced by fake ARNs, as CDK would deploy it. */
export const loadDefinition = (file: MachineFile): any => {
  const text = readAsl(file).replace(/\$\{(\w+)\}/g, (_m, name: string) => {
    if (name === 'LifecycleStateMachineArn') return FAKE_LIFECYCLE_ARN;
    const match = /^(\w+)FunctionArn$/.exec(name);
    if (!match?.[1]) throw new Error(`unknown substitution ${name}`);
    return fakeFunctionArn(match[1]);
  });
  return JSON.parse(text);
};

export interface StateInfo {
  name: string;
  type: string;
  /** For Lambda tasks: the handler name from the `${XFunctionArn}` substitution (`Verify`). */
  handler?: string;
  resource?: string;
}

/** All states of a definition, including those inside Parallel branches and Map processors. */
export const allStates = (definition: any): StateInfo[] => {
  const out: StateInfo[] = [];
  const visit = (machine: any): void => {
    for (const [name, state] of Object.entries<any>(machine.States)) {
      const info: StateInfo = { name, type: state.Type };
      if (state.Type === 'Task') {
        info.resource = state.Resource;
        const handler = /function:berth-test-(\w+)$/.exec(state.Resource)?.[1];
        if (handler) info.handler = handler;
      }
      out.push(info);
      for (const branch of state.Branches ?? []) visit(branch);
      if (state.ItemProcessor) visit(state.ItemProcessor);
      if (state.Iterator) visit(state.Iterator);
    }
  };
  visit(definition);
  return out;
};

export interface Call {
  state: string;
  handler: string;
  input: any;
}

export type FakeHandler = (input: any, call: { state: string; count: number }) => unknown;

/** An error as a Lambda handler throws it: the `name` is what Retry/Catch match. */
export const handlerError = (name: string, message: string): Error => {
  const error = new Error(message);
  error.name = name;
  return error;
};

export interface RunResult {
  output?: any;
  error?: { name: string; message: string };
  calls: Call[];
  events: EventLog[];
  /** Task state names in call order. */
  order: string[];
  /** StateEntered events: Step Functions bills one state transition per state entered. */
  transitions: number;
}

/**
 * Runs a state machine file with aws-local-stepfunctions: every Lambda task is answered by the fake for its
 * handler (keyed by handler name, as the local runtime derives it from the Resource), waits and retry
 * intervals are ~0 ms.
 */
export const runMachine = async (
  file: MachineFile,
  input: unknown,
  handlers: Record<string, FakeHandler>,
  extra: { tasks?: Record<string, FakeHandler>; executionName?: string; realWaits?: string[] } = {},
): Promise<RunResult> => {
  const definition = loadDefinition(file);
  const states = allStates(definition);
  const calls: Call[] = [];
  const counts = new Map<string, number>();
  const taskResourceLocalHandlers: Record<string, (input: any) => Promise<any>> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const state of states) {
    if (state.type === 'Wait' && !extra.realWaits?.includes(state.name)) waitTimeOverrides[state.name] = 0;
    if (state.type === 'Task' || state.type === 'Parallel' || state.type === 'Map') {
      retryIntervalOverrides[state.name] = 0;
    }
    if (state.type !== 'Task') continue;
    const fake = extra.tasks?.[state.name] ?? (state.handler ? handlers[state.handler] : undefined);
    if (!fake) throw new Error(`no fake for task ${state.name}`);
    taskResourceLocalHandlers[state.name] = async (taskInput: any) => {
      const count = (counts.get(state.name) ?? 0) + 1;
      counts.set(state.name, count);
      calls.push({ state: state.name, handler: state.handler ?? state.resource ?? '', input: taskInput });
      return (await fake(taskInput, { state: state.name, count })) as any;
    };
  }
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input as any, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:${FAKE_ACCOUNT}:execution:test:${extra.executionName ?? 'run-1'}`,
        Name: extra.executionName ?? 'run-1',
      },
    } as any,
  });
  const events: EventLog[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  const result: RunResult = { calls, events, order: [], transitions: 0 };
  try {
    result.output = await execution.result;
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    result.error = { name: cause?.name ?? error.name, message: cause?.message ?? error.message };
  }
  await collect;
  result.order = calls.map((c) => c.state);
  result.transitions = events.filter((e) => e.type === 'StateEntered').length;
  return result;
};

/** Checks the verify loop made before this one: the verify step counts them from the previous `$.verify`. */
const checksSoFar = (state: any): number =>
  typeof state?.verify?.checks === 'number' ? state.verify.checks : 0;

/** A Verify fake that keeps the verify step's contract: Pending, the wait it asks for, the checks so far. */
export const pendingVerify =
  (reason: string, waitSeconds = 15): FakeHandler =>
  (input) => ({ health: 'Pending', reason, url: 'http://x', waitSeconds, checks: checksSoFar(input) + 1 });

/** Default fakes: every step succeeds at once. */
export const happyHandlers = (): Record<string, FakeHandler> => ({
  Lock: (input) => (input.action === 'acquire' ? { token: 'token-1' } : { released: true }),
  Record: () => ({ recorded: true }),
  CreateNetwork: () => ({ albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-instances' }),
  CreateLoadBalancer: () => ({
    targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/berth-demo-tg/1',
    dnsName: 'berth-demo-alb-1.us-east-1.elb.localhost',
    url: 'http://berth-demo-alb-1.us-east-1.elb.localhost',
  }),
  CreateCluster: () => ({ clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/berth-demo' }),
  CreateTaskDefinition: () => ({
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/berth-demo:1',
  }),
  CreateService: () => ({ serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/berth-demo/berth-demo' }),
  Verify: (input) => ({
    health: 'Healthy',
    reason: 'all targets healthy',
    url: 'http://berth-demo-alb-1',
    checks: checksSoFar(input) + 1,
  }),
  Scale: (input) => ({ desiredCount: input.desiredCount }),
  Redeploy: () => ({ taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/berth-demo:2' }),
  Extend: () => ({ expiresAt: '2026-11-26T20:00:00.000Z' }),
  Pause: () => ({ done: true, remaining: [], executed: [] }),
  Resume: () => ({ done: true, remaining: [], executed: [], desiredCount: 2, waitedSeconds: 0 }),
  TeardownService: () => ({ done: true, remaining: 0 }),
  TeardownCapacity: () => ({ done: true, remaining: 0 }),
  TeardownCluster: () => ({ done: true }),
  TeardownLoadBalancer: () => ({ done: true, remaining: 0 }),
  TeardownNetwork: () => ({ done: true }),
  TeardownTaskDefinitions: () => ({ done: true, deregistered: 1 }),
  Notify: () => ({ posted: true }),
  Nightly: (input) =>
    input.action === 'list' ? { candidates: [], skipped: [] } : { posted: true, summary: 'nothing to do' },
});

const SPEC = { name: 'demo', image: 'nginx:1.27', owner: 'alice' };

export const upInput = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  operation: 'up',
  env: 'demo',
  spec: SPEC,
  requestId: 'req-1',
  requestedBy: 'alice',
  ...extra,
});

export const lockCalls = (calls: Call[]): string[] =>
  calls.filter((c) => c.handler === 'Lock').map((c) => c.input.action as string);
