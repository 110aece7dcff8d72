import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { attributeSelection } from '../../shared/scim/attributes.ts';
import { groupResource } from '../../shared/scim/group-resource.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from '../../shared/scim/schemas.ts';
import { userResource } from '../../shared/scim/user-resource.ts';
import { scimEndpoint } from '../support/scim-endpoint.ts';
import { testUser } from '../support/test-user.ts';

const BASE = 'https://svc.example/t/acme/scim/v2';
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
    emails: [
      { value: 'ada@acme.example', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home', primary: undefined },
    ],
  },
  scimGroups: { g_1: 'Engineering' },
  version: 3,
});
const resource = userResource(user, BASE);
const project = (query: string) =>
  attributeSelection({ rawQueryString: query } as APIGatewayProxyEventV2, [
    USER_SCHEMA,
    ENTERPRISE_USER_SCHEMA,
  ]).project(resource);
const always = { schemas: [USER_SCHEMA], id: user.userId };
const q = (name: string, value: string) => `${name}=${encodeURIComponent(value)}`;

describe('a projection of a User', () => {
  it.each([
    ['attributes=userName', { ...always, userName: 'ada@acme.example' }],
    ['attributes=id', always],
    ['attributes=name.givenName', { ...always, name: { givenName: 'Ada' } }],
    [q('attributes', `${USER_SCHEMA}:name.givenName`), { ...always, name: { givenName: 'Ada' } }],
    ['attributes=NAME.GIVENNAME', { ...always, name: { givenName: 'Ada' } }],
    ['attributes=name', { ...always, name: { givenName: 'Ada', familyName: 'Lovelace' } }],
    ['attributes=emails.value', { ...always, emails: [{ value: 'ada@acme.example' }, { value: 'ada@home.example' }] }],
    [
      'attributes=emails.value,emails.primary',
      { ...always, emails: [{ value: 'ada@acme.example', primary: true }, { value: 'ada@home.example' }] },
    ],
    // A sub-attribute no email has leaves no empty entries behind.
    ['attributes=emails.display', always],
    ['attributes=name.givenName,name', { ...always, name: { givenName: 'Ada', familyName: 'Lovelace' } }],
    ['attributes=meta.location', { ...always, meta: { location: `${BASE}/Users/${user.userId}` } }],
    ['attributes=groups.display', { ...always, groups: [{ display: 'Engineering' }] }],
    // Names the resource does not have select nothing (RFC 7644 §3.9 allows it), never a 400.
    ['attributes=name.nickName,shoeSize,userName.first', always],
    [q('attributes', `${ENTERPRISE_USER_SCHEMA}:employeeNumber`), always],
    [q('attributes', ' userName , active '), { ...always, userName: 'ada@acme.example', active: true }],
  ])('%s', (query, expected) => {
    expect(project(query)).toEqual(expected);
  });

  it('excludes whole attributes and sub-attributes, never id or schemas', () => {
    const { schemas, id, emails, groups, meta, name, ...rest } = resource as Record<string, unknown>;
    expect(project('excludedAttributes=emails,groups,meta,name,id,schemas')).toEqual({ schemas, id, ...rest });
    const trimmed = project(`excludedAttributes=emails.type,${encodeURIComponent(`${USER_SCHEMA}:meta.location`)}`);
    expect(trimmed.emails).toEqual([{ value: 'ada@acme.example', primary: true }, { value: 'ada@home.example' }]);
    expect(trimmed.meta).toEqual({ resourceType: 'User', created: user.createdAt, lastModified: user.createdAt });
    expect(trimmed.name).toEqual(name);
    // Every sub-attribute excluded leaves no empty object.
    expect(project('excludedAttributes=name.givenName,name.familyName')).not.toHaveProperty('name');
    // A sub-attribute of a simple attribute does not exist: nothing to exclude.
    expect(project('excludedAttributes=userName.first').userName).toBe('ada@acme.example');
    expect(emails && groups && meta).toBeTruthy();
  });

  it('lets attributes win when both are given, and ignores empty lists', () => {
    expect(project('attributes=userName&excludedAttributes=userName')).toEqual({
      ...always,
      userName: 'ada@acme.example',
    });
    expect(project('attributes=&excludedAttributes=')).toEqual(resource);
    expect(project('attributes=%2C%2C')).toEqual(resource);
  });

  it('says which top-level attributes to read: sub-attributes count for their attribute', () => {
    const selection = (query: string) =>
      attributeSelection({ rawQueryString: query } as APIGatewayProxyEventV2, [GROUP_SCHEMA]);
    expect(selection('attributes=members.value').includes('members', false)).toBe(true);
    expect(selection('excludedAttributes=members.value').includes('members', true)).toBe(true);
    expect(selection('excludedAttributes=members').includes('members', true)).toBe(false);
    expect(selection('attributes=displayName').includes('members', true)).toBe(false);
  });
});

