/**
 * How a Berth Lambda is bundled, declared once: the CDK construct (infra/constructs/lifecycle-function.ts), the
 * cold-start benchmark (bench/cold-start.ts) and the bundle test (test/infra/handler-bundles.test.ts) all read
 * these settings, so what is measured and tested is what is deployed.
 *
 * Also: which AWS SDK client package serves each IAM service prefix, and the check that a handler's bundle holds
 * only the clients of the services its IAM declaration (infra/handler-permissions.ts) lets it call.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Plugin } from 'esbuild';
import type { Permission } from './handler-permissions.ts';

/**
 * ESM bundles that include the AWS SDK call `require` for Node built-ins; esbuild's ESM output has no
 * `require`, so the banner defines one.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** esbuild target matching the Lambda runtime (Node.js 24, `BERTH_RUNTIME`). */
const BUNDLE_TARGET = 'node24';

/** Prefer the ES module build of a package (tree-shakable) over its CommonJS one. */
const BUNDLE_MAIN_FIELDS: readonly string[] = ['module', 'main'];

/**
 * Module substitutions applied to every bundle (esbuild `alias`).
 *
 * `@aws-sdk/credential-provider-node` is the SDK's default credential chain (environment, SSO, shared
 * ini files, web identity, process, container and instance metadata, with the STS/SSO clients it needs):
 * every client's runtime config imports it, so esbuild cannot drop it. A Lambda function receives its
 * execution role's credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
 * (Lambda Developer Guide, "Defined runtime environment variables"), and the local platform gives each
 * function its credentials the same way (local/runtime/lambda.ts), so the bundles get the environment
 * provider alone (functions/adapters/aws/lambda-credentials.ts).
 *
 * `mnemonist/lru-cache` is the LRU behind `@aws-sdk/endpoint-cache`, which the DynamoDB client builds for endpoint
 * discovery (off unless configured; Berth never turns it on); with its iterator library it is ~7.5 KiB of every
 * registry-using bundle. functions/adapters/aws/lru-cache.ts is the same cache over a `Map`
 * (test/functions/adapters/aws/lru-cache.test.ts compares the two).
 */
const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': fileURLToPath(
    new URL('../functions/adapters/aws/lambda-credentials.ts', import.meta.url),
  ),
  'mnemonist/lru-cache': fileURLToPath(new URL('../functions/adapters/aws/lru-cache.ts', import.meta.url)),
};

/** Path of a handler entry file, `functions/handlers/<file>.ts`. */
export const handlerEntryPath = (file: string): string =>
  fileURLToPath(new URL(`../functions/handlers/${file}.ts`, import.meta.url));

/** A client's generated schema module (one per client since SDK 3.9xx; `schemas_<n>.js`). */
const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
/** `const _xN = "xmlName";` — the module's string constants. */
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
/** `[_xN]:` — a computed object key naming one of those constants. */
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * Rewrites computed keys over string constants (`{ [_h]: … }`, `const _h = "http"`) as the equal literal keys
 * (`{ "http": … }`) in one schema module's source. Same object, same behaviour; returns the source and how many
 * keys it rewrote.
 */
export function literalSchemaKeys(source: string): { source: string; rewritten: number } {
  const constants = new Map<string, string>();
  for (const m of source.matchAll(STRING_CONSTANT)) constants.set(m[1] as string, m[2] as string);
  let rewritten = 0;
  const out = source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = constants.get(name);
    if (literal === undefined) return key;
    rewritten++;
    return `${literal}:`;
  });
  return { source: out, rewritten };
}

/** `n0_registry.registerError(FooException$, FooException);` — a modeled error registered in its namespace. */
const MODELED_ERROR_REGISTRATION = /^n\d+_registry\.registerError\(\w+\$, \w+\);$/gm;

/**
 * Removes the registration of every modeled error class from one schema module's source (the service's base
 * exception, registered in the `_s_registry`, stays). Returns the source and how many registrations it removed.
 */
export function withoutModeledErrors(source: string): { source: string; removed: number } {
  let removed = 0;
  const out = source.replace(MODELED_ERROR_REGISTRATION, () => {
    removed++;
    return '';
  });
  return { source: out, removed };
}

/** The protocols whose error replies carry the error's shape name (`__type`, `x-amzn-errortype`). */
const JSON_PROTOCOL = /\b(?:AwsJson1_0Protocol|AwsJson1_1Protocol|AwsRestJsonProtocol)\b/;
const QUERY_OR_OTHER_PROTOCOL =
  /\b(?:AwsQueryProtocol|AwsEc2QueryProtocol|AwsRestXmlProtocol|AwsSmithyRpcV2CborProtocol|SmithyRpcV2CborProtocol)\b/;

