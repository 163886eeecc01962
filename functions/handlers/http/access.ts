/**
 * The HTTP edge's side of authorization (docs/security.md): who the verified caller is, which access policy
 * applies, and the one `authorize()` of `functions/core/access-policy.ts` applied before anything starts.
 */
import { readFile } from 'node:fs/promises';
import { ssmClient } from '../../adapters/aws/clients.ts';
import { AwsParameterAdapter } from '../../adapters/ssm-parameter.ts';
import {
  type AccessPolicy,
  type AccessRequest,
  authorize,
  DEVELOPMENT_POLICY,
  defaultDeployedPolicy,
  describeCaller,
  parseAccessPolicy,
} from '../../core/access-policy.ts';
import type { Config } from '../config.ts';
import { AccessDeniedError } from './http-errors.ts';

/** Returns the access policy in force; throws when it cannot be read or is malformed (callers fail closed). */
export type PolicySource = () => Promise<AccessPolicy>;

/** Structured log of a refusal (who, what, which environment, why). */
export type DenialLogger = (entry: Record<string, unknown>) => void;

const consoleDenial: DenialLogger = (entry) =>
  console.warn(JSON.stringify({ level: 'WARN', message: 'access denied', ...entry }));

/** Seconds a policy read from a file or SSM is reused before it is read again. */
const POLICY_TTL_MS = 60_000;

/**
 * A policy source that re-reads `read()` at most every `ttlMs`; a failed read is not cached (the next request
 * tries again), so a fixed document takes effect within the TTL.
 */
export function cachedPolicy(
  read: () => Promise<unknown>,
  ttlMs = POLICY_TTL_MS,
  nowMs: () => number = Date.now,
): PolicySource {
  let cached: { policy: AccessPolicy; expires: number } | undefined;
  return async () => {
    if (cached !== undefined && cached.expires > nowMs()) return cached.policy;
    const policy = parseAccessPolicy(await read());
    cached = { policy, expires: nowMs() + ttlMs };
    return policy;
  };
}

/** Reads a policy file (the local platform's `--policy FILE` / `BERTH_POLICY_FILE`). */
const policyFile =
  (file: string): (() => Promise<string>) =>
  () =>
    readFile(file, 'utf8');

export interface PolicySourceEnv {
  /** `BERTH_POLICY_FILE`: a JSON policy file (local platform). */
  readonly file?: string;
  /** `BERTH_POLICY_PARAMETER`: the SSM parameter holding the JSON policy (deployed). */
  readonly parameter?: string;
  /** `BERTH_API_PRINCIPALS`: comma-separated IAM principal patterns allowed when no policy is configured. */
  readonly apiPrincipals?: string;
  /** `BERTH_LOCAL_CALLER_IDENTITY`: set by the local platform only; with no file, the development policy. */
  readonly local: boolean;
}

/** Where a handler's policy comes from, by precedence: file, SSM parameter, development (local), default. */
export function policySourceFor(
  env: PolicySourceEnv,
  readParameter: (name: string) => Promise<string>,
): { source: PolicySource; describe: string } {
  if (env.file) return { source: cachedPolicy(policyFile(env.file)), describe: `policy file ${env.file}` };
  if (env.parameter) {
    const name = env.parameter;
    return { source: cachedPolicy(() => readParameter(name)), describe: `SSM parameter ${name}` };
  }
  if (env.local) return { source: async () => DEVELOPMENT_POLICY, describe: 'development policy' };
  const principals = (env.apiPrincipals ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const policy = defaultDeployedPolicy(principals);
  return { source: async () => policy, describe: 'default deployed policy' };
}

/**
 * The policy source of a handler's settings: `BERTH_POLICY_FILE`, `BERTH_POLICY_PARAMETER` (read with SSM
 * `GetParameter`), `BERTH_LOCAL_CALLER_IDENTITY` (the local platform), `BERTH_API_PRINCIPALS` (see
 * {@link policySourceFor}).
 */
export function policyFromConfig(
  config: Pick<Config, 'policyFile' | 'policyParameter' | 'apiPrincipals' | 'localCallerIdentity'>,
): PolicySource {
  let parameters: AwsParameterAdapter | undefined;
  return policySourceFor(
    {
      ...(config.policyFile ? { file: config.policyFile } : {}),
      ...(config.policyParameter ? { parameter: config.policyParameter } : {}),
      ...(config.apiPrincipals ? { apiPrincipals: config.apiPrincipals } : {}),
      local: config.localCallerIdentity === true,
    },
    (name) => {
      parameters ??= new AwsParameterAdapter(ssmClient());
      return parameters.getParameter(name);
    },
  ).source;
}

/** The development policy as a source: the default of handlers built without one (tests). */
export const developmentPolicySource: PolicySource = async () => DEVELOPMENT_POLICY;

/**
 * What a scheduled job (nightly, idle check) reads once per run: the policy `source` answers (the development
 * policy without a source), or, when it cannot be read, why; the job then refuses each change (fail closed).
 */
export async function readPolicy(
  source: PolicySource | undefined,
): Promise<{ readonly policy?: AccessPolicy; readonly error?: string }> {
  try {
    return { policy: await (source ?? developmentPolicySource)() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Applies the policy: returns the decision's role when allowed; otherwise logs the refusal and throws
 * `AccessDeniedError` (403) with the reason. A policy that cannot be read refuses everything (fail closed).
 */
export async function enforce(
  source: PolicySource,
  request: AccessRequest,
  log: DenialLogger = consoleDenial,
): Promise<void> {
  const who = describeCaller(request.caller);
  let policy: AccessPolicy;
  try {
    policy = await source();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log({
      caller: who,
      action: request.action,
      env: request.env ?? null,
      reason: `policy unavailable: ${reason}`,
    });
    throw new AccessDeniedError(
      `${who} may not ${request.action}: the access policy could not be read or is malformed (fail closed; see the logs)`,
    );
  }
  const decision = authorize(policy, request);
  if (decision.allowed) return;
  log({ caller: who, action: request.action, env: request.env ?? null, reason: decision.reason });
  throw new AccessDeniedError(decision.reason);
}

/** A request that carries no verified identity is refused before any route runs. */
export function anonymousDenied(): AccessDeniedError {
  return new AccessDeniedError(
    'the request carries no verified identity (the API requires AWS IAM authorization: sign requests with SigV4)',
  );
}
