import { createHash } from 'node:crypto';

/**
 * Per-function credentials of the local platform. On AWS each Lambda function runs with temporary
 * credentials of its execution role (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`
 * in its environment; key ids of temporary credentials start with `ASIA`). The local platform gives each
 * function an access key id derived from its function name, so the local cloud can tell which function
 * signed a request (the SigV4 `Credential=` scope carries the key id) and evaluate that function's policy.
 *
 * Source: IAM User Guide, "Understanding unique ID prefixes" (`ASIA` = temporary access key) and the Lambda
 * Developer Guide, "Defined runtime environment variables".
 */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The 20-character access key id of a local function: `ASIA` + 16 base-32 characters of a hash of its name. */
export function accessKeyIdForFunction(functionName: string): string {
  const digest = createHash('sha256').update(`berth-local-function:${functionName}`).digest();
  let out = 'ASIA';
  for (let i = 0; out.length < 20; i++) out += BASE32[(digest[i] ?? 0) % 32];
  return out;
}

/** The secret key paired with {@link accessKeyIdForFunction} (the local cloud does not verify signatures). */
export function secretKeyForFunction(functionName: string): string {
  return createHash('sha256').update(`berth-local-secret:${functionName}`).digest('base64').slice(0, 40);
}
