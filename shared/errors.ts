/**
 * The service's error: a stable `code` (tests, metrics and alarms key on it),
 * a finer `reason` (logs, the audit trail), the `cause`, and `details` — the
 * safe facts the words need (a tenant id, a URL, a timeout). What a person or
 * an Okta admin reads is not here: the HTTP layer maps code and reason to
 * status, title and text from one catalogue (`http/error-catalogue.ts`).
 * Nothing in an error may ever be a token, a code, a secret or a cookie value.
 */
export type ErrorCode =
  | 'TENANT_NOT_FOUND'
  | 'ISSUER_MISMATCH'
  | 'INVALID_REQUEST'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'ROUTE_NOT_FOUND'
  | 'STATE_MISSING'
  | 'STATE_INVALID'
  | 'STATE_EXPIRED'
  | 'STATE_REPLAYED'
  | 'USER_NOT_ASSIGNED'
  | 'IDP_ERROR'
  | 'TOKEN_ENDPOINT_FAILED'
  | 'AUTHORIZATION_CODE_REJECTED'
  | 'CLIENT_AUTH_FAILED'
  | 'TOKEN_REQUEST_REJECTED'
  | 'DISCOVERY_FAILED'
  | 'JWKS_FAILED'
  | 'ID_TOKEN_INVALID'
  | 'USER_DISABLED'
  | 'EMAIL_DOMAIN_NOT_ALLOWED'
  | 'EMAIL_NOT_VERIFIED'
  | 'NOT_AUTHENTICATED'
  | 'CROSS_SITE_REQUEST'
  | 'SETUP_LINK_INVALID'
  | 'SETUP_NOT_FINISHED'
  | 'SETUP_RATE_LIMITED'
  | 'REVOCATION_REQUEST_INVALID'
  | 'REVOCATION_TOKEN_INVALID'
  | 'REVOCATION_NOT_PERMITTED'
  | 'SUBJECT_NOT_FOUND'
  | 'SUBJECT_FORMAT_UNSUPPORTED'
  | 'UNIVERSAL_LOGOUT_OFF'
  | 'STORE_UNAVAILABLE'
  | 'CONFIGURATION_ERROR'
  | 'SCIM_UNAUTHORIZED'
  | 'SCIM_INVALID'
  | 'SCIM_NOT_FOUND'
  | 'SCIM_CONFLICT'
  | 'SCIM_METHOD_NOT_ALLOWED'
  | 'INTERNAL';

/** Safe facts for the catalogue's words: never input echoed back, never a secret. */
export type ErrorDetails = Readonly<Record<string, string>>;

export interface ServiceErrorOptions {
  /** What exactly went wrong, e.g. the ID token rule that failed. @default the code in lower case */
  readonly reason?: string;
  readonly details?: ErrorDetails;
  readonly cause?: unknown;
}

export class ServiceError extends Error {
  override readonly name: string = 'ServiceError';
  readonly code: ErrorCode;
  readonly reason: string;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, options: ServiceErrorOptions = {}) {
    const reason = options.reason ?? code.toLowerCase();
    // The message is for logs and stack traces: the code and reason, never page text.
    super(`${code} (${reason})`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = reason;
    this.details = options.details ?? {};
  }
}

/** The database (DynamoDB, Secrets Manager) cannot be reached, throttles or fails: a 503, never data loss. */
export class StoreUnavailableError extends ServiceError {
  override readonly name = 'StoreUnavailableError';

  constructor(cause?: unknown, reason = 'store_unavailable') {
    super('STORE_UNAVAILABLE', { reason, cause });
  }
}

/** Turns anything thrown into a ServiceError, hiding unknown details. */
export function toServiceError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  return new ServiceError('INTERNAL', { reason: 'unexpected', cause: error });
}
