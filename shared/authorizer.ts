import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { awaitTracing } from './adapters/tracing.ts';
import type { AppCredentialVerifier } from './app-credentials.ts';
import { ServiceError } from './errors.ts';
import { parseBearerToken } from './http/bearer.ts';
import { header } from './http/request.ts';
import type { TenantReader } from './ports.ts';
import { type ActiveSession, findActiveSession } from './session/active-session.ts';
import type { SessionDependencies } from './session/dependencies.ts';
import { isValidTenantId } from './tenants.ts';

/** What downstream routes receive in `requestContext.authorizer.lambda`. */
export interface AuthorizerContext {
  readonly [key: string]: string;
  /** `okta-sso`: our session cookie; `app-credential`: the app's own token, verified here. */
  readonly authMethod: 'okta-sso' | 'app-credential';
  readonly tenant: string;
  readonly userId: string;
  readonly sub: string;
  readonly role: string;
  /** Comma-separated (authorizer context values must be strings). */
  readonly roles: string;
  readonly email: string;
}

export interface AuthorizerResult {
  isAuthorized: boolean;
  context?: AuthorizerContext;
}

export interface AuthorizerDependencies extends Pick<SessionDependencies, 'config' | 'sessions' | 'now'> {
  /** Read on every decision (no cache): a tenant's `--sso-enforced` applies from the next request. */
  readonly tenantStore: TenantReader;
  readonly logger: Logger;
  /**
   * Verifies the app's own credential (a JWT from the app's issuer). Without
   * one, only our session cookie is accepted: an unverified credential is
   * never authorized.
   */
  readonly appCredentials?: AppCredentialVerifier | undefined;
}

const REFUSED: AuthorizerResult = { isAuthorized: false };

/**
 * Turns the request into the caller's tenant, user and roles for the app's
 * own routes. A request for a tenant (path `/t/{tenant}/...` or an
 * `x-tenant-id` header) must prove it belongs to that tenant, by either
 * - our session cookie of that tenant, checked against the table on every
 *   request (logout, revocation, disabling and tenant deletion apply at once), or
 * - the app's own JWT, verified with `appCredentials` and naming that tenant,
 *   unless the tenant enforces SSO.
 *
 * Decisions are not cached: each rests on the cookie, the Authorization
 * header, the requested tenant and the table's current state, and a cached
 * one would outlive a revocation. The cost is one DynamoDB request per
 * authorized request (`npm run bench`).
 */
export function createAuthorizer(deps: AuthorizerDependencies) {
  const authorize = async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    // The session lookup reads cookies and headers the same way the HTTP handlers do.
    const request = event as unknown as APIGatewayProxyEventV2;
    const requestedTenant = event.pathParameters?.tenant ?? header(request, 'x-tenant-id');
    if (requestedTenant !== undefined && !isValidTenantId(requestedTenant)) return REFUSED;
    try {
      const active = await findActiveSession(deps, request);
      if (active) return sessionDecision(active, requestedTenant);
      const bearer = parseBearerToken(header(request, 'authorization'));
      if (!bearer || !requestedTenant) return REFUSED;
      return await appCredentialDecision(deps, bearer, requestedTenant);
    } catch (error) {
      // A store outage must not turn into access.
      deps.logger.error('authorizer could not check the request', {
        code: error instanceof ServiceError ? error.code : 'INTERNAL',
      });
      return REFUSED;
    }
  };

  // As the HTTP functions: request id and cold_start on its log lines, clients traced first when tracing is on.
  return middy<APIGatewayRequestAuthorizerEventV2, AuthorizerResult, Error, Context>(authorize)
    .use(injectLambdaContext(deps.logger))
    .use(awaitTracing());
}

/** Our session, for its own tenant only. */
function sessionDecision(active: ActiveSession, requestedTenant: string | undefined): AuthorizerResult {
  const { user } = active;
  if (requestedTenant !== undefined && requestedTenant !== user.tenantId) return REFUSED;
  return {
    isAuthorized: true,
    context: {
      authMethod: 'okta-sso',
      tenant: user.tenantId,
      userId: user.userId,
      sub: user.sub,
      role: user.role,
      roles: user.roles.join(','),
      email: user.email ?? '',
    },
  };
}

/**
 * The app's own JWT, when a verifier is configured. It is verified before the
 * tenant is read: unauthenticated callers learn nothing about which tenant ids
 * exist. The tenant is read on every request, so `--sso-enforced` applies at once.
 */
async function appCredentialDecision(
  deps: AuthorizerDependencies,
  token: string,
  tenantId: string,
): Promise<AuthorizerResult> {
  const caller = deps.appCredentials ? await deps.appCredentials.verify(token, tenantId) : undefined;
  if (!caller) return REFUSED;
  const tenant = await deps.tenantStore.getTenant(tenantId);
  if (!tenant) return REFUSED;
  if (tenant.ssoEnforced) {
    deps.logger.info('refused a non-SSO sign-in for a tenant that enforces SSO', { tenant: tenant.tenantId });
    return REFUSED;
  }
  const context = { authMethod: 'app-credential', tenant: tenant.tenantId, sub: caller.sub } as const;
  return { isAuthorized: true, context: { ...context, userId: '', role: '', roles: '', email: '' } };
}
