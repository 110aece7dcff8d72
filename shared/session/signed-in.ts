import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { escapeHtml, pageCsp, renderPage } from '../http/pages.ts';
import { type HttpResult, html } from '../http/responses.ts';
import { requireActiveSession } from './active-session.ts';
import type { SessionDependencies } from './dependencies.ts';

/**
 * `GET /signed-in`: the built-in page a login lands on when neither the tile,
 * the tenant nor the deployment names a place (README "Where users land"), so
 * a login never ends on a 404. It shows who is signed in (name, tenant, role)
 * and a sign-out form that posts to `/logout` on this origin (same-origin,
 * as every logout form). Without a session: the not-signed-in page (401).
 */
export async function signedInPage(deps: SessionDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const { user } = await requireActiveSession(deps, event);
  const who = user.name ?? user.email ?? user.sub;
  const body = `<h1 class="ok">You are signed in</h1>
<dl><dt>Name</dt><dd data-testid="name">${escapeHtml(who)}</dd>
<dt>Tenant</dt><dd data-testid="tenant">${escapeHtml(user.tenantId)}</dd>
<dt>Role</dt><dd data-testid="role">${escapeHtml(user.role)}</dd></dl>
<p class="muted">Your organisation has not set a page for this app to open after sign-in.</p>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`;
  const response = html(200, renderPage('Signed in', body));
  response.headers['content-security-policy'] = pageCsp(await logoutFormTargets(deps, user.tenantId));
  return response;
}

/**
 * The sign-out form's answer may redirect to the tenant's logout target, and
 * CSP `form-action` also governs redirects after a form post: allow that origin.
 */
async function logoutFormTargets(deps: SessionDependencies, tenantId: string): Promise<string[]> {
  const tenant = await deps.tenants.get(tenantId).catch(() => undefined);
  const target = tenant?.logoutRedirect;
  if (!tenant || !target) return [];
  // Okta's end-session endpoint is on the issuer's origin.
  const url = URL.parse(target === 'okta' ? tenant.issuer : target);
  return url && url.origin !== 'null' ? [url.origin] : [];
}
