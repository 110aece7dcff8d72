import { describe, expect, it } from 'vitest';
import { resolveRedirectTarget } from '../../shared/redirect-target.ts';

const options = { publicOrigin: 'https://login.example.com', allowedOrigins: ['https://app.example.com'] };

describe('Function: resolveRedirectTarget', () => {
  it.each([
    ['/dashboard?tab=1#top', '/dashboard?tab=1#top'],
    ['/', '/'],
    ['https://login.example.com/app', 'https://login.example.com/app'],
    ['https://app.example.com/projects/7', 'https://app.example.com/projects/7'],
  ])('keeps %s', (raw, expected) => {
    expect(resolveRedirectTarget(raw, options)).toBe(expected);
  });

  it.each([
    ['an absolute foreign URL', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example/path'],
    ['a backslash trick', '/\\evil.example'],
    ['backslashes as slashes', '\\\\evil.example'],
    ['javascript:', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['credentials in the URL', 'https://app.example.com@evil.example/'],
    ['userinfo on an allowed origin', 'https://user:pw@app.example.com/'],
    ['a lookalike origin', 'https://app.example.com.evil.example/'],
    ['another port', 'https://app.example.com:8443/'],
    ['http instead of https', 'http://app.example.com/'],
    ['a tab inside', '/\t/evil.example'],
    ['leading whitespace', ' https://evil.example'],
    ['a relative path without slash', 'evil.example'],
    ['an empty value', ''],
    ['an overlong value', `/${'a'.repeat(3000)}`],
  ])('refuses %s', (_name, raw) => {
    expect(resolveRedirectTarget(raw, options)).toBeUndefined();
  });

  it('refuses encoded tricks that decode to a foreign origin (values arrive decoded once)', () => {
    expect(resolveRedirectTarget(decodeURIComponent('%2F%2Fevil.example'), options)).toBeUndefined();
    expect(resolveRedirectTarget(decodeURIComponent('%5C%5Cevil.example'), options)).toBeUndefined();
    // Still-encoded slashes stay in the path of our own origin.
    expect(resolveRedirectTarget('/%2F%2Fevil.example', options)).toBe('/%2F%2Fevil.example');
  });
});
