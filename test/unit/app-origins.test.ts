/**
 * The one origin validator (APP_URL, APP_ORIGINS, ALLOWED_REDIRECT_ORIGINS,
 * `--allowed-redirect-origin`), where users land after login, and the CORS
 * comparison: pure rules, no I/O.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../shared/config.ts';
import { allowedOrigin, corsHeaders, preflightResponse, withCors } from '../../shared/http/cors.ts';
import { parseAppUrl, parseExactOrigin } from '../../shared/http/origins.ts';
import { json } from '../../shared/http/responses.ts';
import { landingLocation, redirectOrigins, SIGNED_IN_PATH } from '../../shared/redirect-target.ts';
import { buildTenantConfig } from '../../shared/tenants.ts';

const strict = { what: 'APP_ORIGINS', allowHttpLoopback: false };
const local = { what: 'APP_ORIGINS', allowHttpLoopback: true };

describe('Function: parseExactOrigin', () => {
  it.each([
    ['https://app.example.com', 'https://app.example.com'],
    ['https://App.Example.COM', 'https://app.example.com'],
    ['https://app.example.com/', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['https://app.example.com:8443', 'https://app.example.com:8443'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
    ['https://203.0.113.9', 'https://203.0.113.9'],
  ])('accepts %s as %s', (value, origin) => {
    expect(parseExactOrigin(value, strict)).toBe(origin);
  });

  it.each([
    ['http://localhost:3002', 'http://localhost:3002'],
    ['http://127.0.0.1:5173/', 'http://127.0.0.1:5173'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
  ])('accepts the loopback %s only in local mode', (value, origin) => {
    expect(parseExactOrigin(value, local)).toBe(origin);
    expect(() => parseExactOrigin(value, strict)).toThrow(/use https \(plain http is only for the local stack\)/);
  });

  it.each([
    ['null', 'null', /"null" is the origin of sandboxed/],
    ['NULL', 'NULL', /"null"/],
    ['a wildcard', '*', /write the scheme and host/],
    ['a wildcard host', 'https://*.example.com', /wildcards are not allowed/],
    ['a wildcard label', 'https://app*.example.com', /wildcards are not allowed/],
    ['a leading-dot suffix', 'https://.example.com', /without a leading or trailing dot \(suffixes are not allowed\)/],
    ['a trailing dot', 'https://app.example.com.', /leading or trailing dot/],
    ['an empty label', 'https://app..example.com', /leading or trailing dot/],
    ['an encoded leading dot', 'https://%2e.example.com', /leading or trailing dot/],
    ['a path', 'https://app.example.com/app', /remove the path, query and fragment/],
    ['a double slash', 'https://app.example.com//', /remove the path/],
    ['a query', 'https://app.example.com?x=1', /remove the path/],
    ['an empty query', 'https://app.example.com/?', /remove the path/],
    ['a fragment', 'https://app.example.com#top', /remove the path/],
    ['user info', 'https://user:pw@app.example.com', /remove the user name and password/],
    ['an empty user info', 'https://@app.example.com', /remove the user name and password/],
    ['plain http to a public host', 'http://app.example.com', /use https \(plain http only for localhost/],
    ['another scheme', 'ftp://app.example.com', /use https/],
    ['a javascript URL', 'javascript://app.example.com', /use https/],
    ['no scheme', 'app.example.com', /write the scheme and host/],
    ['a scheme-relative URL', '//app.example.com', /write the scheme and host/],
    ['no slashes', 'https:app.example.com', /write the scheme and host/],
    ['no host', 'https://', /not a URL with a host/],
    ['a space', 'https://app.example.com ', /remove the path|write the scheme/],
    ['a backslash', 'https://app.example.com\\evil.test', /remove the path|write the scheme/],
  ])('refuses %s (%s), naming the setting and the value', (_name, value, why) => {
    let message = '';
    try {
      parseExactOrigin(value, local);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toContain('APP_ORIGINS must be an exact origin like https://app.example.com');
    expect(message).toContain(`got "${value}"`);
    expect(message).toMatch(why);
  });
});

describe('Function: parseAppUrl', () => {
  it.each([
    ['https://app.example.com', 'https://app.example.com/'],
    ['https://app.example.com/home', 'https://app.example.com/home'],
    ['https://APP.example.com:443/a/b/', 'https://app.example.com/a/b/'],
  ])('accepts %s', (value, href) => {
    expect(parseAppUrl(value, { allowHttpLoopback: false }).href).toBe(href);
  });

  it('accepts http only for loopback hosts in local mode', () => {
    expect(parseAppUrl('http://localhost:3002/', { allowHttpLoopback: true }).origin).toBe('http://localhost:3002');
    expect(() => parseAppUrl('http://localhost:3002/', { allowHttpLoopback: false })).toThrow(/APP_URL.*use https/);
    expect(() => parseAppUrl('http://app.example.com/', { allowHttpLoopback: true })).toThrow(/use https/);
  });

  it.each([
    ['a query', 'https://app.example.com/home?x=1', /remove the query and fragment/],
    ['a fragment', 'https://app.example.com/#top', /remove the query and fragment/],
    ['user info', 'https://me@app.example.com/', /remove the user name/],
    ['a wildcard', 'https://*.example.com/', /wildcards/],
    ['a trailing dot', 'https://app.example.com./', /trailing dot/],
    ['a path alone', '/home', /write the scheme, host and path/],
    ['null', 'null', /write the scheme/],
  ])('refuses %s', (_name, value, why) => {
    expect(() => parseAppUrl(value, { allowHttpLoopback: true })).toThrow(why);
    expect(() => parseAppUrl(value, { allowHttpLoopback: true })).toThrow(`got "${value}"`);
  });
});

describe('Function: readConfig (app and redirect origins)', () => {
  it('derives the app origins from APP_URL and APP_ORIGINS, normalised and without repeats', () => {
    const config = readConfig({
      TABLE_NAME: 't',
      APP_URL: 'https://App.example.com/home',
      APP_ORIGINS: 'https://app.example.com, https://admin.example.com/',
    });
    expect(config.appUrl).toBe('https://app.example.com/home');
    expect(config.appOrigins).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(config.defaultRedirectPath).toBeUndefined();
  });

  it.each([
    ['APP_URL', { APP_URL: 'https://app.example.com/?next=1' }, /APP_URL/],
    ['APP_ORIGINS', { APP_ORIGINS: 'https://*.example.com' }, /APP_ORIGINS must be an exact origin/],
    ['ALLOWED_REDIRECT_ORIGINS', { ALLOWED_REDIRECT_ORIGINS: 'http://app.example.com' }, /ALLOWED_REDIRECT_ORIGINS/],
    ['ALLOWED_REDIRECT_ORIGINS', { ALLOWED_REDIRECT_ORIGINS: 'null' }, /"null"/],
    ['APP_URL on http outside local mode', { APP_URL: 'http://localhost:3002/' }, /APP_URL.*use https/],
  ])('refuses a bad %s at cold start', (_name, env, message) => {
    expect(() => readConfig({ TABLE_NAME: 't', ...env })).toThrow(message);
  });

  it('accepts loopback http only with ALLOW_LOOPBACK_ISSUERS (the local stack)', () => {
    const config = readConfig({ TABLE_NAME: 't', ALLOW_LOOPBACK_ISSUERS: 'true', APP_URL: 'http://localhost:3002/' });
    expect(config.appOrigins).toEqual(['http://localhost:3002']);
  });
});

describe('Function: buildTenantConfig (--allowed-redirect-origin)', () => {
  const input = (origins: string[]) => ({
    tenantId: 'acme',
    issuer: 'https://acme.okta.com/oauth2/default',
    clientId: '0oa1',
    allowedRedirectOrigins: origins,
  });

  it.each([
    'null',
    '*',
    'https://*.acme.example',
    'https://.acme.example',
    'https://app.acme.example/path',
    'http://app.acme.example',
    'https://app.acme.example.',
  ])('refuses %s with the option name', (origin) => {
    expect(() => buildTenantConfig(input([origin]), { allowLoopback: false, now: new Date() })).toThrow(
      `--allowed-redirect-origin must be an exact origin like https://app.example.com (scheme, host and optional port; nothing after it), got "${origin}"`,
    );
  });

  it('normalises what it accepts; loopback http only in local mode', () => {
    const config = buildTenantConfig(input(['https://App.acme.example/', 'https://app.acme.example']), {
      allowLoopback: false,
      now: new Date(),
    });
    expect(config.allowedRedirectOrigins).toEqual(['https://app.acme.example']);
    expect(() =>
      buildTenantConfig(input(['http://localhost:5173']), { allowLoopback: false, now: new Date() }),
    ).toThrow(/plain http is only for the local stack/);
    expect(
      buildTenantConfig(input(['http://localhost:5173']), { allowLoopback: true, now: new Date() })
        .allowedRedirectOrigins,
    ).toEqual(['http://localhost:5173']);
  });
});

describe('Function: landingLocation', () => {
  const policy = {
    publicOrigin: 'https://login.example.com',
    allowedOrigins: redirectOrigins(
      { allowedRedirectOrigins: [], appOrigins: ['https://app.example.com'] },
      { allowedRedirectOrigins: ['https://acme.example'] },
    ),
  };
  const all = {
    target: 'https://acme.example/projects/7',
    tenantDefault: '/tenant-home',
    appUrl: 'https://app.example.com/home',
    defaultRedirectPath: '/dashboard',
  };

  it('takes target_link_uri, then the tenant default, then APP_URL, then DEFAULT_REDIRECT_PATH, then the built-in page', () => {
    expect(landingLocation(all, policy)).toBe('https://acme.example/projects/7');
    expect(landingLocation({ ...all, target: undefined }, policy)).toBe('/tenant-home');
    expect(landingLocation({ ...all, target: undefined, tenantDefault: undefined }, policy)).toBe(
      'https://app.example.com/home',
    );
    expect(landingLocation({ ...all, target: undefined, tenantDefault: undefined, appUrl: undefined }, policy)).toBe(
      '/dashboard',
    );
    expect(
      landingLocation(
        { target: undefined, tenantDefault: undefined, appUrl: undefined, defaultRedirectPath: undefined },
        policy,
      ),
    ).toBe(SIGNED_IN_PATH);
  });

  it('skips a choice that does not pass the final rule instead of following it', () => {
    const unsafe = {
      target: 'https://evil.example/',
      tenantDefault: 'https://other-tenant.example/',
      appUrl: undefined,
      defaultRedirectPath: undefined,
    };
    expect(landingLocation(unsafe, policy)).toBe(SIGNED_IN_PATH);
    // APP_URL's origin is an allowed redirect origin by being the app's.
    expect(landingLocation({ ...unsafe, appUrl: 'https://app.example.com/' }, policy)).toBe('https://app.example.com/');
  });
});

function event(headers: Record<string, string>): APIGatewayProxyEventV2 {
  return { headers } as unknown as APIGatewayProxyEventV2;
}

describe('CORS comparison (shared/http/cors.ts)', () => {
  const allowed = ['https://app.example.com', 'http://localhost:3002'];

  it('allows only an exact, byte-for-byte origin', () => {
    expect(allowedOrigin('https://app.example.com', allowed)).toBe('https://app.example.com');
    for (const lookalike of [
      'https://app.example.com.evil.test',
      'https://evil-app.example.com',
      'http://app.example.com',
      'https://app.example.com:8443',
      'https://app.example.com.',
      'https://APP.example.com',
      'https://app.example.com/',
      'null',
      '',
    ]) {
      expect(allowedOrigin(lookalike, allowed), lookalike).toBeUndefined();
    }
    expect(allowedOrigin('null', ['null'])).toBeUndefined();
    expect(allowedOrigin(undefined, allowed)).toBeUndefined();
  });

  it('always adds Vary: Origin, and credentials only with an allowed origin', () => {
    expect(corsHeaders(undefined)).toEqual({ vary: 'Origin' });
    expect(corsHeaders('https://app.example.com')).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
    });
    const response = json(200, {});
    response.headers.vary = 'Accept';
    expect(withCors(response, undefined).headers.vary).toBe('Accept, Origin');
  });

  it('answers a preflight only for an allowed origin and method', () => {
    const ok = preflightResponse(
      event({ origin: 'https://app.example.com', 'access-control-request-method': 'POST' }),
      { allowedOrigins: allowed, methods: ['POST'] },
    );
    expect(ok.statusCode).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    for (const headers of [
      { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      { origin: 'https://app.example.com', 'access-control-request-method': 'DELETE' },
      { origin: 'null', 'access-control-request-method': 'POST' },
    ]) {
      const refused = preflightResponse(event(headers), { allowedOrigins: allowed, methods: ['POST'] });
      expect(refused.statusCode).toBe(204);
      expect(refused.headers).not.toHaveProperty('access-control-allow-origin');
      expect(refused.headers.vary).toBe('Origin');
    }
  });
});
