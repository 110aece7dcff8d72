/**
 * `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) through the
 * local stack, as a SCIM client sends them: on GET of one resource, on
 * listings with and without a filter, and on what POST, PUT and PATCH answer
 * with, by attribute, sub-attribute or full URN; a bad parameter refused
 * before anything is written. And no `meta.version` nor `ETag`: the service
 * says `etag.supported: false`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { TENANT } from '../support/misbehaving-stack.ts';
import { GROUP_SCHEMA, oktaUser, patch, type ScimResponse, scimClient, USER_SCHEMA } from '../support/scim-client.ts';

let scim: ReturnType<typeof scimClient>;

test.beforeAll(async ({ stack }) => {
  const token = (await cli('scim-token', TENANT)).output.token as string;
  scim = scimClient(stack.stack.url, TENANT, () => token);
});

const param = (name: string, value: string) => `${name}=${encodeURIComponent(value)}`;
const byUserName = (userName: string) => param('filter', `userName eq "${userName}"`);

/** Nothing of a resource anywhere in a response says a version. */
function expectNoVersion(response: ScimResponse): void {
  expect(response.headers.get('etag')).toBeNull();
  expect(JSON.stringify(response.body)).not.toContain('"version"');
}

describe('attributes and excludedAttributes on Users', () => {
  let id: string;
  const userName = 'ada@acme.example';

  it('answers a POST with what attributes asks for, sub-attributes alone', async () => {
    const created = await scim(
      'POST',
      `/Users?${param('attributes', 'userName,name.givenName')}`,
      oktaUser({ userName, givenName: 'Ada', familyName: 'Lovelace', externalId: '00u1ada0attributes1' }),
    );
    expect(created.status).toBe(201);
    id = created.body.id;
    expect(created.body).toEqual({ schemas: [USER_SCHEMA], id, userName, name: { givenName: 'Ada' } });
    expect(created.headers.get('location')).toMatch(new RegExp(`/Users/${id}$`));
  });

  it('projects GET of one user by full URN and case-insensitively', async () => {
    const read = await scim('GET', `/Users/${id}?${param('attributes', `${USER_SCHEMA}:EMAILS.VALUE,active`)}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ schemas: [USER_SCHEMA], id, emails: [{ value: userName }], active: true });
  });

  it('projects each user of a filtered and of an unfiltered listing', async () => {
    const filtered = await scim('GET', `/Users?${byUserName(userName)}&excludedAttributes=emails,groups,meta.created`);
    expect(filtered.body.totalResults).toBe(1);
    const [user] = filtered.body.Resources;
    expect(user).toMatchObject({ id, userName, name: { givenName: 'Ada', familyName: 'Lovelace' } });
    expect(user).not.toHaveProperty('emails');
    expect(user).not.toHaveProperty('groups');
    expect(Object.keys(user.meta).sort()).toEqual(['lastModified', 'location', 'resourceType']);
    const listed = await scim('GET', '/Users?attributes=userName');
    expect(listed.body.Resources).toEqual([{ schemas: [USER_SCHEMA], id, userName }]);
  });

  it('answers PUT and PATCH with the selection, and writes what they say', async () => {
    const replaced = await scim(
      'PUT',
      `/Users/${id}?attributes=name`,
      oktaUser({ userName, givenName: 'Augusta', familyName: 'King', externalId: '00u1ada0attributes1' }),
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ schemas: [USER_SCHEMA], id, name: { givenName: 'Augusta', familyName: 'King' } });
    const patched = await scim(
      'PATCH',
      `/Users/${id}?excludedAttributes=meta,emails,groups,name,externalId`,
      patch({ op: 'replace', value: { displayName: 'Countess' } }),
    );
    expect(patched.body).toEqual({ schemas: [USER_SCHEMA], id, userName, displayName: 'Countess', active: true });
    expect((await scim('GET', `/Users/${id}`)).body).toMatchObject({
      name: { givenName: 'Augusta', familyName: 'King' },
      displayName: 'Countess',
    });
  });

  it('refuses a repeated parameter with 400 before writing anything', async () => {
    const refused = await scim(
      'POST',
      '/Users?attributes=userName&attributes=id',
      oktaUser({ userName: 'grace@acme.example', givenName: 'Grace', familyName: 'Hopper' }),
    );
    expect(refused.status).toBe(400);
    expect((await scim('GET', `/Users?${byUserName('grace@acme.example')}`)).body.totalResults).toBe(0);
  });
});

describe('attributes and excludedAttributes on Groups', () => {
  let userId: string;
  let groupId: string;

  beforeAll(async () => {
    const created = await scim(
      'POST',
      '/Users',
      oktaUser({
        userName: 'linus@acme.example',
        givenName: 'Linus',
        familyName: 'T',
        externalId: '00u1linus0attrib01',
      }),
    );
    userId = created.body.id;
  });

  it('answers a Group POST, PATCH and PUT with the selection', async () => {
    const created = await scim('POST', '/Groups?attributes=members.value', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [{ value: userId }],
    });
    expect(created.status).toBe(201);
    groupId = created.body.id;
    expect(created.body).toEqual({ schemas: [GROUP_SCHEMA], id: groupId, members: [{ value: userId }] });
    const patched = await scim(
      'PATCH',
      `/Groups/${groupId}?excludedAttributes=members,meta`,
      patch({ op: 'replace', value: { displayName: 'Platform' } }),
    );
    expect(patched.body).toEqual({ schemas: [GROUP_SCHEMA], id: groupId, displayName: 'Platform' });
    const replaced = await scim('PUT', `/Groups/${groupId}?${param('attributes', `${GROUP_SCHEMA}:displayName`)}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'Platform',
      members: [{ value: userId }],
    });
    expect(replaced.body).toEqual({ schemas: [GROUP_SCHEMA], id: groupId, displayName: 'Platform' });
  });

  it('projects GET of one group and of listings; members still only when asked for in a listing', async () => {
    const one = await scim('GET', `/Groups/${groupId}?excludedAttributes=members.$ref,members.type,meta`);
    expect(one.body).toEqual({
      schemas: [GROUP_SCHEMA],
      id: groupId,
      displayName: 'Platform',
      members: [{ value: userId }],
    });
    const filtered = await scim(
      'GET',
      `/Groups?${param('filter', 'displayName eq "Platform"')}&attributes=displayName,members.value`,
    );
    expect(filtered.body.Resources).toEqual([
      { schemas: [GROUP_SCHEMA], id: groupId, displayName: 'Platform', members: [{ value: userId }] },
    ]);
    const listed = await scim('GET', '/Groups?excludedAttributes=meta');
    expect(listed.body.Resources).toEqual([{ schemas: [GROUP_SCHEMA], id: groupId, displayName: 'Platform' }]);
  });
});

describe('no ETags', () => {
  it('says so in ServiceProviderConfig, and no resource carries meta.version or an ETag header', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    expect(config.body.etag).toEqual({ supported: false });
    const users = await scim('GET', '/Users');
    expect(users.body.totalResults).toBeGreaterThan(0);
    expectNoVersion(users);
    const [user] = users.body.Resources;
    expectNoVersion(await scim('GET', `/Users/${user.id}`));
    const groups = await scim('GET', '/Groups?attributes=members,meta');
    expect(groups.body.totalResults).toBeGreaterThan(0);
    expectNoVersion(groups);
    expectNoVersion(await scim('GET', `/Groups/${groups.body.Resources[0].id}`));
    expectNoVersion(await scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { active: true } })));
  });
});
