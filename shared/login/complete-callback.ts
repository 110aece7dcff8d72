import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { formParams } from '../http/request.ts';
import { clearCookie, type HttpResult } from '../http/responses.ts';
import { auditFailures } from './audit-failures.ts';
import type { LoginDependencies } from './dependencies.ts';
import { bounceUnsolicitedIdToken, startLogin } from './initiate-login.ts';
import { openState } from './open-state.ts';
import { readCallback } from './read-callback.ts';
import { redeemLoginCode } from './redeem-code.ts';
import { completeSetupTest } from './setup-test.ts';
import { signIn } from './sign-in.ts';
import { validateAuthorizationResponse } from './validate-authorization-response.ts';

/**
 * The redirect URI, step by step as the protocol runs: read the callback,
 * open the state (nothing is fetched or written before it proves a login of
 * this browser), validate the authorization response and use the state up,
 * redeem the code for verified claims (once more with the tenant's current
 * secret when Okta refuses a cached one), sign the user in. A setup link's test
 * sign-in runs the same steps up to the verified claims, then shows them to
 * the setup page instead of signing anyone in.
 */
export async function completeCallback(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const callback = readCallback(event);
  try {
    const { state, tenant } = await openState(deps, event, callback);
    if (state.purpose === 'setup-test') {
      const tested = await completeSetupTest(deps, event, callback, tenant, state);
      tested.cookies = [...stateCookieToClear(event), ...(tested.cookies ?? [])];
      return tested;
    }
    const result = await auditFailures(deps, { tenantId: tenant.tenantId }, async () => {
      const code = await validateAuthorizationResponse(deps, callback, tenant, state);
      const redeemed = await redeemLoginCode(deps, event, tenant, state, code);
      // Not redeemable with the tenant as it is now (e.g. a login started from a warm container's copy of a
      // tenant since re-created): a fresh login with it, never this one completed.
      if (redeemed.outcome === 'restart') {
        return startLogin(deps, event, redeemed.tenant, { target: state.target, loginHint: undefined });
      }
      return signIn(deps, event, callback, redeemed.tenant, state, redeemed.claims);
    });
    result.cookies = [...stateCookieToClear(event), ...(result.cookies ?? [])];
    return result;
  } catch (error) {
    // The tenant was deleted or re-created since this container cached it: read it afresh next time.
    if (
      error instanceof ServiceError &&
      (error.code === 'TENANT_NOT_FOUND' || error.reason === 'state_tenant_generation_mismatch')
    ) {
      deps.tenants.invalidate(callback.tenantId);
    }
    throw error;
  }
}

/** Whatever the outcome, the callback's login attempt is over: its cookie goes, on error responses too. */
export function stateCookieToClear(event: APIGatewayProxyEventV2): string[] {
  let name: string | undefined;
  try {
    name = readCallback(event).stateCookieName;
  } catch {
    // A callback too malformed to read (a repeated or oversized parameter) names no cookie.
    return [];
  }
  return name ? [clearCookie(name)] : [];
}

/** POST /t/{tenant}/callback: only Okta Simplified's id_token post is expected here. */
export async function callbackByPost(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  if (formParams(event).has('id_token')) return bounceUnsolicitedIdToken(deps, event);
  throw new ServiceError('INVALID_REQUEST', { reason: 'callback_post_without_id_token' });
}
