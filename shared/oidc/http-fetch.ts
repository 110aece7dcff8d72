import { lookup as dnsLookup } from 'node:dns';
import { type ClientRequest, Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction, Socket, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { isPublicAddress } from './public-address.ts';

/** The fetch the OIDC client uses; injectable so tests and benchmarks can count or fault calls. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Fetch with a hard deadline: a slow Okta must produce a clear error within
 * seconds, long before the Lambda or API Gateway timeout.
 */
export async function fetchWithTimeout(
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response> {
  return fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
}

export interface HttpFetchOptions {
  /** @default 1 MB */
  readonly maxBodyBytes?: number;
  /**
   * Refuse connections to loopback, private, link-local (instance metadata) and
   * other non-public addresses: on in AWS, where tenant config names the hosts
   * (SSRF); off in local mode, where the identity provider is on localhost.
   * @default false
   */
  readonly blockPrivateAddresses?: boolean;
  /**
   * Resolves host names, as `dns.lookup` does (the default). Tests pass one
   * that answers chosen addresses, as a rebinding DNS server would.
   */
  readonly lookup?: LookupFunction;
}

const PUBLIC_ONLY = { allowPrivateIPAddress: false, allowMetaIPAddress: false } as const;
/** How request-filtering-agent words a refused address (it sets no code). */
const REFUSED_ADDRESS = /^DNS lookup \S+ .*is not allowed/;
/** The `code` a refused connection's cause carries, for messages that say what happened. */
export const PRIVATE_ADDRESS_REFUSED = 'ERR_PRIVATE_ADDRESS_REFUSED';

function refusedAddress(address: string, name?: string): NodeJS.ErrnoException {
  const message = name
    ? `${name} resolves to ${address}, which is not a public address`
    : `${address} is not a public address`;
  return Object.assign(new Error(message), { code: PRIVATE_ADDRESS_REFUSED });
}

/** Wraps a resolver so that a name resolving to any non-public address (`isPublicAddress`) fails to resolve. */
function publicOnlyLookup(lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
      const refused = addresses.find((candidate) => !isPublicAddress(candidate));
      if (refused !== undefined) return callback(refusedAddress(refused, hostname), address, family);
      callback(null, address, family);
    });
  };
}

type ConnectionListener = (error: Error | null, socket: Duplex) => void;

/**
 * Adds `isPublicAddress` to request-filtering-agent's own check, on the
 * connection itself: its check takes every ipaddr.js `unicast` address as
 * public, IPv4-compatible `[::a9fe:a9fe]` included. A literal host is judged
 * before connecting (no lookup happens for it); a name through the resolver.
 */
function connectPublicOnly(
  options: TcpNetConnectOpts,
  listener: ConnectionListener | undefined,
  connect: (options: TcpNetConnectOpts) => Duplex,
): Duplex {
  const { host } = options;
  if (host !== undefined && isIP(host) !== 0 && !isPublicAddress(host)) {
    // As request-filtering-agent does: the agent hands the error to the request; no socket ever connects.
    const socket = new Socket();
    const error = refusedAddress(host);
    if (listener) listener(error, socket);
    else socket.destroy(error);
    return socket;
  }
  return connect({ ...options, lookup: publicOnlyLookup(options.lookup ?? dnsLookup) });
}

class PublicOnlyHttpAgent extends RequestFilteringHttpAgent {
  override createConnection(options: TcpNetConnectOpts, listener?: ConnectionListener): Duplex {
    return connectPublicOnly(options, listener, (checked) => super.createConnection(checked, listener));
  }
}

class PublicOnlyHttpsAgent extends RequestFilteringHttpsAgent {
  override createConnection(options: TcpNetConnectOpts, listener?: ConnectionListener): Duplex {
    return connectPublicOnly(options, listener, (checked) => super.createConnection(checked, listener));
  }
}

