import { describe, expect, it } from 'vitest';
import type { ProviderMetadata } from '../../shared/oidc/discovery.ts';
import type { IdTokenClaims } from '../../shared/oidc/verify-id-token.ts';
import { checkAuthorizationServer } from '../../shared/setup/checks.ts';
import {
  checkSetupLink,
  hashSetupToken,
  isValidSetupCsrfToken,
  newSetupToken,
  parseSetupLinkLifetime,
  type SetupLink,
  setupCsrfToken,
} from '../../shared/setup/link.ts';
import { currentTestWarnings, signedInTestResult } from '../../shared/setup/test-sign-in.ts';
import { buildTenantConfig, requestsGroupsScope } from '../../shared/tenants.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

function linkFor(token: string, overrides: Partial<SetupLink> = {}): SetupLink {
  return {
    tenantId: 'acme',
    tokenHash: hashSetupToken(token),
    issuedAt: NOW.getTime() - 60_000,
    expiresAt: nowSeconds + 3600,
    ...overrides,
  };
}

describe('Setup link token', () => {
  it('is 256 random bits, stored as its SHA-256 only', () => {
    const token = newSetupToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(newSetupToken()).not.toBe(token);
    expect(hashSetupToken(token)).not.toContain(token);
    expect(hashSetupToken(token)).toMatch(/^[\w-]{43}$/);
  });

  it('opens only with the right token, unexpired, and not spent by an activation after it was issued', () => {
    const token = newSetupToken();
    const link = linkFor(token);
    expect(checkSetupLink(link, {}, token, NOW)).toEqual({ ok: true });
    expect(checkSetupLink(link, {}, newSetupToken(), NOW)).toEqual({ ok: false, refusal: 'unknown' });
    expect(checkSetupLink(link, {}, `${token}x`, NOW)).toEqual({ ok: false, refusal: 'unknown' });
    expect(checkSetupLink(link, {}, undefined, NOW)).toEqual({ ok: false, refusal: 'unknown' });
    expect(checkSetupLink(undefined, {}, token, NOW)).toEqual({ ok: false, refusal: 'unknown' });
    expect(checkSetupLink(link, undefined, token, NOW)).toEqual({ ok: false, refusal: 'unknown' });
    expect(checkSetupLink(linkFor(token, { expiresAt: nowSeconds }), {}, token, NOW)).toEqual({
      ok: false,
      refusal: 'expired',
    });
    const activated = { activatedAt: new Date(NOW.getTime() - 1000).toISOString() };
    expect(checkSetupLink(link, activated, token, NOW)).toEqual({ ok: false, refusal: 'finished' });
    // Re-issued after the activation: it works again.
    expect(checkSetupLink(linkFor(token, { issuedAt: NOW.getTime() }), activated, token, NOW)).toEqual({ ok: true });
  });

  it('binds the forms’ CSRF token to the link token and the tenant', () => {
    const token = newSetupToken();
    const csrf = setupCsrfToken(token, 'acme');
    expect(isValidSetupCsrfToken(token, 'acme', csrf)).toBe(true);
    expect(isValidSetupCsrfToken(token, 'globex', csrf)).toBe(false);
    expect(isValidSetupCsrfToken(newSetupToken(), 'acme', csrf)).toBe(false);
    expect(isValidSetupCsrfToken(token, 'acme', undefined)).toBe(false);
    expect(isValidSetupCsrfToken(token, 'acme', csrf.slice(1))).toBe(false);
    expect(csrf).not.toContain(token);
  });

  it('takes lifetimes from 10 minutes to 30 days', () => {
    expect(parseSetupLinkLifetime('7d')).toBe(7 * 86_400);
    expect(parseSetupLinkLifetime('12h')).toBe(12 * 3600);
    expect(parseSetupLinkLifetime('10m')).toBe(600);
    expect(parseSetupLinkLifetime('30d')).toBe(30 * 86_400);
    for (const bad of ['9m', '31d', '0d', '7', 'd', '1w', '-1d', '7 d'])
      expect(parseSetupLinkLifetime(bad), bad).toBe(undefined);
  });
});

