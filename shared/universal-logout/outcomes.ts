import type { ErrorCode, ServiceError } from '../errors.ts';

/** The metric every call adds one to, by outcome (the alarm in `infra/monitoring.ts` watches it). */
export const UNIVERSAL_LOGOUT_METRIC = 'UniversalLogout';

/**
 * How a Universal Logout call ended, as the `outcome` dimension of the
 * `UniversalLogout` metric: a small fixed set, so cardinality stays bounded.
 * `unauthorized` (401) has its own alarm: repeated, it is a forger or a
 * tenant whose org URL or Okta app is misconfigured.
 */
export type UniversalLogoutOutcome =
  | 'revoked'
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'unknown_subject'
  | 'unsupported_format'
  | 'unknown_tenant'
  | 'turned_off'
  | 'error';

const BY_CODE: Partial<Record<ErrorCode, UniversalLogoutOutcome>> = {
  REVOCATION_REQUEST_INVALID: 'invalid_request',
  REVOCATION_TOKEN_INVALID: 'unauthorized',
  REVOCATION_NOT_PERMITTED: 'forbidden',
  SUBJECT_NOT_FOUND: 'unknown_subject',
  SUBJECT_FORMAT_UNSUPPORTED: 'unsupported_format',
  TENANT_NOT_FOUND: 'unknown_tenant',
  UNIVERSAL_LOGOUT_OFF: 'turned_off',
};

/** The outcome of a call that ended with `error` (Okta, the store or the service failing: `error`). */
export function outcomeOf(error: ServiceError): UniversalLogoutOutcome {
  return BY_CODE[error.code] ?? 'error';
}
