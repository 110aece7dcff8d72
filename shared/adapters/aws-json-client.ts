import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Crc32Js, Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * A small client for AWS services that speak the JSON protocol (DynamoDB,
 * Secrets Manager): one signed HTTPS POST per call over a keep-alive
 * connection, bounded retries with jittered backoff, and SDK-shaped errors.
 *
 * Why not the AWS SDK client: on the login path it is the largest cost in
 * both cold init and CPU per request (middleware stack, schema serde, logger
 * filters), and these services need none of it (`npm run bench` measures
 * both). The hard parts still come from the SDK's own packages: SigV4 signing
 * (`@smithy/signature-v4`), hashing (`@smithy/core`) and the credential chain
 * (`@aws-sdk/credential-provider-node`, loaded only when the environment has
 * no credentials, as Lambda always does).
 */
export interface AwsJsonClientOptions {
  /** Signing name and endpoint prefix, e.g. `dynamodb`. */
  readonly service: string;
  /** `X-Amz-Target` prefix, e.g. `DynamoDB_20120810`. */
  readonly targetPrefix: string;
  /** `application/x-amz-json-<version>`. */
  readonly jsonVersion: '1.0' | '1.1';
  /** Full endpoint URL (DynamoDB Local, VPC endpoints); default: the public regional endpoint. */
  readonly endpoint?: string | undefined;
  /** @default AWS_REGION, else AWS_DEFAULT_REGION */
  readonly region?: string | undefined;
  /** @default environment variables, else the SDK's default chain (profiles, SSO, IMDS, ...) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Attempts per call, retries included. @default 3 */
  readonly maxAttempts?: number;
  /** Per attempt: the longest the connection may stay silent before the attempt fails. @default 3000 */
  readonly timeoutMs?: number;
}

/** What a failed call throws: shaped like an AWS SDK v3 service exception. */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $retryable: { throttling: boolean } | undefined;
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number };
  /** The error body's other fields, e.g. DynamoDB's `CancellationReasons`. */
  readonly details: Record<string, unknown>;
  /** The server's clock (its Date header), to correct a skewed local clock. */
  readonly serverTime: number | undefined;

  constructor(
    name: string,
    message: string,
    init: {
      statusCode?: number;
      requestId?: string;
      attempts: number;
      details?: Record<string, unknown>;
      serverTime?: number;
    },
  ) {
    super(message);
    this.name = name;
    const statusCode = init.statusCode;
    this.$fault = statusCode !== undefined && statusCode < 500 ? 'client' : 'server';
    const throttling = THROTTLING_ERRORS.has(name);
    this.$retryable = throttling || statusCode === undefined || statusCode >= 500 ? { throttling } : undefined;
    this.$metadata = {
      ...(statusCode === undefined ? {} : { httpStatusCode: statusCode }),
      ...(init.requestId ? { requestId: init.requestId } : {}),
      attempts: init.attempts,
    };
    this.details = init.details ?? {};
    this.serverTime = init.serverTime;
  }
}

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const CLOCK_SKEW_ERRORS = new Set([
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
  'AuthFailure',
]);
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const USER_AGENT = 'okta-tile-login/aws-json-client';

export class AwsJsonClient {
  readonly #options: AwsJsonClientOptions;
  readonly #url: URL;
  readonly #agent: HttpAgent;
  readonly #send: typeof httpRequest;
  readonly #signer: SignatureV4;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  readonly #contentType: string;
  /** Server time minus local time, learnt from a clock-skew refusal (as the SDK does). */
  #clockOffsetMs = 0;

