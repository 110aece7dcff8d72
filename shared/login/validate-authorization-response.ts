import { LoginError } from '../errors.ts';
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
    throw new LoginError('ISSUER_MISMATCH', 'The sign-in response came from an unexpected Okta.', {
      reason: 'callback_issuer_mismatch',
      restartable: true,
    });
  }
  if (!callback.code) {
    throw new LoginError('INVALID_REQUEST', 'The sign-in response from Okta has no authorization code.', {
      reason: 'code_missing',
      restartable: true,
    });
  }
  if (!(await deps.logins.consumeLoginState(state.stateId, state.expiresAt))) {
    throw new LoginError('STATE_REPLAYED', 'This sign-in link has already been used.', {
      reason: 'state_replayed',
      restartable: true,
    });
  }
  return callback.code;
}

/** Okta's refusal in words: only the OAuth error code is used, never the description's text. */
function idpError(error: NonNullable<CallbackRequest['error']>, tenantId: string): LoginError {
  if (error.code === 'access_denied' && /not assigned/i.test(error.description)) {
    return new LoginError(
      'USER_NOT_ASSIGNED',
      'Your Okta account is not assigned to this app. Ask your Okta administrator to give you access, then open the app again from your Okta dashboard.',
      {
        reason: 'user_not_assigned',
        adminHint: `Assign the user (or one of their groups) to the app in Okta: Applications → the app for tenant "${tenantId}" → Assignments.`,
      },
    );
  }
  if (error.code === 'access_denied') {
    return new LoginError('USER_NOT_ASSIGNED', 'Okta did not allow you to sign in to this app.', {
      reason: 'access_denied',
      adminHint: `Okta answered access_denied. Check that the user is assigned to the app for tenant "${tenantId}" and that sign-on policies allow them.`,
      restartable: true,
    });
  }
  const code = /^[\w.-]{1,64}$/.test(error.code) ? error.code : 'unknown_error';
  return new LoginError('IDP_ERROR', 'Okta could not complete the sign-in.', {
    reason: `idp_${code}`,
    adminHint: `Okta answered "${code}". Check the app's grant types (Authorization Code), sign-in redirect URI and assigned scopes.`,
    restartable: true,
  });
}
