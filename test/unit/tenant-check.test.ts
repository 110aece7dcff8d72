/**
 * Issue 24: the live client credentials check that `tenant check` and the
 * setup page share, against the token endpoint answers Okta really gives
 * (it names the wrong value where it can), and issuer mistakes told rule by
 * rule, only the rules the issuer breaks.
 */
import { describe, expect, it } from 'vitest';
import { checkOktaConnection } from '../../shared/setup/checks.ts';
import { checkClientCredentials } from '../../shared/tenant-check.ts';
import { buildTenantConfig } from '../../shared/tenants.ts';

const TOKEN_ENDPOINT = 'https://acme.okta.com/oauth2/default/v1/token';

/** A token endpoint that answers every request with `status` and `body` (JSON), recording what it got. */
function tokenEndpoint(status: number, body: unknown) {
  const requests: Array<{ url: string; body: string; authorization: string | undefined }> = [];
  const fetch = async (url: string, init?: RequestInit) => {
    requests.push({
      url,
      body: String(init?.body ?? ''),
      authorization: (init?.headers as Record<string, string> | undefined)?.authorization,
    });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, requests };
}

async function checkAgainst(status: number, body: unknown) {
  const endpoint = tokenEndpoint(status, body);
  const result = await checkClientCredentials(
    {
      clientId: '0oa1client',
      clientSecret: 'the-secret-0123456789',
      authMethod: 'client_secret_basic',
      redirectUri: 'https://login.example.com/t/acme/callback',
    },
    TOKEN_ENDPOINT,
    { fetch: endpoint.fetch, timeoutMs: 1000 },
  );
  return { result, requests: endpoint.requests };
}

describe('The client credentials check (a made-up code at the token endpoint)', () => {
  it('passes on invalid_grant: the client authenticated, only the code was refused', async () => {
    const { result, requests } = await checkAgainst(400, {
      error: 'invalid_grant',
      error_description: 'The authorization code is invalid or has expired.',
    });
    expect(result).toMatchObject({ check: 'client_credentials', ok: true });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(TOKEN_ENDPOINT);
    expect(requests[0]?.body).toContain('grant_type=authorization_code');
    expect(requests[0]?.authorization).toMatch(/^Basic /);
  });

  it('names the client id when Okta does not know it (its API error shape, no OAuth `error`)', async () => {
    const { result } = await checkAgainst(401, {
      errorCode: 'invalid_client',
      errorSummary: "Invalid value for 'client_id' parameter.",
      errorLink: 'invalid_client',
      errorId: 'oaeS1WCm9sfRZiWy4NwK2z-bg',
      errorCauses: [],
    });
    expect(result.ok).toBe(false);
    expect(result.message).toContain('client id');
    expect(result.message).not.toMatch(/client id or secret|client secret/);
  });

  it('names the client secret when Okta says the secret is wrong', async () => {
    const { result } = await checkAgainst(401, {
      error: 'invalid_client',
      error_description: 'The client secret supplied for a confidential client is invalid.',
    });
    expect(result.ok).toBe(false);
    expect(result.message).toContain('client secret');
    expect(result.message).not.toContain('client id or secret');
  });

  it('says "client id or secret" when the answer does not tell which', async () => {
    for (const description of [
      'Client authentication failed. Either the client or the client credentials are invalid.',
      'client authentication failed', // oidc-provider, for an unknown client and a wrong secret alike
    ]) {
      const { result } = await checkAgainst(401, { error: 'invalid_client', error_description: description });
      expect(result.ok, description).toBe(false);
      expect(result.message, description).toContain('client id or secret');
    }
  });
});

describe('Issuer mistakes, rule by rule', () => {
  const build =
    (issuer: string, allowLoopback = false) =>
    () =>
      buildTenantConfig({ tenantId: 'acme', issuer, clientId: '0oa1' }, { allowLoopback, now: new Date() });

  it('a trailing slash: only that, with the issuer to use', () => {
    expect(build('https://x.okta.com/')).toThrow('remove the trailing slash: https://x.okta.com');
    expect(build('https://x.okta.com/oauth2/default/')).toThrow(
      'remove the trailing slash: https://x.okta.com/oauth2/default',
    );
    expect(build('https://x.okta.com/')).not.toThrow(/use https|public host|query|fragment|e\.g\./);
  });

  it('several mistakes: each one, and the issuer with all of them fixed', () => {
    expect(build('http://x.okta.com/')).toThrow('use https and remove the trailing slash: https://x.okta.com');
    expect(build('https://x.okta.com/oauth2/default/?a=1#top')).toThrow(
      'remove the query, the fragment and the trailing slash: https://x.okta.com/oauth2/default',
    );
    expect(build('https://user:pw@x.okta.com')).toThrow('remove the user name and password: https://x.okta.com');
  });

  it('what cannot be fixed by editing: said, with no issuer to use', () => {
    expect(build('https://10.0.0.1/')).toThrow(/public host.*remove the trailing slash$/);
    expect(build('https://10.0.0.1')).not.toThrow(/trailing slash|use https/);
    expect(build('acme.okta.com')).toThrow('is not a URL');
  });

  it('a loopback http issuer is fine in local mode, and its trailing slash is still told', () => {
    expect(build('http://localhost:9000', true)).not.toThrow();
    expect(build('http://localhost:9000/', true)).toThrow('remove the trailing slash: http://localhost:9000');
  });

  it('the setup page says the same, and connects to nothing', async () => {
    const results = await checkOktaConnection(
      { issuer: 'https://x.okta.com/', clientId: '0oa1', clientSecret: 'secret' },
      {
        fetch: () => Promise.reject(new Error('connected although the issuer was refused')),
        timeoutMs: 1000,
        allowLoopback: false,
        redirectUri: 'https://login.example.com/t/acme/callback',
        authMethod: 'client_secret_basic',
        idTokenAlgorithms: ['RS256'],
      },
    );
    expect(results).toEqual([
      expect.objectContaining({
        check: 'issuer',
        ok: false,
        message: expect.stringContaining('remove the trailing slash: https://x.okta.com'),
      }),
    ]);
    expect(results[0]?.message).not.toMatch(/public host|https address/);
  });
});