describe('Authorization server check', () => {
  const metadata = (base: string): ProviderMetadata => ({
    issuer: base,
    authorizationEndpoint: `${base}/v1/authorize`,
    tokenEndpoint: `${base}/v1/token`,
    jwksUri: `${base}/v1/keys`,
    endSessionEndpoint: undefined,
  });

  it('names the org and custom authorization servers', () => {
    const org = checkAuthorizationServer('https://acme.okta.com', metadata('https://acme.okta.com/oauth2'));
    expect(org).toMatchObject({ ok: true, message: expect.stringContaining('org authorization server') });
    const custom = checkAuthorizationServer(
      'https://acme.okta.com/oauth2/default',
      metadata('https://acme.okta.com/oauth2/default'),
    );
    expect(custom).toMatchObject({
      ok: true,
      message: expect.stringContaining('custom authorization server "default"'),
    });
  });

  it('refuses endpoints of another authorization server or host', () => {
    expect(
      checkAuthorizationServer('https://acme.okta.com/oauth2/default', metadata('https://acme.okta.com/oauth2')).ok,
    ).toBe(false);
    expect(checkAuthorizationServer('https://acme.okta.com', metadata('https://acme.okta.com/oauth2/aus1')).ok).toBe(
      false,
    );
    expect(checkAuthorizationServer('https://acme.okta.com', metadata('https://evil.example/oauth2')).ok).toBe(false);
  });
});

describe('Test sign-in result', () => {
  const tenant = buildTenantConfig(
    {
      tenantId: 'acme',
      issuer: 'https://acme.okta.com',
      clientId: '0oa1',
      roleMappings: [{ group: 'Admins', role: 'admin' }],
      requestGroups: true,
      allowedEmailDomains: ['acme.example'],
      requireEmailVerified: true,
    },
    { allowLoopback: false, now: NOW },
  );
  const claims = (extra: Record<string, unknown>) =>
    ({ iss: tenant.issuer, sub: '00u1', aud: '0oa1', exp: 1, iat: 1, nonce: 'n', ...extra }) as IdTokenClaims;

  it('keeps the claims and warns in codes about what real users would meet', () => {
    const quiet = signedInTestResult(
      tenant,
      claims({ email: 'ada@acme.example', email_verified: true, groups: ['Admins'] }),
      NOW,
    );
    expect(quiet).toMatchObject({
      outcome: 'signed_in',
      claims: { sub: '00u1', email: 'ada@acme.example', emailVerified: true, groups: ['Admins'] },
      warnings: [],
    });
    const loud = signedInTestResult(tenant, claims({ email: 'ada@gmail.example', email_verified: false }), NOW);
    expect(loud.claims?.groups).toBeUndefined();
    expect(loud.warnings).toEqual(['groups_claim_missing', 'email_domain_not_allowed']);
    // Role maps ask for the groups scope without --groups (a tenant `invite` created), so a missing claim is Okta's.
    const mapsWithoutFlag = signedInTestResult({ ...tenant, requestGroups: false }, claims({}), NOW);
    expect(mapsWithoutFlag.groupsRequested).toBe(true);
    expect(mapsWithoutFlag.warnings).toEqual(['groups_claim_missing', 'email_missing', 'email_domain_not_allowed']);
    const unverified = signedInTestResult(
      { ...tenant, allowedEmailDomains: [] },
      claims({ email: 'ada@acme.example', groups: [] }),
      NOW,
    );
    expect(unverified.warnings).toEqual(['email_not_verified']);
  });

  it('says the groups warning for the role maps as they are when the page is shown', () => {
    const unmapped = { ...tenant, roleMappings: [], requestGroups: false };
    const test = signedInTestResult(unmapped, claims({ email: 'ada@acme.example', email_verified: true }), NOW);
    expect(test).toMatchObject({ groupsRequested: false, warnings: [] });
    expect(currentTestWarnings(unmapped, test)).toEqual([]);
    // Roles mapped after the test, which did not ask for groups: test again.
    expect(currentTestWarnings(tenant, test)).toEqual(['groups_not_requested']);
    const asked = signedInTestResult(tenant, claims({ email: 'ada@acme.example', email_verified: true }), NOW);
    expect(currentTestWarnings(tenant, asked)).toEqual(['groups_claim_missing']);
    // Roles now from SCIM's groups, or no maps at all: the claim no longer matters.
    expect(currentTestWarnings({ ...tenant, scimGroups: true }, asked)).toEqual([]);
    expect(currentTestWarnings(unmapped, asked)).toEqual([]);
  });
});

describe('Which sign-ins ask for the groups scope', () => {
  const base = { requestGroups: false, roleMappings: [], scimGroups: undefined };
  it('asks when the tenant asks, or when its roles come from the groups claim', () => {
    expect(requestsGroupsScope(base)).toBe(false);
    expect(requestsGroupsScope({ ...base, requestGroups: true })).toBe(true);
    expect(requestsGroupsScope({ ...base, roleMappings: [{ group: 'Admins', role: 'admin' }] })).toBe(true);
    // SCIM's groups decide the roles then: the token's groups are not used.
    expect(requestsGroupsScope({ ...base, roleMappings: [{ group: 'Admins', role: 'admin' }], scimGroups: true })).toBe(
      false,
    );
  });
});
