import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { escapeHtml, PAGE_STYLE_HASH, renderPage } from '../shared/http/pages.ts';
import { type AppUser, sessionTokenVerifier } from './demo-app-verify.ts';
import { closeServer, listen } from './listen.ts';

/**
 * The SaaS app that sits behind the login service in the demo, on its own
 * origin (`http://localhost:<PORT+2>`), as a real app sits on
 * `app.example.com` beside `login.example.com`. Its page fetches a session
 * token from the service (`GET /session/token`, from the browser, with
 * credentials, through CORS: the app's origin is the deployment's `APP_URL`)
 * and calls the app's OWN backend with it (`GET /api/me`, `Authorization:
 * Bearer`), which verifies it against the service's published keys
 * (`demo-app-verify.ts`) and answers who this is: name, tenant, role and
 * roles. "Sign out" calls the service's `POST /logout` the same way and goes
 * where its JSON answer says.
 *
 * `localhost:3000` and `localhost:3002` are the same site, so the service's
 * SameSite=Lax session cookie travels with these calls; an app on another
 * site (or opened as `127.0.0.1:3002`) would not get it.
 */
export interface DemoApp {
  /** The app's landing URL, e.g. `http://localhost:3002/`: the local stack's `APP_URL`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface DemoAppOptions {
  readonly port: number;
  /** The login service's origin, e.g. `http://localhost:3000`. */
  readonly serviceUrl: string;
  readonly dashboardUrl: string | undefined;
  /** The tenant its "Sign in" button starts (the demo tenant). */
  readonly tenantId: string;
  /** The app's customers: the demo serves every tenant the local service has (setup-link tenants too). */
  readonly servesTenant: (tenant: string) => boolean | Promise<boolean>;
  /** The session tokens' `aud` this app accepts (the deployment's `APP_AUDIENCE`). */
  readonly audience: string;
}

const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export async function startDemoApp(options: DemoAppOptions): Promise<DemoApp> {
  const serviceOrigin = new URL(options.serviceUrl).origin;
  const apiMe = apiMeHandler(
    sessionTokenVerifier({ issuer: serviceOrigin, audience: options.audience, servesTenant: options.servesTenant }),
  );
  const csp = contentSecurityPolicy(serviceOrigin);
  const page = renderPage(
    'Acme App (demo)',
    `<div id="app" data-service-url="${escapeHtml(serviceOrigin)}" data-tenant="${escapeHtml(options.tenantId)}" data-dashboard-url="${escapeHtml(options.dashboardUrl ?? '')}"><p class="muted" id="loading">Loading…</p></div>
<script src="/app.js"></script>`,
  );
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/api/me') {
      void apiMe(request, response);
    } else if (request.method === 'GET' && (path === '/' || path === '/app')) {
      response
        .writeHead(200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp })
        .end(page);
    } else if (request.method === 'GET' && path === '/app.js') {
      response.writeHead(200, { ...HEADERS, 'content-type': 'text/javascript; charset=utf-8' }).end(APP_SCRIPT);
    } else {
      response.writeHead(404, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    }
  });
  const port = await listen(server, options.port);
  return { url: `http://localhost:${port}/`, port, close: () => closeServer(server) };
}

