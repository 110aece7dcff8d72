import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { escapeHtml, PAGE_CSP, renderPage } from '../shared/http/pages.ts';
import { lambdaContext, matchRoute, toApiGatewayEvent } from './api-gateway.ts';
import type { LambdaHandler } from './server.ts';

/**
 * The SaaS app that sits behind the login service in the demo: one page at
 * `/` that asks the session function who you are (the same `GET /me` an app
 * would call) and shows it — the tenant role (owner or member) and the app
 * roles mapped from the user's Okta groups — with a sign-out button.
 */
export function demoAppPage(options: {
  sessionHandler: LambdaHandler;
  dashboardUrl: string | undefined;
  tenantId: string;
}) {
  // Okta keeps its own sign-in session: signing out of the app alone signs the same person in again.
  const switchHint = options.dashboardUrl
    ? `<p class="muted">To sign in as someone else, sign out here, then on the <a href="${escapeHtml(options.dashboardUrl)}">demo Okta dashboard</a>.</p>`
    : '';
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || (path !== '/' && path !== '/app')) return false;
    const match = matchRoute('GET', '/me');
    if (!match) return false;
    const event = toApiGatewayEvent(request, Buffer.alloc(0), match);
    event.headers.accept = 'application/json';
    const result = (await options.sessionHandler(event, lambdaContext('session'))) as APIGatewayProxyStructuredResultV2;
    let body: string;
    if (result.statusCode === 200) {
      const me = JSON.parse(result.body ?? '{}') as {
        tenant: string;
        user: {
          name: string | null;
          email: string | null;
          role: string;
          roles: string[];
          groups: string[];
          sub: string;
        };
      };
      const groups = me.user.groups.length ? me.user.groups.map(escapeHtml).join(', ') : '—';
      const roles = me.user.roles.length
        ? me.user.roles.map(escapeHtml).join(', ')
        : 'none <small>(no Okta group of yours maps to a role)</small>';
      body = `<h1 class="ok">Welcome, ${escapeHtml(me.user.name ?? me.user.email ?? me.user.sub)}</h1>
<p>You are signed in to <strong>${escapeHtml(me.tenant)}</strong> as <strong data-testid="role">${escapeHtml(me.user.role)}</strong>.</p>
<dl><dt>Roles</dt><dd data-testid="roles">${roles}</dd>
<dt>Name</dt><dd data-testid="name">${escapeHtml(me.user.name ?? '—')}</dd>
<dt>Email</dt><dd data-testid="email">${escapeHtml(me.user.email ?? '—')}</dd>
<dt>Tenant role</dt><dd>${escapeHtml(me.user.role)}</dd>
<dt>Okta groups</dt><dd data-testid="groups">${groups}</dd>
<dt>Okta user id</dt><dd><code>${escapeHtml(me.user.sub)}</code></dd></dl>
<p class="muted">Roles come from your Okta groups and are recomputed at every sign-in; the tenant’s first user is its owner.</p>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>${switchHint}`;
    } else {
      const dashboard = options.dashboardUrl
        ? `<p>Go to your <a href="${escapeHtml(options.dashboardUrl)}">Okta dashboard</a> and click the app’s tile, or sign in here.</p>
<p class="muted">To sign in as someone else, sign out on that dashboard first.</p>`
        : '';
      body = `<h1>You are not signed in</h1>${dashboard}
<p><a class="button" href="/t/${escapeHtml(options.tenantId)}/login">Sign in with Okta</a></p>`;
    }
    response
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': PAGE_CSP,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
      .end(renderPage('Acme App (demo)', body));
    return true;
  };
}