/** Whether a client (its `dist-es` directory) speaks a JSON protocol, read from its shared runtime config. */
async function speaksJson(distEs: string): Promise<boolean> {
  try {
    const config = await readFile(path.join(distEs, 'runtimeConfig.shared.js'), 'utf8');
    return JSON_PROTOCOL.test(config) && !QUERY_OR_OTHER_PROTOCOL.test(config);
  } catch {
    return false;
  }
}

/**
 * Lets esbuild drop the schemas of the operations a bundle never sends, and the error classes of the JSON-protocol
 * clients.
 *
 * Schemas: each SDK client declares the schema of every operation and structure of its service in one module, with
 * trait objects written as computed keys over module constants (`{ [_xN]: "groupName" }`); esbuild cannot prove a
 * computed key free of side effects, so it keeps every declaration — `@aws-sdk/client-ec2` alone adds ~540 KiB to
 * a bundle that sends a handful of commands (reported upstream: aws/aws-sdk-js-v3 issue 7607, "Increased bundle
 * size on latest versions"). With the keys written as the literals they equal, only the schemas a command reaches
 * stay.
 *
 * Errors: the module registers every modeled error of the service with a `TypeRegistry` (a call, so esbuild keeps
 * every error class and schema: SSM's 141 for one `GetParameter`, ~50 KiB). Over the JSON protocols (JSON 1.0/1.1,
 * REST-JSON) the reply names the error's shape (`__type`, `x-amzn-errortype`); an error the registry does not
 * know is thrown as the client's base exception (`SSMServiceException`, still registered) with that `name`, the
 * reply's `message`, `$fault` from the status code, `$metadata` and the reply's fields (`ProtocolLib
 * .getErrorSchemaOrThrowBaseException` in `@aws-sdk/core`). Berth tells errors apart by `name` only
 * (functions/adapters/map-aws-error.ts; test/infra/bundling-runtime.test.ts checks that no Lambda code imports an
 * SDK exception class), so the Lambda bundles drop these registrations. The query protocols (ELBv2, Auto
 * Scaling, EC2) keep theirs: there the wire code can differ from the shape name (`LoadBalancerNotFound` →
 * `LoadBalancerNotFoundException`) and only the registry maps one to the other.
 */
const sdkSchemaTreeShaking: Plugin = {
  name: 'berth-sdk-schema-tree-shaking',
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async (args) => {
      let { source } = literalSchemaKeys(await readFile(args.path, 'utf8'));
      if (await speaksJson(path.dirname(path.dirname(args.path))))
        source = withoutModeledErrors(source).source;
      return { contents: source, loader: 'js' };
    });
  },
};

/** A client's `package.json`, which its runtime config imports whole to read `version` (for the user agent). */
const CLIENT_PACKAGE_JSON = /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]package\.json$/;

/**
 * Keeps only `version` of each client's `package.json` (the runtime config's `packageInfo.version`, the
 * user agent's client version; nothing else is read): ~2.5 KiB of scripts and dependency lists per client.
 */
const sdkPackageInfo: Plugin = {
  name: 'berth-sdk-package-info',
  setup(build) {
    build.onLoad({ filter: CLIENT_PACKAGE_JSON }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

/**
 * An esbuild plugin that rewrites one statement of the SDK modules `filter` matches: `statement` becomes
 * `replacement` (a module without the statement is bundled as it is). The `sdkWithout*` plugins below leave out
 * what Berth never reaches this way, each replacement refusing with a message naming the choice.
 */
function replacingInModule(name: string, filter: RegExp, statement: string, replacement: string): Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(statement)) return undefined;
        return { contents: source.replace(statement, replacement), loader: 'js' };
      });
    },
  };
}

/** An esbuild plugin that bundles `contents` in place of the SDK modules `filter` matches. */
function replacingModule(name: string, filter: RegExp, contents: string): Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, () => ({ contents, loader: 'js' }));
    },
  };
}

/** `@smithy/core`'s protocol base class, which loads the event-stream support on first use. */
const HTTP_PROTOCOL_MODULE =
  /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]protocols[\\/]HttpProtocol\.js$/;
const EVENT_STREAMS_IMPORT = 'await import("@smithy/core/event-streams")';
/** What a bundle answers if a command with an event stream is ever sent (none is: see the plugin below). */
export const NO_EVENT_STREAMS_MESSAGE =
  'event streams are left out of the Berth Lambda bundles (infra/bundling.ts): no Berth command streams';

