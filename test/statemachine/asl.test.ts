import validator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_MACHINE_HANDLERS } from '../../infra/handler-catalog.ts';
import { RETRY_THROTTLED } from '../../statemachine/src/blocks.ts';
import { cleanup, type Synthesized, synthesize } from '../infra/helpers.ts';
import { allStates, loadDefinition, type MachineFile, readAsl, substitutionVariables } from './harness.ts';

const FILES: MachineFile[] = ['lifecycle', 'nightly-teardown'];
const SERVICE_INTEGRATIONS = ['arn:aws:states:::states:startExecution.sync:2'];
const RETRIED = [
  'ThrottlingError',
  'TransientAwsError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
const BUILT_IN = new Set(['States.ALL', 'States.TaskFailed', 'States.Timeout', 'States.Runtime']);

const rawStates = (file: MachineFile): Array<[string, any]> => {
  const out: Array<[string, any]> = [];
  const visit = (machine: any): void => {
    for (const [name, state] of Object.entries<any>(machine.States)) {
      out.push([name, state]);
      for (const branch of state.Branches ?? []) visit(branch);
      if (state.ItemProcessor) visit(state.ItemProcessor);
    }
  };
  visit(JSON.parse(readAsl(file)));
  return out;
};

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize();
});
afterAll(() => cleanup(synth));

describe.each(FILES)('%s.asl.json', (file) => {
  it('passes asl-validator once substituted as CDK deploys it', () => {
    const result = validator(loadDefinition(file), { checkArn: true, checkPaths: true });

    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('names every state once across the whole file', () => {
    const names = allStates(loadDefinition(file)).map((s) => s.name);

    expect(new Set(names).size).toBe(names.length);
  });

  it('calls only substitution variables or allowed service integrations from Task states', () => {
    for (const [name, state] of rawStates(file).filter(([, s]) => s.Type === 'Task')) {
      const ok = /^\$\{\w+\}$/.test(state.Resource) || SERVICE_INTEGRATIONS.includes(state.Resource);
      expect(ok, `${name}: ${state.Resource}`).toBe(true);
    }
  });

  it('starts each Lambda Task name with the verb of the handler it calls', () => {
    for (const [name, state] of rawStates(file).filter(([, s]) => s.Type === 'Task')) {
      const handler = /^\$\{(\w+)FunctionArn\}$/.exec(state.Resource)?.[1];
      if (handler) expect(name.startsWith(handler), name).toBe(true);
    }
  });

  it('retries throttling, transient and Lambda service errors with full jitter on every Lambda Task', () => {
    for (const [name, state] of rawStates(file).filter(
      ([, s]) => s.Type === 'Task' && s.Resource.endsWith('FunctionArn}'),
    )) {
      // Each error goes to the first retrier that lists it (Step Functions' order).
      for (const error of RETRIED) {
        const retrier = (state.Retry ?? []).find((r: any) => r.ErrorEquals.includes(error));
        expect(retrier, `${name}: ${error}`).toMatchObject({
          JitterStrategy: 'FULL',
          IntervalSeconds: expect.any(Number),
          BackoffRate: expect.any(Number),
          MaxAttempts: expect.any(Number),
          MaxDelaySeconds: expect.any(Number),
        });
      }
      const transient = (state.Retry ?? []).find((r: any) => r.ErrorEquals.includes('TransientAwsError'));
      expect(transient?.ErrorEquals, name).toEqual(RETRIED);
    }
  });

  it('retries ThrottlingError with the dedicated retrier first on every Task that calls a 1/s ECS action', () => {
    const onePerSecond = /^(Teardown|CreateCluster$|CreateTaskDefinition$|Redeploy$)/;
    const tasks = rawStates(file).filter(
      ([name, s]) => s.Type === 'Task' && s.Resource.endsWith('FunctionArn}') && onePerSecond.test(name),
    );
    if (file === 'lifecycle') expect(tasks.length).toBeGreaterThanOrEqual(15);
    for (const [name, state] of tasks) {
      const first = (state.Retry ?? []).find((r: any) => r.ErrorEquals.includes('ThrottlingError'));
      expect(first, name).toEqual(RETRY_THROTTLED);
      expect(state.Retry.indexOf(first), name).toBe(0);
    }
  });

  it.runIf(file === 'lifecycle')(
    'waits between resume calls what the Resume handler asks for (adaptive polling)',
    () => {
      const wait = rawStates(file).find(([name]) => name === 'ResumeWait')?.[1];
      expect(wait?.SecondsPath).toBe('$.resume.waitSeconds');
    },
  );

  it('lists no error name starting with States. other than the built-ins', () => {
    const names = rawStates(file).flatMap(([, s]) =>
      [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r: any) => r.ErrorEquals as string[]),
    );
    expect(names.filter((n) => n.startsWith('States.') && !BUILT_IN.has(n))).toEqual([]);
  });
});

describe('substitutions', () => {
  it('are all provided by the orchestrator stack for the lifecycle machine', () => {
    expect(substitutionVariables(readAsl('lifecycle'))).toEqual(
      Object.keys(synth.stacks.orchestrator.lifecycleSubstitutions).sort(),
    );
  });

  it('are all provided by the orchestrator stack for the nightly machine', () => {
    expect(substitutionVariables(readAsl('nightly-teardown'))).toEqual(
      Object.keys(synth.stacks.orchestrator.nightlySubstitutions).sort(),
    );
  });

  it('reach the deployed template', () => {
    const machines = Object.values(
      synth.orchestrator.findResources('AWS::StepFunctions::StateMachine'),
    ) as any[];
    const keys = machines.map((m) => Object.keys(m.Properties.DefinitionSubstitutions).sort());
    expect(keys).toContainEqual(substitutionVariables(readAsl('lifecycle')));
    expect(keys).toContainEqual(substitutionVariables(readAsl('nightly-teardown')));
  });

  it('cover every state machine handler of the catalog', () => {
    const used = new Set([
      ...substitutionVariables(readAsl('lifecycle')),
      ...substitutionVariables(readAsl('nightly-teardown')),
    ]);
    for (const handler of STATE_MACHINE_HANDLERS)
      expect(used.has(handler.substitution ?? ''), handler.id).toBe(true);
  });
});

describe('lifecycle catches', () => {
  it('catches States.ALL on every Task and Parallel except inside the parallel branches', () => {
    const branchTasks = new Set(['CreateLoadBalancer', 'CreateCluster', 'CreateTaskDefinition']);
    for (const [name, state] of rawStates('lifecycle')) {
      if (!['Task', 'Parallel'].includes(state.Type) || branchTasks.has(name)) continue;
      const catchesAll = (state.Catch ?? []).some((c: any) => c.ErrorEquals.includes('States.ALL'));
      expect(catchesAll, name).toBe(true);
    }
  });
});
