/**
 * The one way tests sign someone in: a tile click (GET initiate-login with
 * `iss`, as Okta's dashboard sends it), the identity provider's sign-in form,
 * our callback, and the session cookie it sets. Every end-to-end file logs in
 * through here, stopping where its test needs to look; the browser tests
 * through `completeLoginInChromium`, the same steps clicked in a real page.
 */
import type { Page } from 'playwright-core';
import { type Hop, signInForm, TestBrowser } from '../../local/http-browser.ts';
import { deriveStateKey } from '../../shared/adapters/state-key.ts';
import { loginStateCookieName, sealLoginState } from '../../shared/login-state.ts';

/** A tenant of a running service, as its tile names it. */
export interface LoginTarget {
  /** The service's base URL. */
  readonly serviceUrl: string;
  readonly tenant: string;
  /** The tenant's issuer, sent as `iss`; the sign-in form is at this identity provider. */
  readonly issuer: string;
}

export interface LoginOptions {
  /** Who signs in at the identity provider. @default 'ada' */
  readonly login?: string;
  /** A browser with its cookies (e.g. a session to replace); a new one by default. */
  readonly browser?: TestBrowser;
  /** Appended to the initiate-login URL, e.g. `target_link_uri=…`. */
  readonly query?: string;
  /** Where the login starts instead of the tile's URL, e.g. the setup page's test sign-in redirect. */
  readonly startUrl?: string;
  /** Posts this form to the start URL instead of a GET (OpenID Connect Core §4 allows both). */
  readonly startBody?: string;
  /**
   * Where the browser stops: `landing` follows our callback's redirect to the
   * landing page; `callback` stops after our callback's answer (the landing
   * page is the app's, not ours); `before-callback` never opens the callback,
   * so its URL (Okta's code, our state) can be replayed or tampered with.
   * @default 'landing'
   */
  readonly until?: 'landing' | 'callback' | 'before-callback';
  /** Redirects followed per navigation (a refused code retried at the token endpoint takes more). */
  readonly maxHops?: number;
}

export interface CompletedLogin {
  readonly browser: TestBrowser;
  /** Every hop, ours and the identity provider's, in order. */
  readonly hops: Hop[];
  /** The authorize URL our service sent the browser to. */
  readonly authorizeUrl: string | undefined;
  /** The identity provider's sign-in page, whose form was sent (none with a live session there). */
  readonly signInPage: Hop | undefined;
  /** Our callback's answer (the first, when a retry sent the browser back more than once). */
  readonly callback: Hop | undefined;
  /** All our callback's answers, in order. */
  readonly callbacks: Hop[];
  /** The callback URL with Okta's code and our state: with `until: 'before-callback'`, never opened. */
  readonly callbackUrl: string | undefined;
}

/** The initiate-login URL Okta's tile opens for `target`. */
export function tileUrl(target: LoginTarget, query?: string): string {
  const iss = `iss=${encodeURIComponent(target.issuer)}`;
  return `${target.serviceUrl}/t/${target.tenant}/login?${query ? `${iss}&${query}` : iss}`;
}

/** Clicks the tile for `target`, signs in at its identity provider and follows the answers as far as `until`. */
export async function completeLogin(target: LoginTarget, options: LoginOptions = {}): Promise<CompletedLogin> {
  const browser = options.browser ?? new TestBrowser();
  const callbackPrefix = `${target.serviceUrl}/t/${target.tenant}/callback`;
  const atCallback = (url: string) => url.startsWith(callbackPrefix);
  const navigation = {
    stopBefore: stopRule(target, options.until ?? 'landing', atCallback),
    ...(options.maxHops ? { maxHops: options.maxHops } : {}),
  };
  const start = options.startBody === undefined ? {} : { method: 'POST', body: options.startBody };
  const hops = await browser.navigate(options.startUrl ?? tileUrl(target, options.query), { ...navigation, ...start });
  const last = hops.at(-1);
  // With a live session at the identity provider no sign-in page is shown: the browser is already back.
  const signInPage = last?.status === 200 && !hops.some((hop) => atCallback(hop.url)) ? last : undefined;
  if (signInPage) {
    const form = signInForm(signInPage, options.login ?? 'ada');
    hops.push(...(await browser.navigate(form.action, { method: 'POST', body: form.body, ...navigation })));
  }
  const callbacks = hops.filter((hop) => atCallback(hop.url));
  return {
    browser,
    hops,
    authorizeUrl: hops[0]?.location,
    signInPage,
    callback: callbacks[0],
    callbacks,
    callbackUrl: callbacks[0]?.url ?? hops.map((hop) => hop.location).find((url) => url && atCallback(url)),
  };
}

/** Which next URL the browser must not open, for each place a login may stop. */
function stopRule(
  target: LoginTarget,
  until: NonNullable<LoginOptions['until']>,
  atCallback: (url: string) => boolean,
): ((next: string) => boolean) | undefined {
  if (until === 'before-callback') return atCallback;
  if (until === 'landing') return undefined;
  // After our callback: anything that is neither the identity provider nor this tenant's pages is the landing page.
  return (next) => !next.startsWith(target.issuer) && !next.includes(`/t/${target.tenant}/`);
}

export interface MeAnswer {
  readonly status: number;
  /** The answer when 200. */
  // biome-ignore lint/suspicious/noExplicitAny: /me answers JSON that tests read freely
  readonly body: any;
  /** Its `user` when 200. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  readonly user: any;
}

/** `GET /me` as the app's script calls it: who the browser's session says is signed in. */
export async function meOf(serviceUrl: string, browser: TestBrowser): Promise<MeAnswer> {
  const hop = await browser.request(`${serviceUrl}/me`, { headers: { accept: 'application/json' } });
  const body = hop.status === 200 ? JSON.parse(hop.body) : undefined;
  return { status: hop.status, body, user: body?.user };
}

/**
 * The same login in Chromium, against the demo Okta: clicks the tile on the
 * dashboard the page shows (or opens `startUrl`, a login started at the app),
 * picks `user` on the sign-in page, and waits for the landing on `appUrl`.
 * `onSignInPage` runs while the sign-in page is shown (e.g. a screenshot).
 */
export async function completeLoginInChromium(
  page: Page,
  stack: { readonly appUrl: string | undefined },
  user: RegExp,
  options: { startUrl?: string; onSignInPage?: () => Promise<void> } = {},
): Promise<void> {
  if (options.startUrl) await page.goto(options.startUrl);
  else await page.click('a.tile');
  await page.waitForURL(/\/interaction\//);
  await options.onSignInPage?.();
  await page.getByRole('button', { name: user }).click();
  await page.waitForURL(stack.appUrl ?? '');
}

/**
 * `name=value` of a login-state cookie as the running service seals it (with
 * its STATE_KEY) for a login of `tenantId` that expired a second ago: a user
 * come back to a callback after the state's lifetime.
 */
export async function expiredLoginState(tenantId: string, stateId: string): Promise<string> {
  const sealed = await sealLoginState(
    {
      stateId,
      tenantId,
      nonce: 'n',
      codeVerifier: 'v'.repeat(43),
      target: undefined,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    },
    deriveStateKey(process.env.STATE_KEY ?? ''),
  );
  return `${loginStateCookieName(stateId)}=${sealed}`;
}
