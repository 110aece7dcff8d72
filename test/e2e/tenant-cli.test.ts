/**
 * The tenant CLI as an operator meets it (issue 24), against `npm start`'s
 * stack with the demo Okta (oidc-provider): `check` tests the client id and
 * secret at the token endpoint, one shape for a tenant in every command,
 * `delete` asks first, ISO 8601 times only, hints that keep stdout JSON
 * (`npm run -s`), a plain issuer message, and what it says without the
 * service's public address in AWS.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_CLIENT_ID, DEMO_TENANT, type LocalStack, registerTenant } from '../../local/stack.ts';
import { type CliResult, cli, cliOnTerminal } from '../support/cli.ts';
import { completeLogin, type LoginTarget } from '../support/complete-login.ts';
import { fakeAws } from '../support/fake-aws.ts';
import { test } from '../support/fixtures.ts';

let stack: LocalStack;
let demo: LoginTarget;
let issuer: string;
/** Everything the CLI printed in this file, to look for hints that would break JSON. */
const printed: string[] = [];

async function tenant(...args: string[]): Promise<CliResult> {
  const result = await cli(...args);
  printed.push(JSON.stringify(result.output ?? null), result.stderr);
  return result;
}

test.beforeAll(({ localStack, demoTenant }) => {
  stack = localStack;
  demo = demoTenant;
  issuer = demo.issuer;
});

/** A tenant of the demo Okta with the given client id and secret, written as `put` would. */
const connect = (tenantId: string, clientId: string, clientSecret: string) =>
  registerTenant(stack.dynamoDbEndpoint, stack.tableName, { tenantId, issuer, clientId, clientSecret });

describe('tenant check', () => {
  it('tests the stored client id and secret at the token endpoint: right ones pass', async () => {
    const result = await tenant('check', DEMO_TENANT);
    expect(result.code, JSON.stringify(result.output)).toBe(0);
    expect(result.output.checks).toContainEqual(
      expect.objectContaining({ check: 'client_credentials', ok: true, message: expect.stringContaining('accepted') }),
    );
  });

  it('fails with exit 1 and names the client id or secret when the secret is wrong', async () => {
    await connect('wrong_secret', DEMO_CLIENT_ID, 'not-the-demo-secret-0123456789');
    const result = await tenant('check', 'wrong_secret');
    expect(result.code).toBe(1);
    expect(result.output.ok).toBe(false);
    const credentials = result.output.checks.find((check: { check: string }) => check.check === 'client_credentials');
    // oidc-provider answers an unknown client and a wrong secret alike: it cannot say which of the two.
    expect(credentials).toMatchObject({ ok: false, message: expect.stringContaining('client id or secret') });
    expect(credentials.message).toContain('npm run -s tenant -- put wrong_secret --client-secret-stdin');
    expect(JSON.stringify(result.output)).not.toContain('not-the-demo-secret');
  });

  it('fails the same way for a client id the identity provider does not know', async () => {
    await connect('wrong_client', 'no-such-client', 'whatever-secret-0123456789');
    const result = await tenant('check', 'wrong_client');
    expect(result.code).toBe(1);
    expect(result.output.checks).toContainEqual(
      expect.objectContaining({
        check: 'client_credentials',
        ok: false,
        message: expect.stringContaining('client id'),
      }),
    );
  });
});

describe('One shape for a tenant', () => {
  it('put, get, list and invite print the same tenant, with every setting (unset ones as null)', async () => {
    await connect('acme_shop', DEMO_CLIENT_ID, 'acme-shop-secret-0123456789');
    const put = await tenant(
      'put',
      'acme_shop',
      '--allowed-redirect-origin',
      'https://app.acme-shop.example',
      '--default-redirect',
      '/home',
    );
    expect(put.code, put.stderr).toBe(0);
    const got = await tenant('get', 'acme_shop');
    const listed = (await tenant('list')).output.find((entry: { tenantId: string }) => entry.tenantId === 'acme_shop');
    const invited = await tenant('invite', 'acme_shop');
    expect(invited.code, invited.stderr).toBe(0);

    expect(put.output.tenant).toEqual(got.output);
    expect(listed).toEqual(got.output);
    expect(Object.keys(invited.output.tenant)).toEqual(Object.keys(got.output));
    expect(got.output).toMatchObject({
      tenantId: 'acme_shop',
      status: 'active',
      allowedRedirectOrigins: ['https://app.acme-shop.example'],
      defaultRedirect: '/home',
      logoutRedirect: null,
      hasClientSecret: true,
      hasOwner: false,
      okta: { signInRedirectUri: `${stack.url}/t/acme_shop/callback` },
    });
    // Each write bumps the version: put prints the one it wrote, as get reads it.
    expect(put.output.tenant.configVersion).toBe(got.output.configVersion);
    expect(put.output).toMatchObject({ created: false, changed: ['allowedRedirectOrigins', 'defaultRedirect'] });
  });
});

