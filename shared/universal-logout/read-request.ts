import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { parseBearerToken } from '../http/bearer.ts';
import { NO_CREDENTIAL_REASON } from '../http/oauth-error.ts';
import { header } from '../http/request.ts';

/** Okta's revocation JWT is about 1 KB; anything far longer is not one. */
const MAX_TOKEN_LENGTH = 8192;

/** What a Global Token Revocation call carries, read once. */
export interface RevocationRequest {
  /** The tenant in the path. */
  readonly tenantId: string;
  /** The raw body, as bytes (its size and encoding are checked when it is parsed). */
  readonly body: Buffer;
  /** The `Authorization` header, as sent, if any. */
  readonly authorization: string | undefined;
}

export function readRevocationRequest(event: APIGatewayProxyEventV2): RevocationRequest {
  const raw = event.body ?? '';
  return {
    tenantId: event.pathParameters?.tenant ?? '',
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
    authorization: header(event, 'authorization'),
  };
}

/** The bearer token of the request: 401 when there is none, or when the header is not a bearer credential. */
export function bearerToken(request: RevocationRequest): string {
  if (request.authorization === undefined || request.authorization.trim() === '') {
    throw new ServiceError('REVOCATION_TOKEN_INVALID', { reason: NO_CREDENTIAL_REASON });
  }
  const token = parseBearerToken(request.authorization);
  if (!token || token.length > MAX_TOKEN_LENGTH) {
    throw new ServiceError('REVOCATION_TOKEN_INVALID', { reason: 'revocation_token_malformed' });
  }
  return token;
}
