import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { auditEvent } from '../audit.ts';
import { escapeHtml, renderPage } from '../http/pages.ts';
import { header, publicOrigin, requestCookies, wantsJson } from '../http/request.ts';
import { clearCookie, empty, type HttpResult, html, json, redirect } from '../http/responses.ts';
import { assertSameOrigin } from '../http/same-origin.ts';
import { continueAfterSignOut, signOutRedirectUri } from '../redirect-target.ts';
import { hashSessionToken, parseSessionCookie, SESSION_COOKIE } from '../sessions.ts';
import type { SessionDependencies } from './dependencies.ts';

/**
 * `POST /logout`. From our own pages (same-origin) as before: a redirect to
 * the tenant's logout target, or the signed-out page (204 for programs). From
 * an app origin CORS allows for this session (`corsOrigin`, shared/session/app-cors.ts):
 * accepted although the browser calls it same-site rather than same-origin,
 * and answered 200 `{"redirect": <URL or null>}` for the app to navigate to,
 * never a 302 (fetch would follow it to Okta and the app would learn nothing).
 */
export async function logout(
  deps: SessionDependencies,
  event: APIGatewayProxyEventV2,
  corsOrigin?: string,
): Promise<HttpResult> {
  const origin = publicOrigin(event, deps.config.publicUrl);
  // An allowed app origin is inside the session's trust boundary; every other caller must be our own page.
  const fromApp = corsOrigin !== undefined && corsOrigin !== origin;
  if (!fromApp) assertSameOrigin(event, origin, 'cross_site_logout');
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
  const target = ended ? await logoutTarget(deps, ended.tenantId, origin) : undefined;
  if (fromApp) return json(200, { redirect: target ? new URL(target, origin).href : null }, cookies);
  if (target) return redirect(target, cookies);
  if (wantsJson(event) || !header(event, 'accept')?.includes('text/html')) return empty(204, cookies);
  const next = continueAfterSignOut(deps.config);
  const continueLink = next ? `<p><a class="button" href="${escapeHtml(next)}">Continue</a></p>` : '';
  return html(
    200,
    renderPage(
      'Signed out',
      `<h1 class="ok">You are signed out</h1><p>Your session has ended on this device.</p>${continueLink}`,
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
  // The sign-out redirect URI the tenant CLI prints for Okta.
  url.searchParams.set('post_logout_redirect_uri', signOutRedirectUri(origin, deps.config.defaultRedirectPath));
  return url.toString();
}
