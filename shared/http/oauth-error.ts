import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ServiceError } from '../errors.ts';
import { describeError } from './error-catalogue.ts';
import { type HttpResult, json } from './responses.ts';

/** The reason under which a request carried no credential at all (RFC 6750 §3.1: then no error code in the challenge). */
export const NO_CREDENTIAL_REASON = 'revocation_token_missing';

/**
 * An error as a program calling an OAuth-style endpoint expects it (Okta's
 * Universal Logout): `{ error, error_description, correlationId }`, JSON
 * whatever the Accept header, the description in the catalogue's words, and
 * on a 401 the bearer challenge of RFC 6750 §3. Never input echoed back.
 */
export function oauthErrorResponse(
  error: ServiceError,
  _event: APIGatewayProxyEventV2,
  correlationId: string,
  cookies: string[] = [],
): HttpResult {
  const { status, message, oauthError } = describeError(error);
  const response = json(status, { error: oauthError, error_description: message, correlationId }, cookies);
  if (status === 401) {
    response.headers['www-authenticate'] =
      error.reason === NO_CREDENTIAL_REASON ? 'Bearer' : `Bearer error="${oauthError}"`;
  }
  return response;
}
