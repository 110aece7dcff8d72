import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { auditEvent } from './audit.ts';
import type { ServiceConfig } from './config.ts';
import { ServiceError } from './errors.ts';
import { createHttpHandler, type RouteHandler } from './http/middleware.ts';
import { escapeHtml, renderPage } from './http/pages.ts';
import { header, publicOrigin, requestCookies, wantsJson } from './http/request.ts';
import { clearCookie, empty, type HttpResult, html, json, redirect } from './http/responses.ts';
import type { DiscoveryCache } from './oidc/discovery.ts';
import type { AuditLog, SessionStore } from './ports.ts';
import type { Session } from './sessions.ts';
import { hashSessionToken, parseSessionCookie, SESSION_COOKIE } from './sessions.ts';
import type { TenantDirectory } from './tenant-directory.ts';
import type { User } from './users.ts';

export interface SessionDependencies {
  readonly config: ServiceConfig;
  readonly sessions: SessionStore;
  readonly audit: AuditLog;
  readonly tenants: TenantDirectory;
  /** Needed only for tenants whose logout target is their Okta's end-session endpoint. */
  readonly discovery?: DiscoveryCache;
  readonly logger?: Logger;
  readonly now: () => Date;
}

export interface ActiveSession {
  readonly session: Session;
  readonly user: User;
}

/**
 * Resolves the request's session cookie to a live session and its user with
 * one read, or undefined. Checks the stored expiry itself, since DynamoDB's
 * TTL deletes items only eventually.
 */
export async function findActiveSession(
  deps: Pick<SessionDependencies, 'config' | 'sessions' | 'now'>,
  event: APIGatewayProxyEventV2,
): Promise<ActiveSession | undefined> {
  const cookie = parseSessionCookie(requestCookies(event).get(SESSION_COOKIE));
  if (!cookie) return undefined;
  const tokenHash = hashSessionToken(cookie.token);
  const { session, user, tenant } = await deps.sessions.getSessionContext(tokenHash, cookie.tenantId, cookie.userId);
  if (!session || !user || !tenant) return undefined;
  const now = Math.floor(deps.now().getTime() / 1000);
  if (session.tenantId !== cookie.tenantId || session.userId !== cookie.userId) return undefined;
  if (session.expiresAt <= now) return undefined;
  const idle = deps.config.sessionIdleSeconds;
  if (idle > 0 && now - session.lastSeenAt >= idle) return undefined;
  if (user.disabled) return undefined;
  if (user.sessionsNotBefore !== undefined && session.createdAt < user.sessionsNotBefore) return undefined;
  if (tenant.sessionsNotBefore !== undefined && session.createdAt < tenant.sessionsNotBefore) return undefined;
  // A session of a deleted tenant, or of an earlier tenant with the same id, is over.
  if (session.tenantGeneration !== tenant.generation) return undefined;
  // Record use for the idle timeout, but only once per tenth of it: most reads stay a single request.
  if (idle > 0 && now - session.lastSeenAt >= Math.max(60, Math.floor(idle / 10))) {
    await deps.sessions.touchSession(tokenHash, now);
  }
  return { session, user };
}

/** The body of `GET /me` (README "Routes"). */
export function describeSession({ user }: ActiveSession) {
  return {
    tenant: user.tenantId,
    user: {
      id: user.userId,
      sub: user.sub,
      email: user.email ?? null,
      name: user.name ?? null,
      role: user.role,
      groups: [...user.groups],
      roles: [...user.roles],
    },
  };
}

export async function getMe(deps: SessionDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const active = await findActiveSession(deps, event);
  if (!active) {
    throw new ServiceError('NOT_AUTHENTICATED', { reason: 'no_session' });
  }
  return json(200, describeSession(active));
}

/**
 * Logout is a POST that must come from our own pages: a cross-site form post
 * (login/logout CSRF) is refused even though SameSite=Lax already keeps the
 * cookie off it.
 */
function assertSameOrigin(event: APIGatewayProxyEventV2, origin: string): void {
  const refuse = () => new ServiceError('CROSS_SITE_REQUEST', { reason: 'cross_site_logout' });
  // Fetch metadata is the reliable signal: our pages send no Referer, so browsers
  // send `Origin: null` even for our own form posts.
  const site = header(event, 'sec-fetch-site');
  if (site) {
    if (site !== 'same-origin' && site !== 'none') throw refuse();
    return;
  }
  const requestOrigin = header(event, 'origin');
  if (requestOrigin && requestOrigin !== origin) throw refuse();
}

export async function logout(deps: SessionDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  assertSameOrigin(event, publicOrigin(event, deps.config.publicUrl));
  const cookie = parseSessionCookie(requestCookies(event).get(SESSION_COOKIE));
  const ended = cookie ? await deps.sessions.deleteSession(hashSessionToken(cookie.token)) : undefined;
  const cookies = [clearCookie(SESSION_COOKIE)];
  if (ended) {
    await deps.audit
      .append(
        auditEvent({
          tenantId: ended.tenantId,
          type: 'logout',
          actor: `user:${ended.userId}`,
          subject: ended.userId,
          now: deps.now(),
        }),
      )
      .catch(() => deps.logger?.warn('could not write logout audit event'));
  }
  const target = ended
    ? await logoutTarget(deps, ended.tenantId, publicOrigin(event, deps.config.publicUrl))
    : undefined;
  if (target) return redirect(target, cookies);
  if (wantsJson(event) || !header(event, 'accept')?.includes('text/html')) return empty(204, cookies);
  return html(
    200,
    renderPage(
      'Signed out',
      `<h1 class="ok">You are signed out</h1><p>Your session has ended on this device.</p><p><a class="button" href="${escapeHtml(deps.config.defaultRedirectPath)}">Continue</a></p>`,
    ),
    cookies,
  );
}

/**
 * Where the tenant wants people after sign-out: its Okta's end-session endpoint
 * (ending the Okta session too), a page of the app, or nowhere (our page).
 */
async function logoutTarget(deps: SessionDependencies, tenantId: string, origin: string): Promise<string | undefined> {
  const tenant = await deps.tenants.get(tenantId);
  const configured = tenant?.logoutRedirect;
  if (!tenant || !configured) return undefined;
  if (configured !== 'okta') return configured;
  if (!deps.discovery) return undefined;
  const metadata = await deps.discovery.get(tenant.issuer).catch(() => undefined);
  if (!metadata?.endSessionEndpoint) return undefined;
  const url = new URL(metadata.endSessionEndpoint);
  // RP-Initiated Logout 1.0: client_id identifies us when no id_token_hint is kept.
  url.searchParams.set('client_id', tenant.clientId);
  url.searchParams.set('post_logout_redirect_uri', new URL(deps.config.defaultRedirectPath, origin).toString());
  return url.toString();
}

export function sessionRoutes(deps: SessionDependencies): Record<string, RouteHandler> {
  return {
    'GET /me': (event) => getMe(deps, event),
    'POST /logout': (event) => logout(deps, event),
  };
}

export function createSessionHandler(deps: SessionDependencies & { readonly logger: Logger }) {
  return createHttpHandler(sessionRoutes(deps), { logger: deps.logger });
}
