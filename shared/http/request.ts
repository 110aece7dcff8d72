import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parse as parseCookieHeader } from 'cookie';
import { ServiceError } from '../errors.ts';

/** Largest form body accepted (an Okta Simplified id_token post is a few KB). */
export const MAX_FORM_BYTES = 64 * 1024;
/** Largest single parameter value we look at. */
export const MAX_PARAM_LENGTH = 8192;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function invalid(reason: string, details: Record<string, string> = {}): ServiceError {
  return new ServiceError('INVALID_REQUEST', { reason, details });
}

/** Request parameters where every name appears at most once (RFC 6749 §3.1). */
export class Params {
  readonly #params: URLSearchParams;

  constructor(params: URLSearchParams) {
    this.#params = params;
  }

  static empty(): Params {
    return new Params(new URLSearchParams());
  }

  /** The value of `name`, or undefined; a repeated or oversized value is a 400. */
  get(name: string): string | undefined {
    const values = this.#params.getAll(name);
    if (values.length > 1) throw invalid('duplicate_parameter', { parameter: name });
    const value = values[0];
    if (value !== undefined && value.length > MAX_PARAM_LENGTH) {
      throw invalid('parameter_too_long', { parameter: name });
    }
    return value;
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }
}

export function queryParams(event: APIGatewayProxyEventV2): Params {
  return new Params(new URLSearchParams(event.rawQueryString ?? ''));
}

function rawBody(event: APIGatewayProxyEventV2): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/**
 * Parameters of a POST: the form body (application/x-www-form-urlencoded, as
 * OIDC Core §4 and Okta's form_post send) merged with none of the query — a
 * POST's parameters are its body.
 */
export function formParams(event: APIGatewayProxyEventV2): Params {
  const body = rawBody(event);
  if (body.length > MAX_FORM_BYTES) {
    throw new ServiceError('BODY_TOO_LARGE');
  }
  if (body.length === 0) return new Params(new URLSearchParams());
  const contentType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw new ServiceError('UNSUPPORTED_MEDIA_TYPE');
  }
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw invalid('invalid_utf8');
  }
  return new Params(new URLSearchParams(text));
}

/** Case-insensitive header lookup (API Gateway lower-cases, local callers may not). */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

/**
 * Cookies of the request. Payload v2 puts them in `event.cookies`, one
 * `name=value` per entry. A repeated name keeps its first value, as browsers
 * send the most specific cookie first.
 */
export function requestCookies(event: APIGatewayProxyEventV2): Map<string, string> {
  const cookies = new Map<string, string>();
  const parts = event.cookies ?? (header(event, 'cookie') ? [header(event, 'cookie') as string] : []);
  for (const part of parts) {
    let parsed: Record<string, string | undefined>;
    try {
      parsed = parseCookieHeader(part);
    } catch {
      continue;
    }
    for (const [name, value] of Object.entries(parsed)) {
      if (value !== undefined && !cookies.has(name)) cookies.set(name, value);
    }
  }
  return cookies;
}

/**
 * The origin browsers use to reach us: PUBLIC_URL when configured, else the
 * API Gateway domain of this request.
 */
export function publicOrigin(event: APIGatewayProxyEventV2, configured: string | undefined): string {
  if (configured) return configured;
  const domain = event.requestContext?.domainName;
  if (!domain || !/^[a-z0-9.-]+(:\d+)?$/i.test(domain)) {
    throw new ServiceError('CONFIGURATION_ERROR', { reason: 'no_public_url' });
  }
  return `https://${domain.toLowerCase()}`;
}

/** Whether the caller prefers JSON over an HTML page. */
export function wantsJson(event: APIGatewayProxyEventV2): boolean {
  const accept = header(event, 'accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
