import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { auditEvent } from './audit.ts';
import type { ServiceConfig } from './config.ts';
import { enforceEmailPolicy } from './email-policy.ts';
import { LoginError } from './errors.ts';
import { createHttpHandler, type RouteHandler } from './http/middleware.ts';
import { formParams, Params, publicOrigin, queryParams, requestCookies } from './http/request.ts';
import { clearCookie, type HttpResult, redirect, setCookie } from './http/responses.ts';
import {
  isWellFormedStateId,
  type LoginState,
  loginStateCookieName,
  loginStateCookiesToDrop,
  openLoginState,
  sealLoginState,
} from './login-state.ts';
import { buildAuthorizationUrl, randomToken } from './oidc/authorization-request.ts';
import type { DiscoveryCache } from './oidc/discovery.ts';
import type { FetchLike } from './oidc/http-fetch.ts';
import { isTenantIssuer } from './oidc/issuer-policy.ts';
import type { SigningKeysCache } from './oidc/signing-keys.ts';
import { exchangeCode } from './oidc/token-exchange.ts';
import { verifyIdToken } from './oidc/verify-id-token.ts';
import type { AuditLog, ClientSecretStore, IdentityStore, LoginTelemetry, StateKeyProvider } from './ports.ts';
import { provisionLogin } from './provisioning.ts';
import { isSafeLocation, resolveRedirectTarget } from './redirect-target.ts';
import { rolesFor } from './roles.ts';
import { SESSION_COOKIE } from './session-flow.ts';
import { formatSessionCookie, hashSessionToken, newSessionToken, parseSessionCookie } from './sessions.ts';
import type { TenantDirectory } from './tenant-directory.ts';
import type { TenantConfig } from './tenants.ts';
import { profileFromClaims, userIdFor } from './users.ts';

/** What the login function needs; built once per cold start by its composition root. */
export interface LoginDependencies {
  readonly config: ServiceConfig;
  readonly tenants: TenantDirectory;
  readonly clientSecrets: ClientSecretStore;
  readonly stateKeys: StateKeyProvider;
  readonly identities: IdentityStore;
  readonly audit: AuditLog;
  readonly discovery: DiscoveryCache;
  readonly signingKeys: SigningKeysCache;
  readonly fetch: FetchLike;
  readonly telemetry: LoginTelemetry;
  readonly logger: Logger;
  readonly now: () => Date;
}

const MAX_LOGIN_HINT = 256;

async function requireTenant(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<TenantConfig> {
  const tenantId = event.pathParameters?.tenant ?? '';
  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) {
    throw new LoginError('TENANT_NOT_FOUND', 'This sign-in link is for an organization we do not know.', {
      reason: 'tenant_not_found',
      adminHint:
        'Check the Initiate login URI in the Okta app: it must be https://<service>/t/<tenant>/login with the tenant id registered with the service.',
    });
  }
  deps.logger.appendKeys({ tenant: tenant.tenantId });
  return tenant;
}

/** Okta sends `login_hint` through untouched; we forward it only when it is plain text of sane length. */
function sanitizeLoginHint(value: string | undefined): string | undefined {
  if (!value || value.length > MAX_LOGIN_HINT) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  return /[\u0000-\u001f\u007f]/.test(value) ? undefined : value;
}

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
  const tenant = await requireTenant(deps, event);
  const iss = params.get('iss');
  // Refuse a foreign issuer before any network call: we never run discovery against it.
  if (iss !== undefined && !isTenantIssuer(iss, tenant)) {
    throw new LoginError('ISSUER_MISMATCH', 'This sign-in came from an Okta organization that is not set up here.', {
      reason: 'initiate_issuer_mismatch',
      adminHint: `The Okta tile sent an issuer that does not belong to tenant "${tenant.tenantId}". Check the tenant's --issuer (and --org-url) against the Okta org.`,
    });
  }
  const origin = publicOrigin(event, deps.config.publicUrl);
  const rawTarget = params.get('target_link_uri');
  const target = resolveRedirectTarget(rawTarget, {
    publicOrigin: origin,
    allowedOrigins: [...deps.config.allowedRedirectOrigins, ...tenant.allowedRedirectOrigins],
  });
  if (rawTarget !== undefined && target === undefined) {
    deps.logger.warn('target_link_uri ignored: not same-origin or allow-listed');
  }

  const metadata = await deps.discovery.get(tenant.issuer);
  const key = await deps.stateKeys.getStateKey();
  const stateId = randomToken(16);
  const nonce = randomToken(16);
  const codeVerifier = randomToken(32);
  const expiresAt = Math.floor(deps.now().getTime() / 1000) + deps.config.loginStateTtlSeconds;
  const sealed = await sealLoginState(
    { stateId, tenantId: tenant.tenantId, tenantGeneration: tenant.generation, nonce, codeVerifier, target, expiresAt },
    key,
  );
  // A browser keeps a few pending logins (tabs, a second click), never an unbounded pile.
  const dropped = loginStateCookiesToDrop(requestCookies(event)).map(clearCookie);
  const location = buildAuthorizationUrl({
    authorizationEndpoint: metadata.authorizationEndpoint,
    clientId: tenant.clientId,
    redirectUri: `${origin}/t/${tenant.tenantId}/callback`,
    scopes: tenant.requestGroups ? ['openid', 'email', 'profile', 'groups'] : ['openid', 'email', 'profile'],
    state: stateId,
    nonce,
    codeVerifier,
    loginHint: sanitizeLoginHint(params.get('login_hint')),
  });
  return redirect(location, [
    ...dropped,
    setCookie(loginStateCookieName(stateId), sealed, deps.config.loginStateTtlSeconds),
  ]);
}

