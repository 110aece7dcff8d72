import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { formParams, Params, publicOrigin, requestCookies } from '../http/request.ts';
import { clearCookie, type HttpResult, redirect, setCookie } from '../http/responses.ts';
import { type LoginPurpose, loginStateCookieName, loginStateCookiesToDrop, sealLoginState } from '../login-state.ts';
import { buildAuthorizationUrl, randomToken } from '../oidc/authorization-request.ts';
import { isTenantIssuer } from '../oidc/issuer-policy.ts';
import { redirectOrigins, resolveRedirectTarget } from '../redirect-target.ts';
import { requestsGroupsScope, type TenantConfig } from '../tenants.ts';
import type { LoginDependencies } from './dependencies.ts';
import { callbackUri, requireActiveTenant } from './tenant.ts';

const MAX_LOGIN_HINT = 256;

/**
 * Initiate login (OIDC Core §4): the tile click or the app's own "sign in"
 * button. Sends the browser to the tenant's authorization endpoint with fresh
 * state, nonce and PKCE verifier sealed into a cookie on this browser.
 */
export async function initiateLogin(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  params: Params,
): Promise<HttpResult> {
  const tenant = await requireActiveTenant(deps, event);
  assertTenantIssuer(params.get('iss'), tenant);
  const target = redirectTarget(deps, event, params.get('target_link_uri'), tenant);
  return startLogin(deps, event, tenant, { target, loginHint: sanitizeLoginHint(params.get('login_hint')) });
}

/** What a login is started with, once the request has been checked. */
export interface LoginStart {
  readonly target: string | undefined;
  readonly loginHint: string | undefined;
  readonly purpose?: LoginPurpose | undefined;
}

/**
 * Sends the browser to the tenant's authorization endpoint with fresh state,
 * nonce and PKCE verifier sealed into a cookie on this browser: the tile
 * click's login, and the setup link's test sign-in (`purpose: 'setup-test'`),
 * which must run exactly the same protocol.
 */
export async function startLogin(
  deps: Pick<LoginDependencies, 'config' | 'discovery' | 'stateKeys' | 'now'>,
  event: APIGatewayProxyEventV2,
  tenant: TenantConfig,
  start: LoginStart,
): Promise<HttpResult> {
  const metadata = await deps.discovery.get(tenant.issuer);
  const stateId = randomToken(16);
  const nonce = randomToken(16);
  const codeVerifier = randomToken(32);
  const expiresAt = Math.floor(deps.now().getTime() / 1000) + deps.config.loginStateTtlSeconds;
  const sealed = await sealLoginState(
    {
      stateId,
      tenantId: tenant.tenantId,
      tenantGeneration: tenant.generation,
      nonce,
      codeVerifier,
      target: start.target,
      expiresAt,
      purpose: start.purpose,
    },
    await deps.stateKeys.getStateKey(),
  );
  const location = buildAuthorizationUrl({
    authorizationEndpoint: metadata.authorizationEndpoint,
    clientId: tenant.clientId,
    redirectUri: callbackUri(deps, event, tenant),
    scopes: requestsGroupsScope(tenant) ? ['openid', 'email', 'profile', 'groups'] : ['openid', 'email', 'profile'],
    state: stateId,
    nonce,
    codeVerifier,
    loginHint: start.loginHint,
  });
  // A browser keeps a few pending logins (tabs, a second click), never an unbounded pile.
  const dropped = loginStateCookiesToDrop(requestCookies(event)).map(clearCookie);
  return redirect(location, [
    ...dropped,
    setCookie(loginStateCookieName(stateId), sealed, deps.config.loginStateTtlSeconds),
  ]);
}

/** POST /t/{tenant}/login: OIDC Core §4 allows initiate-login by form post; Okta Simplified posts an id_token. */
export async function initiateLoginByPost(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const params = formParams(event);
  if (params.has('id_token')) return bounceUnsolicitedIdToken(deps, event);
  return initiateLogin(deps, event, params);
}

/**
 * Okta "Send ID Token directly to app" posts an unsolicited id_token. We never
 * create a session from it (no state, no nonce we chose); we treat it as a
 * request to log in and start a fresh code flow for the tenant.
 */
export async function bounceUnsolicitedIdToken(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
): Promise<HttpResult> {
  deps.logger.info('unsolicited id_token received; starting a code flow instead');
  // The posted form's other values (target, iss) come from an unauthenticated
  // cross-site post; the fresh login uses none of them.
  return initiateLogin(deps, event, Params.empty());
}

/** Refuse a foreign issuer before any network call: we never run discovery against it. */
function assertTenantIssuer(iss: string | undefined, tenant: TenantConfig): void {
  if (iss === undefined || isTenantIssuer(iss, tenant)) return;
  throw new ServiceError('ISSUER_MISMATCH', {
    reason: 'initiate_issuer_mismatch',
    details: { tenantId: tenant.tenantId },
  });
}

/** `target_link_uri`, kept only when it passes the redirect rule (OIDC Core §4: no open redirector). */
function redirectTarget(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  raw: string | undefined,
  tenant: TenantConfig,
): string | undefined {
  const target = resolveRedirectTarget(raw, {
    publicOrigin: publicOrigin(event, deps.config.publicUrl),
    allowedOrigins: redirectOrigins(deps.config, tenant),
  });
  if (raw !== undefined && target === undefined) {
    deps.logger.warn('target_link_uri ignored: not same-origin or allow-listed');
  }
  return target;
}

/** Okta sends `login_hint` through untouched; we forward it only when it is plain text of sane length. */
function sanitizeLoginHint(value: string | undefined): string | undefined {
  if (!value || value.length > MAX_LOGIN_HINT) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  return /[\u0000-\u001f\u007f]/.test(value) ? undefined : value;
}
