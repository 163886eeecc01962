import type { APIGatewayProxyEvent } from 'aws-lambda';
import { NotFoundError } from '../../../functions/core/errors.ts';
import type {
  EnvironmentRecord,
  ExecutionsPort,
  LifecycleInput,
  ListEnvironmentsPage,
  LockRecord,
  OperationRecord,
  RegistryPort,
  StartedRequest,
} from '../../../functions/handlers/http/ports.ts';

/** An in-memory registry that counts writes. */
export class FakeRegistry implements RegistryPort {
  readonly environments = new Map<string, EnvironmentRecord>();
  readonly locks = new Map<string, LockRecord>();
  readonly operations = new Map<string, OperationRecord[]>();
  readonly requests = new Map<string, StartedRequest>();
  writes = 0;

  async getEnvironment(name: string) {
    return this.environments.get(name);
  }
  async listEnvironments(): Promise<ListEnvironmentsPage> {
    return { items: [...this.environments.values()] };
  }
  async listOperations(name: string, limit: number) {
    return (this.operations.get(name) ?? []).slice(0, limit);
  }
  async getLock(name: string) {
    return this.locks.get(name);
  }
  async getRequest(requestId: string) {
    return this.requests.get(requestId);
  }
  async putRequest(record: StartedRequest) {
    this.writes += 1;
    const existing = this.requests.get(record.requestId);
    if (existing) return existing;
    this.requests.set(record.requestId, record);
    return record;
  }
  async setIdleAfter(name: string, idleAfter: string | null) {
    this.writes += 1;
    const record = this.environments.get(name);
    if (record?.spec === undefined) throw new NotFoundError(`environment "${name}" has no stored spec`);
    const { idleAfter: _, ...spec } = record.spec as Record<string, unknown>;
    const updatedAt = '2026-01-01T12:00:00.000Z';
    this.environments.set(name, {
      ...record,
      spec: idleAfter === null ? spec : { ...spec, idleAfter },
      updatedAt,
    });
    return { updatedAt };
  }
}

/** Records started executions; the same name returns the same ARN (like Step Functions). */
export class FakeExecutions implements ExecutionsPort {
  readonly started: { name: string; input: LifecycleInput }[] = [];
  private readonly arns = new Map<string, string>();
  async startExecution(request: { name: string; input: LifecycleInput }) {
    const known = this.arns.get(request.name);
    if (known) return { executionArn: known };
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:berth-lifecycle:${request.name}`;
    this.arns.set(request.name, executionArn);
    this.started.push(request);
    return { executionArn };
  }
}

export const readyEnv = (name: string, extra: Partial<EnvironmentRecord> = {}): EnvironmentRecord => ({
  name,
  status: 'ready',
  url: `http://berth-${name}-alb-1.us-east-1.elb.localhost`,
  owner: 'ana',
  keep: false,
  expiresAt: '2026-01-02T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  spec: { name, image: 'nginx:1.27', owner: 'ana' },
  ...extra,
});

/** A minimal API Gateway REST proxy event. */
export const apiEvent = (
  method: string,
  path: string,
  options: {
    body?: unknown;
    rawBody?: string;
    base64?: boolean;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    requestId?: string;
    userArn?: string | null;
  } = {},
): APIGatewayProxyEvent => {
  const text = options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body));
  return {
    httpMethod: method,
    path,
    resource: path,
    body: text !== null && options.base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: options.base64 ?? false,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      requestId: options.requestId ?? 'gw-req-1',
      identity: { userArn: options.userArn === undefined ? TEST_CALLER_ARN : options.userArn },
    } as any,
  };
};

/** The IAM identity API Gateway puts on a test request unless `userArn` says otherwise (`null`: none). */
const TEST_CALLER_ARN = 'arn:aws:iam::123456789012:user/ana';

export const parse = (result: { body: string }) => JSON.parse(result.body) as Record<string, any>;