  constructor(options: AwsJsonClientOptions) {
    this.#options = options;
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new TypeError(`${options.service}: set AWS_REGION (or give an endpoint and region)`);
    this.#url = new URL(options.endpoint ?? defaultEndpoint(options.service, region));
    const secure = this.#url.protocol === 'https:';
    // Keep-alive: a warm function reuses one TLS connection instead of a handshake per call.
    this.#agent = secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: 50 })
      : new HttpAgent({ keepAlive: true, maxSockets: 50 });
    this.#send = secure ? httpsRequest : httpRequest;
    this.#signer = new SignatureV4({
      service: options.service,
      region,
      credentials: credentialProvider(options.credentials),
      sha256: Sha256,
    });
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#contentType = `application/x-amz-json-${options.jsonVersion}`;
  }

  /** Calls `operation` with a JSON body; resolves with the parsed response body. */
  async call<T = Record<string, unknown>>(operation: string, input: unknown): Promise<T> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#attempt(operation, body, attempt)) as T;
      } catch (error) {
        if (attempt >= this.#maxAttempts) throw error;
        if (this.#learnClockSkew(error)) continue;
        if (!isRetryable(error)) throw error;
        await delay(backoffMs(attempt, error));
      }
    }
  }

  /**
   * A request refused because this machine's clock is off (more than the 5
   * minutes SigV4 allows): adopt the server's time from its Date header and
   * sign again. True when the call should be retried at once.
   */
  #learnClockSkew(error: unknown): boolean {
    if (!(error instanceof AwsServiceError) || !CLOCK_SKEW_ERRORS.has(error.name)) return false;
    if (error.serverTime === undefined) return false;
    const offset = error.serverTime - Date.now();
    if (Math.abs(offset - this.#clockOffsetMs) < 60_000) return false;
    this.#clockOffsetMs = offset;
    return true;
  }

  /** Closes idle keep-alive connections (tests, CLI). */
  destroy(): void {
    this.#agent.destroy();
  }

  async #attempt(operation: string, body: string, attempt: number): Promise<unknown> {
    const url = this.#url;
    const unsigned = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': this.#contentType,
        'x-amz-target': `${this.#options.targetPrefix}.${operation}`,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    const signed = await this.#signer.sign(unsigned, { signingDate: new Date(Date.now() + this.#clockOffsetMs) });
    const { statusCode, headers, bytes } = await this.#post(signed.headers, body, attempt);
    const requestId = (headers['x-amzn-requestid'] ?? headers['x-amz-request-id']) as string | undefined;
    const serverDate = typeof headers.date === 'string' ? Date.parse(headers.date) : Number.NaN;
    // DynamoDB sends a CRC32 of the body; like the SDK, a mismatch (a response cut or
    // altered on the way) is retried rather than read as data.
    const crc32 = headers['x-amz-crc32'];
    if (typeof crc32 === 'string' && checksum(bytes) !== Number(crc32)) {
      throw new AwsServiceError('ChecksumMismatch', 'response body does not match its x-amz-crc32', {
        attempts: attempt,
        ...(requestId ? { requestId } : {}),
      });
    }
    const text = bytes.toString('utf8');
    const parsed = parseJson(text);
    if (statusCode >= 200 && statusCode < 300) {
      if (parsed === undefined && text.trim() !== '') {
        // Never read an unreadable success as "no item".
        throw new AwsServiceError('SerializationError', 'unreadable response body', {
          attempts: attempt,
          ...(requestId ? { requestId } : {}),
        });
      }
      return parsed ?? {};
    }
    const { __type, message, Message, ...details } = (parsed ?? {}) as Record<string, unknown>;
    const name =
      typeof __type === 'string' && __type
        ? __type.slice(__type.lastIndexOf('#') + 1)
        : statusCode >= 500
          ? 'InternalServerError'
          : 'UnknownError';
    const description =
      typeof message === 'string' ? message : typeof Message === 'string' ? Message : `HTTP ${statusCode}`;
    throw new AwsServiceError(name, description, {
      statusCode,
      ...(requestId ? { requestId } : {}),
      attempts: attempt,
      details,
      ...(Number.isNaN(serverDate) ? {} : { serverTime: serverDate }),
    });
  }

  #post(
    headers: Record<string, string>,
    body: string,
    attempt: number,
  ): Promise<{ statusCode: number; headers: IncomingMessage['headers']; bytes: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = this.#send(
        {
          protocol: this.#url.protocol,
          hostname: this.#url.hostname,
          port: this.#url.port || undefined,
          path: this.#url.pathname,
          method: 'POST',
          headers: { ...headers, 'user-agent': USER_AGENT },
          agent: this.#agent,
          timeout: this.#timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error(`no answer within ${this.#timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(
          Object.assign(
            new AwsServiceError(error.code === 'ETIMEDOUT' ? 'TimeoutError' : 'NetworkError', error.message, {
              attempts: attempt,
            }),
            { code: error.code, cause: error },
          ),
        );
      });
      req.end(body);
    });
  }
}

function defaultEndpoint(service: string, region: string): string {
  return `https://${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** The table-driven CRC32: answers are small, and it spares every cold start loading node:zlib. */
function checksum(bytes: Buffer): number {
  const crc = new Crc32Js();
  crc.update(bytes);
  return crc.digestSync();
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof AwsServiceError)) return false;
  if (error.$retryable) return true;
  return NETWORK_ERRORS.has((error as { code?: string }).code ?? '');
}

/** Full jitter over an exponential ceiling; throttling waits longer, like the SDK's standard mode. */
function backoffMs(attempt: number, error: unknown): number {
  const base = (error as AwsServiceError).$retryable?.throttling ? 200 : 25;
  return Math.random() * Math.min(2000, base * 2 ** (attempt - 1));
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Credentials from the environment (what Lambda provides) without loading
 * anything else; otherwise the SDK's default chain, imported on first use.
 * The same variables `fromEnv()` reads, read here because importing it pulls
 * @aws-sdk/core's client barrel (endpoint rules, ini loader) into every
 * bundle: +20 KB for 8 lines.
 * Temporary credentials are refreshed five minutes before they expire.
 */
function credentialProvider(
  given: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined,
): AwsCredentialIdentityProvider {
  if (given && typeof given !== 'function') return async () => given;
  let source: AwsCredentialIdentityProvider | undefined = given;
  let cached: Promise<AwsCredentialIdentity> | undefined;
  const resolve = async (): Promise<AwsCredentialIdentity> => {
    const env = process.env;
    if (!source && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
      return {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        ...(env.AWS_CREDENTIAL_EXPIRATION ? { expiration: new Date(env.AWS_CREDENTIAL_EXPIRATION) } : {}),
      };
    }
    source ??= (await import('@aws-sdk/credential-provider-node')).defaultProvider();
    return source();
  };
  return async () => {
    const current = cached ? await cached.catch(() => undefined) : undefined;
    if (current && (!current.expiration || current.expiration.getTime() - Date.now() > 5 * 60_000)) return current;
    cached = resolve();
    return cached;
  };
}
