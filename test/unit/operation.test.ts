import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/core/errors.ts';
import { parseOperationInput } from '../../functions/core/operation.ts';

const request = { requestId: 'req-1', requestedBy: 'ana@example.com' };
const spec = { name: 'demo', image: 'nginx:1.27', owner: 'ana@example.com' };

describe('parseOperationInput', () => {
  it('parses an up with its spec defaults applied', () => {
    const input = parseOperationInput({ operation: 'up', env: 'demo', spec, dryRun: true, ...request });
    expect(input.spec?.desiredCount).toBe(1);
    expect(input.dryRun).toBe(true);
  });

  it.each([
    [{ operation: 'down', env: 'demo' }],
    [{ operation: 'scale', env: 'demo', desiredCount: 0 }],
    [
      {
        operation: 'redeploy',
        env: 'demo',
        image: 'nginx:1.28',
        responseUrl: 'https://hooks.slack.com/commands/1',
      },
    ],
    [{ operation: 'extend', env: 'demo', hours: 8 }],
  ])('parses %j', (fields) => {
    expect(parseOperationInput({ ...fields, ...request })).toEqual({ ...fields, ...request });
  });

  it.each([
    [{ operation: 'up', env: 'demo' }, "spec: is required for operation 'up'"],
    [{ operation: 'scale', env: 'demo' }, "desiredCount: is required for operation 'scale'"],
    [{ operation: 'extend', env: 'demo' }, "hours: is required for operation 'extend'"],
    [{ operation: 'up', env: 'other', spec }, 'spec.name: must equal env (other)'],
    [
      { operation: 'up', env: 'demo', spec: { ...spec, cpu: 1 } },
      'spec.cpu: must be an integer number of CPU units from 128 to 16384',
    ],
    [{ operation: 'destroy', env: 'demo' }, 'operation: must be one of up, down, scale, redeploy, extend'],
    [{ operation: 'scale', env: 'demo', desiredCount: -1 }, 'desiredCount: must be an integer from 0 to 100'],
    [{ operation: 'down', env: 'demo', responseUrl: 'ftp://x' }, 'responseUrl: must be an http(s) URL'],
    [{ operation: 'down', env: 'demo', force: true }, 'force: is not a known field'],
  ])('rejects %j', (fields, message) => {
    expect(() => parseOperationInput({ ...fields, ...request })).toThrow(ValidationError);
    expect(() => parseOperationInput({ ...fields, ...request })).toThrow(message);
  });

  it('requires a request id', () => {
    expect(() => parseOperationInput({ operation: 'down', env: 'demo', requestedBy: 'ana' })).toThrow(
      'requestId: is required',
    );
  });

  it('rejects a non-object as the input', () => {
    expect(() => parseOperationInput(null)).toThrow('input: must be an object');
  });
});