describe('no meta.version without ETag support', () => {
  it('is in neither resource', () => {
    expect(resource.meta).not.toHaveProperty('version');
    const group = groupResource(
      {
        tenantId: 'acme',
        groupId: 'g_1',
        displayName: 'Eng',
        externalId: undefined,
        createdAt: user.createdAt,
        updatedAt: user.createdAt,
        version: 4,
      },
      [],
      BASE,
    );
    expect(group.meta).not.toHaveProperty('version');
  });
});

describe('every User and Group response applies the selection', () => {
  const { call: send } = scimEndpoint();
  const call = async (method: string, proxy: string, query = '', body?: unknown) => {
    const result = await send(method, proxy, query, body);
    return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body || 'null') };
  };
  const grace = {
    schemas: [USER_SCHEMA],
    userName: 'grace@acme.example',
    externalId: '00u2',
    name: { givenName: 'Grace', familyName: 'Hopper' },
    emails: [{ value: 'grace@acme.example', type: 'work', primary: true }],
    active: true,
  };

  it('on Users: POST, GET, listings, PUT and PATCH', async () => {
    const created = await call('POST', 'Users', 'attributes=userName', grace);
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toEqual({ schemas: [USER_SCHEMA], id, userName: 'grace@acme.example' });
    expect(created.headers.location).toBe(`${BASE}/Users/${id}`);

    const one = await call('GET', `Users/${id}`, q('attributes', `${USER_SCHEMA}:name.givenName`));
    expect(one.body).toEqual({ schemas: [USER_SCHEMA], id, name: { givenName: 'Grace' } });

    const filtered = await call(
      'GET',
      'Users',
      `${q('filter', 'userName eq "grace@acme.example"')}&attributes=emails.value`,
    );
    expect(filtered.body.Resources).toEqual([
      { schemas: [USER_SCHEMA], id, emails: [{ value: 'grace@acme.example' }] },
    ]);
    expect(filtered.body.totalResults).toBe(1);

    const listed = await call('GET', 'Users', 'excludedAttributes=emails,groups,meta');
    expect(listed.body.Resources[0]).toEqual({
      schemas: [USER_SCHEMA],
      id,
      externalId: '00u2',
      userName: 'grace@acme.example',
      name: { givenName: 'Grace', familyName: 'Hopper' },
      active: true,
    });

    const replaced = await call('PUT', `Users/${id}`, 'attributes=displayName', { ...grace, displayName: 'Amazing' });
    expect(replaced.body).toEqual({ schemas: [USER_SCHEMA], id, displayName: 'Amazing' });

    const deactivated = await call('PATCH', `Users/${id}`, 'attributes=active', {
      schemas: [PATCH_OP_SCHEMA],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(deactivated.body).toEqual({ schemas: [USER_SCHEMA], id, active: false });
  });

  it('on Groups: POST, PUT and PATCH answer with the selection; GET trims members to the sub-attributes asked', async () => {
    const member = (await call('POST', 'Users', '', { ...grace, userName: 'm@acme.example', externalId: '00u3' })).body
      .id;
    const created = await call('POST', 'Groups', 'attributes=displayName', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Eng',
      members: [{ value: member }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toEqual({ schemas: [GROUP_SCHEMA], id, displayName: 'Eng' });

    const replaced = await call('PUT', `Groups/${id}`, 'excludedAttributes=members,meta', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [{ value: member }],
    });
    expect(replaced.body).toEqual({ schemas: [GROUP_SCHEMA], id, displayName: 'Engineering' });

    const patched = await call('PATCH', `Groups/${id}`, 'attributes=members.value', {
      schemas: [PATCH_OP_SCHEMA],
      Operations: [{ op: 'replace', value: { displayName: 'Platform' } }],
    });
    expect(patched.body).toEqual({ schemas: [GROUP_SCHEMA], id, members: [{ value: member }] });

    const read = await call('GET', `Groups/${id}`, 'attributes=members.value,displayName');
    expect(read.body).toEqual({ schemas: [GROUP_SCHEMA], id, displayName: 'Platform', members: [{ value: member }] });
    const listed = await call('GET', 'Groups', `${q('filter', 'displayName eq "Platform"')}&attributes=members.type`);
    expect(listed.body.Resources).toEqual([{ schemas: [GROUP_SCHEMA], id, members: [{ type: 'User' }] }]);
  });

  it('says etag unsupported and sends no ETag header', async () => {
    const config = await call('GET', 'ServiceProviderConfig');
    expect(config.body.etag).toEqual({ supported: false });
    const created = await call('POST', 'Users', '', { ...grace, userName: 'e@acme.example', externalId: '00u4' });
    expect(created.body.meta).not.toHaveProperty('version');
    expect(Object.keys(created.headers).map((name) => name.toLowerCase())).not.toContain('etag');
  });
});