/**
 * Leaves the event-stream support out of the bundles. `@smithy/core`'s `HttpProtocol` loads it with a dynamic
 * `import("@smithy/core/event-streams")` when a command's input or output is an event stream; in a single-file
 * bundle esbuild must then keep that whole module (codec, marshallers, ~15 KiB) in every bundle, used or not. No
 * command Berth sends has an event stream (test/infra/bundling-runtime.test.ts checks every command the Lambda code
 * imports), so the import becomes a rejection naming this choice.
 */
const sdkWithoutEventStreams: Plugin = replacingInModule(
  'berth-sdk-without-event-streams',
  HTTP_PROTOCOL_MODULE,
  EVENT_STREAMS_IMPORT,
  `await Promise.reject(new Error(${JSON.stringify(NO_EVENT_STREAMS_MESSAGE)}))`,
);

/** A client's Node runtime config, which builds the client's event-stream marshaller. */
const CLIENT_RUNTIME_CONFIG = /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]runtimeConfig\.js$/;
const EVENT_STREAM_SERDE_IMPORT = 'import { eventStreamSerdeProvider } from "@smithy/core/event-streams";';
/**
 * What replaces that import: a marshaller that refuses, built as eagerly as the real one (the client's
 * `resolveEventStreamSerdeConfig` calls the provider when the client is constructed).
 */
const REFUSING_EVENT_STREAM_SERDE = `const eventStreamSerdeProvider = () => ({
  serialize() { throw new Error(${JSON.stringify(NO_EVENT_STREAMS_MESSAGE)}); },
  deserialize() { throw new Error(${JSON.stringify(NO_EVENT_STREAMS_MESSAGE)}); },
});`;

/**
 * Also leaves out the event-stream marshaller of the clients that have event-stream operations (CloudWatch Logs'
 * `StartLiveTail`, Lambda's `InvokeWithResponseStream`): their runtime config imports `eventStreamSerdeProvider`
 * statically, which keeps the codec, the marshallers and a CRC-32 (~9 KiB) in every bundle with one of these
 * clients. It becomes a marshaller that refuses with the same message; no Berth command streams.
 */
const sdkWithoutEventStreamSerde: Plugin = replacingInModule(
  'berth-sdk-without-event-stream-serde',
  CLIENT_RUNTIME_CONFIG,
  EVENT_STREAM_SERDE_IMPORT,
  REFUSING_EVENT_STREAM_SERDE,
);

/** `@smithy/core`'s Node SHA-256, which falls back to a JavaScript SHA-256 when `node:crypto` has none. */
const SHA256_NODE_MODULE =
  /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]checksum[\\/]sha256[\\/]Sha256Node\.js$/;
const SHA256_JS_IMPORT = 'import { Sha256Js } from "./Sha256Js";';
/** What a bundle answers if `node:crypto` ever lacked SHA-256. */
const NO_JS_SHA256_MESSAGE =
  'the JavaScript SHA-256 fallback is left out of the Berth Lambda bundles (infra/bundling.ts): node:crypto has SHA-256';

/**
 * Leaves out the JavaScript SHA-256 (~3.3 KiB in every bundle). The SDK signs every request with `Sha256Node`,
 * which uses `node:crypto`'s `createHash("sha256")` and falls back to `Sha256Js` only when that throws — which it
 * never does in Node.js (the Lambda runtimes and the local platform build Node with OpenSSL). The fallback becomes
 * a class that refuses with a message naming this choice.
 */
const sdkWithoutJsSha256: Plugin = replacingInModule(
  'berth-sdk-without-js-sha256',
  SHA256_NODE_MODULE,
  SHA256_JS_IMPORT,
  `const Sha256Js = class { constructor() { throw new Error(${JSON.stringify(NO_JS_SHA256_MESSAGE)}); } };`,
);

/** `@smithy/core`'s region lookup in the EC2 instance metadata service (IMDS), the region chain's last resort. */
const IMDS_REGION_MODULE =
  /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]config[\\/]config-resolver[\\/]regionConfig[\\/]getInstanceMetadataRegion\.js$/;

/**
 * Leaves out the region lookup in the EC2 instance metadata service (IMDSv2 token and region requests, ~1.2 KiB).
 * The SDK asks IMDS for the region only when neither `AWS_REGION` nor a profile names one; Lambda always sets
 * `AWS_REGION` (Lambda Developer Guide, "Defined runtime environment variables": reserved, set by the runtime) and
 * the local platform sets it for every function, so the lookup is never reached. It becomes what the lookup answers
 * when IMDS does not answer (`undefined`), so a bundle run without a region still fails with the SDK's own
 * "Region is missing".
 */
