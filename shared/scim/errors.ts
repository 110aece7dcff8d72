import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ErrorCode, type ErrorDetails, ServiceError } from '../errors.ts';
import { describeError } from '../http/error-catalogue.ts';
import type { HttpResult } from '../http/responses.ts';
import { ERROR_SCHEMA } from './schemas.ts';

/** A 400 of the SCIM endpoint; the words and `scimType` come from the catalogue by `reason`. */
export function invalid(reason: string, details: ErrorDetails = {}): ServiceError {
  return new ServiceError('SCIM_INVALID', { reason, details });
}

/**
 * `body`'s attributes by their canonical names (SCIM attribute names are
 * case-insensitive, RFC 7643 §2.1); an attribute not in `known` is a 400
 * naming it and the `resource` it was sent for.
 */
export function canonicalAttributes(
  body: Record<string, unknown>,
  known: readonly string[],
  resource: string,
): Map<string, unknown> {
  const byLower = new Map(known.map((name) => [name.toLowerCase(), name]));
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(body)) {
    const name = byLower.get(key.toLowerCase());
    if (!name) throw invalid('scim_unknown_attribute', { attribute: key.slice(0, 64), resource });
    out.set(name, value);
  }
  return out;
}

export function scimError(code: ErrorCode, reason: string, details: ErrorDetails = {}): ServiceError {
  return new ServiceError(code, { reason, details });
}

/**
 * Any error of the SCIM endpoint in the SCIM error schema (RFC 7644 §3.12):
 * `status` as a string, `scimType` where one applies, `detail` from the
 * catalogue (the Okta admin reads it in Okta's provisioning errors).
 */
export function scimErrorResponse(
  error: ServiceError,
  _event: APIGatewayProxyEventV2,
  correlationId: string,
): HttpResult {
  const { status, message, adminHint, scimType } = describeError(error);
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/scim+json; charset=utf-8',
      'cache-control': 'no-store',
      ...(status === 401 ? { 'www-authenticate': 'Bearer realm="scim"' } : {}),
    },
    body: JSON.stringify({
      schemas: [ERROR_SCHEMA],
      status: String(status),
      ...(scimType ? { scimType } : {}),
      detail: `${[message, adminHint].filter(Boolean).join(' ')} (correlation id ${correlationId})`,
    }),
  };
}