/** A login started before the tenant was deleted (and perhaps re-created) cannot finish. */
function assertSameTenantGeneration(state: LoginState, tenant: TenantConfig): void {
  if (state.tenantGeneration !== tenant.generation) {
    throw new LoginError('STATE_INVALID', 'This sign-in was started for an organization that has since changed.', {
      reason: 'state_tenant_generation_mismatch',
      restartable: true,
    });
  }
}

/**
 * Where the browser goes after login. Whatever the source (the checked
 * target in the state, the tenant's default, the deployment's), the emitted
 * `Location` passes the same final rule; anything else lands on the default path.
 */
function landingLocation(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  state: LoginState,
  tenant: TenantConfig,
): string {
  const policy = {
    publicOrigin: publicOrigin(event, deps.config.publicUrl),
    allowedOrigins: [...deps.config.allowedRedirectOrigins, ...tenant.allowedRedirectOrigins],
  };
  for (const candidate of [state.target, tenant.defaultRedirect]) {
    if (candidate !== undefined && isSafeLocation(candidate, policy)) return candidate;
  }
  return deps.config.defaultRedirectPath;
}

function callbackError(params: Params, tenantId: string): LoginError | undefined {
  const error = params.get('error');
  if (error === undefined) return undefined;
  const description = params.get('error_description') ?? '';
  if (error === 'access_denied' && /not assigned/i.test(description)) {
    return new LoginError(
      'USER_NOT_ASSIGNED',
      'Your Okta account is not assigned to this app. Ask your Okta administrator to give you access, then open the app again from your Okta dashboard.',
      {
        reason: 'user_not_assigned',
        adminHint: `Assign the user (or one of their groups) to the app in Okta: Applications → the app for tenant "${tenantId}" → Assignments.`,
      },
    );
  }
  const code = /^[\w.-]{1,64}$/.test(error) ? error : 'unknown_error';
  if (error === 'access_denied') {
    return new LoginError('USER_NOT_ASSIGNED', 'Okta did not allow you to sign in to this app.', {
      reason: 'access_denied',
      adminHint: `Okta answered access_denied. Check that the user is assigned to the app for tenant "${tenantId}" and that sign-on policies allow them.`,
      restartable: true,
    });
  }
  return new LoginError('IDP_ERROR', 'Okta could not complete the sign-in.', {
    reason: `idp_${code}`,
    adminHint: `Okta answered "${code}". Check the app's grant types (Authorization Code), sign-in redirect URI and assigned scopes.`,
    restartable: true,
  });
}

/**
 * The redirect URI. Order matters: the state (and the browser binding it
 * carries) is checked before anything is fetched or written, and the state is
 * marked used before the code is exchanged.
 */
