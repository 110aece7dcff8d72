import { ServiceError } from '../errors.ts';
import type { LoginState } from '../login-state.ts';
import type { TenantConfig } from '../tenants.ts';
import type { LoginDependencies } from './dependencies.ts';
import type { CallbackRequest } from './read-callback.ts';

/**
 * Checks the authorization response of a genuine login attempt (RFC 6749
 * §4.1.2, RFC 9207) and uses its state up: Okta's error becomes a page that
 * says what to do; an `iss` must be the tenant's issuer; a code must be
 * present; and the state is marked used before the code is exchanged, so it
 * works exactly once. Returns the code.
 */
export async function validateAuthorizationResponse(
  deps: LoginDependencies,
  callback: CallbackRequest,
  tenant: TenantConfig,
  state: LoginState,
): Promise<string> {
  if (callback.error) throw idpError(callback.error, tenant.tenantId);
  if (callback.issuer !== undefined && callback.issuer !== tenant.issuer) {
    throw new ServiceError('ISSUER_MISMATCH', { reason: 'callback_issuer_mismatch' });
  }
  if (!callback.code) {
    throw new ServiceError('INVALID_REQUEST', { reason: 'code_missing' });
  }
  if (!(await deps.logins.consumeLoginState(state.stateId, state.expiresAt))) {
    throw new ServiceError('STATE_REPLAYED', { reason: 'state_replayed' });
  }
  return callback.code;
}

/** Okta's refusal: only its OAuth error code is used, and the description only to spot "not assigned". */
function idpError(error: NonNullable<CallbackRequest['error']>, tenantId: string): ServiceError {
  const details = { tenantId };
  if (error.code === 'access_denied') {
    const notAssigned = /not assigned/i.test(error.description);
    return new ServiceError('USER_NOT_ASSIGNED', {
      reason: notAssigned ? 'user_not_assigned' : 'access_denied',
      details,
    });
  }
  const oauthError = /^[\w.-]{1,64}$/.test(error.code) ? error.code : 'unknown_error';
  return new ServiceError('IDP_ERROR', { reason: `idp_${oauthError}`, details: { ...details, oauthError } });
}
