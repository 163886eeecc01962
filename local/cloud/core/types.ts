import type { Cloud } from './cloud.ts';

/** What a handler knows about the request it serves. */
export interface RequestContext {
  service: string;
  action: string;
  accountId: string;
  region: string;
  requestId: string;
  cloud: Cloud;
}

/** One API operation: params in (parsed by the protocol layer), response object out. */
export type ActionHandler = (params: any, ctx: RequestContext) => unknown | Promise<unknown>;

/** One emulated AWS service: how it is reached and the operations it answers. */
export interface ServiceDefinition {
  signingName:
    | 'ecs'
    | 'elasticloadbalancing'
    | 'autoscaling'
    | 'ec2'
    | 'ssm'
    | 'logs'
    | 'dynamodb'
    | 'secretsmanager'
    | 'monitoring'
    | 'application-autoscaling'
    | 'scheduler';
  protocol: 'json' | 'query' | 'ec2' | 'rest-json';
  /** JSON protocol only: 'AmazonEC2ContainerServiceV20141113', 'AmazonSSM', 'Logs_20140328'. */
  jsonTargetPrefix?: string;
  jsonVersion?: '1.0' | '1.1';
  /**
   * JSON protocol of an "awsQueryCompatible" service (CloudWatch): each error shape's Query error code, sent in
   * the `x-amzn-query-error: <Code>;<Sender|Receiver>` header (a code not listed is sent as is).
   */
  queryErrorCodes?: Readonly<Record<string, string>>;
  /**
   * A JSON service that also answers the AWS Query protocol of this `Version` (form body, no `X-Amz-Target`),
   * as older clients still call it (CloudWatch `2010-08-01`: the AWS CLI v2 of Debian).
   */
  queryVersion?: string;
  /** Query/EC2 protocols: the namespace of the response document. */
  xmlNamespace?: string;
  /** REST-JSON protocol only: the operation each method and path template answers. */
  restRoutes?: readonly RestRoute[];
  actions: Record<string, ActionHandler>;
}

/**
 * One REST-JSON operation: `path` is a template (`/schedules/{Name}`) whose labels become params of the same
 * name; `query` maps query-string names to the params they fill (`{ groupName: 'GroupName' }`); the JSON body's
 * members are params as they are.
 */
export interface RestRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly action: string;
  readonly query?: Readonly<Record<string, string>>;
}

export type ServiceFactory = (cloud: Cloud) => ServiceDefinition;