/** Script from this origin only, calls to the service and our own API only, our hashed stylesheet: nothing inline runs. */
function contentSecurityPolicy(serviceOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `connect-src ${serviceOrigin} 'self'`,
    `style-src ${PAGE_STYLE_HASH}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The app's own backend: `GET /api/me` with a session token as Bearer answers who this is. */
function apiMeHandler(verify: (token: string) => Promise<AppUser>) {
  // The app's own record of its users, keyed on tenant + sub (never the email).
  const users = new Map<string, { firstSeen: string; visits: number }>();
  return async (request: IncomingMessage, response: ServerResponse) => {
    const token = /^Bearer ([\w.~+/-]+=*)$/.exec(request.headers.authorization ?? '')?.[1];
    let user: AppUser;
    try {
      if (!token) throw new Error('no token');
      user = await verify(token);
    } catch {
      // Never echo the token or why it failed in detail: the page just fetches a new one or signs in.
      response
        .writeHead(401, { ...HEADERS, 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end(JSON.stringify({ error: 'not_authenticated' }));
      return;
    }
    const seen = users.get(user.key) ?? { firstSeen: new Date().toISOString(), visits: 0 };
    users.set(user.key, { ...seen, visits: seen.visits + 1 });
    response
      .writeHead(200, { ...HEADERS, 'content-type': 'application/json' })
      .end(JSON.stringify({ user, firstSeen: seen.firstSeen, visits: seen.visits + 1 }));
  };
}

/**
 * The page's script: what any browser app does with the login service. It
 * builds the page with DOM calls and `textContent` only (no HTML from data).
 */
const APP_SCRIPT = `'use strict';
const root = document.getElementById('app');
const service = root.dataset.serviceUrl;
const tenant = root.dataset.tenant;
const dashboard = root.dataset.dashboardUrl;

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function render(...nodes) {
  root.replaceChildren(...nodes);
}

function switchHint() {
  if (!dashboard) return '';
  return el('p', { class: 'muted' }, 'To sign in as someone else, sign out here, then on the ',
    el('a', { href: dashboard }, 'demo Okta dashboard'), '.');
}

function notSignedIn(problem) {
  const nodes = [el('h1', {}, 'You are not signed in')];
  if (problem) nodes.push(el('p', { class: 'muted' }, problem));
  if (dashboard) {
    nodes.push(el('p', {}, 'Go to your ', el('a', { href: dashboard }, 'Okta dashboard'), ' and click the app’s tile, or sign in here.'));
  }
  nodes.push(el('p', {}, el('a', { class: 'button', href: service + '/t/' + encodeURIComponent(tenant) + '/login' }, 'Sign in with Okta')));
  render(...nodes);
}

function signedIn(me) {
  const user = me.user;
  const roles = user.roles.length ? user.roles.join(', ') : 'none (no Okta group of yours maps to a role)';
  const button = el('button', { type: 'button' }, 'Sign out');
  button.addEventListener('click', signOut);
  render(
    el('h1', { class: 'ok' }, 'Welcome, ' + (user.name || user.email || user.sub)),
    el('p', {}, 'You are signed in to ', el('strong', { 'data-testid': 'tenant' }, user.tenant), ' as ',
      el('strong', { 'data-testid': 'role' }, user.role), '.'),
    el('dl', {},
      el('dt', {}, 'Roles'), el('dd', { 'data-testid': 'roles' }, roles),
      el('dt', {}, 'Name'), el('dd', { 'data-testid': 'name' }, user.name || '—'),
      el('dt', {}, 'Email'), el('dd', { 'data-testid': 'email' }, user.email || '—'),
      el('dt', {}, 'User id (sub)'), el('dd', {}, el('code', { 'data-testid': 'sub' }, user.sub)),
      el('dt', {}, 'Visits'), el('dd', { 'data-testid': 'visits' }, String(me.visits))),
    el('p', { class: 'muted', 'data-testid': 'verified-by' }, 'Verified by this app’s own backend: the page fetched a short-lived session token from the login service (GET /session/token, with CORS) and sent it to GET /api/me here, which checked its signature against the service’s published keys. Roles come from your Okta groups at every sign-in; the tenant’s first user is its owner.'),
    button,
    switchHint(),
  );
}

function signedOut() {
  render(
    el('h1', { class: 'ok' }, 'You are signed out'),
    el('p', {}, 'Your session has ended on this device.'),
    el('p', {}, el('a', { class: 'button', href: '/' }, 'Continue')),
    switchHint(),
  );
}

async function signOut() {
  let answer;
  try {
    const response = await fetch(service + '/logout', {
      method: 'POST',
      credentials: 'include',
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    answer = await response.json();
  } catch {
    root.append(el('p', { class: 'muted' }, 'Could not sign out at the login service; try again.'));
    return;
  }
  // The tenant's logout target (its Okta's end-session page), or nowhere: the app says so itself.
  if (answer.redirect) {
    location.assign(answer.redirect);
    return;
  }
  signedOut();
}

// Fetched on use, kept in memory only (never in storage): fetching counts as activity for the session.
async function sessionToken() {
  const response = await fetch(service + '/session/token', { credentials: 'include', headers: { accept: 'application/json' } });
  if (response.status === 401) return undefined;
  if (!response.ok) throw new Error('HTTP ' + response.status);
  return (await response.json()).token;
}

async function show() {
  let token;
  try {
    token = await sessionToken();
  } catch {
    notSignedIn('Could not reach the login service at ' + service + '.');
    return;
  }
  if (!token) {
    notSignedIn();
    return;
  }
  const response = await fetch('/api/me', { headers: { authorization: 'Bearer ' + token, accept: 'application/json' } });
  if (response.status !== 200) {
    notSignedIn('This app could not verify your session token.');
    return;
  }
  signedIn(await response.json());
}

show();
`;
