import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AslDefinition,
  collectTaskBindings,
  collectWaitStates,
  substitute,
  substitutionToHandlerFile,
} from '../../../local/runtime/asl.ts';

const sub = (name: string): string => `$${'{'}${name}}`;

describe('substitutionToHandlerFile', () => {
  it.each([
    ['LockFunctionArn', 'lock'],
    ['TeardownLoadBalancerFunctionArn', 'teardown-load-balancer'],
    ['CreateTaskDefinitionFunctionArn', 'create-task-definition'],
    ['TeardownTaskDefinitionsFunctionArn', 'teardown-task-definitions'],
  ])('maps %s to %s', (variable, file) => {
    expect(substitutionToHandlerFile(variable)).toBe(file);
  });

  it('returns undefined for a variable that is not a function ARN', () => {
    expect(substitutionToHandlerFile('LifecycleStateMachineArn')).toBeUndefined();
  });
});

describe('collectTaskBindings', () => {
  const definition: AslDefinition = {
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'A',
            States: { A: { Type: 'Task', Resource: sub('CreateNetworkFunctionArn'), End: true } },
          },
        ],
        Next: 'M',
      },
      M: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'Child',
          States: {
            Child: {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution.sync:2',
              Parameters: { StateMachineArn: sub('LifecycleStateMachineArn') },
              End: true,
            },
          },
        },
        Next: 'W',
      },
      W: { Type: 'Wait', Seconds: 30, Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };

  it('finds Task states inside Parallel branches and Map processors', () => {
    expect(collectTaskBindings(definition)).toEqual([
      {
        kind: 'lambda',
        stateName: 'A',
        variable: 'CreateNetworkFunctionArn',
        handlerFile: 'create-network',
        style: 'direct',
      },
      { kind: 'start-execution', stateName: 'Child', mode: 'sync2' },
    ]);
  });

  it('rejects a Task whose resource the runtime cannot run', () => {
    const bad: AslDefinition = {
      StartAt: 'X',
      States: { X: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
    };
    expect(() => collectTaskBindings(bad)).toThrowError(
      'Task X: the local runtime cannot run resource arn:aws:states:::sqs:sendMessage',
    );
  });

  it('lists Wait states with their static seconds', () => {
    expect(collectWaitStates(definition)).toEqual([{ stateName: 'W', seconds: 30 }]);
  });

  it('binds every Task of the real lifecycle ASL to a handler file', () => {
    const lifecycle = JSON.parse(
      readFileSync(new URL('../../../statemachine/lifecycle.asl.json', import.meta.url), 'utf8'),
    );
    const files = new Set(
      collectTaskBindings(lifecycle).map((b) => (b.kind === 'lambda' ? b.handlerFile : b.mode)),
    );
    expect(files).toContain('teardown-load-balancer');
    expect(files).toContain('verify');
    expect(files).not.toContain('sync2');
  });
});

describe('substitute', () => {
  it('replaces known variables in every string and leaves unknown ones', () => {
    const out = substitute(
      {
        StartAt: 'A',
        States: { A: { Type: 'Task', Resource: sub('LockFunctionArn'), Comment: sub('Other'), End: true } },
      },
      { LockFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:berth-lock' },
    );
    expect(out.States['A']?.Resource).toBe('arn:aws:lambda:us-east-1:000000000000:function:berth-lock');
    expect(out.States['A']?.['Comment']).toBe(sub('Other'));
  });
});