/** Bodies above this are refused: no OIDC document or token response comes near it. */
const MAX_BODY_BYTES = 1024 * 1024;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `FetchLike` on `node:http`/`node:https` with keep-alive agents: what the
 * OIDC client needs of fetch (a method, headers, a string body, an abort
 * signal, redirects not followed) for a fraction of undici's CPU per request,
 * which `npm run bench` measures. Warm functions reuse one TLS connection per
 * Okta host. Failures look like fetch's: a network error is a TypeError with
 * the cause attached, an abort rejects with the signal's reason (TimeoutError).
 */
export function createHttpFetch(options: HttpFetchOptions = {}): FetchLike {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  // The address is checked after DNS resolution, on the connection itself, so a public
  // name that resolves (or is re-bound) to 169.254.169.254, 10.x or ::a9fe:a9fe is refused too.
  const agents = options.blockPrivateAddresses
    ? {
        'http:': new PublicOnlyHttpAgent({ keepAlive: true, ...PUBLIC_ONLY }),
        'https:': new PublicOnlyHttpsAgent({ keepAlive: true, ...PUBLIC_ONLY }),
      }
    : {
        'http:': new HttpAgent({ keepAlive: true }),
        'https:': new HttpsAgent({ keepAlive: true }),
      };
  return async (input, init = {}) => {
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`unsupported URL scheme ${url.protocol}`);
    }
    init.signal?.throwIfAborted();
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: init.method ?? 'GET',
      headers,
      agent: agents[url.protocol],
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    return exchange(request, body, init.signal ?? undefined, maxBodyBytes);
  };
}

/** Sends the request and reads the whole answer, at most `maxBodyBytes`, as fetch would (redirects not followed). */
function exchange(
  request: ClientRequest,
  body: string | undefined,
  signal: AbortSignal | undefined,
  maxBodyBytes: number,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const fail = (error: Error) => {
      signal?.removeEventListener('abort', onAbort);
      request.destroy();
      if (REFUSED_ADDRESS.test(error.message)) Object.assign(error, { code: PRIVATE_ADDRESS_REFUSED });
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    };
    const onAbort = () => {
      request.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', fail);
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) fail(new RangeError(`response body above ${maxBodyBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (size > maxBodyBytes) return;
        signal?.removeEventListener('abort', onAbort);
        resolve(toResponse(res, Buffer.concat(chunks)));
      });
    });
    request.end(body);
  });
}

function toResponse(res: IncomingMessage, body: Buffer): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const item of Array.isArray(value) ? value : [value ?? '']) headers.append(name, item);
  }
  return new Response(NULL_BODY_STATUSES.has(status) ? null : new Uint8Array(body), {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i;

/** Why a request to an identity provider failed, in words an Okta admin can act on. */
export function describeFetchFailure(
  url: string,
  error: unknown,
): { kind: 'timeout' | 'private_address' | 'tls' | 'dns' | 'refused' | 'unreachable'; message: string } {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  const code = cause?.code ?? (error as { code?: string } | null)?.code ?? '';
  if ((error as { name?: string } | null)?.name === 'TimeoutError') {
    return { kind: 'timeout', message: `${url} did not answer within the timeout.` };
  }
  if (code === PRIVATE_ADDRESS_REFUSED) {
    return {
      kind: 'private_address',
      message: `${url} resolves to a loopback, private or link-local address, which the service refuses outside local mode: use the Okta org's public URL.`,
    };
  }
  if (TLS_CODES.test(code)) {
    return {
      kind: 'tls',
      message: `TLS failure talking to ${url} (${code}): the certificate is not trusted or does not match the host. Check the issuer's host name and certificate.`,
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { kind: 'dns', message: `The host of ${url} does not resolve (${code}): check the issuer URL for typos.` };
  }
  if (code === 'ECONNREFUSED') return { kind: 'refused', message: `${url} refused the connection.` };
  return { kind: 'unreachable', message: `${url} could not be reached${code ? ` (${code})` : ''}.` };
}
