import { describe, expect, it } from 'vitest';
import { readConfig } from '../../shared/config.ts';
import {
  continueAfterSignOut,
  defaultRedirectPathProblem,
  isSafeLocation,
  resolveRedirectTarget,
  signOutRedirectUri,
} from '../../shared/redirect-target.ts';

const options = { publicOrigin: 'https://login.example.com', allowedOrigins: ['https://app.example.com'] };

/** What a browser does with a Location header: resolve it against the page it came from. */
const browserLandsOn = (location: string) => new URL(location, `${options.publicOrigin}/t/acme/callback`).origin;

describe('Function: resolveRedirectTarget', () => {
  it.each([
    ['/dashboard?tab=1#top', '/dashboard?tab=1#top'],
    ['/', '/'],
    ['/a/../b', '/b'],
    ['/./app', '/app'],
    ['https://login.example.com/app', '/app'],
    ['https://app.example.com/projects/7', 'https://app.example.com/projects/7'],
    ['https://APP.example.com:443/x', 'https://app.example.com/x'],
    ['/app/%2Fdocs', '/app/%2Fdocs'],
  ])('keeps %s', (raw, expected) => {
    expect(resolveRedirectTarget(raw, options)).toBe(expected);
  });

  // The open-redirect family: each looks like a path or an allowed URL but can land elsewhere.
  it.each([
    ['an absolute foreign URL', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example/path'],
    ['a dot segment before a double slash', '/.//evil.example/x'],
    ['two dot segments before a double slash', '/././/evil.example'],
    ['a parent segment before a double slash', '/a/..//evil.example'],
    ['a parent segment above the root', '/..//evil.example'],
    ['an encoded dot segment', '/%2e//evil.example'],
    ['an encoded parent segment', '/%2e%2e//evil.example'],
    ['a mixed-case encoded dot', '/%2E//evil.example'],
    ['encoded slashes', '/%2F%2Fevil.example'],
    ['an encoded slash after a slash', '/%2Fevil.example'],
    ['doubly encoded slashes', '/%252F%252Fevil.example'],
    ['an encoded backslash', '/%5Cevil.example'],
    ['a doubly encoded backslash', '/%255Cevil.example'],
    ['an encoded tab between slashes', '/%09/evil.example'],
    ['a backslash trick', '/\\evil.example'],
    ['backslashes as slashes', '\\\\evil.example'],
    ['a dot segment then a backslash', '/.\\/evil.example'],
    ['a tab inside', '/\t/evil.example'],
    ['a newline inside', '/\n/evil.example'],
    ['a carriage return inside', '/\r/evil.example'],
    ['a NUL inside', '/\u0000/evil.example'],
    ['a C1 control inside', '/\u0085/evil.example'],
    ['leading whitespace', ' https://evil.example'],
    ['a same-origin URL with a double-slash path', 'https://login.example.com/.//evil.example'],
    ['javascript:', 'javascript:alert(1)'],
    ['JaVaScRiPt: with a tab', 'java\tscript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['credentials in the URL', 'https://app.example.com@evil.example/'],
    ['userinfo on an allowed origin', 'https://user:pw@app.example.com/'],
    ['a lookalike origin', 'https://app.example.com.evil.example/'],
    ['another port', 'https://app.example.com:8443/'],
    ['http instead of https', 'http://app.example.com/'],
    ['a relative path without slash', 'evil.example'],
    ['a query only', '?next=//evil.example'],
    ['an empty value', ''],
    ['an overlong value', `/${'a'.repeat(3000)}`],
  ])('refuses %s', (_name, raw) => {
    const location = resolveRedirectTarget(raw, options);
    expect(location).toBeUndefined();
  });

  it('never emits a Location a browser resolves to a foreign origin (random dot/slash/escape soup)', () => {
    const pieces = ['/', '//', '.', '..', '%2e', '%2f', '%5c', '%09', 'evil.example', '@', 'app', '?', '#', '%252f'];
    for (let i = 0; i < 5000; i++) {
      let raw = '/';
      const length = 1 + (i % 7);
      for (let j = 0; j < length; j++) raw += pieces[(i * 31 + j * 17 + (i >> 3)) % pieces.length];
      const location = resolveRedirectTarget(raw, options);
      if (location !== undefined) {
        expect(browserLandsOn(location), raw).toBe(options.publicOrigin);
        expect(location.startsWith('//'), raw).toBe(false);
      }
    }
  });
});

describe('Function: isSafeLocation', () => {
  it.each([
    ['/app', true],
    ['https://app.example.com/x', true],
    ['//evil.example', false],
    ['/\\evil.example', false],
    ['/%2f/evil.example', false],
    ['https://evil.example', false],
    ['/%0a/evil.example', false],
  ])('%s → %s', (location, expected) => {
    expect(isSafeLocation(location, options)).toBe(expected);
  });
});

/** One rule for the deployment's default path: `readConfig` at cold start, the CDK construct at synth, the CLI. */
describe('The default path (DEFAULT_REDIRECT_PATH, CDK defaultRedirectPath)', () => {
  it.each(['/', '/dashboard', '/app/whoami?tab=1#top'])('takes %s', (path) => {
    expect(defaultRedirectPathProblem('DEFAULT_REDIRECT_PATH', path)).toBeUndefined();
    expect(readConfig({ TABLE_NAME: 't', DEFAULT_REDIRECT_PATH: path }).defaultRedirectPath).toBe(path);
  });

  // `home` and `//evil.example` were refused before; the others passed both copies of the old rule,
  // although a browser (and `new URL`) reads them as another host.
  it.each(['home', 'https://app.example.com/', '//evil.example', '/\\evil.example', '/%2F%2Fevil.example', '/a b'])(
    'refuses %s, naming the setting',
    (path) => {
      expect(defaultRedirectPathProblem('defaultRedirectPath', path)).toBe(
        `defaultRedirectPath must be a path starting with a single "/", got "${path}"`,
      );
      expect(() => readConfig({ TABLE_NAME: 't', DEFAULT_REDIRECT_PATH: path })).toThrow(
        `DEFAULT_REDIRECT_PATH must be a path starting with a single "/", got "${path}"`,
      );
    },
  );

  it('treats an empty DEFAULT_REDIRECT_PATH as unset', () => {
    expect(readConfig({ TABLE_NAME: 't', DEFAULT_REDIRECT_PATH: '' }).defaultRedirectPath).toBeUndefined();
  });

  it('is the sign-out redirect URI on our origin, else our origin’s /', () => {
    expect(signOutRedirectUri('https://login.example.com', '/bye')).toBe('https://login.example.com/bye');
    expect(signOutRedirectUri('https://login.example.com', undefined)).toBe('https://login.example.com/');
  });

  it('is where the signed-out page continues when there is no APP_URL', () => {
    expect(continueAfterSignOut({ appUrl: 'https://app.example.com/', defaultRedirectPath: '/home' })).toBe(
      'https://app.example.com/',
    );
    expect(continueAfterSignOut({ appUrl: undefined, defaultRedirectPath: '/home' })).toBe('/home');
    expect(continueAfterSignOut({ appUrl: undefined, defaultRedirectPath: undefined })).toBeUndefined();
  });
});
