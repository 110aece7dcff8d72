/**
 * The demo identity provider: plays a tenant's Okta for `npm start` and the
 * end-to-end tests. It is `oidc-provider` (a certified OpenID Provider) with a
 * sign-in page that lists demo users, an Okta-like "My Apps" dashboard whose
 * tiles do what Okta's "Redirect to app to initiate login (OIDC Compliant)"
 * does, and consent granted automatically as for a first-party app.
 *
 * Like Okta, it keeps a sign-in session: a second tile click signs the same
 * person in again without asking. The dashboard says who is signed in and
 * offers "Sign out" (oidc-provider's own end-session flow), after which the
 * next tile click asks who you are: that is how the demo switches people
 * without a private window.
 *
 * Its admin page (`/admin`) plays the Okta Admin Console's "Create App
 * Integration": an app gets a client id and secret (registered with
 * oidc-provider's own Dynamic Client Registration), a tile on the dashboard,
 * a groups claim that can be switched on and off, and optionally assignments
 * (a user not assigned is refused with `access_denied`, as Okta does). The
 * setup link's tests and demo use it as the customer's Okta admin would.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { escapeHtml } from '../shared/http/pages.ts';

export interface DemoUser {
  readonly login: string;
  readonly sub: string;
  readonly name: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly groups: readonly string[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    login: 'ada',
    sub: '00u1ada0lovelace0001',
    name: 'Ada Lovelace',
    givenName: 'Ada',
    familyName: 'Lovelace',
    email: 'ada@acme.example',
    emailVerified: true,
    groups: ['Everyone', 'Engineering', 'Admins'],
  },
  {
    login: 'grace',
    sub: '00u1grace0hopper0002',
    name: 'Grace Hopper',
    givenName: 'Grace',
    familyName: 'Hopper',
    email: 'grace@acme.example',
    emailVerified: true,
    groups: ['Everyone', 'Engineering'],
  },
  {
    login: 'linus',
    sub: '00u1linus0torvalds03',
    name: 'Linus Torvalds',
    givenName: 'Linus',
    familyName: 'Torvalds',
    email: 'linus@acme.example',
    emailVerified: true,
    groups: ['Everyone', 'Support'],
  },
];

export interface DemoClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

/** An app integration created on the admin page (or by a test through `createApp`). */
export interface DemoApp {
  readonly name: string;
  readonly redirectUri: string;
  readonly initiateLoginUri: string;
  /** Send the `groups` claim (Okta: the app's groups claim filter). @default true */
  readonly groupsClaim?: boolean;
  /** Logins assigned to the app; undefined: everyone. */
  readonly assigned?: readonly string[];
}

export interface DemoTile {
  readonly label: string;
  readonly initiateLoginUri: string;
}

export interface DemoIdpOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  readonly clients: readonly DemoClient[];
  readonly tiles?: readonly DemoTile[];
  readonly users?: readonly DemoUser[];
  /**
   * Serve requests for the provider through this function instead of directly:
   * the test identity provider uses it to intercept discovery, JWKS and tokens.
   */
  readonly wrap?: (
    listener: (req: IncomingMessage, res: ServerResponse) => void,
    issuer: () => string,
  ) => (req: IncomingMessage, res: ServerResponse) => void;
}

export interface DemoIdp {
  readonly issuer: string;
  readonly port: number;
  readonly dashboardUrl: string;
  /** The admin page: create app integrations, switch their groups claim. */
  readonly adminUrl: string;
  readonly provider: Provider;
  readonly users: readonly DemoUser[];
  /** Creates an app integration as the admin page does; its secret is returned once. */
  createApp(app: DemoApp): Promise<{ clientId: string; clientSecret: string }>;
  setGroupsClaim(clientId: string, on: boolean): void;
  stop(): Promise<void>;
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

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><header>acme · demo Okta</header><main>${body}</main></body></html>`;
}

function profileFor(login: string, users: readonly DemoUser[]): DemoUser {
  const known = users.find((user) => user.login === login);
  if (known) return known;
  const clean =
    login
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '')
      .slice(0, 40) || 'user';
  const sub = `00u${Buffer.from(clean).toString('hex').slice(0, 17).padEnd(17, '0')}`;
  return {
    login: clean,
    sub,
    name: clean,
    givenName: clean,
    familyName: '',
    email: `${clean}@acme.example`,
    emailVerified: true,
    groups: ['Everyone'],
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) break;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startDemoIdp(options: DemoIdpOptions): Promise<DemoIdp> {
  const users = options.users ?? DEMO_USERS;
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://localhost:${port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: `demo-${randomBytes(4).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  };
  const bySub = new Map<string, DemoUser>();
  /** Apps created on the admin page, by client id. */
  const apps = new Map<string, DemoApp & { clientId: string; groupsClaim: boolean }>();
  // Only this server registers clients (the admin page): Dynamic Client Registration needs this token.
  const registrationToken = randomBytes(24).toString('base64url');
  const sendsGroups = (clientId: string | undefined) => (clientId ? (apps.get(clientId)?.groupsClaim ?? true) : true);
  const userFor = (sub: string | undefined) =>
    sub ? (bySub.get(sub) ?? users.find((candidate) => candidate.sub === sub)) : undefined;

