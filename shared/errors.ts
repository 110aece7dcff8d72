/**
 * One error family for the whole service. Each error carries a stable `code`
 * (tests and metrics key on it), the HTTP status it maps to, a message that is
 * safe to show to the person in the browser and, where it helps, a hint for the
 * tenant's Okta admin. Nothing in here may ever contain a token, a code, a
 * secret or a cookie value.
 */
export type LoginErrorCode =
  | 'TENANT_NOT_FOUND'
  | 'INVALID_TENANT_ID'
  | 'ISSUER_MISMATCH'
  | 'INVALID_REQUEST'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
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
  | 'STORE_UNAVAILABLE'
  | 'CONFIGURATION_ERROR'
  | 'INTERNAL';

interface ErrorSpec {
  status: number;
  title: string;
}

/** Status and page title per code: the single place that maps errors to HTTP. */
export const ERROR_SPECS: Record<LoginErrorCode, ErrorSpec> = {
  TENANT_NOT_FOUND: { status: 404, title: 'Unknown organization' },
  INVALID_TENANT_ID: { status: 404, title: 'Unknown organization' },
  ISSUER_MISMATCH: { status: 400, title: 'Sign-in came from an unexpected Okta' },
  INVALID_REQUEST: { status: 400, title: 'Bad sign-in request' },
  BODY_TOO_LARGE: { status: 413, title: 'Request too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported request format' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  ROUTE_NOT_FOUND: { status: 404, title: 'Page not found' },
  STATE_MISSING: { status: 400, title: 'Sign-in expired' },
  STATE_INVALID: { status: 400, title: 'Sign-in could not be verified' },
  STATE_EXPIRED: { status: 400, title: 'Sign-in expired' },
  STATE_REPLAYED: { status: 400, title: 'Sign-in link already used' },
  USER_NOT_ASSIGNED: { status: 403, title: 'You are not assigned to this app' },
  IDP_ERROR: { status: 400, title: 'Okta refused the sign-in' },
  TOKEN_ENDPOINT_FAILED: { status: 502, title: 'Could not complete sign-in with Okta' },
  AUTHORIZATION_CODE_REJECTED: { status: 400, title: 'Sign-in expired' },
  CLIENT_AUTH_FAILED: { status: 502, title: 'This app’s sign-in is misconfigured' },
  TOKEN_REQUEST_REJECTED: { status: 502, title: 'Okta refused the sign-in' },
  DISCOVERY_FAILED: { status: 502, title: 'Could not reach your Okta' },
  JWKS_FAILED: { status: 502, title: 'Could not fetch Okta signing keys' },
  ID_TOKEN_INVALID: { status: 401, title: 'Sign-in could not be verified' },
  USER_DISABLED: { status: 403, title: 'Your account is disabled' },
  EMAIL_DOMAIN_NOT_ALLOWED: { status: 403, title: 'Your email address is not allowed here' },
  EMAIL_NOT_VERIFIED: { status: 403, title: 'Your email address is not verified' },
  NOT_AUTHENTICATED: { status: 401, title: 'Not signed in' },
  CROSS_SITE_REQUEST: { status: 403, title: 'Request refused' },
  STORE_UNAVAILABLE: { status: 503, title: 'Service temporarily unavailable' },
  CONFIGURATION_ERROR: { status: 500, title: 'Service misconfigured' },
  INTERNAL: { status: 500, title: 'Something went wrong' },
};

export interface LoginErrorOptions {
  /** Extra detail for the Okta admin; shown on the page, so never sensitive. */
  adminHint?: string;
  /** A finer reason for logs and metrics, e.g. the failed ID token rule. */
  reason?: string;
  /** Offer a "start again" link to the tenant's login URI. */
  restartable?: boolean;
  cause?: unknown;
}

export class LoginError extends Error {
  override readonly name: string = 'LoginError';
  readonly code: LoginErrorCode;
  readonly adminHint: string | undefined;
  readonly reason: string | undefined;
  readonly restartable: boolean;
  /** Set-Cookie values the error response must still carry (e.g. clearing a used login cookie). */
  readonly responseCookies: string[] = [];

  constructor(code: LoginErrorCode, message: string, options: LoginErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.adminHint = options.adminHint;
    this.reason = options.reason;
    this.restartable = options.restartable ?? false;
  }

  get status(): number {
    return ERROR_SPECS[this.code].status;
  }

  get title(): string {
    return ERROR_SPECS[this.code].title;
  }
}

/** Raised by store adapters when a conditional write loses (item exists, etc.). */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
}

/** Raised by store adapters when the database cannot be reached or throttles. */
export class StoreUnavailableError extends LoginError {
  constructor(cause?: unknown) {
    super('STORE_UNAVAILABLE', 'The service cannot reach its database right now. Please try again in a minute.', {
      cause,
      restartable: true,
    });
  }
}

/** Turns anything thrown into a LoginError, hiding unknown details. */
export function toLoginError(error: unknown): LoginError {
  if (error instanceof LoginError) return error;
  return new LoginError('INTERNAL', 'An unexpected error stopped the sign-in. Please try again.', {
    cause: error,
    restartable: true,
  });
}
