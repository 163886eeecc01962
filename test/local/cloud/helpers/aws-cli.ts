import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's AWS CLI v2 (`apt-get install -y awscli`); the `aws` first on PATH may be another AWS CLI. */
export const AWS_CLI = '/usr/bin/aws';

/** The AWS CLI's environment for the local cloud at `endpoint`: test credentials, no config or credentials file. */
export const awsCliEnv = (endpoint: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: endpoint,
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
});

/**
 * Runs the AWS CLI v2 against the local cloud at `endpoint`, with test credentials and no config or credentials
 * file, and returns what it printed. Debian's CLI 2.9 predates `AWS_ENDPOINT_URL` support: `--endpoint-url` is
 * passed as well.
 */
export async function runAwsCli(
  endpoint: string,
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<string> {
  if (!existsSync(AWS_CLI)) {
    throw new Error(`${AWS_CLI} is missing: install the AWS CLI v2 (Debian: apt-get install -y awscli)`);
  }
  const { stdout } = await run(AWS_CLI, [...args, '--endpoint-url', endpoint], {
    env: awsCliEnv(endpoint),
    timeout: timeoutMs,
  });
  return stdout;
}

/** {@link runAwsCli} with `--output json`, parsed (`{}` when the command prints nothing). */
export async function runAwsCliJson(
  endpoint: string,
  args: readonly string[],
  timeoutMs?: number,
): Promise<any> {
  const stdout = await runAwsCli(endpoint, [...args, '--output', 'json'], timeoutMs);
  return stdout.trim() === '' ? {} : JSON.parse(stdout);
}
