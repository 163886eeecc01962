import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  Architecture,
  Code,
  type FunctionProps,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { handlerEntryPath } from '../bundling.ts';

/** The repository root (infra/constructs/ is two levels down). */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Path of a handler entry file, `functions/handlers/<file>.ts`. */
const handlerEntry = handlerEntryPath;

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

/** The Lambda runtime every Berth function uses: the newest Node.js LTS aws-cdk-lib 2.276 offers. */
export const BERTH_RUNTIME = Runtime.NODEJS_24_X;

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
  /** Extra `Function` props (rarely needed). */
  readonly overrides?: Partial<FunctionProps>;
}

/** The script that bundles one handler (run by {@link handlerCode} in a child process). */
const BUNDLE_SCRIPT = fileURLToPath(new URL('../bundle-handler.ts', import.meta.url));

/**
 * The handler's code asset: `index.mjs` bundled on this machine by `infra/bundle-handler.ts` with the settings of
 * `infra/bundling.ts` (minified ESM for Node.js 24, the SDK bundled so the versions pinned in package-lock.json
 * run, the environment credential provider, unused SDK schemas dropped). The bundler is this repository's esbuild,
 * run in a child process (its plugins need the asynchronous API; CDK's local bundling hook is synchronous); no
 * Docker image is ever pulled. The asset hash is the bundle's. Why the SDK is bundled: docs/decisions/0005-bundle-the-sdk.md.
 */
function handlerCode(entry: string): Code {
  return Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type; never used: local bundling either succeeds or throws.
      image: BERTH_RUNTIME.bundlingImage,
      local: {
        tryBundle(outputDir: string): boolean {
          execFileSync(process.execPath, ['--import', 'tsx', BUNDLE_SCRIPT, entry, outputDir], {
            cwd: REPO_ROOT,
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          return true;
        },
      },
    },
  });
}

/**
 * A Berth Lambda with the house defaults: ARM64, {@link BERTH_RUNTIME}, a minified ESM bundle (SDK
 * included, so the pinned versions run; see {@link handlerCode}), no source maps, its own log group with
 * retention, active tracing.
 *
 * @example
 * const verify = new LifecycleFunction(this, 'Verify', { handlerFile: 'verify', environment: env });
 */
export class LifecycleFunction extends LambdaFunction {
  /** The function's log group (retention set, destroyed with the stack). */
  readonly functionLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LifecycleFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      code: handlerCode(resolveEntry(scope, props.handlerFile)),
      handler: 'index.handler',
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
      ...props.overrides,
    });
    this.functionLogGroup = logGroup;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "AWSLambdaBasicExecutionRole is the AWS-maintained minimum for writing this function's logs.",
    });
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
