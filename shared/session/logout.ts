import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { auditEvent } from '../audit.ts';
import { escapeHtml, renderPage } from '../http/pages.ts';
import { header, publicOrigin, requestCookies, wantsJson } from '../http/request.ts';
import { clearCookie, empty, type HttpResult, html, redirect } from '../http/responses.ts';
import { assertSameOrigin } from '../http/same-origin.ts';
import { hashSessionToken, parseSessionCookie, SESSION_COOKIE } from '../sessions.ts';
import type { SessionDependencies } from './dependencies.ts';

export async function logout(deps: SessionDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  assertSameOrigin(event, publicOrigin(event, deps.config.publicUrl), 'cross_site_logout');
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