const sdkWithoutImdsRegion: Plugin = replacingModule(
  'berth-sdk-without-imds-region',
  IMDS_REGION_MODULE,
  'export const getInstanceMetadataRegion = async () => undefined;',
);

/** `@smithy/core`'s retry configuration, which builds the adaptive strategy when the retry mode is `adaptive`. */
const RETRY_CONFIGURATIONS_MODULE =
  /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]retry[\\/]middleware-retry[\\/]configurations\.js$/;
const ADAPTIVE_RETRY_IMPORT = 'import { AdaptiveRetryStrategy } from "../util-retry/AdaptiveRetryStrategy";';
/** What a bundle answers if a client were ever built with the `adaptive` retry mode. */
export const NO_ADAPTIVE_RETRY_MESSAGE =
  "the adaptive retry mode is left out of the Berth Lambda bundles (infra/bundling.ts): Berth's clients use 'standard'";

/**
 * Leaves out the adaptive retry strategy and its client-side rate limiter (~3 KiB). Every Berth client is built
 * with `retryMode: 'standard'` (functions/adapters/aws/clients.ts `RETRY_MODE`, which says why), and a client's
 * own `retryMode` wins over `AWS_RETRY_MODE` and the config file, so the SDK never builds it. It becomes a class
 * that refuses with a message naming this choice.
 */
const sdkWithoutAdaptiveRetry: Plugin = replacingInModule(
  'berth-sdk-without-adaptive-retry',
  RETRY_CONFIGURATIONS_MODULE,
  ADAPTIVE_RETRY_IMPORT,
  `const AdaptiveRetryStrategy = class { constructor() { throw new Error(${JSON.stringify(NO_ADAPTIVE_RETRY_MESSAGE)}); } };`,
);

/** `@smithy/core`'s loader of the shared AWS `config` and `credentials` files (`~/.aws/…`, `AWS_CONFIG_FILE`). */
const SHARED_CONFIG_FILES_MODULE =
  /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]config[\\/]shared-ini-file-loader[\\/]loadSharedConfigFiles\.js$/;

/**
 * Leaves out the reading of the shared AWS config and credentials files (paths, home directory, INI parser,
 * ~2.6 KiB). A Lambda function's settings come from its environment (`AWS_REGION`, the credentials, Berth's
 * `AWS_MAX_ATTEMPTS`/`AWS_ENDPOINT_URL*` when set); no such file exists in its execution environment unless the
 * deployment package ships one, which Berth's do not, and the stack sets no `AWS_CONFIG_FILE`. The loader then
 * finds nothing and answers empty files, which is what it now answers at once (a profile file is ignored:
 * test/infra/bundling-runtime.test.ts).
 */
const sdkWithoutSharedConfigFiles: Plugin = replacingModule(
  'berth-sdk-without-shared-config-files',
  SHARED_CONFIG_FILES_MODULE,
  [
    'export { CONFIG_PREFIX_SEPARATOR } from "./constants";',
    'export const loadSharedConfigFiles = async () => ({ configFile: {}, credentialsFile: {} });',
  ].join('\n'),
);

/** `@smithy/core`'s endpoint parameters, which apply S3's bucket rules when the client is S3's. */
const ENDPOINT_INSTRUCTIONS_MODULE =
  /[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]endpoints[\\/]middleware-endpoint[\\/]adaptors[\\/]getEndpointFromInstructions\.js$/;
const S3_CUSTOMIZATIONS_IMPORT = 'import { resolveParamsForS3 } from "../service-customizations";';
/** What a bundle answers if an S3 client ever resolved an endpoint in it. */
const NO_S3_MESSAGE =
  'S3 endpoint rules are left out of the Berth Lambda bundles (infra/bundling.ts): no Berth function calls S3';

/**
 * Leaves out S3's bucket-name endpoint rules (~0.8 KiB), applied only when the client's service is S3: no Berth
 * function has an S3 client ({@link CLIENT_OF_SERVICE}; test/infra/handler-bundles.test.ts fails if a bundle holds
 * a client its IAM declaration does not call). They become a rejection naming this choice.
 */
const sdkWithoutS3EndpointRules: Plugin = replacingInModule(
  'berth-sdk-without-s3-endpoint-rules',
  ENDPOINT_INSTRUCTIONS_MODULE,
  S3_CUSTOMIZATIONS_IMPORT,
  `const resolveParamsForS3 = async () => { throw new Error(${JSON.stringify(NO_S3_MESSAGE)}); };`,
);

