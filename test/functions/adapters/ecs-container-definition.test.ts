import { describe, expect, it } from 'vitest';
import { containerDefinition, type TaskDefinitionInput } from '../../../functions/adapters/ecs.ts';

const input: TaskDefinitionInput = {
  env: 'demo',
  family: 'berth-demo',
  containerName: 'app',
  image: 'nginx:1.27',
  containerPort: 8080,
  networkMode: 'bridge',
  launchType: 'EC2',
  cpu: 256,
  memory: 512,
  tags: {},
};

describe('containerDefinition', () => {
  it('sets BERTH_ENV to the environment name when the spec has no environment', () => {
    expect(containerDefinition(input).environment).toEqual([{ name: 'BERTH_ENV', value: 'demo' }]);
  });

  it('keeps the spec environment and lets BERTH_ENV name the environment over a spec value', () => {
    const definition = containerDefinition({
      ...input,
      environment: { LOG_LEVEL: 'debug', BERTH_ENV: 'other' },
    });
    expect(definition.environment).toEqual([
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'BERTH_ENV', value: 'demo' },
    ]);
  });
});