describe('tenant delete', () => {
  it('without a terminal, refuses without --yes (exit 2) and deletes nothing', async () => {
    await connect('keep_me', DEMO_CLIENT_ID, 'keep-me-secret-0123456789');
    const refused = await tenant('delete', 'keep_me');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await tenant('get', 'keep_me')).code).toBe(0);
  });

  it('on a terminal, deletes only when the tenant id is typed back', async () => {
    const questions: string[] = [];
    const wrong = await cliOnTerminal(
      (question) => {
        questions.push(question);
        return 'keep'; // not the id
      },
      'delete',
      'keep_me',
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Nothing was deleted');
    expect(questions[0]).toContain('keep_me');
    expect((await tenant('get', 'keep_me')).code).toBe(0);

    const typed = await cliOnTerminal(() => 'keep_me', 'delete', 'keep_me');
    expect(typed.code, typed.stderr).toBe(0);
    expect(typed.output).toMatchObject({ deleted: 'keep_me' });
    expect((await tenant('get', 'keep_me')).code).toBe(1);
  });

  it('with --yes, deletes without asking', async () => {
    await connect('gone_soon', DEMO_CLIENT_ID, 'gone-soon-secret-0123456789');
    const deleted = await cliOnTerminal(
      () => {
        throw new Error('asked although --yes was given');
      },
      'delete',
      'gone_soon',
      '--yes',
    );
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await tenant('get', 'gone_soon')).code).toBe(1);
  });
});

describe('Issuer mistakes', () => {
  it('a trailing slash is told as just that, with the issuer to use', async () => {
    const result = await tenant('put', DEMO_TENANT, '--issuer', `${issuer}/`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`remove the trailing slash: ${issuer}`);
    // Only the rule it breaks: nothing about https, public hosts, queries or fragments.
    expect(result.stderr).not.toMatch(/https|public host|query|fragment/);
  });
});

describe('Times', () => {
  it('every time the CLI prints is ISO 8601, never epoch seconds or milliseconds', async () => {
    const login = await completeLogin(demo, { login: 'grace' });
    expect(login.callback?.status).toBe(302);
    const users = await tenant('users', DEMO_TENANT);
    const userId = users.output[0].id as string;
    const outputs = [
      users,
      await tenant('get', DEMO_TENANT),
      await tenant('list'),
      await tenant('revoke-sessions', DEMO_TENANT),
      await tenant('revoke-sessions', DEMO_TENANT, '--user', userId),
      await tenant('disable-user', DEMO_TENANT, userId),
      await tenant('enable-user', DEMO_TENANT, userId),
      await tenant('audit', DEMO_TENANT),
      await tenant('invite', DEMO_TENANT),
      await tenant('signing-keys', 'list'),
    ];
    const times: string[] = [];
    const visit = (value: unknown, key: string): void => {
      if (typeof value === 'number') expect(value, key).toBeLessThan(1e9);
      if (typeof value === 'string' && /(At|Before|From|After)$|^at$/.test(key)) times.push(value);
      if (value && typeof value === 'object') {
        for (const [name, inner] of Object.entries(value)) visit(inner, Array.isArray(value) ? key : name);
      }
    };
    for (const result of outputs) {
      expect(result.code, result.stderr).toBe(0);
      visit(result.output, '');
    }
    expect(times.length).toBeGreaterThan(10);
    for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('Hints', () => {
  it('every command the CLI tells you to run keeps stdout JSON: npm run -s tenant', async () => {
    const got = await tenant('get', DEMO_TENANT);
    expect(got.output.okta.scim.authentication).toContain(`npm run -s tenant -- scim-token ${DEMO_TENANT}`);
    const refused = await tenant('put', DEMO_TENANT, '--client-secret', 'on-the-command-line');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('npm run -s tenant -- put');
    await tenant('delete', DEMO_TENANT);
    await tenant('invite', 'nobody_yet', '--expires', '99y');
    // Everything printed in this file (outputs, errors, usage): no hint without -s.
    expect(printed.join('\n')).not.toMatch(/npm run tenant\b/);
  });
});

describe('Without the service’s public address (AWS)', () => {
  it('says that PUBLIC_URL or --public-url is needed for the URLs it prints', async () => {
    const secretsManager = await fakeAws(() => ({ status: 200, body: { SecretString: 'aws-secret-0123456789' } }));
    const aws: Record<string, string> = {
      TABLE_NAME: stack.tableName,
      CLIENT_SECRET_PREFIX: 'okta-login/client-secret/',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret-key',
      PUBLIC_URL: '',
    };
    const before = Object.fromEntries(Object.keys(aws).map((name) => [name, process.env[name]]));
    Object.assign(process.env, aws);
    delete process.env.PUBLIC_URL;
    try {
      const got = await tenant('get', DEMO_TENANT, '--endpoint', stack.dynamoDbEndpoint);
      expect(got.code, got.stderr).toBe(0);
      expect(got.output.okta.signInRedirectUri).toBe(`https://<your-api>/t/${DEMO_TENANT}/callback`);
      expect(got.stderr).toContain('PUBLIC_URL');
      expect(got.stderr).toContain('--public-url');
      expect(got.stderr).toContain('ApiUrl');
      const invite = await tenant('invite', DEMO_TENANT, '--endpoint', stack.dynamoDbEndpoint);
      expect(invite.code).toBe(2);
      expect(invite.stderr).toContain('--public-url');
      const withUrl = await tenant('get', DEMO_TENANT, '--endpoint', stack.dynamoDbEndpoint, '--public-url', stack.url);
      expect(withUrl.stderr).toBe('');
      expect(withUrl.output.okta.signInRedirectUri).toBe(`${stack.url}/t/${DEMO_TENANT}/callback`);
    } finally {
      for (const [name, value] of Object.entries(before)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await secretsManager.close();
    }
  });
});
