import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { enforceEmailPolicy } from '../email-policy.ts';
import { publicOrigin } from '../http/request.ts';
import { type HttpResult, redirect, setCookie } from '../http/responses.ts';
import type { LoginState } from '../login-state.ts';
import type { IdTokenClaims } from '../oidc/verify-id-token.ts';
import type { LoginRecord } from '../ports.ts';
import { provisionLogin } from '../provisioning.ts';
import { landingLocation as chooseLanding, redirectOrigins } from '../redirect-target.ts';
import { rolesFor } from '../roles.ts';
import {
  formatSessionCookie,
  hashSessionToken,
  newSessionToken,
  parseSessionCookie,
  SESSION_COOKIE,
} from '../sessions.ts';
import { requestsGroupsScope, type TenantConfig } from '../tenants.ts';
import { userIdFor } from '../user-identity.ts';
import { profileFromClaims, type UserProfile } from '../users.ts';
import { auditFailures, type LoginAttempt } from './audit-failures.ts';
import type { LoginDependencies } from './dependencies.ts';
import type { CallbackRequest } from './read-callback.ts';

/**
 * Signs the person the verified claims name into the tenant: applies the
 * tenant's policies, writes user and session (creating the user just in time,
 * the first one as owner), sets the session cookie and sends the browser on.
 */
export async function signIn(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  callback: CallbackRequest,
  tenant: TenantConfig,
  state: LoginState,
  claims: IdTokenClaims,
): Promise<HttpResult> {
  const derivedUserId = userIdFor(tenant.issuer, claims.sub);
  const attempt: LoginAttempt = { tenantId: tenant.tenantId, userId: derivedUserId };
  return auditFailures(deps, attempt, async () => {
    const profile = profileFor(deps, tenant, claims);
    enforceEmailPolicy(profile, tenant);
    const token = newSessionToken();
    const record = loginRecord(deps, tenant, derivedUserId, claims.sub, profile, token, callback.previousSession);
    const {
      mode,
      ownerClaimed,
      record: written,
    } = await provisionLogin(deps.logins, record, tenant, (userId) => {
      attempt.userId = userId;
      attempt.resolved = true;
    });
    // The cached config is out of date: the tenant has an owner now, or SCIM groups it had not seen.
    if (ownerClaimed || written.rolesFrom !== record.rolesFrom) deps.tenants.invalidate(tenant.tenantId);
    deps.telemetry.loginSucceeded(tenant.tenantId, mode !== 'returning');
    // A user SCIM created without Okta's user id keeps its own id: the session is that user's.
    const userId = written.userId;
    deps.logger.info('login succeeded', { userId, provisioned: mode });
    const cookie = formatSessionCookie({ tenantId: tenant.tenantId, userId, token });
    return redirect(landingLocation(deps, event, state, tenant), [
      setCookie(SESSION_COOKIE, cookie, deps.config.sessionTtlSeconds),
    ]);
  });
}

/**
 * The profile from the ID token, with the app roles the tenant's role map
 * gives its groups. Once the tenant has SCIM groups, those decide the roles:
 * the token's groups are not used, and a new user starts in none of them.
 */
function profileFor(deps: LoginDependencies, tenant: TenantConfig, claims: IdTokenClaims): UserProfile {
  const profile = profileFromClaims(claims);
  if (tenant.scimGroups) {
    return { ...profile, groups: [], roles: rolesFor([], tenant.roleMappings, tenant.defaultRoles) };
  }
  if (requestsGroupsScope(tenant) && !Array.isArray(claims.groups)) {
    deps.logger.warn('ID token has no groups claim; roles fall back to the tenant defaults', {
      adminHint:
        'In Okta: Applications → the app → Sign On → OpenID Connect ID Token → Groups claim type Filter, name "groups", Matches regex .*',
    });
  }
  return { ...profile, roles: rolesFor(profile.groups, tenant.roleMappings, tenant.defaultRoles) };
}

function loginRecord(
  deps: LoginDependencies,
  tenant: TenantConfig,
  userId: string,
  sub: string,
  profile: UserProfile,
  token: string,
  previousSession: string | undefined,
): LoginRecord {
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const previous = parseSessionCookie(previousSession);
  return {
    tenantId: tenant.tenantId,
    userId,
    issuer: tenant.issuer,
    sub,
    profile,
    session: {
      tokenHash: hashSessionToken(token),
      tenantId: tenant.tenantId,
      userId,
      tenantGeneration: tenant.generation,
      createdAt: nowSeconds,
      createdAtMs: now.getTime(),
      expiresAt: nowSeconds + deps.config.sessionTtlSeconds,
      lastSeenAt: nowSeconds,
    },
    replacesSessionHash: previous ? hashSessionToken(previous.token) : undefined,
    now: now.toISOString(),
    rolesFrom: tenant.scimGroups ? 'scim' : 'claim',
  };
}

/**
 * Where the browser goes after login (README "Where users land"): the checked
 * target in the state, the tenant's default, the deployment's app URL, its
 * default path when set, else the built-in signed-in page. Whatever the
 * source, the emitted `Location` passes the same final rule.
 */
function landingLocation(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
  state: LoginState,
  tenant: TenantConfig,
): string {
  const policy = {
    publicOrigin: publicOrigin(event, deps.config.publicUrl),
    allowedOrigins: redirectOrigins(deps.config, tenant),
  };
  return chooseLanding(
    {
      target: state.target,
      tenantDefault: tenant.defaultRedirect,
      appUrl: deps.config.appUrl,
      defaultRedirectPath: deps.config.defaultRedirectPath,
    },
    policy,
  );
}
