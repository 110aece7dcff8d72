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
 * Given a file (`appsFile`, which `npm start` keeps in `.local-data/`), the
 * apps outlive a restart, as the tenants in the table that use them do.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, {
  type ClientMetadata,
  type Configuration,
  type FindAccount,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { type DemoApp, DemoAppRegistry, registrationOf } from './demo-idp-apps.ts';
import {
  adminBody,
  appCreatedBody,
  appNotCreatedBody,
  dashboardBody,
  errorBody,
  page,
  sendPage,
  signInBody,
  signOutBody,
} from './demo-idp-pages.ts';
import { closeServer, listen } from './listen.ts';

export type { DemoApp } from './demo-idp-apps.ts';

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
  /** Keep the admin page's apps in this JSON file (0600), read back at start; undefined: in memory only. */
  readonly appsFile?: string;
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

/** Who signs in here: the listed users, and anyone else typed in at the sign-in page, remembered by sub. */
class Accounts {
  readonly users: readonly DemoUser[];
  readonly #typedIn = new Map<string, DemoUser>();

  constructor(users: readonly DemoUser[]) {
    this.users = users;
  }

  /** The profile of a login (a listed user, or one made up from what was typed), remembered for its tokens. */
  signIn(login: string): DemoUser {
    const user = profileFor(login, this.users);
    this.#typedIn.set(user.sub, user);
    return user;
  }

  find(sub: string | undefined): DemoUser | undefined {
    return sub ? (this.#typedIn.get(sub) ?? this.users.find((candidate) => candidate.sub === sub)) : undefined;
  }
}

/** What the request handlers share: the running provider and its state. */
interface Idp {
  readonly issuer: string;
  readonly port: number;
  readonly provider: Provider;
  readonly accounts: Accounts;
  readonly apps: DemoAppRegistry;
  readonly tiles: readonly DemoTile[];
  /** Only this server registers clients (the admin page): Dynamic Client Registration needs this token. */
  readonly registrationToken: string;
}

/** A login the demo Okta does not list, as it signs it in: letters, digits and `._-`, at most 40. */
function cleanLogin(login: string): string {
  return (
    login
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '')
      .slice(0, 40) || 'user'
  );
}

/** The `sub` the demo Okta gives a login it does not list: Okta-shaped (`00u` + 17), the same every start. */
export function demoSubOf(login: string): string {
  return `00u${Buffer.from(cleanLogin(login)).toString('hex').slice(0, 17).padEnd(17, '0')}`;
}

function profileFor(login: string, users: readonly DemoUser[]): DemoUser {
  const known = users.find((user) => user.login === login);
  if (known) return known;
  const clean = cleanLogin(login);
  const sub = demoSubOf(login);
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
  // Read first: a bad apps file stops the start before anything listens.
  const apps = new DemoAppRegistry(options.appsFile);
  const accounts = new Accounts(options.users ?? DEMO_USERS);
  const server = createServer();
  const port = await listen(server, options.port, options.host);
  const issuer = `http://localhost:${port}`;
  const registrationToken = randomBytes(24).toString('base64url');
  const configuration = await providerConfiguration({ clients: options.clients, apps, accounts, registrationToken });
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  const idp: Idp = { issuer, port, provider, accounts, apps, tiles: options.tiles ?? [], registrationToken };
  const listener = requestListener(idp, provider.callback());
  server.on('request', options.wrap ? options.wrap(listener, () => issuer) : listener);
  return {
    issuer,
    port,
    dashboardUrl: `${issuer}/`,
    adminUrl: `${issuer}/admin`,
    provider,
    users: accounts.users,
    createApp: (app) => createApp(idp, app),
    setGroupsClaim: (clientId, on) => apps.setGroupsClaim(clientId, on),
    stop: () => closeServer(server),
  };
}

/** oidc-provider's settings: Okta's code flow with PKCE, its claims and "fat" ID token, its sign-out. */
async function providerConfiguration(options: {
  readonly clients: readonly DemoClient[];
  readonly apps: DemoAppRegistry;
  readonly accounts: Accounts;
  readonly registrationToken: string;
}): Promise<Configuration> {
  const staticClients = options.clients.map(
    (client): ClientMetadata => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: [...client.redirectUris],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
    }),
  );
  return {
    // Apps made on the admin page before a restart come back as static clients.
    clients: [...staticClients, ...options.apps.staticClients()],
    jwks: { keys: [await newSigningKey()] },
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
      registration: { enabled: true, initialAccessToken: options.registrationToken },
      rpInitiatedLogout: signOut(options.accounts),
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    findAccount: findAccount(options.accounts, options.apps),
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', errorBody(String(out.error), String(out.error_description ?? '')));
    },
  };
}

