import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors.ts';
import {
  checkOperationField,
  checkRequestId,
  OPERATIONS,
  parseOperationInput,
  parsePlanRequest,
  REQUIRED_INPUT,
} from '../../../functions/core/operation.ts';

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
    [{ operation: 'up', env: 'other', spec }, 'spec.name: must equal the environment name "other"'],
    [
      { operation: 'up', env: 'demo', spec: { ...spec, cpu: 1 } },
      'spec.cpu: must be an integer number of CPU units from 128 to 16384',
    ],
    [
      { operation: 'destroy', env: 'demo' },
      'operation: must be one of up, down, scale, redeploy, extend, pause, resume',
    ],
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

describe('checkOperationField', () => {
  it.each([
    ['desiredCount', 101, 'desiredCount', 'desiredCount: must be an integer from 0 to 100'],
    ['desiredCount', 1.5, 'count', 'count: must be an integer from 0 to 100'],
    ['hours', 721, 'hours', 'hours: must be an integer from 1 to 720'],
    ['hours', 0, 'ttl', 'ttl: must be an integer from 1 to 720'],
    ['env', 'Demo', 'name', 'name: must be a DNS label of 2–20 lower'],
    ['image', '', 'image', 'image: '],
  ] as const)('rejects %s = %j reported as %s', (name, value, field, message) => {
    expect(() => checkOperationField(name, value, field)).toThrow(ValidationError);
    expect(() => checkOperationField(name, value, field)).toThrow(message);
  });

  it('returns the value the operation input would accept', () => {
    expect(checkOperationField('hours', 720)).toBe(720);
    expect(checkOperationField('desiredCount', 0)).toBe(0);
  });

  it('uses the same rule as the whole input', () => {
    const whole = () => parseOperationInput({ operation: 'extend', env: 'demo', hours: 721, ...request });
    expect(whole).toThrow('hours: must be an integer from 1 to 720');
  });
});

describe('checkRequestId', () => {
  it('refuses characters an execution name cannot carry', () => {
    expect(() => checkRequestId('a b', 'Idempotency-Key')).toThrow(
      'Idempotency-Key: must be 1-64 characters of letters, digits, "-" or "_"',
    );
    expect(() =>
      parseOperationInput({ operation: 'down', env: 'demo', requestId: 'a b', requestedBy: 'x' }),
    ).toThrow('requestId: must be 1-64 characters');
  });
});

describe('REQUIRED_INPUT', () => {
  it.each(OPERATIONS)('is what parseOperationInput requires for %s', (operation) => {
    const full = { desiredCount: 1, hours: 1, spec };
    for (const field of ['spec', 'desiredCount', 'hours'] as const) {
      const { [field]: _left, ...rest } = full;
      const input = { operation, env: 'demo', ...rest, ...request };
      const required = REQUIRED_INPUT[operation].find((r) => r.field === field);
      if (required) {
        expect(() => parseOperationInput(input)).toThrow(
          `${field}: is required for operation '${operation}'`,
        );
        if (required.unless === 'keep')
          expect(() => parseOperationInput({ ...input, keep: true })).not.toThrow();
      } else {
        expect(() => parseOperationInput(input)).not.toThrow();
      }
    }
  });
});

describe('parsePlanRequest', () => {
  it.each([
    [{ operation: 'up', env: 'demo' }, 'spec: is required to plan up'],
    [{ operation: 'scale', env: 'demo', spec }, 'desiredCount: is required to plan scale'],
    [{ operation: 'redeploy', env: 'demo' }, 'spec: is required to plan redeploy'],
    [{ operation: 'extend', env: 'demo' }, 'operation: must be one of up, down, scale, redeploy'],
    [
      { operation: 'up', env: 'demo', spec: { ...spec, name: 'other' } },
      'spec.name: must equal the environment name "demo"',
    ],
    [{ operation: 'down', env: 'demo', hours: 1 }, 'hours: is not a known field'],
  ])('rejects %j', (input, message) => {
    expect(() => parsePlanRequest(input)).toThrow(message);
  });

  it('takes down without a spec and applies the spec defaults otherwise', () => {
    expect(parsePlanRequest({ operation: 'down', env: 'demo' })).toEqual({ operation: 'down', env: 'demo' });
    expect(parsePlanRequest({ operation: 'redeploy', env: 'demo', spec }).spec?.desiredCount).toBe(1);
  });
});
