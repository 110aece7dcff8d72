import { describe, expect, it } from 'vitest';
import { formatSessionCookie, newSessionToken, parseSessionCookie } from '../../shared/sessions.ts';
import { buildTenantConfig, isValidTenantId } from '../../shared/tenants.ts';
import { profileFromClaims, userIdFor } from '../../shared/users.ts';

describe('Module: sessions', () => {
  it('round-trips a session cookie', () => {
    const value = {
      tenantId: 'best_company',
      userId: userIdFor('https://x.example', '00u1'),
      token: newSessionToken(),
    };
    expect(parseSessionCookie(formatSessionCookie(value))).toEqual(value);
  });

  it('makes 256-bit tokens that differ', () => {
    const a = newSessionToken();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newSessionToken()).not.toBe(a);
  });

  it.each([
    '',
    'a.b.c',
    'acme.u_x.tok',
    `ACME.${userIdFor('i', 's')}.${'a'.repeat(43)}`,
    `acme.${userIdFor('i', 's')}.${'a'.repeat(43)}.x`,
  ])('refuses malformed cookie %j', (value) => {
    expect(parseSessionCookie(value)).toBeUndefined();
  });
});

describe('Module: tenants', () => {
  it.each(['acme', 'best_company', 'a1', 'x'.repeat(63)])('accepts tenant id %s', (id) => {
    expect(isValidTenantId(id)).toBe(true);
  });

  it.each(['', 'Acme', 'best-company', '_acme', 'acme_', 'a__b', 'x'.repeat(64), '../etc'])(
    'refuses tenant id %j',
    (id) => {
      expect(isValidTenantId(id)).toBe(false);
    },
  );

  const now = new Date('2026-11-22T00:00:00Z');

  it('fills defaults and derives the org URL', () => {
    const config = buildTenantConfig(
      { tenantId: 'acme', issuer: 'https://acme.okta.com/oauth2/default', clientId: '0oa1' },
      { allowLoopback: false, now },
    );
    expect(config).toMatchObject({
      orgUrl: 'https://acme.okta.com',
      tokenEndpointAuthMethod: 'client_secret_basic',
      idTokenAlgorithms: ['RS256'],
      requestGroups: false,
    });
  });

  it.each([
    [{ issuer: 'http://acme.okta.com' }, /https/],
    [{ issuer: 'https://acme.okta.com/' }, /trailing slash/],
    [{ issuer: 'http://localhost:9000' }, /https/],
    [{ clientId: 'bad id' }, /client-id/],
    [{ idTokenAlgorithms: ['none'] }, /id-token-alg/],
    [{ idTokenAlgorithms: ['HS256'] }, /id-token-alg/],
    [{ defaultRedirect: 'https://evil.example' }, /default-redirect/],
  ])('refuses %j', (override, message) => {
    expect(() =>
      buildTenantConfig(
        { tenantId: 'acme', issuer: 'https://acme.okta.com', clientId: '0oa1', ...override },
        { allowLoopback: false, now },
      ),
    ).toThrow(message);
  });

  it('allows loopback issuers only when told to', () => {
    expect(
      buildTenantConfig(
        { tenantId: 'acme', issuer: 'http://localhost:9000', clientId: 'c' },
        { allowLoopback: true, now },
      ).issuer,
    ).toBe('http://localhost:9000');
  });
});

describe('Function: profileFromClaims', () => {
  it('takes name, email and groups and tolerates junk', () => {
    expect(
      profileFromClaims({
        email: 'a@b.c',
        email_verified: true,
        given_name: 'Ada',
        family_name: 'L',
        groups: ['x', 1, 'x', ''],
      }),
    ).toEqual({ email: 'a@b.c', emailVerified: true, name: 'Ada L', groups: ['x'] });
    expect(profileFromClaims({ groups: 'not-an-array' }).groups).toEqual([]);
  });
});
