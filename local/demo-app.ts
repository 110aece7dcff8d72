import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeHtml, PAGE_STYLE_HASH, renderPage } from '../shared/http/pages.ts';

/**
 * The SaaS app that sits behind the login service in the demo, on its own
 * origin (`http://localhost:<PORT+2>`), as a real app sits on
 * `app.example.com` beside `login.example.com`. Its one page asks the
 * service's `GET /me` who is signed in — from the browser, with credentials,
 * through CORS (the app's origin is the deployment's `APP_URL`) — and shows
 * name, tenant, role and roles; "Sign out" calls the service's `POST /logout`
 * the same way and goes where its JSON answer says.
 *
 * `localhost:3000` and `localhost:3002` are the same site, so the service's
 * SameSite=Lax session cookie travels with these calls; an app on another
 * site would not get it.
 */
export interface DemoApp {
  /** The app's landing URL, e.g. `http://localhost:3002/`: the local stack's `APP_URL`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startDemoApp(options: {
  readonly port: number;
  /** The login service's origin, e.g. `http://localhost:3000`. */
  readonly serviceUrl: string;
  readonly dashboardUrl: string | undefined;
  readonly tenantId: string;
}): Promise<DemoApp> {
  const serviceOrigin = new URL(options.serviceUrl).origin;
  // Script from this origin only, calls to the service only, our hashed stylesheet: nothing inline runs.
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    `connect-src ${serviceOrigin}`,
    `style-src ${PAGE_STYLE_HASH}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const page = renderPage(
    'Acme App (demo)',
    `<div id="app" data-service-url="${escapeHtml(serviceOrigin)}" data-tenant="${escapeHtml(options.tenantId)}" data-dashboard-url="${escapeHtml(options.dashboardUrl ?? '')}"><p class="muted" id="loading">Loading…</p></div>
<script src="/app.js"></script>`,
  );
  const headers = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && (path === '/' || path === '/app')) {
      response
        .writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp })
        .end(page);
    } else if (request.method === 'GET' && path === '/app.js') {
      response.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(APP_SCRIPT);
    } else {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    }
  };
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
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
    el('p', {}, 'You are signed in to ', el('strong', { 'data-testid': 'tenant' }, me.tenant), ' as ',
      el('strong', { 'data-testid': 'role' }, user.role), '.'),
    el('dl', {},
      el('dt', {}, 'Roles'), el('dd', { 'data-testid': 'roles' }, roles),
      el('dt', {}, 'Name'), el('dd', { 'data-testid': 'name' }, user.name || '—'),
      el('dt', {}, 'Email'), el('dd', { 'data-testid': 'email' }, user.email || '—'),
      el('dt', {}, 'Okta groups'), el('dd', { 'data-testid': 'groups' }, user.groups.length ? user.groups.join(', ') : '—'),
      el('dt', {}, 'Okta user id'), el('dd', {}, el('code', {}, user.sub))),
    el('p', { class: 'muted' }, 'This app runs on its own origin and asked the login service who you are (GET /me, with CORS). Roles come from your Okta groups at every sign-in; the tenant’s first user is its owner.'),
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

async function show() {
  let response;
  try {
    response = await fetch(service + '/me', { credentials: 'include', headers: { accept: 'application/json' } });
  } catch {
    notSignedIn('Could not reach the login service at ' + service + '.');
    return;
  }
  if (response.status !== 200) {
    notSignedIn();
    return;
  }
  signedIn(await response.json());
}

show();
`;
