import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LoginError } from '../errors.ts';
import { type LoginState, openLoginState } from '../login-state.ts';
import type { TenantConfig } from '../tenants.ts';
import type { LoginDependencies } from './dependencies.ts';
import type { CallbackRequest } from './read-callback.ts';
import { requireTenant } from './tenant.ts';

/**
 * Proves the callback belongs to a login this browser started, before
 * anything is fetched or written: the `state` names a cookie this browser
 * holds, which decrypts with our key, is unexpired, and was sealed for this
 * state, this tenant and this generation of it.
 *
 * When Okta answered with an error, any failure here becomes the generic
 * page: Okta's error is shown only for a genuine attempt, so nobody can put a
 * convincing "not assigned" page on our domain with a crafted link.
 */
export async function openState(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  callback: CallbackRequest,
): Promise<{ state: LoginState; tenant: TenantConfig }> {
  try {
    const state = await openSealedState(deps, callback);
    const tenant = await requireTenant(deps, event);
    if (state.tenantGeneration !== tenant.generation) {
      throw new LoginError('STATE_INVALID', 'This sign-in was started for an organization that has since changed.', {
        reason: 'state_tenant_generation_mismatch',
        restartable: true,
      });
    }
    return { state, tenant };
  } catch (error) {
    if (!callback.error) throw error;
    throw new LoginError('STATE_INVALID', 'This sign-in could not be verified.', {
      reason: 'idp_error_without_state',
      restartable: true,
      cause: error,
    });
  }
}

async function openSealedState(deps: LoginDependencies, callback: CallbackRequest): Promise<LoginState> {
  if (!callback.stateId) {
    throw new LoginError('STATE_MISSING', 'This sign-in link is incomplete or has expired.', {
      reason: 'state_missing',
      restartable: true,
    });
  }
  if (!callback.stateCookieName) {
    throw new LoginError('STATE_INVALID', 'This sign-in could not be verified.', {
      reason: 'state_malformed',
      restartable: true,
    });
  }
  if (!callback.sealedState) {
    throw new LoginError(
      'STATE_MISSING',
      'This sign-in was started in another browser or has already been completed. Start again from here.',
      { reason: 'state_cookie_missing', restartable: true },
    );
  }
  const key = await deps.stateKeys.getStateKey();
  const expected = { stateId: callback.stateId, tenantId: callback.tenantId };
  return openLoginState(callback.sealedState, expected, key, deps.now());
}
