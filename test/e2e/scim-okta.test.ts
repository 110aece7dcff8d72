/**
 * SCIM 2.0 as Okta's provisioning calls it, replayed in Okta's order through
 * the local stack (the SCIM function's real handler behind the local API
 * Gateway), with real logins through the test identity provider after each
 * step: who can sign in, which sessions still work, and what `/me` says.
 */
import { describe, expect, it } from 'vitest';
import type { TestBrowser } from '../../local/http-browser.ts';
import { registerTenant } from '../../local/stack.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import { GROUP_SCHEMA, oktaUser, patch, scimClient } from '../support/scim-client.ts';
import { pastRevocations } from '../support/test-clock.ts';

let env: MisbehavingStack;
let token: string | undefined;
let scim: ReturnType<typeof scimClient>;

const ADA = { login: 'ada', sub: '00u1ada0lovelace0001', email: 'ada@acme.example' };
const GRACE = { login: 'grace', sub: '00u1grace0hopper0002', email: 'grace@acme.example' };
const LINUS = { login: 'linus', sub: '00u1linus0torvalds03', email: 'linus@acme.example' };

test.beforeAll(async ({ stack }) => {
  env = stack;
  // The demo role map: Okta groups (from the ID token, later from SCIM) to app roles.
  await registerTenant(env.stack.dynamoDbEndpoint, env.stack.tableName, {
    tenantId: TENANT,
    issuer: env.idp.issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    roleMappings: [
      { group: 'Admins', role: 'admin' },
      { group: 'Engineering', role: 'engineer' },
    ],
    defaultRoles: ['viewer'],
  });
  const issued = await cli('scim-token', TENANT);
  expect(issued.code).toBe(0);
  token = issued.output.token;
  scim = scimClient(env.stack.url, TENANT, () => token);
});

const me = (browser: TestBrowser) => env.me(browser);

async function signIn(login: string) {
  const { browser, callback } = await env.login(login);
  return { browser, status: callback?.status, body: callback?.body ?? '' };
}