export async function completeCallback(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const params = queryParams(event);
  const tenantId = event.pathParameters?.tenant ?? '';
  const cookies = requestCookies(event);
  const stateId = params.get('state');
  const stateCookieName = stateId && isWellFormedStateId(stateId) ? loginStateCookieName(stateId) : undefined;
  // Whatever happens next, this login attempt is over: drop its cookie.
  const clearState = stateCookieName ? [clearCookie(stateCookieName)] : [];
  // Failures are audited once the state proves a real login attempt of this browser:
  // unauthenticated noise must not be able to fill a tenant's audit trail.
  const attempt: { tenantId?: string; userId?: string } = {};
  try {
    const idpError = callbackError(params, tenantId);
    if (idpError) {
      // Okta's error is shown only for a genuine login attempt of this browser: otherwise anyone
      // could link a victim to a convincing "not assigned" page on our domain with no login behind it.
      const sealedForError = stateCookieName ? cookies.get(stateCookieName) : undefined;
      const key = stateId && sealedForError ? await deps.stateKeys.getStateKey() : undefined;
      const verified =
        stateId && sealedForError && key
          ? await openLoginState(sealedForError, { stateId, tenantId }, key, deps.now()).catch(() => undefined)
          : undefined;
      if (!verified) {
        throw new LoginError('STATE_INVALID', 'This sign-in could not be verified.', {
          reason: 'idp_error_without_state',
          restartable: true,
        });
      }
      attempt.tenantId = verified.tenantId;
      throw idpError;
    }
    if (!stateId) {
      throw new LoginError('STATE_MISSING', 'This sign-in link is incomplete or has expired.', {
        reason: 'state_missing',
        restartable: true,
      });
    }
    if (!stateCookieName) {
      throw new LoginError('STATE_INVALID', 'This sign-in could not be verified.', {
        reason: 'state_malformed',
        restartable: true,
      });
    }
    const sealed = cookies.get(stateCookieName);
    if (!sealed) {
      throw new LoginError(
        'STATE_MISSING',
        'This sign-in was started in another browser or has already been completed. Start again from here.',
        { reason: 'state_cookie_missing', restartable: true },
      );
    }
    const key = await deps.stateKeys.getStateKey();
    const state = await openLoginState(sealed, { stateId, tenantId }, key, deps.now());
    const tenant = await requireTenant(deps, event);
    assertSameTenantGeneration(state, tenant);
    attempt.tenantId = tenant.tenantId;

    // RFC 9207: when the authorization server names itself, it must be our tenant's issuer.
    const responseIssuer = params.get('iss');
    if (responseIssuer !== undefined && responseIssuer !== tenant.issuer) {
      throw new LoginError('ISSUER_MISMATCH', 'The sign-in response came from an unexpected Okta.', {
        reason: 'callback_issuer_mismatch',
        restartable: true,
      });
    }
    const code = params.get('code');
    if (!code) {
      throw new LoginError('INVALID_REQUEST', 'The sign-in response from Okta has no authorization code.', {
        reason: 'code_missing',
        restartable: true,
      });
    }
    if (!(await deps.identities.consumeLoginState(state.stateId, state.expiresAt))) {
      throw new LoginError('STATE_REPLAYED', 'This sign-in link has already been used.', {
        reason: 'state_replayed',
        restartable: true,
      });
    }

    const [metadata, clientSecret] = await Promise.all([
      deps.discovery.get(tenant.issuer),
      deps.clientSecrets.getClientSecret(tenant.tenantId),
    ]);
    if (!clientSecret) {
      throw new LoginError('CONFIGURATION_ERROR', 'This organization’s sign-in is not fully set up.', {
        reason: 'client_secret_missing',
        adminHint: `Tenant "${tenant.tenantId}" has no client secret. Set it with: npm run tenant -- put ${tenant.tenantId} ... --client-secret-stdin`,
      });
    }
    const origin = publicOrigin(event, deps.config.publicUrl);
    const tokens = await exchangeCode(
      deps.fetch,
      {
        tokenEndpoint: metadata.tokenEndpoint,
        clientId: tenant.clientId,
        clientSecret,
        authMethod: tenant.tokenEndpointAuthMethod,
        code,
        redirectUri: `${origin}/t/${tenant.tenantId}/callback`,
        codeVerifier: state.codeVerifier,
      },
      deps.config.idpTimeoutMs,
    );
    const claims = await verifyIdToken(tokens.idToken, deps.signingKeys.forJwksUri(metadata.jwksUri), {
      issuer: tenant.issuer,
      clientId: tenant.clientId,
      nonce: state.nonce,
      algorithms: tenant.idTokenAlgorithms,
      currentDate: deps.now(),
    });

    const now = deps.now();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const userId = userIdFor(tenant.issuer, claims.sub);
    attempt.userId = userId;
    const baseProfile = profileFromClaims(claims);
    if (tenant.requestGroups && !Array.isArray(claims.groups)) {
      deps.logger.warn('ID token has no groups claim; roles fall back to the tenant defaults', {
        adminHint:
          'In Okta: Applications → the app → Sign On → OpenID Connect ID Token → Groups claim type Filter, name "groups", Matches regex .*',
      });
    }
    const profile = { ...baseProfile, roles: rolesFor(baseProfile.groups, tenant.roleMappings, tenant.defaultRoles) };
    enforceEmailPolicy(profile, tenant);
    const token = newSessionToken();
    const session = {
      tokenHash: hashSessionToken(token),
      tenantId: tenant.tenantId,
      userId,
      tenantGeneration: tenant.generation,
      createdAt: nowSeconds,
      expiresAt: nowSeconds + deps.config.sessionTtlSeconds,
      lastSeenAt: nowSeconds,
    };
    const previous = parseSessionCookie(cookies.get(SESSION_COOKIE));
    const { mode } = await provisionLogin(
      deps.identities,
      {
        tenantId: tenant.tenantId,
        userId,
        issuer: tenant.issuer,
        sub: claims.sub,
        profile,
        session,
        replacesSessionHash: previous ? hashSessionToken(previous.token) : undefined,
        now: now.toISOString(),
        audit: ({ mode, previousRoles }) => {
          const common = { tenantId: tenant.tenantId, actor: `user:${userId}`, subject: userId, now };
          return [
            auditEvent({
              ...common,
              type: 'login_succeeded',
              details: { provisioned: mode !== 'returning', roles: profile.roles },
            }),
            ...(mode === 'owner' ? [auditEvent({ ...common, type: 'owner_claimed' })] : []),
            ...(previousRoles && mode === 'returning'
              ? [auditEvent({ ...common, type: 'role_changed', details: { from: previousRoles, to: profile.roles } })]
              : []),
          ];
        },
      },
      tenant,
    );
    if (mode === 'owner') deps.tenants.invalidate(tenant.tenantId);
    deps.telemetry.loginSucceeded(tenant.tenantId, mode !== 'returning');
    deps.logger.info('login succeeded', { userId, provisioned: mode });

    const target = landingLocation(deps, event, state, tenant);
    return redirect(target, [
      ...clearState,
      setCookie(
        SESSION_COOKIE,
        formatSessionCookie({ tenantId: tenant.tenantId, userId, token }),
        deps.config.sessionTtlSeconds,
      ),
    ]);
  } catch (error) {
    if (error instanceof LoginError) error.responseCookies.push(...clearState);
    // The tenant was deleted or re-created since this container cached it: read it afresh next time.
    if (
      error instanceof LoginError &&
      (error.code === 'TENANT_NOT_FOUND' || error.reason === 'state_tenant_generation_mismatch')
    ) {
      deps.tenants.invalidate(tenantId);
    }
    if (attempt.tenantId) await auditFailure(deps, attempt.tenantId, attempt.userId, error);
    throw error;
  }
}

