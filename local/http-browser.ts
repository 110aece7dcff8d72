/**
 * A minimal browser for end-to-end tests: real HTTP with fetch, a cookie jar
 * that behaves like a browser's (tough-cookie: host-only, Secure allowed on
 * localhost, SameSite honoured for top-level navigations), and redirects
 * followed one hop at a time so tests can stop and look at any hop.
 */
import { CookieJar } from 'tough-cookie';

export interface Hop {
  readonly url: string;
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
  readonly headers: Headers;
}

export class TestBrowser {
  readonly jar = new CookieJar(undefined, { allowSecureOnLocal: true });

  async request(
    url: string,
    init: {
      method?: string;
      body?: string;
      headers?: Record<string, string>;
      sameSiteContext?: 'strict' | 'lax' | 'none';
    } = {},
  ): Promise<Hop> {
    const cookie = await this.jar.getCookieString(url, { sameSiteContext: init.sameSiteContext ?? 'lax' });
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html,application/xhtml+xml',
        ...(cookie ? { cookie } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    for (const setCookie of response.headers.getSetCookie()) {
      await this.jar.setCookie(setCookie, url, { ignoreError: true });
    }
    const location = response.headers.get('location') ?? undefined;
    return {
      url,
      status: response.status,
      location: location ? new URL(location, url).toString() : undefined,
      body: await response.text(),
      headers: response.headers,
    };
  }

  /** Follows redirects from `url` until a non-redirect answer or `stopBefore` matches the next URL. */
  async navigate(
    url: string,
    options: { method?: string; body?: string; stopBefore?: (next: string) => boolean; maxHops?: number } = {},
  ): Promise<Hop[]> {
    const hops: Hop[] = [];
    let next: string | undefined = url;
    let method = options.method ?? 'GET';
    let body = options.body;
    while (next && hops.length < (options.maxHops ?? 15)) {
      const hop = await this.request(next, { method, ...(body !== undefined ? { body } : {}) });
      hops.push(hop);
      if (hop.status < 300 || hop.status >= 400 || !hop.location) break;
      next = hop.location;
      method = 'GET';
      body = undefined;
      if (options.stopBefore?.(next)) break;
    }
    return hops;
  }

  async cookieValue(url: string, name: string): Promise<string | undefined> {
    const cookies = await this.jar.getCookies(url);
    return cookies.find((cookie) => cookie.key === name)?.value;
  }
}

/** The synchronizer token in a setup page's forms ('' when the page has none). */
export function setupCsrfOf(page: Hop): string {
  return /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
}

/**
 * The one-time nonce of the setup page's form that posts to `form` (`check`,
 * `activate`, `actions/<id>`): each form has its own, used up by its first post.
 */
export function setupNonceOf(page: { readonly body?: string | undefined }, form: string): string {
  const body = page.body ?? '';
  const start = body.search(new RegExp(`action="[^"]*/setup/${form}(#[^"]*)?"`));
  const field = start < 0 ? null : /name="nonce" value="([\w-]+)"/.exec(body.slice(start));
  return field?.[1] ?? '';
}

/** Submits the identity provider's sign-in form on `page` as `login`. */
export function signInForm(page: Hop, login: string): { action: string; body: string } {
  const action = /<form[^>]*action="([^"]+)"/i.exec(page.body)?.[1];
  if (!action) throw new Error(`no sign-in form on ${page.url} (status ${page.status})`);
  return {
    action: new URL(action.replaceAll('&amp;', '&'), page.url).toString(),
    body: new URLSearchParams({ login }).toString(),
  };
}

export interface TileLoginResult {
  readonly hops: Hop[];
  /** The hop that answered our callback. */
  readonly callback: Hop | undefined;
  /** The authorize URL our service sent the browser to. */
  readonly authorizeUrl: string | undefined;
}

/**
 * Clicks the tile (GET initiate-login with iss), signs in at the identity
 * provider as `login`, and follows everything back to our callback and on
 * to the landing page.
 */
export async function tileLogin(
  browser: TestBrowser,
  options: {
    serviceUrl: string;
    tenant: string;
    issuer: string;
    login: string;
    query?: string;
    /** Stop after our callback's answer instead of following it to the landing page. */
    stopAfterCallback?: boolean;
  },
): Promise<TileLoginResult> {
  const start = `${options.serviceUrl}/t/${options.tenant}/login?iss=${encodeURIComponent(options.issuer)}${options.query ? `&${options.query}` : ''}`;
  const afterCallback = (next: string) =>
    Boolean(options.stopAfterCallback) && !next.startsWith(options.issuer) && !next.includes(`/t/${options.tenant}/`);
  const toIdp = await browser.navigate(start, { stopBefore: afterCallback });
  const authorizeUrl = toIdp[0]?.location;
  const isCallback = (hop: Hop) => hop.url.startsWith(`${options.serviceUrl}/t/${options.tenant}/callback`);
  const page = toIdp.at(-1);
  // With a live session at the identity provider, no sign-in page is shown: we are already back.
  if (page?.status !== 200 || toIdp.some(isCallback)) {
    return { hops: toIdp, callback: toIdp.find(isCallback), authorizeUrl };
  }
  const form = signInForm(page, options.login);
  const back = await browser.navigate(form.action, { method: 'POST', body: form.body, stopBefore: afterCallback });
  const hops = [...toIdp, ...back];
  const callback = hops.find(isCallback);
  return { hops, callback, authorizeUrl };
}

/** What an answer's CORS headers let a page's script read. */
export function corsOf(hop: Hop) {
  return {
    allowOrigin: hop.headers.get('access-control-allow-origin'),
    allowCredentials: hop.headers.get('access-control-allow-credentials'),
    vary: hop.headers.get('vary'),
  };
}

/** `corsOf` an answer a script on `origin` may read, with the session's cookie. */
export const corsAllowed = (origin: string) => ({ allowOrigin: origin, allowCredentials: 'true', vary: 'Origin' });

/** `corsOf` an answer no other origin may read (and caches keep apart per Origin). */
export const CORS_REFUSED = { allowOrigin: null, allowCredentials: null, vary: 'Origin' };