describe('Okta provisioning, in the order Okta calls', () => {
  let adaBrowser: TestBrowser;
  let adaId: string;
  let graceId: string;
  let graceBrowser: TestBrowser;
  let linusBrowser: TestBrowser;
  let groupId: string;

  it('answers the connection test with a ListResponse of integers', async () => {
    const response = await scim('GET', '/Users?startIndex=1&count=2');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/scim+json');
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('finds a user a login created before provisioning by userName, as the same user', async () => {
    const first = await signIn(ADA.login);
    expect(first.status).toBe(302);
    adaBrowser = first.browser;
    const before = await me(adaBrowser);
    expect(before.user).toMatchObject({ role: 'owner', roles: ['admin', 'engineer'] });
    adaId = before.user.id;

    const found = await scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${ADA.email}"`)}&startIndex=1&count=100`,
    );
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).toMatchObject({ id: adaId, userName: ADA.email, active: true });
    // Okta links the account it found and pushes its profile.
    const linked = await scim(
      'PUT',
      `/Users/${adaId}`,
      oktaUser({ userName: ADA.email, givenName: 'Ada', familyName: 'Lovelace', externalId: ADA.sub }),
    );
    expect(linked.status).toBe(200);
    expect(linked.body).toMatchObject({ id: adaId, externalId: ADA.sub, name: { givenName: 'Ada' } });
    expect(linked.body.password).toBeUndefined();
    expect((await me(adaBrowser)).user).toMatchObject({ id: adaId, role: 'owner' });
    expect(await env.count('user')).toBe(1);
  });

  it('assigns a new user (filter, then POST) who signs in later as that same user', async () => {
    const lookup = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${GRACE.email}"`)}`);
    expect(lookup.body).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await scim(
      'POST',
      '/Users',
      oktaUser({ userName: GRACE.email, givenName: 'Grace', familyName: 'Hopper', externalId: GRACE.sub }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userName: GRACE.email, active: true, externalId: GRACE.sub });
    expect(created.body.password).toBeUndefined();
    expect(JSON.stringify(created.body)).not.toContain('Okta-generated');
    expect(created.headers.get('location')).toBe(`${env.stack.url}/t/${TENANT}/scim/v2/Users/${created.body.id}`);
    graceId = created.body.id;

    const login = await signIn(GRACE.login);
    expect(login.status).toBe(302);
    graceBrowser = login.browser;
    // Same person, one user: the id Okta holds is /me's id; Ada signed in first and stays the owner.
    expect((await me(graceBrowser)).user).toMatchObject({ id: graceId, role: 'member', sub: GRACE.sub });
    expect(await env.count('user')).toBe(2);
  });

  it('refuses a duplicate POST with 409 uniqueness', async () => {
    const again = await scim(
      'POST',
      '/Users',
      oktaUser({ userName: GRACE.email.toUpperCase(), givenName: 'Grace', familyName: 'Hopper' }),
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
    });
    expect(await env.count('user')).toBe(2);
  });

  it('updates the profile with PUT', async () => {
    const updated = await scim(
      'PUT',
      `/Users/${graceId}`,
      oktaUser({ userName: GRACE.email, givenName: 'Grace', familyName: 'Hopper-Murray', externalId: GRACE.sub }),
    );
    expect(updated.status).toBe(200);
    expect(updated.body.name).toEqual({ givenName: 'Grace', familyName: 'Hopper-Murray' });
    expect((await scim('GET', `/Users/${graceId}`)).body.displayName).toBe('Grace Hopper-Murray');
    expect((await me(graceBrowser)).status).toBe(200);
  });

  it('deactivates at once with a PATCH without path: sessions end, logins get the deactivated page', async () => {
    const whoamiBefore = await graceBrowser.request(`${env.stack.url}/app/whoami`, {
      headers: { accept: 'application/json' },
    });
    expect(whoamiBefore.status).toBe(200);
    const off = await scim('PATCH', `/Users/${graceId}`, patch({ op: 'replace', value: { active: false } }));
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await me(graceBrowser)).status).toBe(401);
    const whoami = await graceBrowser.request(`${env.stack.url}/app/whoami`, {
      headers: { accept: 'application/json' },
    });
    expect(whoami.status).toBe(403);
    const refused = await signIn(GRACE.login);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('deactivated');
    // Others are untouched.
    expect((await me(adaBrowser)).status).toBe(200);
  });

  it('reactivates with path "active": new logins only, the old session stays ended', async () => {
    const on = await scim('PATCH', `/Users/${graceId}`, patch({ op: 'replace', path: 'active', value: true }));
    expect(on.status).toBe(200);
    expect(on.body.active).toBe(true);
    expect((await me(graceBrowser)).status).toBe(401);
    // As for disable-user: a login before the deactivation's epoch (a few ms past it) stays ended.
    await pastRevocations();
    const login = await signIn(GRACE.login);
    expect(login.status).toBe(302);
    graceBrowser = login.browser;
    expect((await me(graceBrowser)).user).toMatchObject({ id: graceId, roles: ['engineer'] });
  });

  it('pushes a group with members: SCIM groups now decide every user’s roles, without a new login', async () => {
    const linus = await signIn(LINUS.login);
    linusBrowser = linus.browser;
    expect((await me(linusBrowser)).user.roles).toEqual(['viewer']);

    const lookup = await scim(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}&excludedAttributes=members`,
    );
    expect(lookup.body.totalResults).toBe(0);
    const pushed = await scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [{ value: adaId, display: ADA.email }, { value: graceId }],
    });
    expect(pushed.status).toBe(201);
    groupId = pushed.body.id;
    // Ada's ID token says Admins and Engineering; SCIM says Engineering only, and SCIM wins.
    expect((await me(adaBrowser)).user).toMatchObject({ role: 'owner', roles: ['engineer'], groups: ['Engineering'] });
    expect((await me(graceBrowser)).user).toMatchObject({ roles: ['engineer'], groups: ['Engineering'] });
    expect((await me(linusBrowser)).user).toMatchObject({ roles: ['viewer'], groups: [] });
    // A new login keeps SCIM's roles rather than the token's groups.
    adaBrowser = (await signIn(ADA.login)).browser;
    expect((await me(adaBrowser)).user.roles).toEqual(['engineer']);
    const grace = await scim('GET', `/Users/${graceId}`);
    expect(grace.body.groups).toEqual([expect.objectContaining({ value: groupId, display: 'Engineering' })]);
  });

  it('adds and removes members with PATCH, as Group Push does', async () => {
    const linusId = (await me(linusBrowser)).user.id;
    const added = await scim(
      'PATCH',
      `/Groups/${groupId}`,
      patch({ op: 'add', path: 'members', value: [{ value: linusId }] }),
    );
    expect(added.status).toBe(200);
    expect((await me(linusBrowser)).user.roles).toEqual(['engineer']);
    const removed = await scim(
      'PATCH',
      `/Groups/${groupId}`,
      patch({ op: 'remove', path: `members[value eq "${graceId}"]` }),
    );
    expect(removed.status).toBe(200);
    expect((await me(graceBrowser)).user).toMatchObject({ roles: ['viewer'], groups: [] });
    const group = await scim('GET', `/Groups/${groupId}`);
    expect(group.body.members.map((member: { value: string }) => member.value).sort()).toEqual([adaId, linusId].sort());
  });

  it('renames a group: members’ roles follow the new name at once', async () => {
    const renamed = await scim(
      'PATCH',
      `/Groups/${groupId}`,
      patch({ op: 'replace', value: { id: groupId, displayName: 'Admins' } }),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Admins');
    expect((await me(adaBrowser)).user).toMatchObject({ roles: ['admin'], groups: ['Admins'], role: 'owner' });
    expect((await me(linusBrowser)).user.roles).toEqual(['admin']);
    const byOldName = await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}`);
    expect(byOldName.body.totalResults).toBe(0);
  });

  it('records every SCIM change in the tenant’s audit trail as actor scim', async () => {
    const audit = await cli('audit', TENANT);
    const types = new Set(
      (audit.output as Array<{ actor: string; type: string }>).filter((e) => e.actor === 'scim').map((e) => e.type),
    );
    for (const type of [
      'scim_user_created',
      'scim_user_updated',
      'scim_user_deactivated',
      'scim_user_reactivated',
      'scim_group_created',
      'scim_group_updated',
      'role_changed',
      'scim_groups_started',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(JSON.stringify(audit.output)).not.toContain('Okta-generated');
    expect(JSON.stringify(audit.output)).not.toContain(token);
  });

  it('shows the SCIM base URL in tenant get', async () => {
    const got = await cli('get', TENANT);
    expect(got.output.okta.scim.baseUrl).toBe(`${env.stack.url}/t/${TENANT}/scim/v2`);
  });
});
