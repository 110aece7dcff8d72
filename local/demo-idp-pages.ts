/**
 * The demo Okta's pages: its dashboard of tiles, the sign-in page that lists
 * demo users, the admin page, the sign-out and error cards. Every value is
 * escaped; the markup (and its `data-testid`s) is what the browser tests read.
 */
import type { ServerResponse } from 'node:http';
import { escapeHtml } from '../shared/http/pages.ts';
import type { RegisteredApp } from './demo-idp-apps.ts';

export interface PageUser {
  readonly login: string;
  readonly name: string;
  readonly email: string;
}

export interface Tile {
  readonly label: string;
  readonly initiateLoginUri: string;
}

const STYLE = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d1d21}
header{background:#00297a;color:#fff;padding:.8rem 1.5rem;font-weight:600}main{max-width:46rem;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:1.5rem 2rem;max-width:26rem;margin:0 auto}
h1{font-size:1.3rem}label{display:block;font-weight:600;margin:.5rem 0 .25rem}input{width:100%;padding:.55rem;border:1px solid #8c8c96;border-radius:6px;font:inherit}
button{width:100%;margin:.35rem 0;padding:.6rem;border:0;border-radius:6px;background:#1662dd;color:#fff;font:inherit;cursor:pointer}
button.user{background:#fff;color:#1d1d21;border:1px solid #c1c1c8;text-align:left}button:focus-visible,a:focus-visible{outline:3px solid #1662dd;outline-offset:2px}
.session{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:.75rem 1rem;margin:1rem 0}
.session form{margin:0}.session button{width:auto;margin:0;padding:.45rem 1rem}a.button{display:block;text-align:center;margin:.35rem 0;padding:.6rem;border-radius:6px;border:1px solid #c1c1c8;color:#1d1d21;text-decoration:none}
.tiles{display:flex;flex-wrap:wrap;gap:1rem}a.tile{display:flex;flex-direction:column;align-items:center;justify-content:center;width:10rem;height:8rem;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.15);text-decoration:none;color:#1d1d21;font-weight:600;text-align:center;padding:1rem}
a.tile span.logo{display:block;width:3rem;height:3rem;border-radius:8px;background:#1662dd;color:#fff;font-size:1.6rem;line-height:3rem;margin-bottom:.5rem}small{color:#5b5b66}
.app{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:1rem 1.25rem;margin:1rem 0;overflow-wrap:anywhere}.app form{margin:.5rem 0 0}.app button{width:auto;padding:.45rem 1rem}
code{font-family:ui-monospace,monospace;background:#eef0f4;padding:.1rem .3rem;border-radius:4px;user-select:all}label.check{display:flex;gap:.5rem;font-weight:400}label.check input{width:auto}`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><header>acme · demo Okta</header><main>${body}</main></body></html>`;
}

/** Answers 200 with a page that is never cached. */
export function sendPage(res: ServerResponse, title: string, body: string): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page(title, body));
}

/** "My Apps": one tile per app, each a link to its initiate-login URI with `iss`, and who is signed in here. */
export function dashboardBody(options: {
  readonly issuer: string;
  readonly tiles: readonly Tile[];
  readonly user: PageUser | undefined;
  readonly signedOut: boolean;
}): string {
  const tiles = options.tiles
    .map(
      (tile) =>
        `<a class="tile" href="${escapeHtml(`${tile.initiateLoginUri}?iss=${encodeURIComponent(options.issuer)}`)}"><span class="logo" aria-hidden="true">${escapeHtml(tile.label.charAt(0))}</span>${escapeHtml(tile.label)}</a>`,
    )
    .join('');
  const { user } = options;
  const status = user
    ? `<div class="session" data-testid="idp-session"><span>Signed in as <strong>${escapeHtml(user.name)}</strong> <small>${escapeHtml(user.email)}</small></span><form method="get" action="/session/end"><button type="submit">Sign out</button></form></div>`
    : `<div class="session" data-testid="idp-session"><span>${options.signedOut ? 'You are signed out of the demo Okta: the next tile click asks who you are.' : 'Not signed in: a tile click asks who you are.'}</span></div>`;
  return `<h1>My Apps</h1>${status}<p><small>This page stands in for an Okta end-user dashboard. Click a tile to sign in to that app; to sign in as someone else, sign out here first.</small></p><div class="tiles">${tiles || '<p>No apps assigned.</p>'}</div>`;
}

/** The sign-in page: a button per demo user, or any username (prefilled from `login_hint`). */
export function signInBody(action: string, users: readonly PageUser[], hint: string): string {
  const buttons = users
    .map(
      (user) =>
        `<form method="post" action="${action}"><input type="hidden" name="login" value="${escapeHtml(user.login)}"><button class="user" type="submit">${escapeHtml(user.name)} <small>${escapeHtml(user.email)}</small></button></form>`,
    )
    .join('');
  return `<div class="card"><h1>Sign in to Acme (demo Okta)</h1><p><small>Pick a demo user, or type any username.</small></p>${buttons}
<form method="post" action="${action}"><label for="login">Username</label><input id="login" name="login" autocomplete="username" required value="${escapeHtml(hint.split('@')[0] ?? '')}"><button type="submit">Sign in</button></form></div>`;
}

/** oidc-provider's end-session confirmation, with its form (`op.logoutForm`). */
export function signOutBody(userName: string, form: string): string {
  return `<div class="card"><h1>Sign out of the demo Okta?</h1><p>You are signed in as <strong>${escapeHtml(userName)}</strong>. After signing out, the next sign-in asks who you are.</p>${form}<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button><a class="button" href="/">Stay signed in</a></div>`;
}

export function errorBody(error: string, description: string): string {
  return `<div class="card"><h1>Sign-in error</h1><p>${escapeHtml(error)}: ${escapeHtml(description)}</p></div>`;
}

/** The admin page: the apps, each with its groups-claim switch, and "Create App Integration". */
export function adminBody(apps: readonly RegisteredApp[]): string {
  const list = apps
    .map(
      (app) =>
        `<div class="app" data-testid="app"><strong>${escapeHtml(app.name)}</strong><br><small>Client ID <code>${escapeHtml(app.clientId)}</code> · sign-in redirect ${escapeHtml(app.redirectUri)}</small>
<form method="post" action="/admin/apps/${escapeHtml(app.clientId)}/groups"><input type="hidden" name="groups" value="${app.groupsClaim ? 'off' : 'on'}"><small>Groups claim: ${app.groupsClaim ? 'on' : 'off'}</small> <button type="submit">${app.groupsClaim ? 'Remove groups claim' : 'Add groups claim'}</button></form></div>`,
    )
    .join('');
  return `<h1>Applications</h1>${list || '<p>No app integrations yet.</p>'}
<div class="card"><h1>Create App Integration</h1><p><small>OIDC - OpenID Connect · Web Application · Authorization Code · Login initiated by Either Okta or App, Redirect to app to initiate login (OIDC Compliant).</small></p>
<form method="post" action="/admin/apps"><label for="name">App name</label><input id="name" name="name" required>
<label for="redirect_uri">Sign-in redirect URI</label><input id="redirect_uri" name="redirect_uri" type="url" required>
<label for="initiate_login_uri">Initiate login URI</label><input id="initiate_login_uri" name="initiate_login_uri" type="url" required>
<label class="check"><input type="checkbox" name="groups" value="on"> Groups claim (Filter, Matches regex .*)</label>
<label for="assigned">Assignments (logins, comma-separated; empty: everyone)</label><input id="assigned" name="assigned">
<button type="submit">Save</button></form></div>`;
}

/** The one page that shows an app's secret: right after it is created, as Okta does. */
export function appCreatedBody(created: { clientId: string; clientSecret: string }, issuer: string): string {
  return `<div class="card"><h1>App integration created</h1><p>Copy these now: the secret is not shown again.</p><p>Client ID<br><code data-testid="client-id">${escapeHtml(created.clientId)}</code></p><p>Client secret<br><code data-testid="client-secret">${escapeHtml(created.clientSecret)}</code></p><p>Issuer<br><code data-testid="issuer">${escapeHtml(issuer)}</code></p><a class="button" href="/admin">Applications</a></div>`;
}

export function appNotCreatedBody(message: string): string {
  return `<div class="card"><h1>Could not create the app</h1><p>${escapeHtml(message)}</p><a class="button" href="/admin">Back</a></div>`;
}
