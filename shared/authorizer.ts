import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { awaitTracing } from './adapters/tracing.ts';
import { LoginError } from './errors.ts';
import { header } from './http/request.ts';
import { findActiveSession, type SessionDependencies } from './session-flow.ts';
import type { TenantDirectory } from './tenant-directory.ts';
import { isValidTenantId } from './tenants.ts';

/** What downstream routes receive in `requestContext.authorizer.lambda`. */
export interface AuthorizerContext {
  readonly [key: string]: string;
  /** `okta-sso`: our session cookie; `app-credential`: the app's own sign-in, passed on for the app to check. */
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

export interface AuthorizerDependencies extends SessionDependencies {
  readonly tenants: TenantDirectory;
  readonly logger: Logger;
  /** How long a decision for the same session token is reused in this container. @default 15 s */
  readonly cacheMs?: number;
}

/**
 * Turns the session cookie into the caller's tenant, user and roles for the
 * app's own routes. A request for a tenant's path (`/t/{tenant}/...` or an
 * `x-tenant-id` header) must carry a session of that tenant.
 *
 * SSO enforcement: a request without our session but with the app's own
 * credential (`Authorization` header) is passed to the app to verify —
 * unless its tenant enforces SSO, in which case it is refused here.
 */
export function createAuthorizer(deps: AuthorizerDependencies) {
  const cacheMs = deps.cacheMs ?? 15_000;
  const cache = new Map<string, { result: AuthorizerResult; expiresAt: number }>();

  const authorize = async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    // The session lookup reads cookies and headers the same way the HTTP handlers do.
    const asRequest = event as unknown as APIGatewayProxyEventV2;
    const requestedTenant = event.pathParameters?.tenant ?? header(asRequest, 'x-tenant-id');
    if (requestedTenant !== undefined && !isValidTenantId(requestedTenant)) return { isAuthorized: false };
    const cookieKey = (event.cookies ?? []).find((cookie) => cookie.startsWith('__Host-session='));
    const now = Date.now();
    const cacheKey = cookieKey ? `${cookieKey}|${requestedTenant ?? ''}` : undefined;
    const cached = cacheKey ? cache.get(cacheKey) : undefined;
    if (cached && cached.expiresAt > now) return cached.result;

    let result: AuthorizerResult = { isAuthorized: false };
    try {
      const active = cookieKey ? await findActiveSession(deps, asRequest) : undefined;
      if (active && (requestedTenant === undefined || requestedTenant === active.user.tenantId)) {
        result = {
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
      } else if (!active && requestedTenant && header(asRequest, 'authorization')) {
        const tenant = await deps.tenants.get(requestedTenant);
        if (tenant && !tenant.ssoEnforced) {
          result = {
            isAuthorized: true,
            context: {
              authMethod: 'app-credential',
              tenant: tenant.tenantId,
              userId: '',
              sub: '',
              role: '',
              roles: '',
              email: '',
            },
          };
        } else if (tenant?.ssoEnforced) {
          deps.logger.info('refused a non-SSO sign-in for a tenant that enforces SSO', { tenant: tenant.tenantId });
        }
      }
    } catch (error) {
      // A store outage must not turn into access; it is a refusal that is not cached.
      deps.logger.error('authorizer could not check the session', {
        code: error instanceof LoginError ? error.code : 'INTERNAL',
      });
      return { isAuthorized: false };
    }
    if (cacheKey) {
      if (cache.size > 5000) cache.clear();
      cache.set(cacheKey, { result, expiresAt: now + cacheMs });
    }
    return result;
  };

  // As the HTTP functions: request id and cold_start on its log lines, clients traced first when tracing is on.
  return middy<APIGatewayRequestAuthorizerEventV2, AuthorizerResult, Error, Context>(authorize)
    .use(injectLambdaContext(deps.logger))
    .use(awaitTracing());
}
