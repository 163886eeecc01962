import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../cli/api-client.ts';
import { ExitCode } from '../../cli/exit-codes.ts';

const answering =
  (status: number, body: unknown): typeof fetch =>
  async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('ApiError', () => {
  it("explains API Gateway's 403 Missing Authentication Token as a route the API does not define", async () => {
    const client = createApiClient({
      baseUrl: 'http://127.0.0.1:4568',
      fetch: answering(403, { message: 'Missing Authentication Token' }),
    });
    const error = await client.describe('demo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe(
      'Error: the API has no GET /environments/demo (API Gateway answered 403 "Missing Authentication Token", its answer for a method or path it does not define, or for an unsigned request): check the API URL, and whether the deployed Berth is older than this CLI',
    );
    expect((error as ApiError).code).toBe(ExitCode.Unreachable);
  });

  it("keeps Berth's own 403 as Berth wrote it", async () => {
    const client = createApiClient({
      baseUrl: 'http://127.0.0.1:4568',
      fetch: answering(403, { error: 'AccessDeniedError', message: 'ana may not tear down demo' }),
    });
    const error = await client.describe('demo').catch((e: unknown) => e);
    expect((error as ApiError).message).toBe('AccessDeniedError: ana may not tear down demo');
  });
});
