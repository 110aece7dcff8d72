import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ErrorCode, type ErrorDetails, ServiceError } from '../errors.ts';
import { describeError } from '../http/error-catalogue.ts';
import type { HttpResult } from '../http/responses.ts';
import { ERROR_SCHEMA } from './schemas.ts';

/** A 400 of the SCIM endpoint; the words and `scimType` come from the catalogue by `reason`. */
export function invalid(reason: string, details: ErrorDetails = {}): ServiceError {
  return new ServiceError('SCIM_INVALID', { reason, details });
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
