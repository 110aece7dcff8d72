import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
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
      throw new ServiceError('STATE_INVALID', { reason: 'state_tenant_generation_mismatch' });
    }
    return { state, tenant };
  } catch (error) {
    if (!callback.error) throw error;
    throw new ServiceError('STATE_INVALID', { reason: 'idp_error_without_state', cause: error });
  }
}

async function openSealedState(deps: LoginDependencies, callback: CallbackRequest): Promise<LoginState> {
  if (!callback.stateId) {
    throw new ServiceError('STATE_MISSING', { reason: 'state_missing' });
  }
  if (!callback.stateCookieName) {
    throw new ServiceError('STATE_INVALID', { reason: 'state_malformed' });
  }
  if (!callback.sealedState) {
    // Say which happened: this state was used (a second visit, the back button) or this browser never had it.
    if (await deps.logins.wasLoginStateUsed(callback.stateId)) {
      throw new ServiceError('STATE_REPLAYED', { reason: 'state_used_without_cookie' });
    }
    throw new ServiceError('STATE_MISSING', { reason: 'state_cookie_missing' });
  }
  const key = await deps.stateKeys.getStateKey();
  const expected = { stateId: callback.stateId, tenantId: callback.tenantId };
  return openLoginState(callback.sealedState, expected, key, deps.now());
}