async function newSigningKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: `demo-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

/** Sign-out through oidc-provider's own end-session flow, with a page that says who signs out. */
function signOut(accounts: Accounts) {
  return {
    enabled: true,
    logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
      const user = accounts.find(ctx.oidc.session?.accountId);
      ctx.type = 'html';
      ctx.body = page('Sign out', signOutBody(user?.name ?? 'someone', form));
    },
    // No client asked for a page after sign-out: back to the dashboard, which says it.
    postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
      ctx.status = 303;
      ctx.redirect('/?signed-out');
    },
  };
}

/** The claims of a user; `groups` only for apps whose groups claim is on (Okta's groups claim filter). */
function findAccount(accounts: Accounts, apps: DemoAppRegistry): FindAccount {
  return async (ctx, sub) => {
    const user = accounts.find(sub);
    if (!user) return undefined;
    const clientId = ctx.oidc?.client?.clientId;
    const groups = clientId ? (apps.get(clientId)?.groupsClaim ?? true) : true;
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
  };
}

/** The demo's own pages first (dashboard, admin, sign-in); everything else is oidc-provider's. */
function requestListener(idp: Idp, providerListener: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    route(idp, req, res)
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
}

async function route(idp: Idp, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', idp.issuer);
  if (req.method === 'GET' && url.pathname === '/') {
    await dashboard(idp, req, res, url);
    return true;
  }
  if (url.pathname === '/admin' || url.pathname.startsWith('/admin/')) return admin(idp, req, res, url);
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
  if (!match) return false;
  await interaction(idp, req, res, { uid: match[1] ?? '', loginPost: req.method === 'POST' && Boolean(match[2]) });
  return true;
}

async function dashboard(idp: Idp, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const appTiles = idp.apps.list().map((app) => ({ label: app.name, initiateLoginUri: app.initiateLoginUri }));
  // Who is signed in here, from oidc-provider's own session cookie.
  const session = await idp.provider.Session.get(idp.provider.createContext(req, res));
  const body = dashboardBody({
    issuer: idp.issuer,
    tiles: [...idp.tiles, ...appTiles],
    user: idp.accounts.find(session.accountId),
    signedOut: url.searchParams.has('signed-out'),
  });
  sendPage(res, 'My Apps', body);
}

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

async function interaction(
  idp: Idp,
  req: IncomingMessage,
  res: ServerResponse,
  at: { readonly uid: string; readonly loginPost: boolean },
): Promise<void> {
  const details = await idp.provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') {
    await grantConsent(idp.provider, req, res, details);
    return;
  }
  if (at.loginPost) {
    await finishLogin(idp, req, res, details);
    return;
  }
  const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
  sendPage(res, 'Sign in', signInBody(`/interaction/${at.uid}/login`, idp.accounts.users, hint));
}

/** A first-party app: grant what was asked without a consent screen. */
async function grantConsent(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
): Promise<void> {
  const newGrant = () =>
    new provider.Grant({ accountId: String(details.session?.accountId), clientId: String(details.params.client_id) });
  const grant = details.grantId ? ((await provider.Grant.find(details.grantId)) ?? newGrant()) : newGrant();
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** The sign-in form's answer: that user, unless the app is assigned to others only. */
async function finishLogin(
  idp: Idp,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
): Promise<void> {
  const form = await readForm(req);
  const user = idp.accounts.signIn(form.get('login') ?? '');
  const app = idp.apps.get(String(details.params.client_id));
  const result =
    app?.assigned && !app.assigned.includes(user.login)
      ? // What Okta answers for a person the app is not assigned to.
        { error: 'access_denied', error_description: 'User is not assigned to the client application.' }
      : { login: { accountId: user.sub } };
  await idp.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function createApp(idp: Idp, app: DemoApp): Promise<{ clientId: string; clientSecret: string }> {
  const response = await fetch(`http://127.0.0.1:${idp.port}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${idp.registrationToken}` },
    body: JSON.stringify(registrationOf(app)),
  });
  const registered = (await response.json()) as { client_id?: string; client_secret?: string; error?: string };
  if (!registered.client_id || !registered.client_secret) {
    throw new Error(`demo Okta could not create the app: ${registered.error ?? response.status}`);
  }
  const created = { clientId: registered.client_id, clientSecret: registered.client_secret };
  idp.apps.add({ ...app, ...created, groupsClaim: app.groupsClaim ?? true });
  return created;
}

/** The admin page; a local demo fixture, so its forms carry no CSRF token. */
async function admin(idp: Idp, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (req.method === 'POST' && url.pathname === '/admin/apps') {
    const created = await createApp(idp, appFromForm(await readForm(req))).catch((error: Error) => error);
    const body = created instanceof Error ? appNotCreatedBody(created.message) : appCreatedBody(created, idp.issuer);
    sendPage(res, 'Admin · Applications', body);
    return true;
  }
  const toggle = /^\/admin\/apps\/([\w.-]+)\/groups$/.exec(url.pathname);
  if (req.method === 'POST' && toggle?.[1]) {
    const form = await readForm(req);
    idp.apps.setGroupsClaim(toggle[1], form.get('groups') === 'on');
    res.writeHead(303, { location: '/admin' }).end();
    return true;
  }
  if (req.method !== 'GET' || url.pathname !== '/admin') return false;
  sendPage(res, 'Admin · Applications', adminBody(idp.apps.list()));
  return true;
}

/** "Create App Integration" as the admin filled it in. */
function appFromForm(form: URLSearchParams): DemoApp {
  const assigned = (form.get('assigned') ?? '')
    .split(/[\s,]+/)
    .map((login) => login.trim())
    .filter(Boolean);
  return {
    name: form.get('name') || 'New app',
    redirectUri: form.get('redirect_uri') ?? '',
    initiateLoginUri: form.get('initiate_login_uri') ?? '',
    groupsClaim: form.get('groups') === 'on',
    ...(assigned.length ? { assigned } : {}),
  };
}
