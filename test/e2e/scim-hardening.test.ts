/**
 * What SCIM must hold besides Okta's happy path: one user per person however
 * SCIM and the first login meet (linked by externalId, by userName, racing),
 * tokens that work for their own tenant only and stop when rotated, bad
 * input answered with 400 and never a 5xx, and a deleted tenant's SCIM items
 * gone with it.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TestBrowser } from '../../local/http-browser.ts';
import { registerTenant } from '../../local/stack.ts';
import { userIdFor } from '../../shared/users.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import { demoSubOf, GROUP_SCHEMA, oktaUser, patch, scimClient } from '../support/scim-client.ts';

let env: MisbehavingStack;
let token: string | undefined;
let scim: ReturnType<typeof scimClient>;

test.beforeAll(async ({ stack }) => {
  env = stack;
  token = (await cli('scim-token', TENANT)).output.token;
  scim = scimClient(env.stack.url, TENANT, () => token);
});

async function me(browser: TestBrowser) {
  const hop = await browser.request(`${env.stack.url}/me`, { headers: { accept: 'application/json' } });
  return { status: hop.status, user: hop.status === 200 ? JSON.parse(hop.body).user : undefined };
}

const email = (login: string) => `${login}@acme.example`;

describe('One person, one user', () => {
  it('links a user SCIM created without externalId at the first login, by userName, and keeps the link', async () => {
    const created = await scim(
      'POST',
      '/Users',
      oktaUser({ userName: email('hedy'), givenName: 'Hedy', familyName: 'Lamarr' }),
    );
    expect(created.status).toBe(201);
    const first = await env.login('hedy');
    expect(first.callback?.status).toBe(302);
    expect((await me(first.browser)).user).toMatchObject({ id: created.body.id, sub: demoSubOf('hedy') });
    // The first sign-in of the tenant claims ownership, whoever created the user.
    expect((await me(first.browser)).user.role).toBe('owner');
    const again = await env.login('hedy');
    expect((await me(again.browser)).user.id).toBe(created.body.id);
    const users = (await cli('users', TENANT)).output as Array<{ email: string }>;
    expect(users.filter((user) => user.email === email('hedy'))).toHaveLength(1);
  });

  it('leaves one user when SCIM creates a person while they sign in for the first time', async () => {
    for (const [index, withExternalId] of [true, false, true, false, true, false].entries()) {
      const login = `racer${index}${withExternalId ? 'x' : 'u'}`;
      const [created, signedIn] = await Promise.all([
        scim(
          'POST',
          '/Users',
          oktaUser({
            userName: email(login),
            givenName: 'Race',
            familyName: String(index),
            ...(withExternalId ? { externalId: demoSubOf(login) } : {}),
          }),
        ),
        env.login(login),
      ]);
      expect([201, 409], login).toContain(created.status);
      expect(signedIn.callback?.status, login).toBe(302);
      const users = (await cli('users', TENANT)).output as Array<{ id: string; email: string }>;
      const theirs = users.filter((user) => user.email === email(login));
      expect(theirs, login).toHaveLength(1);
      const session = await me(signedIn.browser);
      expect(session.user.id, login).toBe(theirs[0]?.id);
      if (withExternalId) expect(session.user.id).toBe(userIdFor(env.idp.issuer, demoSubOf(login)));
      if (created.status === 201) expect(created.body.id, login).toBe(session.user.id);
      // Okta's lookup afterwards finds that one user.
      const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${email(login)}"`)}`);
      expect(found.body.Resources.map((user: { id: string }) => user.id)).toEqual([session.user.id]);
    }
  });

  it('never lets SCIM claim or move ownership: a deleted owner keeps the tenant owned until set-owner', async () => {
    const users = (await cli('users', TENANT)).output as Array<{ id: string; role: string; email: string }>;
    const owner = users.find((user) => user.role === 'owner');
    expect(owner?.email).toBe(email('hedy'));
    const off = await scim('DELETE', `/Users/${owner?.id}`);
    expect(off.status).toBe(204);
    expect((await scim('GET', `/Users/${owner?.id}`)).status).toBe(404);
    const after = (await cli('users', TENANT)).output as Array<{ id: string; role: string }>;
    expect(after.find((user) => user.id === owner?.id)).toBeUndefined();
    // Nobody else became owner, and the next login does not claim it either.
    expect(after.filter((user) => user.role === 'owner')).toHaveLength(0);
    expect((await cli('get', TENANT)).output).toMatchObject({ hasOwner: true });
    const refused = await env.login('hedy');
    expect(refused.callback?.status).toBe(403);
    expect(refused.callback?.body).toContain('removed by your organization');
    // Okta provisions the person again (no externalId): the login links to the new user, a member.
    const again = await scim(
      'POST',
      '/Users',
      oktaUser({ userName: email('hedy'), givenName: 'Hedy', familyName: 'Lamarr' }),
    );
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(owner?.id);
    const back = await env.login('hedy');
    expect(back.callback?.status).toBe(302);
    expect((await me(back.browser)).user).toMatchObject({ id: again.body.id, role: 'member' });
    // Only the platform team moves ownership.
    expect(await cli('set-owner', TENANT, again.body.id)).toMatchObject({ code: 0, output: { changed: true } });
    expect((await me(back.browser)).user.role).toBe('owner');
  });
});

describe('Tokens', () => {
  it('refuses a missing or wrong token with 401 in the SCIM error schema', async () => {
    for (const bearer of [undefined, 'x', `${token}x`, randomBytes(32).toString('base64url')]) {
      const response = await scimClient(env.stack.url, TENANT, () => bearer)('GET', '/Users');
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
      expect(JSON.stringify(response.body)).not.toContain(String(bearer));
    }
    // Unknown tenants and paths answer the same: nothing is learnt without the token.
    const unknown = await scimClient(env.stack.url, 'no_such_tenant', () => token)('GET', '/Users');
    expect(unknown.status).toBe(401);
    expect((await scimClient(env.stack.url, TENANT, () => undefined)('GET', '/Nope')).status).toBe(401);
  });

  it('works for its own tenant only', async () => {
    await registerTenant(env.stack.dynamoDbEndpoint, env.stack.tableName, {
      tenantId: 'globex',
      issuer: env.idp.issuer,
      clientId: 'globex-client',
      clientSecret: 'globex-secret-0123456789abcdef',
    });
    const globexToken = (await cli('scim-token', 'globex')).output.token as string;
    expect((await scimClient(env.stack.url, TENANT, () => globexToken)('GET', '/Users')).status).toBe(401);
    expect((await scimClient(env.stack.url, 'globex', () => token)('GET', '/Users')).status).toBe(401);
    expect((await scimClient(env.stack.url, 'globex', () => globexToken)('GET', '/Users')).status).toBe(200);
  });

  it('rotates: the old token stops at once, the new one works, and the output says where', async () => {
    const old = token;
    const rotated = await cli('scim-token', TENANT);
    expect(rotated.output).toEqual({
      tenant: TENANT,
      baseUrl: `${env.stack.url}/t/${TENANT}/scim/v2`,
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    token = rotated.output.token;
    expect((await scimClient(env.stack.url, TENANT, () => old)('GET', '/Users')).status).toBe(401);
    expect((await scim('GET', '/Users')).status).toBe(200);
    expect((await cli('scim-token', 'no_such_tenant')).code).toBe(1);
  });
});

describe('Bad input is a 400, never a 5xx', () => {
  const filter = (text: string) => `/Users?filter=${encodeURIComponent(text)}`;
  const cases: Array<[string, string, string, unknown, string | undefined, string | undefined]> = [
    ['bad JSON', 'POST', '/Users', undefined, '{"userName": ', 'invalidSyntax'],
    ['a JSON array', 'POST', '/Users', [], undefined, 'invalidSyntax'],
    ['no schema', 'POST', '/Users', { userName: 'x@acme.example' }, undefined, 'invalidSyntax'],
    [
      'unknown attribute',
      'POST',
      '/Users',
      { ...oktaUser({ userName: 'u@acme.example', givenName: 'U', familyName: 'U' }), favouriteColour: 'red' },
      undefined,
      'invalidSyntax',
    ],
    [
      'unknown name part',
      'POST',
      '/Users',
      { ...oktaUser({ userName: 'v@acme.example', givenName: 'V', familyName: 'V' }), name: { nick: 'v' } },
      undefined,
      'invalidSyntax',
    ],
    [
      'no userName',
      'POST',
      '/Users',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] },
      undefined,
      'invalidValue',
    ],
    [
      'userName not a string',
      'POST',
      '/Users',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 42 },
      undefined,
      'invalidValue',
    ],
    [
      'active not a boolean',
      'POST',
      '/Users',
      { ...oktaUser({ userName: 'w@acme.example', givenName: 'W', familyName: 'W' }), active: 'maybe' },
      undefined,
      'invalidValue',
    ],
    [
      'oversized body',
      'POST',
      '/Users',
      undefined,
      JSON.stringify({ schemas: [], pad: 'x'.repeat(300_000) }),
      'invalidSyntax',
    ],
    ['unsupported operator', 'GET', filter('userName sw "a"'), undefined, undefined, 'invalidFilter'],
    ['unsupported attribute', 'GET', filter('title eq "x"'), undefined, undefined, 'invalidFilter'],
    ['two comparisons', 'GET', filter('userName eq "a" or userName eq "b"'), undefined, undefined, 'invalidFilter'],
    ['broken filter', 'GET', filter('userName eq'), undefined, undefined, 'invalidFilter'],
    ['non-string value', 'GET', filter('userName eq true'), undefined, undefined, 'invalidFilter'],
    ['group filter on users', 'GET', filter('displayName eq "x"'), undefined, undefined, 'invalidFilter'],
    ['paging not an integer', 'GET', '/Users?startIndex=abc', undefined, undefined, 'invalidValue'],
    ['group without name', 'POST', '/Groups', { schemas: [GROUP_SCHEMA], members: [] }, undefined, 'invalidValue'],
    [
      'group with a stranger',
      'POST',
      '/Groups',
      { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: 'u_nobody' }] },
      undefined,
      'invalidValue',
    ],
  ];

  it.each(cases)('%s', async (_name, method, path, body, raw, scimType) => {
    const response = await scim(method, path, body, raw);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', ...(scimType ? { scimType } : {}) });
  });

  it('refuses PATCH bodies that are not PatchOps, and paths the schema does not have', async () => {
    const created = await scim(
      'POST',
      '/Users',
      oktaUser({ userName: email('patchy'), givenName: 'P', familyName: 'Q' }),
    );
    const id = created.body.id as string;
    const bad: unknown[] = [
      { Operations: [{ op: 'replace', path: 'active', value: false }] },
      patch({ op: 'move', path: 'active' }),
      patch({ op: 'replace', path: 'favouriteColour', value: 'red' }),
      patch({ op: 'replace', path: 'id', value: 'u_other' }),
      patch({ op: 'add', path: 'groups', value: [{ value: 'g' }] }),
      patch({ op: 'replace', path: 'emails[type eq "home"].value', value: 'x@y.z' }),
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: 'nope' },
    ];
    for (const body of bad) {
      const response = await scim('PATCH', `/Users/${id}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await scim('GET', `/Users/${id}`)).body).toMatchObject({ active: true, userName: email('patchy') });
  });

  it('answers unknown resources with 404 and unknown methods with 405, in the error schema', async () => {
    expect((await scim('GET', '/Users/u_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await scim('GET', '/Users/not-an-id')).status).toBe(404);
    expect((await scim('GET', '/Groups/g_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await scim('GET', '/Bulk')).status).toBe(404);
    expect((await scim('GET', '/Users/a/b')).status).toBe(404);
    const method = await scim('DELETE', '/Users');
    expect(method.status).toBe(405);
    expect(method.body.status).toBe('405');
  });

  it('publishes ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 100 } });
    const types = await scim('GET', '/ResourceTypes');
    expect(types.body.Resources.map((type: { id: string }) => type.id)).toEqual(['User', 'Group']);
    const schemas = await scim('GET', '/Schemas');
    expect(schemas.body.totalResults).toBe(2);
    const user = await scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    expect(user.body.attributes.map((attribute: { name: string }) => attribute.name)).toContain('userName');
  });

  it('pages users with startIndex and count', async () => {
    const all = await scim('GET', '/Users?count=100');
    const total = all.body.totalResults as number;
    expect(total).toBeGreaterThan(3);
    const page = await scim('GET', '/Users?startIndex=2&count=2');
    expect(page.body).toMatchObject({ totalResults: total, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources.map((u: { id: string }) => u.id)).toEqual(
      all.body.Resources.slice(1, 3).map((u: { id: string }) => u.id),
    );
    expect((await scim('GET', '/Users?count=0')).body).toMatchObject({ totalResults: total, itemsPerPage: 0 });
  });
});

describe('tenant delete', () => {
  it('removes the SCIM items with the tenant, and says how many', async () => {
    const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Everyone', members: [] });
    expect(group.status).toBe(201);
    const deleted = await cli('delete', TENANT, '--yes');
    expect(deleted.code).toBe(0);
    expect(deleted.output.removed.users).toBeGreaterThan(5);
    // Token, userName/externalId keys, the group and its name, the login link of Hedy.
    expect(deleted.output.removed.scim).toBeGreaterThan(10);
    for (const type of ['scim_token', 'user_name', 'external_id', 'scim_group', 'scim_group_name', 'user_link']) {
      expect(await env.count(type), type).toBe(0 + (type === 'scim_token' ? 1 : 0));
    }
    expect((await scim('GET', '/Users')).status).toBe(401);
  });
});
