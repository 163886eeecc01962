import '../../../local/runtime/polyfills.ts';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyIdForFunction } from '../../../local/cloud/core/iam/credentials.ts';
import { IamEnforcer } from '../../../local/cloud/core/iam/enforcer.ts';
import type { AslDefinition } from '../../../local/runtime/asl.ts';
import { HandlerRegistry, LOCAL_ACCOUNT_ID } from '../../../local/runtime/lambda.ts';
import { localFunctionPrincipals } from '../../../local/runtime/platform.ts';
import { type RunningRuntimeServer, startRuntimeServer } from '../../../local/runtime/runtime-server.ts';
import { StepFunctionsEmulator } from '../../../local/runtime/step-functions/emulator.ts';

/**
 * IAM on the local runtime's endpoint (docs/architecture.md, "IAM"): Step Functions and Lambda calls signed
 * with a local function's key are evaluated against that function's synthesized policy, like its calls to the
 * local cloud, and denied with each service's own error — Step Functions HTTP 400 `AccessDeniedException`,
 * Lambda HTTP 403 `AccessDeniedException`. Calls signed with any other key (tests, the AWS CLI) stay admin.
 */
const ACCOUNT = LOCAL_ACCOUNT_ID;
const LIFECYCLE = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:berth-lifecycle`;
const PLAN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:berth-plan`;
const PASS: AslDefinition = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };

let server: RunningRuntimeServer;
let iam: IamEnforcer;
let roles: Record<string, string> = {};
const made: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  const principals = localFunctionPrincipals('vpc-0123456789abcdef0');
  roles = Object.fromEntries(principals.map((p) => [p.functionName, p.roleName]));
  iam = new IamEnforcer(principals, 'enforce');
  const registry = new HandlerRegistry({ plan: () => ({ steps: [] }) });
  const sfn = new StepFunctionsEmulator({
    machines: [{ name: 'berth-lifecycle', definition: PASS }],
    invokeLambda: (file, event) => registry.invoke(file, event),
  });
  server = await startRuntimeServer({ sfn, handlers: registry, port: 0, iam });
});
afterAll(async () => {
  for (const c of made) c.destroy();
  await server?.stop();
});

/** Clients signing as a local function (or, with no name, as the admin principal of the tests). */
function as(functionName?: string) {
  const config = {
    endpoint: server.url,
    region: 'us-east-1',
    credentials: {
      accessKeyId: functionName ? accessKeyIdForFunction(functionName) : 'test',
      secretAccessKey: 'x',
    },
    maxAttempts: 1,
  };
  const clients = { sfn: new SFNClient(config), lambda: new LambdaClient(config) };
  made.push(clients.sfn, clients.lambda);
  return clients;
}

const denial = (fn: string, action: string, resource: string) =>
  `User: arn:aws:sts::${ACCOUNT}:assumed-role/${roles[fn]}/${fn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

describe('IAM on the local runtime (Step Functions, Lambda)', () => {
  it('lets the api function start and describe lifecycle executions, as its policy grants', async () => {
    const { sfn } = as('berth-api');
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: LIFECYCLE, input: '{}' }));
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described.stateMachineArn).toBe(LIFECYCLE);
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: LIFECYCLE }));
    expect(listed.executions?.length).toBeGreaterThan(0);
  });

  it('denies StartExecution to a function not granted it, with AccessDeniedException (HTTP 400)', async () => {
    const error = await as('berth-verify')
      .sfn.send(new StartExecutionCommand({ stateMachineArn: LIFECYCLE, input: '{}' }))
      .then(
        () => undefined,
        (err: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => err,
      );
    expect(error?.name).toBe('AccessDeniedException');
    expect(error?.$metadata?.httpStatusCode).toBe(400);
    expect(error?.message).toBe(denial('berth-verify', 'states:StartExecution', LIFECYCLE));
  });

  it('lets the api-aux function invoke the plan function, and denies it to others with AccessDeniedException (HTTP 403)', async () => {
    const out = await as('berth-api-aux').lambda.send(
      new InvokeCommand({ FunctionName: 'berth-plan', Payload: new TextEncoder().encode('{}') }),
    );
    expect(out.StatusCode).toBe(200);
    const error = await as('berth-create-service')
      .lambda.send(new InvokeCommand({ FunctionName: PLAN, Payload: new TextEncoder().encode('{}') }))
      .then(
        () => undefined,
        (err: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => err,
      );
    expect(error?.name).toBe('AccessDeniedException');
    expect(error?.$metadata?.httpStatusCode).toBe(403);
    expect(error?.message).toBe(denial('berth-create-service', 'lambda:InvokeFunction', PLAN));
    // The api function serves every route but the dry runs, settings changes and logs: it may not invoke the plan function.
    const api = await as('berth-api')
      .lambda.send(new InvokeCommand({ FunctionName: PLAN, Payload: new TextEncoder().encode('{}') }))
      .then(
        () => undefined,
        (err: { name: string; message: string }) => err,
      );
    expect(api?.message).toBe(denial('berth-api', 'lambda:InvokeFunction', PLAN));
  });

  it('lets any other key (the admin principal of tests and the AWS CLI) through', async () => {
    const { sfn, lambda } = as();
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: LIFECYCLE, input: '{}' })),
    ).resolves.toMatchObject({ executionArn: expect.stringContaining(':execution:berth-lifecycle:') });
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'berth-plan' }))).resolves.toMatchObject({
      StatusCode: 200,
    });
  });

  it('records the (function, action) pairs it evaluated, for the usage test', () => {
    const pairs = iam.usage().map((u) => `${u.functionName} ${u.action} ${u.allowed}`);
    expect(pairs).toEqual(
      expect.arrayContaining([
        'berth-api states:StartExecution true',
        'berth-api states:DescribeExecution true',
        'berth-api-aux lambda:InvokeFunction true',
        'berth-api lambda:InvokeFunction false',
        'berth-verify states:StartExecution false',
        'berth-create-service lambda:InvokeFunction false',
      ]),
    );
  });
});
