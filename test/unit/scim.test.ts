/**
 * The SCIM domain's tables: which filters are answered, how each PATCH form
 * Okta sends lands, what a User and a Group body become, and the handler's
 * answers over the in-memory ports.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../shared/errors.ts';
import { describeError } from '../../shared/http/error-catalogue.ts';
import { attributeSelection } from '../../shared/scim/attributes.ts';
import { hashScimToken } from '../../shared/scim/auth.ts';
import { equalityFilter } from '../../shared/scim/filter.ts';
import { newGroupId, readGroup } from '../../shared/scim/group-resource.ts';
import { MAX_LISTED_MEMBERS } from '../../shared/scim/groups.ts';
import { applyPatch } from '../../shared/scim/patch.ts';
import { handleScim } from '../../shared/scim/routes.ts';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  MAX_GROUP_MEMBERS,
  PATCH_OP_SCHEMA,
  USER_SCHEMA,
} from '../../shared/scim/schemas.ts';
import { readUser, userResource } from '../../shared/scim/user-resource.ts';
import { buildTenantConfig } from '../../shared/tenants.ts';
import { InMemoryScimDirectory, InMemoryTenantStore } from '../support/in-memory-stores.ts';
import { scimEndpoint } from '../support/scim-endpoint.ts';
import { testUser } from '../support/test-user.ts';

const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof ServiceError ? `${error.code}:${error.reason}` : String(error);
  }
  return 'ok';
};

describe('filters', () => {
  const users = (text: string) => equalityFilter(text, USER_SCHEMA, ['userName', 'externalId'] as const);
  it.each([
    ['userName eq "ada@acme.example"', { attribute: 'userName', value: 'ada@acme.example' }],
    ['USERNAME Eq "Ada"', { attribute: 'userName', value: 'Ada' }],
    [`${USER_SCHEMA}:userName eq "a"`, { attribute: 'userName', value: 'a' }],
    ['externalId eq "00u1"', { attribute: 'externalId', value: '00u1' }],
    ['userName eq "quote \\" inside"', { attribute: 'userName', value: 'quote " inside' }],
  ])('answers %s', (text, expected) => {
    expect(users(text)).toEqual(expected);
  });

  it.each([
    'userName sw "a"',
    'userName ne "a"',
    'userName pr',
    'displayName eq "x"',
    'userName eq "a" and externalId eq "b"',
    'not (userName eq "a")',
    'emails[type eq "work"]',
    'userName eq 42',
    'userName eq',
    '"',
    `userName eq "${'a'.repeat(1100)}"`,
  ])('refuses %s with invalidFilter', (text) => {
    expect(reason(() => users(text))).toBe('SCIM_INVALID:scim_filter');
  });

  it('has no filter for an absent or empty one', () => {
    expect(users('')).toBeUndefined();
    expect(equalityFilter(undefined, GROUP_SCHEMA, ['displayName'] as const)).toBeUndefined();
  });
});

const user = testUser({
  tenantId: 'acme',
  userId: `u_${'A'.repeat(32)}`,
  issuer: 'https://acme.okta.example',
  sub: '00u1',
  email: 'ada@acme.example',
  emailVerified: true,
  name: 'Ada Lovelace',
  createdAt: '2026-11-01T00:00:00.000Z',
  userName: 'ada@acme.example',
  scim: {
    userName: 'ada@acme.example',
    externalId: '00u1',
    givenName: 'Ada',
    familyName: 'Lovelace',
    displayName: 'Ada Lovelace',
    emails: [{ value: 'ada@acme.example', type: 'work', primary: true }],
  },
  scimGroups: { g_1: 'Engineering' },
  version: 3,
});
const resource = userResource(user, 'https://svc/t/acme/scim/v2');
const patched = (...ops: unknown[]) =>
  readUser(applyPatch(resource, { schemas: [PATCH_OP_SCHEMA], Operations: ops }), { requireSchema: false });

describe('PATCH forms Okta sends', () => {
  it.each([
    ['replace without path', { op: 'replace', value: { active: false } }, { active: false }],
    ['replace path active', { op: 'replace', path: 'active', value: false }, { active: false }],
    ['Replace (capitalised), "False"', { op: 'Replace', path: 'active', value: 'False' }, { active: false }],
    ['reactivate', { op: 'replace', value: { active: true } }, { active: true }],
  ])('%s', (_name, op, expected) => {
    expect(patched(op)).toMatchObject(expected);
  });

  it('changes profile attributes by path and by value object', () => {
    expect(patched({ op: 'replace', path: 'name.familyName', value: 'King' }).profile.familyName).toBe('King');
    expect(
      patched({ op: 'replace', value: { displayName: 'Countess', 'name.givenName': 'Augusta' } }).profile,
    ).toMatchObject({
      displayName: 'Countess',
      givenName: 'Augusta',
    });
    expect(
      patched({ op: 'replace', path: 'emails[type eq "work"].value', value: 'ada@lovelace.example' }).profile.emails[0]
        ?.value,
    ).toBe('ada@lovelace.example');
  });

  it.each([
    ['not a PatchOp', { Operations: [{ op: 'replace', path: 'active', value: false }] }, 'SCIM_INVALID:scim_patch'],
    ['unknown op', { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'move', path: 'x' }] }, 'SCIM_INVALID:scim_patch'],
    [
      'remove without path',
      { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'remove' }] },
      'SCIM_INVALID:scim_patch_path',
    ],
    [
      'no target',
      { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'emails[type eq "home"].value', value: 'x' }] },
      'SCIM_INVALID:scim_patch_target',
    ],
  ])('refuses %s', (_name, body, expected) => {
    expect(reason(() => applyPatch(resource, body))).toBe(expected);
  });

  it('refuses what the schema does not have, after patching', () => {
    expect(reason(() => patched({ op: 'add', path: 'favouriteColour', value: 'red' }))).toBe(
      'SCIM_INVALID:scim_unknown_attribute',
    );
  });
});

describe('User bodies', () => {
  const okta = {
    schemas: [USER_SCHEMA],
    userName: 'grace@acme.example',
    name: { givenName: 'Grace', familyName: 'Hopper' },
    emails: [{ primary: true, value: 'grace@acme.example', type: 'work' }],
    displayName: 'Grace Hopper',
    locale: 'en-US',
    externalId: '00u2',
    groups: [],
    password: 'secret-from-okta',
    active: true,
  };

  it('keeps what the service uses and drops the password', () => {
    const input = readUser(okta, { requireSchema: true });
    expect(input).toEqual({
      active: true,
      profile: {
        userName: 'grace@acme.example',
        externalId: '00u2',
        givenName: 'Grace',
        familyName: 'Hopper',
        displayName: 'Grace Hopper',
        emails: [{ value: 'grace@acme.example', type: 'work', primary: true }],
      },
    });
    expect(JSON.stringify(input)).not.toContain('secret-from-okta');
  });

  it.each([
    ['no schema', { ...okta, schemas: [] }, 'SCIM_INVALID:scim_schema'],
    ['unknown attribute', { ...okta, shoeSize: 9 }, 'SCIM_INVALID:scim_unknown_attribute'],
    ['empty userName', { ...okta, userName: ' ' }, 'SCIM_INVALID:scim_value'],
    ['control characters', { ...okta, displayName: 'a\u0000b' }, 'SCIM_INVALID:scim_value'],
    ['externalId with spaces', { ...okta, externalId: 'a b' }, 'SCIM_INVALID:scim_value'],
    ['emails not a list', { ...okta, emails: 'x' }, 'SCIM_INVALID:scim_value'],
    ['email without value', { ...okta, emails: [{ type: 'work' }] }, 'SCIM_INVALID:scim_value'],
  ])('refuses %s', (_name, body, expected) => {
    expect(reason(() => readUser(body as Record<string, unknown>, { requireSchema: true }))).toBe(expected);
  });

  it('shows the user as a SCIM resource: active from Okta’s view, groups read-only', () => {
    expect(resource).toMatchObject({
      id: user.userId,
      userName: 'ada@acme.example',
      externalId: '00u1',
      active: true,
      groups: [{ value: 'g_1', display: 'Engineering' }],
      meta: { resourceType: 'User', location: `https://svc/t/acme/scim/v2/Users/${user.userId}` },
    });
    // A user only a login knows: what the login brought.
    expect(userResource({ ...user, scim: undefined, scimGroups: undefined }, 'https://svc')).toMatchObject({
      userName: 'ada@acme.example',
      displayName: 'Ada Lovelace',
      emails: [{ value: 'ada@acme.example', primary: true }],
      groups: [],
    });
  });
});

describe('Group bodies and member PATCHes', () => {
  const group = {
    schemas: [GROUP_SCHEMA],
    id: 'g_1',
    displayName: 'Engineering',
    members: [{ value: 'u_1' }, { value: 'u_2' }],
  };
  const patchedGroup = (...ops: unknown[]) =>
    readGroup(applyPatch(group, { schemas: [PATCH_OP_SCHEMA], Operations: ops }), { requireSchema: false });

  it.each([
    [
      'add members',
      { op: 'add', path: 'members', value: [{ value: 'u_3', display: 'c' }, { value: 'u_1' }] },
      ['u_1', 'u_2', 'u_3'],
    ],
    ['remove by value filter', { op: 'remove', path: 'members[value eq "u_1"]' }, ['u_2']],
    ['remove someone absent', { op: 'remove', path: 'members[value eq "u_9"]' }, ['u_1', 'u_2']],
    ['remove a list', { op: 'remove', path: 'members', value: [{ value: 'u_2' }] }, ['u_1']],
    ['replace all members', { op: 'replace', path: 'members', value: [{ value: 'u_4' }] }, ['u_4']],
  ])('%s', (_name, op, members) => {
    expect(patchedGroup(op).members).toEqual(members);
  });

  it('renames with a value object, as Okta does', () => {
    expect(patchedGroup({ op: 'replace', value: { id: 'g_1', displayName: 'Admins' } }).displayName).toBe('Admins');
  });

  it('refuses groups without a name, unknown attributes and oversized member lists', () => {
    expect(reason(() => readGroup({ schemas: [GROUP_SCHEMA] }, { requireSchema: true }))).toBe(
      'SCIM_INVALID:scim_value',
    );
    expect(reason(() => readGroup({ ...group, owner: 'x' }, { requireSchema: true }))).toBe(
      'SCIM_INVALID:scim_unknown_attribute',
    );
    const many = Array.from({ length: 5001 }, (_, i) => ({ value: `u_${i}` }));
    expect(reason(() => readGroup({ ...group, members: many }, { requireSchema: true }))).toBe(
      'SCIM_INVALID:scim_too_many_members',
    );
  });
});

describe('the handler over in-memory ports', () => {
  const tenants = new InMemoryTenantStore();
  const scim = new InMemoryScimDirectory(tenants.table);
  const config = buildTenantConfig(
    { tenantId: 'acme', issuer: 'https://acme.okta.example', clientId: '0oa1' },
    { allowLoopback: false, now: new Date() },
  );
  tenants.tenants.set('acme', config);
  const token = 'T'.repeat(43);
  scim.table.scimTokens.set('acme', hashScimToken(token));
  const deps = {
    config: { publicUrl: 'https://svc.example' },
    scim,
    audit: { append: async () => undefined, list: async () => [] },
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => new Date(),
  };
  const event = (method: string, proxy: string, authorization?: string, body?: unknown): APIGatewayProxyEventV2 =>
    ({
      routeKey: 'ANY /t/{tenant}/scim/v2/{proxy+}',
      rawPath: `/t/acme/scim/v2/${proxy}`,
      rawQueryString: '',
      headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/scim+json' },
      pathParameters: { tenant: 'acme', proxy },
      requestContext: { http: { method } },
      ...(body ? { body: JSON.stringify(body), isBase64Encoded: false } : {}),
    }) as unknown as APIGatewayProxyEventV2;

  it('authenticates before routing, and routes by resource and method', async () => {
    await expect(handleScim(deps, event('GET', 'Users'))).rejects.toMatchObject({ code: 'SCIM_UNAUTHORIZED' });
    await expect(handleScim(deps, event('GET', 'Nope', `Bearer ${'X'.repeat(43)}`))).rejects.toMatchObject({
      code: 'SCIM_UNAUTHORIZED',
    });
    const listed = await handleScim(deps, event('GET', 'Users', `Bearer ${token}`));
    expect(JSON.parse(listed.body as string)).toMatchObject({ totalResults: 0 });
    await expect(handleScim(deps, event('PATCH', 'Users', `Bearer ${token}`))).rejects.toMatchObject({
      code: 'SCIM_METHOD_NOT_ALLOWED',
    });
    const created = await handleScim(
      deps,
      event('POST', 'Users', `bearer ${token}`, {
        schemas: [USER_SCHEMA],
        userName: 'a@acme.example',
        externalId: '00ua',
      }),
    );
    expect(created.statusCode).toBe(201);
  });
});

describe('which attributes a response carries (attributes, excludedAttributes)', () => {
  const selection = (query: string, schemas = [GROUP_SCHEMA]) =>
    attributeSelection({ rawQueryString: query } as APIGatewayProxyEventV2, schemas);
  it.each([
    ['', 'members', false, false],
    ['', 'displayName', true, true],
    ['attributes=members', 'members', false, true],
    ['attributes=MEMBERS,displayName', 'members', false, true],
    [`attributes=${encodeURIComponent(`${GROUP_SCHEMA}:members`)}`, 'members', false, true],
    ['attributes=members.value', 'members', false, true],
    ['attributes=members', 'displayName', true, false],
    ['attributes=members', 'id', true, true],
    ['attributes=', 'members', false, false],
    ['excludedAttributes=members', 'members', true, false],
    ['excludedAttributes=%20Members%20', 'members', true, false],
    ['excludedAttributes=members', 'displayName', true, true],
    ['excludedAttributes=id,schemas', 'id', true, true],
    ['attributes=displayName&excludedAttributes=displayName', 'displayName', true, true],
  ])('%s: %s (by default %s) is %s', (query, name, byDefault, expected) => {
    expect(selection(query).includes(name, byDefault)).toBe(expected);
  });

  it('selects an extension object by any of its attributes', () => {
    const chosen = selection(`attributes=${ENTERPRISE_USER_SCHEMA}:employeeNumber`, [
      USER_SCHEMA,
      ENTERPRISE_USER_SCHEMA,
    ]);
    expect(chosen.includes(ENTERPRISE_USER_SCHEMA, true)).toBe(true);
    expect(chosen.includes('userName', true)).toBe(false);
  });

  it('keeps schemas and id in every projection', () => {
    const resource = { schemas: [GROUP_SCHEMA], id: 'g', displayName: 'Eng', members: [], meta: {} };
    expect(Object.keys(selection('attributes=members').project(resource))).toEqual(['schemas', 'id', 'members']);
    expect(Object.keys(selection('excludedAttributes=meta,members').project(resource))).toEqual([
      'schemas',
      'id',
      'displayName',
    ]);
  });
});

describe('group members: asked for in lists, bounded in what is read', () => {
  const { scim, call } = scimEndpoint();
  const get = (proxy: string, query = '') =>
    call('GET', proxy, query).then((result) => JSON.parse(result.body as string));
  /** The error a call fails with, as the SCIM endpoint describes it. */
  const refusal = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof ServiceError)) throw new Error(`expected a ServiceError, got ${String(error)}`);
    return { reason: error.reason, ...describeError(error) };
  };
  const now = new Date().toISOString();
  const addGroup = (displayName: string, members: number) => {
    const groupId = newGroupId();
    scim.table.groups.set(`acme/${groupId}`, {
      tenantId: 'acme',
      groupId,
      displayName,
      externalId: undefined,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    scim.table.groupNames.set(`acme/${displayName.toLowerCase()}`, groupId);
    for (let i = 0; i < members; i++) addMember(groupId, i);
    return groupId;
  };
  // Distinct user ids per group, in the shape of real ones.
  const addMember = (groupId: string, i: number) =>
    scim.table.members.add(`acme/${groupId}/u_${groupId.slice(2, 18)}${String(i).padStart(16, '0')}`);
  /** Member items read by `call`. */
  const reads = async <T>(call: () => Promise<T>) => {
    const before = scim.membersRead;
    const result = await call();
    return { result, read: scim.membersRead - before };
  };

  const first = addGroup('First', MAX_LISTED_MEMBERS - 400);
  const second = addGroup('Second', 400);

  it('lists groups without members unless attributes asks for them, and reads none', async () => {
    const { result, read } = await reads(() => get('Groups'));
    expect(result.totalResults).toBe(2);
    for (const group of result.Resources) {
      expect(group).toMatchObject({ displayName: expect.any(String), meta: expect.any(Object) });
      expect(group.members).toBeUndefined();
    }
    expect(read).toBe(0);
    const filtered = await get('Groups', `filter=${encodeURIComponent('displayName eq "First"')}`);
    expect(filtered.Resources).toEqual([expect.objectContaining({ id: first })]);
    expect(filtered.Resources[0].members).toBeUndefined();
  });

  it('returns every member of the page when asked, up to the limit in all', async () => {
    const listed = await get('Groups', 'attributes=members');
    const sizes = Object.fromEntries(
      listed.Resources.map((group: { id: string; members: unknown[] }) => [group.id, group.members.length]),
    );
    expect(sizes).toEqual({ [first]: MAX_LISTED_MEMBERS - 400, [second]: 400 });
    // attributes overrides the default set: id and schemas stay, displayName comes only when named.
    expect(listed.Resources[0].displayName).toBeUndefined();
    expect(listed.Resources[0].schemas).toEqual([GROUP_SCHEMA]);
    const named = await get('Groups', `attributes=displayName,${GROUP_SCHEMA}:members.value`);
    expect(
      named.Resources.every(
        (group: { displayName?: string; members?: unknown[] }) => group.displayName && group.members,
      ),
    ).toBe(true);
  });

  it('refuses a page with more members than the limit with 400 tooMany, having read at most the limit + 1', async () => {
    addMember(second, 400);
    const over = await refusal(get('Groups', 'attributes=members'));
    expect(over).toMatchObject({ status: 400, scimType: 'tooMany', reason: 'scim_members_over_list_limit' });
    expect(over.message).toContain('GET /Groups/{id}');
    // However large the groups, the refusal costs the budget, not their size.
    const third = addGroup('Third', 2 * MAX_LISTED_MEMBERS);
    const { result, read } = await reads(() => refusal(get('Groups', 'attributes=members')));
    expect(result.scimType).toBe('tooMany');
    expect(read).toBeLessThanOrEqual(MAX_LISTED_MEMBERS + 1);
    // What the words point at works: one group by name, or by id.
    const one = await get('Groups', `filter=${encodeURIComponent('displayName eq "Second"')}&attributes=members`);
    expect(one.Resources[0].members).toHaveLength(401);
    expect((await get(`Groups/${third}`)).members).toHaveLength(2 * MAX_LISTED_MEMBERS);
  });

  it('returns a group of the largest size a write allows whole; beyond it 400 tooMany after reading that + 1', async () => {
    const largest = addGroup('Largest', MAX_GROUP_MEMBERS);
    expect((await get(`Groups/${largest}`)).members).toHaveLength(MAX_GROUP_MEMBERS);
    addMember(largest, MAX_GROUP_MEMBERS);
    const { result, read } = await reads(() => refusal(get(`Groups/${largest}`)));
    expect(result).toMatchObject({ status: 400, scimType: 'tooMany', reason: 'scim_members_over_group_limit' });
    expect(read).toBe(MAX_GROUP_MEMBERS + 1);
    // Without members it is a single read of the group, members unread.
    const bare = await reads(() => get(`Groups/${largest}`, 'excludedAttributes=members'));
    expect(bare.result).toMatchObject({ id: largest, displayName: 'Largest' });
    expect(bare.result.members).toBeUndefined();
    expect(bare.read).toBe(0);
  });
});
