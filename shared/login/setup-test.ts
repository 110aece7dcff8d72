import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { auditEvent } from '../audit.ts';
import { toServiceError } from '../errors.ts';
import { type HttpResult, redirect } from '../http/responses.ts';
import type { LoginState } from '../login-state.ts';
import type { SetupTestResult } from '../setup/link.ts';
import { failedTestResult, signedInTestResult } from '../setup/test-sign-in.ts';
import type { TenantConfig } from '../tenants.ts';
import type { LoginDependencies } from './dependencies.ts';
import type { CallbackRequest } from './read-callback.ts';
import { redeemCode } from './redeem-code.ts';
import { validateAuthorizationResponse } from './validate-authorization-response.ts';

/** Failures that are about this request, not about the admin's Okta: shown as the usual error pages. */
const NOT_A_TEST_RESULT = new Set(['STATE_REPLAYED', 'STORE_UNAVAILABLE']);

/**
 * The callback of a setup link's test sign-in: the authorization response is
 * validated, its state used up and the code redeemed for a verified ID token
 * exactly as in a login; then, instead of signing in, what was received (or
 * what Okta refused, e.g. a user not assigned) is kept for the setup page,
 * audited as `setup-link`, and the browser goes back to the setup page.
 */
export async function completeSetupTest(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  callback: CallbackRequest,
  tenant: TenantConfig,
  state: LoginState,
): Promise<HttpResult> {
  let result: SetupTestResult;
  try {
    const code = await validateAuthorizationResponse(deps, callback, tenant, state);
    // The secret read afresh: the admin may have saved it a moment ago, after this function cached it.
    const claims = await redeemCode(deps, event, tenant, state, code, { freshSecret: true });
    result = signedInTestResult(tenant, claims, deps.now());
  } catch (error) {
    const failure = toServiceError(error);
    if (NOT_A_TEST_RESULT.has(failure.code)) throw failure;
    result = failedTestResult(tenant.tenantId, failure, deps.now());
  }
  await deps.setup.putSetupTestResult(result);
  await deps.audit.append(
    auditEvent({
      tenantId: tenant.tenantId,
      type: 'setup_test_sign_in',
      actor: 'setup-link',
      outcome: result.outcome === 'signed_in' ? 'success' : 'failure',
      reason: result.error?.code,
      details: { warnings: result.warnings.join(',') },
      now: deps.now(),
    }),
  );
  deps.logger.info('setup test sign-in', { outcome: result.outcome, warnings: result.warnings });
  return redirect(`/t/${tenant.tenantId}/setup#test-result`);
}
