import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials as the SigV4 signer takes them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type CredentialProvider = () => Promise<Credentials>;

export interface HttpRequestToSign {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** True for 127.0.0.0/8, ::1 and localhost: the local platform, which needs no signing. */
export const isLoopback = (url: string): boolean => {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127(?:\.\d{1,3}){3}$/.test(host) ||
    host.endsWith('.localhost')
  );
};

/**
 * The region of an API Gateway URL (`https://abc123.execute-api.eu-west-1.amazonaws.com/prod`),
 * else `fallback` (`AWS_REGION`).
 */
export const regionOf = (url: string, fallback: string | undefined): string => {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(new URL(url).hostname);
  const region = match?.[1] ?? fallback;
  if (region === undefined || region === '') {
    throw new Error(`cannot tell the AWS region of ${url}: set AWS_REGION`);
  }
  return region;
};

/**
 * Signs a request for API Gateway (`execute-api`) with SigV4 and returns the headers to send
 * (the originals plus `host`, `x-amz-date`, `x-amz-content-sha256`, `authorization` and
 * `x-amz-security-token` for temporary credentials).
 *
 * @example const headers = await signRequest(req, { credentials, region: 'us-east-1' });
 */
export const signRequest = async (
  request: HttpRequestToSign,
  options: {
    credentials: Credentials | CredentialProvider;
    region: string;
    now?: Date;
    /** The signing name (default `execute-api`, API Gateway; `pricing` for the Price List Query API). */
    service?: string;
  },
): Promise<Record<string, string>> => {
  const url = new URL(request.url);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      ...(request.body === undefined ? {} : { body: request.body }),
    },
    options.now === undefined ? {} : { signingDate: options.now },
  );
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(signed.headers)) headers[key] = String(value);
  return headers;
};