  const configuration: Configuration = {
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: [...client.redirectUris],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      groups: ['groups'],
    },
    // Okta's code flow returns a "fat" ID token with the scope's claims in it.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true, initialAccessToken: registrationToken },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          const user = userFor(ctx.oidc.session?.accountId);
          ctx.type = 'html';
          ctx.body = page(
            'Sign out',
            `<div class="card"><h1>Sign out of the demo Okta?</h1><p>You are signed in as <strong>${escapeHtml(user?.name ?? 'someone')}</strong>. After signing out, the next sign-in asks who you are.</p>${form}<button autofocus type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button><a class="button" href="/">Stay signed in</a></div>`,
          );
        },
        // No client asked for a page after sign-out: back to the dashboard, which says it.
        postLogoutSuccessSource: async (ctx) => {
          ctx.status = 303;
          ctx.redirect('/?signed-out');
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    findAccount: async (ctx, sub) => {
      const user = userFor(sub);
      if (!user) return undefined;
      const groups = sendsGroups(ctx.oidc?.client?.clientId);
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: user.email,
          email_verified: user.emailVerified,
          name: user.name,
          given_name: user.givenName,
          family_name: user.familyName,
          preferred_username: user.email,
          ...(groups ? { groups: [...user.groups] } : {}),
        }),
      };
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<div class="card"><h1>Sign-in error</h1><p>${escapeHtml(String(out.error))}: ${escapeHtml(String(out.error_description ?? ''))}</p></div>`,
      );
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  const providerListener = provider.callback();

  async function interactions(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'GET' && url.pathname === '/') {
      const appTiles = [...apps.values()].map((app) => ({ label: app.name, initiateLoginUri: app.initiateLoginUri }));
      const tiles = [...(options.tiles ?? []), ...appTiles]
        .map(
          (tile) =>
            `<a class="tile" href="${escapeHtml(`${tile.initiateLoginUri}?iss=${encodeURIComponent(issuer)}`)}"><span class="logo" aria-hidden="true">${escapeHtml(tile.label.charAt(0))}</span>${escapeHtml(tile.label)}</a>`,
        )
        .join('');
      // Who is signed in here, from oidc-provider's own session cookie.
      const session = await provider.Session.get(provider.createContext(req, res));
      const user = userFor(session.accountId);
      const status = user
        ? `<div class="session" data-testid="idp-session"><span>Signed in as <strong>${escapeHtml(user.name)}</strong> <small>${escapeHtml(user.email)}</small></span><form method="get" action="/session/end"><button type="submit">Sign out</button></form></div>`
        : `<div class="session" data-testid="idp-session"><span>${url.searchParams.has('signed-out') ? 'You are signed out of the demo Okta: the next tile click asks who you are.' : 'Not signed in: a tile click asks who you are.'}</span></div>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        page(
          'My Apps',
          `<h1>My Apps</h1>${status}<p><small>This page stands in for an Okta end-user dashboard. Click a tile to sign in to that app; to sign in as someone else, sign out here first.</small></p><div class="tiles">${tiles || '<p>No apps assigned.</p>'}</div>`,
        ),
      );
      return true;
    }
    if (url.pathname === '/admin' || url.pathname.startsWith('/admin/')) return admin(req, res, url);
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
    if (!match) return false;
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'consent') {
      // A first-party app: grant what was asked without a consent screen.
      const grant = details.grantId
        ? ((await provider.Grant.find(details.grantId)) ??
          new provider.Grant({
            accountId: String(details.session?.accountId),
            clientId: String(details.params.client_id),
          }))
        : new provider.Grant({
            accountId: String(details.session?.accountId),
            clientId: String(details.params.client_id),
          });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return true;
    }
    if (req.method === 'POST' && match[2]) {
      const form = await readForm(req);
      const user = profileFor(form.get('login') ?? '', users);
      bySub.set(user.sub, user);
      const app = apps.get(String(details.params.client_id));
      if (app?.assigned && !app.assigned.includes(user.login)) {
        // What Okta answers for a person the app is not assigned to.
        await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'User is not assigned to the client application.' },
          { mergeWithLastSubmission: false },
        );
        return true;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.sub } },
        { mergeWithLastSubmission: false },
      );
      return true;
    }
    const action = `/interaction/${match[1]}/login`;
    const buttons = users
      .map(
        (user) =>
          `<form method="post" action="${action}"><input type="hidden" name="login" value="${escapeHtml(user.login)}"><button class="user" type="submit">${escapeHtml(user.name)} <small>${escapeHtml(user.email)}</small></button></form>`,
      )
      .join('');
    const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      page(
        'Sign in',
        `<div class="card"><h1>Sign in to Acme (demo Okta)</h1><p><small>Pick a demo user, or type any username.</small></p>${buttons}
<form method="post" action="${action}"><label for="login">Username</label><input id="login" name="login" autocomplete="username" required value="${escapeHtml(hint.split('@')[0] ?? '')}"><button type="submit">Sign in</button></form></div>`,
      ),
    );
    return true;
  }

  async function createApp(app: DemoApp): Promise<{ clientId: string; clientSecret: string }> {
    const response = await fetch(`http://127.0.0.1:${port}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${registrationToken}` },
      body: JSON.stringify({
        client_name: app.name,
        redirect_uris: [app.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    });
    const registered = (await response.json()) as { client_id?: string; client_secret?: string; error?: string };
    if (!registered.client_id || !registered.client_secret) {
      throw new Error(`demo Okta could not create the app: ${registered.error ?? response.status}`);
    }
    apps.set(registered.client_id, { ...app, clientId: registered.client_id, groupsClaim: app.groupsClaim ?? true });
    return { clientId: registered.client_id, clientSecret: registered.client_secret };
  }

  /** The admin page; a local demo fixture, so its forms carry no CSRF token. */
  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const send = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page('Admin · Applications', body));
    };
    if (req.method === 'POST' && url.pathname === '/admin/apps') {
      const form = await readForm(req);
      const assigned = (form.get('assigned') ?? '')
        .split(/[\s,]+/)
        .map((login) => login.trim())
        .filter(Boolean);
      const created = await createApp({
        name: form.get('name') || 'New app',
        redirectUri: form.get('redirect_uri') ?? '',
        initiateLoginUri: form.get('initiate_login_uri') ?? '',
        groupsClaim: form.get('groups') === 'on',
        ...(assigned.length ? { assigned } : {}),
      }).catch((error: Error) => error);
      if (created instanceof Error) {
        send(
          `<div class="card"><h1>Could not create the app</h1><p>${escapeHtml(created.message)}</p><a class="button" href="/admin">Back</a></div>`,
        );
        return true;
      }
      send(
        `<div class="card"><h1>App integration created</h1><p>Copy these now: the secret is not shown again.</p><p>Client ID<br><code data-testid="client-id">${escapeHtml(created.clientId)}</code></p><p>Client secret<br><code data-testid="client-secret">${escapeHtml(created.clientSecret)}</code></p><p>Issuer<br><code data-testid="issuer">${escapeHtml(issuer)}</code></p><a class="button" href="/admin">Applications</a></div>`,
      );
      return true;
    }
    const toggle = /^\/admin\/apps\/([\w.-]+)\/groups$/.exec(url.pathname);
    if (req.method === 'POST' && toggle?.[1]) {
      const form = await readForm(req);
      setGroupsClaim(toggle[1], form.get('groups') === 'on');
      res.writeHead(303, { location: '/admin' }).end();
      return true;
    }
    if (req.method !== 'GET' || url.pathname !== '/admin') return false;
    const list = [...apps.values()]
      .map(
        (app) =>
          `<div class="app" data-testid="app"><strong>${escapeHtml(app.name)}</strong><br><small>Client ID <code>${escapeHtml(app.clientId)}</code> · sign-in redirect ${escapeHtml(app.redirectUri)}</small>
<form method="post" action="/admin/apps/${escapeHtml(app.clientId)}/groups"><input type="hidden" name="groups" value="${app.groupsClaim ? 'off' : 'on'}"><small>Groups claim: ${app.groupsClaim ? 'on' : 'off'}</small> <button type="submit">${app.groupsClaim ? 'Remove groups claim' : 'Add groups claim'}</button></form></div>`,
      )
      .join('');
    send(`<h1>Applications</h1>${list || '<p>No app integrations yet.</p>'}
<div class="card"><h1>Create App Integration</h1><p><small>OIDC - OpenID Connect · Web Application · Authorization Code · Login initiated by Either Okta or App, Redirect to app to initiate login (OIDC Compliant).</small></p>
<form method="post" action="/admin/apps"><label for="name">App name</label><input id="name" name="name" required>
<label for="redirect_uri">Sign-in redirect URI</label><input id="redirect_uri" name="redirect_uri" type="url" required>
<label for="initiate_login_uri">Initiate login URI</label><input id="initiate_login_uri" name="initiate_login_uri" type="url" required>
<label class="check"><input type="checkbox" name="groups" value="on"> Groups claim (Filter, Matches regex .*)</label>
<label for="assigned">Assignments (logins, comma-separated; empty: everyone)</label><input id="assigned" name="assigned">
<button type="submit">Save</button></form></div>`);
    return true;
  }

  function setGroupsClaim(clientId: string, on: boolean): void {
    const app = apps.get(clientId);
    if (app) apps.set(clientId, { ...app, groupsClaim: on });
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    interactions(req, res)
      .then((handled) => {
        if (!handled) providerListener(req, res);
      })
      .catch(() => {
        if (!res.headersSent)
          res
            .writeHead(400, { 'content-type': 'text/plain' })
            .end('Sign-in session expired. Start again from the app.');
      });
  };
  server.on('request', options.wrap ? options.wrap(listener, () => issuer) : listener);

  return {
    issuer,
    port,
    dashboardUrl: `${issuer}/`,
    adminUrl: `${issuer}/admin`,
    provider,
    users,
    createApp,
    setGroupsClaim,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
