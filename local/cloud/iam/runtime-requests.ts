/**
 * What IAM authorizes for the calls the local runtime serves — Step Functions (JSON 1.0) and Lambda `Invoke`
 * — as the Service Authorization Reference describes them (resource types per action):
 * - Step Functions: `StartExecution`, `ListExecutions`, `DescribeStateMachine` act on the `stateMachine`
 *   (`arn:aws:states:<region>:<account>:stateMachine:<name>`); `DescribeExecution`, `GetExecutionHistory`,
 *   `StopExecution` on the `execution` (`arn:aws:states:<region>:<account>:execution:<machine>:<name>`);
 *   `ListStateMachines` has no resource-level permission (`*`).
 * - Lambda: `Invoke` is authorized as `lambda:InvokeFunction` on the `function`
 *   (`arn:aws:lambda:<region>:<account>:function:<name>`), whether the caller names it by name, partial ARN
 *   (`<account>:function:<name>`) or ARN; a qualifier (`:<version or alias>`) names the same function.
 * The local cloud's IAM evaluator (core/iam) answers them with the functions' synthesized policies.
 */
import type { RequiredAuthorization } from '../core/iam/evaluate.ts';

interface Where {
  readonly accountId: string;
  readonly region: string;
}

const req = (action: string, resource: string, region: string): RequiredAuthorization => ({
  action,
  resource,
  context: { 'aws:RequestedRegion': region },
});

/** The authorizations one Step Functions call (`AWSStepFunctions.<action>`) needs. */
export function stepFunctionsRequests(
  w: Where,
  action: string,
  params: Readonly<Record<string, unknown>>,
): RequiredAuthorization[] {
  const a = `states:${action}`;
  const named = (key: string): string => (typeof params[key] === 'string' ? (params[key] as string) : '');
  switch (action) {
    case 'StartExecution':
    case 'StartSyncExecution':
    case 'ListExecutions':
    case 'DescribeStateMachine':
      return [req(a, named('stateMachineArn') || '*', w.region)];
    case 'DescribeExecution':
    case 'GetExecutionHistory':
    case 'StopExecution':
      return [req(a, named('executionArn') || '*', w.region)];
    default:
      return [req(a, '*', w.region)];
  }
}

/** The function ARN a Lambda `FunctionName` (name, partial ARN or ARN, optionally qualified) names. */
function lambdaFunctionArn(w: Where, functionName: string): string {
  const decoded = decodeURIComponent(functionName);
  const full = /^arn:aws[a-z-]*:lambda:([^:]+):(\d{12}):function:([^:]+)/.exec(decoded);
  if (full) return `arn:aws:lambda:${full[1]}:${full[2]}:function:${full[3]}`;
  const partial = /^(\d{12}):function:([^:]+)/.exec(decoded);
  if (partial) return `arn:aws:lambda:${w.region}:${partial[1]}:function:${partial[2]}`;
  const name = decoded.split(':')[0] ?? decoded;
  return `arn:aws:lambda:${w.region}:${w.accountId}:function:${name}`;
}

/** The authorization one Lambda `Invoke` needs. */
export function lambdaInvokeRequests(w: Where, functionName: string): RequiredAuthorization[] {
  return [req('lambda:InvokeFunction', lambdaFunctionArn(w, functionName), w.region)];
}
