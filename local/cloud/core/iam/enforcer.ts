/**
 * IAM in the local cloud: every request signed with a local function's credentials is evaluated against that
 * function's identity policy (from the synthesized CDK template, see function-policies.ts); requests signed
 * with any other key (the tests', the AWS CLI's) come from an unrestricted admin principal.
 *
 * Denials answer each service's own error (IAM User Guide, "Troubleshoot access denied error messages"):
 * - JSON services (ECS, SSM, DynamoDB, CloudWatch Logs, Step Functions): HTTP 400 `AccessDeniedException`;
 * - Lambda and EventBridge Scheduler (REST-JSON): HTTP 403 `AccessDeniedException`;
 * - ELBv2 and Auto Scaling (Query): HTTP 403 `AccessDenied`;
 * - EC2: HTTP 403 `UnauthorizedOperation`, "You are not authorized to perform this operation." with an
 *   encoded authorization failure message (EC2 API Reference, "Error codes");
 * - an Auto Scaling group whose launch template the caller may not launch: `AccessDenied`, "You are not
 *   authorized to use launch template: <id>" (EC2 Auto Scaling User Guide, troubleshooting).
 * The message names the principal, the action and the resource, and says "because no identity-based policy
 * allows the <action> action" (or "with an explicit deny in an identity-based policy").
 */
import { ServiceError } from '../service-error.ts';
import { accessKeyIdForFunction } from './credentials.ts';
import { type Decision, evaluate, type PolicyStatement, type RequiredAuthorization } from './evaluate.ts';

/** One function's identity: its name, the role it runs as, its policy statements (resolved). */
export interface FunctionPrincipal {
  readonly functionName: string;
  readonly roleName: string;
  readonly statements: readonly PolicyStatement[];
}

/** `off`: no checks; `record`: evaluate and record, never deny; `enforce`: deny what the policy does not allow. */
export type IamMode = 'off' | 'record' | 'enforce';

/** One evaluated (function, action) pair, as the usage test reads it. */
export interface IamUsage {
  readonly functionName: string;
  readonly action: string;
  readonly resource: string;
  readonly allowed: boolean;
}

export class IamEnforcer {
  mode: IamMode;
  readonly #byKey = new Map<string, FunctionPrincipal>();
  readonly #usage = new Map<string, IamUsage>();

  constructor(principals: readonly FunctionPrincipal[] = [], mode: IamMode = 'off') {
    this.mode = mode;
    this.setPrincipals(principals);
  }

  /** Replaces the known function principals. */
  setPrincipals(principals: readonly FunctionPrincipal[]): void {
    this.#byKey.clear();
    for (const p of principals) this.#byKey.set(accessKeyIdForFunction(p.functionName), p);
  }

  /** The function that owns `accessKeyId`, or undefined for the admin principal. */
  principalOf(accessKeyId: string | undefined): FunctionPrincipal | undefined {
    return accessKeyId ? this.#byKey.get(accessKeyId) : undefined;
  }

  /**
   * Evaluates every authorization a call needs for the caller; returns the service's access-denied error for
   * the first one denied (in `enforce` mode), or undefined when the call may proceed.
   */
  authorize(
    accessKeyId: string | undefined,
    accountId: string,
    service: string,
    required: readonly RequiredAuthorization[],
  ): ServiceError | undefined {
    if (this.mode === 'off') return undefined;
    const principal = this.principalOf(accessKeyId);
    if (!principal) return undefined;
    let denial: ServiceError | undefined;
    for (const r of required) {
      const decision = evaluate(principal.statements, r);
      const allowed = decision.effect === 'allow';
      const key = `${principal.functionName}|${r.action}|${allowed}`;
      if (!this.#usage.has(key))
        this.#usage.set(key, {
          functionName: principal.functionName,
          action: r.action,
          resource: r.resource,
          allowed,
        });
      if (!allowed && !denial) denial = accessDenied(service, accountId, principal, r, decision);
    }
    return this.mode === 'enforce' ? denial : undefined;
  }

  /** Every (function, action) pair evaluated so far, sorted. */
  usage(): IamUsage[] {
    return [...this.#usage.values()].sort(
      (a, b) => a.functionName.localeCompare(b.functionName) || a.action.localeCompare(b.action),
    );
  }
}

function accessDenied(
  service: string,
  accountId: string,
  principal: FunctionPrincipal,
  r: RequiredAuthorization,
  decision: Decision,
): ServiceError {
  const user = `arn:aws:sts::${accountId}:assumed-role/${principal.roleName}/${principal.functionName}`;
  const why =
    decision.effect === 'explicitDeny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${r.action} action`;
  const detail = `User: ${user} is not authorized to perform: ${r.action} on resource: ${r.resource} ${why}`;
  if (service === 'autoscaling' && r.launchTemplateId)
    return new ServiceError(
      'AccessDenied',
      `You are not authorized to use launch template: ${r.launchTemplateId}`,
      403,
    );
  switch (service) {
    case 'ec2': {
      const encoded = Buffer.from(
        JSON.stringify({
          allowed: false,
          explicitDeny: decision.effect === 'explicitDeny',
          action: r.action,
          resource: r.resource,
        }),
      ).toString('base64');
      return new ServiceError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. ${detail}. Encoded authorization failure message: ${encoded}`,
        403,
      );
    }
    case 'elasticloadbalancing':
    case 'autoscaling':
    case 'monitoring':
      return new ServiceError('AccessDenied', detail, 403);
    case 'lambda':
    case 'scheduler':
      return new ServiceError('AccessDeniedException', detail, 403);
    default:
      return new ServiceError('AccessDeniedException', detail, 400);
  }
}
