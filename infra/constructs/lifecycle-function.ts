import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { Grant, IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  BUNDLE_ALIASES,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_TARGET,
  ESM_REQUIRE_BANNER,
  handlerEntryPath,
} from '../bundling.ts';

/** The repository root (infra/constructs/ is two levels down). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Path of a handler entry file, `functions/handlers/<file>.ts`. */
export const handlerEntry = handlerEntryPath;

const ABSENT_HANDLER = fileURLToPath(new URL('./absent-handler.ts', import.meta.url));

/**
 * The handler's entry file. Only when the stack is not bundled (template tests) may a missing file be replaced
 * by a stand-in; any bundling synth (`cdk synth`, `cdk deploy`) fails loudly on a missing entry.
 */
const resolveEntry = (scope: Construct, file: string): string => {
  const entry = handlerEntry(file);
  if (existsSync(entry) || Stack.of(scope).bundlingRequired) return entry;
  return ABSENT_HANDLER;
};

export { ESM_REQUIRE_BANNER };

/** The Lambda runtime every Berth function uses: the newest Node.js LTS aws-cdk-lib 2.276 offers. */
export const BERTH_RUNTIME = Runtime.NODEJS_24_X;

/** The part of a DynamoDB table the grant helper needs. */
export interface GrantableTable {
  grantReadData(grantee: IGrantable): Grant;
  grantReadWriteData(grantee: IGrantable): Grant;
}

export interface LifecycleFunctionProps {
  /** File name under `functions/handlers/` without `.ts`, e.g. `create-network`. */
  readonly handlerFile: string;
  readonly description?: string;
  readonly environment?: Record<string, string>;
  /** @default 60 seconds */
  readonly timeout?: Duration;
  /** @default 512 MiB */
  readonly memorySize?: number;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** Extra `NodejsFunction` props (rarely needed). */
  readonly overrides?: Partial<NodejsFunctionProps>;
}

/**
 * A Berth Lambda with the house defaults: ARM64, {@link BERTH_RUNTIME}, a minified ESM bundle (SDK
 * included, so the pinned versions run), no source maps, its own log group with retention, active
 * tracing. Grant helpers keep IAM next to the function that needs it.
 *
 * @example
 * const verify = new LifecycleFunction(this, 'Verify', { handlerFile: 'verify', environment: env });
 * verify.grantTable(table, 'read');
 */
export class LifecycleFunction extends NodejsFunction {
  /** The function's log group (retention set, destroyed with the stack). */
  readonly functionLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LifecycleFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: resolveEntry(scope, props.handlerFile),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: BERTH_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: Tracing.ACTIVE,
      logGroup,
      ...(props.description ? { description: props.description } : {}),
      environment: {
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: false,
        target: BUNDLE_TARGET,
        mainFields: [...BUNDLE_MAIN_FIELDS],
        banner: ESM_REQUIRE_BANNER,
        // Bundle the SDK too: the function runs the versions pinned in package-lock.json, and starts faster
        // than with the runtime's unbundled SDK (docs/decisions/0005-bundle-the-sdk.md).
        externalModules: [],
        // The environment credential provider in place of the SDK's whole default chain (infra/bundling.ts).
        esbuildArgs: {
          '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`),
        },
      },
      ...props.overrides,
    });
    this.functionLogGroup = logGroup;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "AWSLambdaBasicExecutionRole is the AWS-maintained minimum for writing this function's logs.",
    });
  }

  /** Grants read or read-write access to the registry table. */
  grantTable(table: GrantableTable, access: 'read' | 'readWrite'): void {
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
  }

  /**
   * Adds IAM statements to the function's role. Each wildcard resource of a statement is acknowledged for
   * cdk-nag (AwsSolutions-IAM5) with `reason`, which must say why the wildcard cannot be narrower.
   */
  allow(reason: string, ...statements: PolicyStatement[]): this {
    for (const statement of statements) {
      this.addToRolePolicy(statement);
      acknowledgeWildcards(this, statement, reason);
    }
    return this;
  }

  /** Lets `grantee` invoke this function (e.g. the api function invoking plan). */
  grantInvokeTo(grantee: IGrantable): void {
    this.grantInvoke(grantee);
  }
}

/**
 * A resource as cdk-nag names it in finding ids: tokens resolved, `{ Ref: X }` → `<X>`,
 * `{ Fn::GetAtt: [L, A] }` → `<L.A>`.
 */
export const nagResourceName = (scope: Construct, resource: string): string => {
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (typeof obj['Ref'] === 'string') return `<${obj['Ref']}>`;
      const getAtt = obj['Fn::GetAtt'];
      if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
      const join = obj['Fn::Join'];
      if (Array.isArray(join)) {
        const [separator, parts] = join as [string, unknown[]];
        return parts.map(render).join(separator);
      }
    }
    return JSON.stringify(value);
  };
  return render(Stack.of(scope).resolve(resource));
};

/** Acknowledges AwsSolutions-IAM5 for each wildcard resource of `statement` on `scope`, with `reason`. */
export const acknowledgeWildcards = (scope: Construct, statement: PolicyStatement, reason: string): void => {
  for (const resource of statement.resources) {
    const name = nagResourceName(scope, resource);
    if (name.includes('*'))
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${name}]`, reason });
  }
};