async function auditFailure(
  deps: LoginDependencies,
  tenantId: string,
  userId: string | undefined,
  error: unknown,
): Promise<void> {
  const code = error instanceof LoginError ? error.code : 'INTERNAL';
  try {
    await deps.audit.append(
      auditEvent({
        tenantId,
        type: 'login_failed',
        actor: userId ? `user:${userId}` : 'anonymous',
        subject: userId,
        outcome: 'failure',
        reason: code,
        now: deps.now(),
      }),
    );
  } catch {
    // The audit store being down must not hide the real error from the user.
    deps.logger.warn('could not write login_failed audit event', { code });
  }
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

/** POST /t/{tenant}/login: OIDC Core §4 allows initiate-login by form post; Okta Simplified posts an id_token. */
export async function initiateLoginByPost(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const params = formParams(event);
  if (params.has('id_token')) return bounceUnsolicitedIdToken(deps, event);
  return initiateLogin(deps, event, params);
}

/** POST /t/{tenant}/callback: only Okta Simplified's id_token post is expected here. */
export async function callbackByPost(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const params = formParams(event);
  if (params.has('id_token')) return bounceUnsolicitedIdToken(deps, event);
  throw new LoginError('INVALID_REQUEST', 'This address expects a sign-in response from Okta.', {
    reason: 'callback_post_without_id_token',
    restartable: true,
    adminHint:
      'The Okta app should redirect back with GET (response_mode=query). Check the app’s sign-in redirect URI.',
  });
}

/** Route table of the login function. */
export function loginRoutes(deps: LoginDependencies): Record<string, RouteHandler> {
  return {
    'GET /t/{tenant}/login': (event) => initiateLogin(deps, event, queryParams(event)),
    'POST /t/{tenant}/login': (event) => initiateLoginByPost(deps, event),
    'GET /t/{tenant}/callback': (event) => completeCallback(deps, event),
    'POST /t/{tenant}/callback': (event) => callbackByPost(deps, event),
  };
}

/** The login function's handler over any set of ports: Lambda and tests build it the same way. */
export function createLoginHandler(deps: LoginDependencies) {
  return createHttpHandler(loginRoutes(deps), {
    logger: deps.logger,
    onError: (error) => deps.telemetry.loginFailed(error.code),
  });
}
