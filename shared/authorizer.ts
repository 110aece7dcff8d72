import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { awaitTracing } from './adapters/tracing.ts';
import type { AppCredentialVerifier } from './app-credentials.ts';
import { ServiceError } from './errors.ts';
import { header } from './http/request.ts';
import type { TenantStore } from './ports.ts';
import { findActiveSession, type SessionDependencies } from './session-flow.ts';
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
  readonly tenantStore: TenantStore;
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
    const asRequest = event as unknown as APIGatewayProxyEventV2;
    const requestedTenant = event.pathParameters?.tenant ?? header(asRequest, 'x-tenant-id');
    if (requestedTenant !== undefined && !isValidTenantId(requestedTenant)) return REFUSED;
    try {
      const active = await findActiveSession(deps, asRequest);
      if (active && (requestedTenant === undefined || requestedTenant === active.user.tenantId)) {
        return {
          isAuthorized: true,
          context: {
            authMethod: 'okta-sso',
            tenant: active.user.tenantId,
            userId: active.user.userId,
            sub: active.user.sub,
            role: active.user.role,
            roles: active.user.roles.join(','),
            email: active.user.email ?? '',
          },
        };
      }
      const bearer = /^Bearer ([\w.~+/-]+=*)$/.exec(header(asRequest, 'authorization') ?? '')?.[1];
      if (active || !bearer || !requestedTenant || !deps.appCredentials) return REFUSED;
      // The credential is verified before the tenant is read: unauthenticated callers
      // learn nothing about which tenant ids exist.
      const caller = await deps.appCredentials.verify(bearer, requestedTenant);
      if (!caller) return REFUSED;
      const tenant = await deps.tenantStore.getTenant(requestedTenant);
      if (!tenant) return REFUSED;
      if (tenant.ssoEnforced) {
        deps.logger.info('refused a non-SSO sign-in for a tenant that enforces SSO', { tenant: tenant.tenantId });
        return REFUSED;
      }
      return {
        isAuthorized: true,
        context: {
          authMethod: 'app-credential',
          tenant: tenant.tenantId,
          userId: '',
          sub: caller.sub,
          role: '',
          roles: '',
          email: '',
        },
      };
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
