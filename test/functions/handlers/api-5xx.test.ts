import { describe, expect, it } from 'vitest';
import { ThrottlingError, TransientAwsError } from '../../../functions/core/errors.ts';
import { makeHandler } from '../../../functions/handlers/api.ts';
import { apiEvent, FakeExecutions, FakeRegistry, parse } from './entry-fakes.ts';

/** The AWS text a failing call carries: an account id, an ARN, an AWS error code. */
const AWS_TEXT =
  'dynamodb.GetItem arn:aws:dynamodb:us-east-1:123456789012:table/berth-registry: ProvisionedThroughputExceededException';

const failingWith = (error: Error) => {
  const registry = new FakeRegistry();
  registry.getEnvironment = async () => {
    throw error;
  };
  registry.listEnvironments = async () => {
    throw error;
  };
  const logged: Record<string, unknown>[] = [];
  const handler = makeHandler({
    registry,
    executions: new FakeExecutions(),
    planner: { plan: async () => ({ steps: [] }) },
    logger: { error: (_message, details) => logged.push(details) },
  });
  return { handler, logged };
};

describe('5xx responses', () => {
  it.each([
    ['ThrottlingError', new ThrottlingError(AWS_TEXT), 503],
    ['TransientAwsError', new TransientAwsError(AWS_TEXT), 503],
    ['InternalError', Object.assign(new Error(AWS_TEXT), { name: 'ResourceNotFoundException' }), 500],
  ])('never echo the AWS error text (%s), which is logged instead', async (error, thrown, status) => {
    const { handler, logged } = failingWith(thrown);
    for (const event of [
      apiEvent('GET', '/environments/demo'),
      apiEvent('GET', '/environments'),
      apiEvent('DELETE', '/environments/demo'),
    ]) {
      const result = await handler(event);
      expect(result.statusCode).toBe(status);
      expect(parse(result)['error']).toBe(error);
      for (const fragment of ['123456789012', 'arn:aws', 'ProvisionedThroughput', 'dynamodb'])
        expect(result.body).not.toContain(fragment);
    }
    expect(JSON.stringify(logged)).toContain('ProvisionedThroughputExceededException');
  });
});
