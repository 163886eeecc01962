/**
 * The credential provider the Lambda bundles use instead of the SDK's default chain (infra/bundling.ts aliases
 * `@aws-sdk/credential-provider-node` to functions/adapters/aws/lambda-credentials.ts): Lambda passes the execution
 * role's credentials in the environment, and so does the local platform.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../../../functions/adapters/aws/lambda-credentials.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the Lambda credential provider', () => {
  it("reads the execution role's credentials from Lambda's environment variables", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-example');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session-example');
    const credentials = await defaultProvider()();
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret-example',
      sessionToken: 'session-example',
    });
  });

  it('fails, naming the variables, when the environment holds none (no other source is tried)', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    vi.stubEnv('AWS_PROFILE', 'would-be-read-by-the-full-chain');
    await expect(defaultProvider()()).rejects.toThrow(/Unable to find environment variable credentials/);
  });
});
