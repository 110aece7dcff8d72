/**
 * Captures every log line of a full run (logins, /me, logout, failures, SCIM
 * and Universal Logout calls) at DEBUG level and searches it, and every page
 * served, for the values that must never leak: client secret, authorization
 * codes, ID tokens, session and login-state cookie values, the SCIM token and
 * Okta's generated passwords; and the log for Universal Logout's bearer
 * tokens, their jti and the subjects they name.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { type Hop, TestBrowser } from '../../local/http-browser.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import type { TestOktaOrg } from '../support/okta-org.ts';
import { oktaUser, patch, scimClient } from '../support/scim-client.ts';

test.override('stackOptions', { env: { LOG_LEVEL: 'DEBUG', POWERTOOLS_LOG_LEVEL: 'DEBUG' } });

let env: MisbehavingStack;
let org: TestOktaOrg;
let captured: string[];

test.beforeAll(({ logs, stack, oktaOrg }) => {
  captured = logs;
  env = stack;
  org = oktaOrg;
});

describe('Secrets stay out of logs and pages', () => {
  it('logs requests with correlation ids but never a secret, code, token or cookie value', async () => {
    const secrets = new Set<string>([CLIENT_SECRET]);
    const pages: string[] = [];
    const remember = async (browser: TestBrowser, hops: Hop[]) => {
      for (const hop of hops) {
        if (hop.url.startsWith(env.stack.url)) pages.push(hop.body);
        const code = new URL(hop.url).searchParams.get('code');
        if (code) secrets.add(code);
      }
      // Our cookies (the identity provider's share the host but are not ours to judge).
      for (const cookie of await browser.jar.getCookies(env.stack.url)) {
        if (cookie.key.startsWith('__Host-')) secrets.add(cookie.value);
      }
      for (const hop of hops) {
        for (const header of hop.headers.getSetCookie()) {
          const [pair = ''] = header.split(';');
          const [name = '', value = ''] = pair.split('=');
          if (name.startsWith('__Host-') && value) secrets.add(value);
        }
      }
    };

    // A good login, /me, and a replay of its callback.
    const ok = await env.login('ada');
    await remember(ok.browser, ok.hops);
    const meHop = await ok.browser.request(`${env.stack.url}/me`, { headers: { accept: 'application/json' } });
    pages.push(meHop.body);
    const replay = await new TestBrowser().request(ok.callback?.url ?? '');
    pages.push(replay.body);

    // A login whose ID token is refused, and one whose token endpoint fails.
    env.idp.mutateNextIdToken({ claims: { aud: 'someone-else' } });
    const refused = await env.login('grace');
    await remember(refused.browser, refused.hops);
    env.idp.setTokenEndpoint({
      status: 400,
      body: JSON.stringify({ error: 'invalid_grant', error_description: 'code abc' }),
    });
    const failed = await env.login('grace');
    env.idp.setTokenEndpoint('normal');
    await remember(failed.browser, failed.hops);

    // Logout.
    const sessionCookie = await ok.browser.cookieValue(env.stack.url, '__Host-session');
    if (sessionCookie) secrets.add(sessionCookie);
    const logout = await ok.browser.request(`${env.stack.url}/logout`, {
      method: 'POST',
      headers: { origin: env.stack.url },
    });
    pages.push(logout.body);

    // SCIM: the token, Okta's generated password and the person's email never reach a log line.
    const scimToken = (await cli('scim-token', TENANT)).output.token as string;
    secrets.add(scimToken);
    const scim = scimClient(env.stack.url, TENANT, () => scimToken);
    const body = oktaUser({ userName: 'scim.logged@acme.example', givenName: 'Scim', familyName: 'Logged' });
    secrets.add(body.password);
    const created = await scim('POST', '/Users', body);
    expect(created.status).toBe(201);
    await scim('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', value: { active: false } }));
    await scim('POST', '/Users', body); // 409
    // A wrong token: the last character changed (to one it is not, or a token ending in "A" stays right).
    const wrongToken = `${scimToken.slice(0, -1)}${scimToken.endsWith('A') ? 'B' : 'A'}`;
    await scimClient(env.stack.url, TENANT, () => wrongToken)('GET', '/Users'); // 401
    secrets.add(wrongToken);
    pages.push(JSON.stringify(created.body));

    for (const token of env.idp.issuedIdTokens) secrets.add(token);

    // Universal Logout: a call that ends sessions (by email), its replay, and a refused token.
    expect((await cli('put', TENANT, '--org-url', org.url)).code).toBe(0);
    const endpoint = `${env.stack.url}/t/${TENANT}/global-token-revocation`;
    const revocationToken = await org.revocationToken({ sub: CLIENT_ID, aud: endpoint });
    const revoke = (token: string) =>
      fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sub_id: { format: 'email', email: 'ada@acme.example' } }),
      });
    expect((await revoke(revocationToken)).status).toBe(204);
    expect((await revoke(revocationToken)).status).toBe(401);
    const forged = await org.revocationToken({ sub: CLIENT_ID, aud: endpoint }, { signing: 'unknown-key' });
    expect((await revoke(forged)).status).toBe(401);
    const logOnly = [revocationToken, forged, String(decodeJwt(revocationToken).jti), 'ada@acme.example'];
    const log = captured.join('');
    expect(log).toContain('SCIM_CONFLICT');
    expect(log).toContain('SCIM_UNAUTHORIZED');
    expect(log).not.toContain('scim.logged@acme.example');

    // The capture really saw the service's structured logs (this test must be able to fail).
    expect(log).toContain('"message":"login succeeded"');
    expect(log).toContain('"correlation_id"');
    expect(log).toContain('ID_TOKEN_INVALID');
    expect(env.idp.issuedIdTokens.length).toBeGreaterThanOrEqual(2);
    expect(secrets.size).toBeGreaterThanOrEqual(6);

    for (const secret of secrets) {
      if (secret.length < 8) continue;
      expect(log.includes(secret), `log contains a secret value (${secret.slice(0, 4)}…)`).toBe(false);
      for (const page of pages) {
        expect(page.includes(secret), `a page contains a secret value (${secret.slice(0, 4)}…)`).toBe(false);
      }
    }
    expect(log).toContain('universal logout: sessions ended');
    expect(log).toContain('revocation_token_replayed');
    for (const value of logOnly) {
      expect(log.includes(value), `log contains a Universal Logout value (${value.slice(0, 4)}…)`).toBe(false);
    }
    expect(log).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
    expect(TENANT).toBe('acme');
  });
});

describe('Correlation ids', () => {
  /** A call to `/me` without a session (a 401 that is always logged) and the log lines of that request. */
  async function call(clientCorrelationId: string) {
    const from = captured.length;
    const hop = await new TestBrowser().request(`${env.stack.url}/me`, {
      headers: { accept: 'application/json', 'x-correlation-id': clientCorrelationId },
    });
    const ours = hop.headers.get('x-correlation-id') ?? '';
    const lines = captured
      .slice(from)
      .join('')
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      })
      .filter((entry) => entry.correlation_id === ours);
    return { hop, ours, lines };
  }

  it('keeps its own id for the request and logs a client’s beside it', async () => {
    const { hop, ours, lines } = await call('support-ticket-4711');
    expect(hop.status).toBe(401);
    expect(ours).toMatch(/^[\w-]{8,64}$/);
    expect(ours).not.toBe('support-ticket-4711');
    expect(JSON.parse(hop.body).correlationId).toBe(ours);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.client_correlation_id).toBe('support-ticket-4711');
  });

  it('logs no client correlation id that is not a short safe token', async () => {
    for (const hostile of ['<script>alert(1)</script>', 'a'.repeat(65), 'short', 'abc def ghi', 'äöü-unicode-id']) {
      const { ours, lines } = await call(hostile);
      expect(ours, hostile).not.toBe(hostile);
      expect(lines.length, hostile).toBeGreaterThan(0);
      for (const line of lines) expect(line, hostile).not.toHaveProperty('client_correlation_id');
    }
  });
});