/** The esbuild options of a Lambda bundle (the JS API's names), for the benchmark and the tests. */
export const BUNDLE_OPTIONS: Readonly<BuildOptions> = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE_TARGET,
  minify: true,
  sourcemap: false,
  mainFields: [...BUNDLE_MAIN_FIELDS],
  banner: { js: ESM_REQUIRE_BANNER },
  alias: { ...BUNDLE_ALIASES },
  plugins: [
    sdkSchemaTreeShaking,
    sdkPackageInfo,
    sdkWithoutEventStreams,
    sdkWithoutEventStreamSerde,
    sdkWithoutJsSha256,
    sdkWithoutImdsRegion,
    sdkWithoutAdaptiveRetry,
    sdkWithoutSharedConfigFiles,
    sdkWithoutS3EndpointRules,
  ],
};

/**
 * The AWS SDK v3 client package (`@aws-sdk/client-<name>`) that calls each IAM service prefix. `iam` is absent on
 * purpose: Berth's only IAM action is `iam:PassRole` (and `iam:CreateServiceLinkedRole`, done by AWS on first use),
 * which AWS authorizes inside another service's call; no Berth code calls IAM.
 */
const CLIENT_OF_SERVICE: Readonly<Record<string, string>> = {
  'application-autoscaling': 'application-auto-scaling',
  autoscaling: 'auto-scaling',
  cloudwatch: 'cloudwatch',
  dynamodb: 'dynamodb',
  ec2: 'ec2',
  ecs: 'ecs',
  elasticloadbalancing: 'elastic-load-balancing-v2',
  lambda: 'lambda',
  logs: 'cloudwatch-logs',
  scheduler: 'scheduler',
  secretsmanager: 'secrets-manager',
  ssm: 'ssm',
  states: 'sfn',
};

/** IAM service prefixes authorized inside another service's call: no client is needed for them. */
const NO_CLIENT_SERVICES: ReadonlySet<string> = new Set(['iam']);

/**
 * The client packages a handler may bundle: one per service its permissions name.
 *
 * @throws Error when a permission names a service with no known client (extend {@link CLIENT_OF_SERVICE}).
 * @example clientsAllowedBy(HANDLER_PERMISSIONS['ApiAux']) // ['cloudwatch-logs', 'dynamodb', 'lambda', 'ssm']
 */
export function clientsAllowedBy(permissions: readonly Permission[]): string[] {
  const clients = new Set<string>();
  for (const permission of permissions) {
    for (const action of permission.actions) {
      const service = action.split(':')[0] ?? '';
      if (NO_CLIENT_SERVICES.has(service)) continue;
      const client = CLIENT_OF_SERVICE[service];
      if (client === undefined) {
        throw new Error(`no AWS SDK client is known for the IAM service "${service}" (action ${action})`);
      }
      clients.add(client);
    }
  }
  return [...clients].sort();
}

/**
 * Services a handler may call through a grant the stack adds beside its declaration: the API and Slack read the
 * access policy from SSM when the `accessPolicyParameter` context is given (infra/orchestrator-stack.ts,
 * `ReadAccessPolicy`). Redundant once that grant is declared in infra/handler-permissions.ts;
 * test/infra/handler-bundles.test.ts checks the stack does make it.
 */
export const GRANTED_BESIDE_DECLARATION: Readonly<Record<string, readonly Permission[]>> = {
  Api: [{ sid: 'ReadAccessPolicy', actions: ['ssm:GetParameter'], resources: ['*'] }],
  Slack: [{ sid: 'ReadAccessPolicy', actions: ['ssm:GetParameter'], resources: ['*'] }],
};

/** The parts of an esbuild metafile output the check reads. */
export interface BundleOutput {
  readonly inputs: Readonly<Record<string, { readonly bytesInOutput: number }>>;
}

const CLIENT_PATH = /(?:^|\/)node_modules\/@aws-sdk\/client-([a-z0-9-]+)\//;

/**
 * The `@aws-sdk/client-*` packages whose code is in a bundle (an input with bytes in the output; esbuild lists
 * tree-shaken inputs with 0 bytes).
 */
export function bundledClients(output: BundleOutput): string[] {
  const clients = new Set<string>();
  for (const [file, input] of Object.entries(output.inputs)) {
    if (input.bytesInOutput === 0) continue;
    const match = CLIENT_PATH.exec(file);
    if (match?.[1] !== undefined) clients.add(match[1]);
  }
  return [...clients].sort();
}

/** Clients in the bundle that the handler's permissions do not call (empty when the bundle is lean). */
export function unexpectedClients(output: BundleOutput, permissions: readonly Permission[]): string[] {
  const allowed = new Set(clientsAllowedBy(permissions));
  return bundledClients(output).filter((c) => !allowed.has(c));
}
