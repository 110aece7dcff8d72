/**
 * The login write as data: the condition language both stores carry out
 * (`conditional-write.ts`), what each kind of login plans and what each
 * refusal means (`login-write.ts`), the DynamoDB translation of a plan
 * (`planned-items.ts`), and provisioning's next write after each refusal,
 * over a scripted store. Whether both stores carry a plan out alike is the
 * store contract's (test/integration/store-contract.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { plannedTransactItem } from '../../shared/adapters/dynamodb/planned-items.ts';
import {
  type Attributes,
  anyOf,
  equals,
  explainRefusal,
  has,
  holds,
  itemAbsent,
  itemExists,
  lacks,
  not,
  type PlannedItem,
} from '../../shared/conditional-write.ts';
import { type LoginWrite, planLoginWrite } from '../../shared/login-write.ts';
import type { LoginRecord, LoginStore, LoginWriteOutcome, LoginWritePlan } from '../../shared/ports.ts';
import { provisionLogin } from '../../shared/provisioning.ts';
import { userIdFor } from '../../shared/users.ts';

const ISSUER = 'https://acme.okta.example';

function record(sub: string, fields: Partial<LoginRecord> = {}): LoginRecord {
  const userId = userIdFor(ISSUER, sub);
  return {
    tenantId: 'acme',
    userId,
    issuer: ISSUER,
    sub,
    profile: { email: undefined, emailVerified: undefined, name: 'Ada', groups: ['Eng'], roles: ['engineer'] },
    session: {
      tokenHash: `hash-${sub}`,
      tenantId: 'acme',
      userId,
      tenantGeneration: 'gen-1',
      createdAt: 1,
      createdAtMs: 1000,
      expiresAt: 2,
      lastSeenAt: 1,
    },
    now: '2026-11-22T12:00:00.000Z',
    rolesFrom: 'claim',
    ...fields,
  };
}

function write(fields: Partial<LoginWrite> = {}): LoginWrite {
  return {
    record: record('00ua'),
    found: 'existing',
    claimsOwner: false,
    previousRoles: undefined,
    claimUserName: true,
    initScimGroups: false,
    ...fields,
  };
}

const itemOf = (plan: LoginWritePlan, name: string) => {
  const item = plan.items.find((candidate) => candidate.name === name);
  if (!item) throw new Error(`no ${name} item`);
  return item;
};

/** What the plan says a login met, when only `name` was refused, the item there being `current`. */
const refusal = (plan: LoginWritePlan, name: string, current: Attributes | undefined) =>
  explainRefusal(plan.items, new Map([[itemOf(plan, name).name, current]]));

const ADA = { type: 'user', userId: userIdFor(ISSUER, '00ua'), sub: '00ua', roles: ['engineer'] };

describe('Function: holds', () => {
  it('reads an item as DynamoDB does: a comparison with a missing attribute is false', () => {
    const item = { type: 'user', roles: ['a', 'b'], adminDisabled: false };
    expect(holds(itemExists, item)).toBe(true);
    expect(holds(itemAbsent, undefined)).toBe(true);
    expect(holds(itemExists, undefined)).toBe(false);
    expect(holds(has('type'), item)).toBe(true);
    expect(holds(has('sub'), { sub: undefined })).toBe(false);
    expect(holds(lacks('sub'), item)).toBe(true);
    expect(holds(equals('roles', ['a', 'b']), item)).toBe(true);
    expect(holds(equals('roles', ['b', 'a']), item)).toBe(false);
    expect(holds(equals('sub', '00ua'), item)).toBe(false);
    expect(holds(not(equals('sub', '00ua')), item)).toBe(true);
    expect(holds(equals('adminDisabled', false), item)).toBe(true);
    expect(holds(anyOf(lacks('deactivated'), equals('deactivated', false)), item)).toBe(true);
    expect(holds(anyOf(has('sub'), equals('type', 'link')), item)).toBe(false);
  });
});

describe('Function: explainRefusal', () => {
  const outcome = (kind: string) => () => kind;
  const items: PlannedItem<'a' | 'b', string, string>[] = [
    {
      name: 'a',
      key: 'A',
      write: { check: true },
      guards: [
        { holds: itemExists, otherwise: outcome('a_missing') },
        { holds: equals('v', 1), otherwise: outcome('a_changed') },
      ],
    },
    { name: 'b', key: 'B', write: { put: {} }, guards: [{ holds: itemAbsent, otherwise: outcome('b_taken') }] },
  ];

  it('explains by the first refused item in the plan’s order, with its first guard that fails', () => {
    expect(explainRefusal(items, new Map([['b', { v: 1 }]]))).toBe('b_taken');
    expect(
      explainRefusal(
        items,
        new Map<'a' | 'b', Attributes | undefined>([
          ['b', { v: 1 }],
          ['a', { v: 2 }],
        ]),
      ),
    ).toBe('a_changed');
    expect(explainRefusal(items, new Map([['a', undefined]]))).toBe('a_missing');
  });

  it('explains nothing when every guard holds of the item as it was', () => {
    expect(explainRefusal(items, new Map([['a', { v: 1 }]]))).toBeUndefined();
  });
});

describe('Function: planLoginWrite', () => {
  it('writes a returning user and the session, checking nothing of the tenant', () => {
    const plan = planLoginWrite(write());
    expect(plan.items.map((item) => item.name)).toEqual(['user']);
    expect(itemOf(plan, 'user').write).toEqual({
      update: {
        set: { lastLoginAt: '2026-11-22T12:00:00.000Z', groups: ['Eng'], roles: ['engineer'], name: 'Ada' },
        remove: ['email', 'emailVerified'],
      },
    });
    expect(plan.session.tokenHash).toBe('hash-00ua');
    expect(plan.audit.map((event) => [event.type, event.details])).toEqual([
      ['login_succeeded', { provisioned: false, roles: ['engineer'] }],
    ]);
  });

  it('creates a tenant’s first user as owner with its userName, on the tenant it started for', () => {
    const rec = record('00ua', { profile: { ...record('00ua').profile, userName: 'Ada@acme.example' } });
    const plan = planLoginWrite(write({ record: rec, found: 'new', claimsOwner: true }));
    expect(plan.items.map((item) => item.name)).toEqual(['user', 'owner', 'tenant', 'userName']);
    expect(itemOf(plan, 'user').write).toMatchObject({ put: { role: 'owner', userName: 'Ada@acme.example' } });
    expect(itemOf(plan, 'tenant').write).toEqual({ update: { set: { hasOwner: true }, remove: [] } });
    expect(plan.audit.map((event) => event.type)).toEqual(['login_succeeded', 'owner_claimed']);
  });

  it('links a SCIM user found by userName: its id gets the sub, the login’s id a link to it', () => {
    const rec = { ...record('00ubob'), userId: 'u_scim' };
    const plan = planLoginWrite(write({ record: rec, found: 'userName' }));
    expect(plan.items.map((item) => [item.name, item.key])).toEqual([
      ['user', { kind: 'user', tenantId: 'acme', userId: 'u_scim' }],
      ['link', { kind: 'user', tenantId: 'acme', userId: userIdFor(ISSUER, '00ubob') }],
      ['tenant', { kind: 'tenant', tenantId: 'acme' }],
    ]);
    expect(itemOf(plan, 'user').write).toMatchObject({ update: { set: { issuer: ISSUER, sub: '00ubob' } } });
    expect(plan.audit[0]?.details).toMatchObject({ provisioned: false, linked: true });
  });

  it('says what an existing user’s item means when it refuses the write', () => {
    const plan = planLoginWrite(write());
    expect(refusal(plan, 'user', undefined)).toEqual({ kind: 'user_missing' });
    expect(refusal(plan, 'user', { type: 'user_link', userId: 'u_scim' })).toEqual({
      kind: 'linked',
      userId: 'u_scim',
    });
    expect(refusal(plan, 'user', { type: 'user_deleted', userId: 'u_x' })).toEqual({ kind: 'user_deleted' });
    expect(refusal(plan, 'user', { ...ADA, sub: '00uother' })).toEqual({ kind: 'not_linkable' });
    expect(refusal(plan, 'user', { ...ADA, roles: ['admin'] })).toEqual({
      kind: 'roles_changed',
      previousRoles: ['admin'],
    });
    expect(refusal(plan, 'user', { ...ADA, scimGroups: {} })).toEqual({ kind: 'roles_from_scim' });
  });

  it.each([
    [{ adminDisabled: true }, false],
    [{ adminDisabled: true, deactivated: true }, false],
    [{ adminDisabled: false, deactivated: true }, true],
    // Items of the previous version: one `disabled` flag, Okta's only when `deactivated` says so too.
    [{ disabled: true }, false],
    [{ disabled: true, deactivated: true }, true],
  ])('refuses a disabled user (%o) as deactivated by Okta: %s', (flags, deactivated) => {
    expect(refusal(planLoginWrite(write()), 'user', { ...ADA, ...flags })).toEqual({
      kind: 'user_disabled',
      deactivated,
    });
  });

  it('reads a leftover `disabled` flag only on an item without the administrator’s own flag', () => {
    expect(refusal(planLoginWrite(write()), 'user', { ...ADA, adminDisabled: false, disabled: true })).toBeUndefined();
  });

  it('under SCIM groups leaves roles alone, and gives a user without SCIM groups the defaults once', () => {
    const rec = record('00ua', { rolesFrom: 'scim' });
    const plan = planLoginWrite(write({ record: rec }));
    expect(itemOf(plan, 'user').write).not.toMatchObject({ update: { set: { roles: expect.anything() } } });
    expect(refusal(plan, 'user', ADA)).toEqual({ kind: 'scim_groups_missing' });
    const first = planLoginWrite(write({ record: rec, initScimGroups: true }));
    expect(itemOf(first, 'user').write).toMatchObject({ update: { set: { scimGroups: {}, roles: ['engineer'] } } });
    expect(refusal(first, 'user', { ...ADA, scimGroups: {} })).toEqual({ kind: 'roles_from_scim' });
  });

  it('accepts a known role change, audited, and only that one', () => {
    const plan = planLoginWrite(write({ previousRoles: ['admin'] }));
    expect(refusal(plan, 'user', { ...ADA, roles: ['admin'] })).toBeUndefined();
    expect(refusal(plan, 'user', { ...ADA, roles: ['viewer'] })).toMatchObject({ kind: 'roles_changed' });
    expect(plan.audit.map((event) => [event.type, event.details])).toContainEqual([
      'role_changed',
      { from: ['admin'], to: ['engineer'] },
    ]);
    const fromNone = planLoginWrite(write({ previousRoles: [] }));
    expect(refusal(fromNone, 'user', { ...ADA, roles: undefined })).toBeUndefined();
    expect(refusal(fromNone, 'user', { ...ADA, roles: [] })).toBeUndefined();
  });

  it('links only a SCIM user without a sub', () => {
    const plan = planLoginWrite(write({ record: { ...record('00ubob'), userId: 'u_scim' }, found: 'userName' }));
    const scimBob = { type: 'user', userId: 'u_scim', roles: [] };
    expect(refusal(plan, 'user', scimBob)).toBeUndefined();
    expect(refusal(plan, 'user', { ...scimBob, sub: '00uother' })).toEqual({ kind: 'not_linkable' });
    expect(refusal(plan, 'user', { type: 'user_deleted', userId: 'u_scim' })).toEqual({ kind: 'not_linkable' });
    expect(refusal(plan, 'user', undefined)).toEqual({ kind: 'not_linkable' });
    // Another login of the same person wrote its own user at the derived id meanwhile; a tombstone there is replaced.
    expect(refusal(plan, 'link', { ...ADA, type: 'user' })).toEqual({ kind: 'user_exists' });
    expect(holds(itemOf(plan, 'link').guards[0]?.holds ?? itemAbsent, { type: 'user_deleted' })).toBe(true);
  });

  it('says what a new user’s key, the owner, the tenant and the userName mean when they refuse', () => {
    const rec = record('00ua', { profile: { ...record('00ua').profile, userName: 'ada@acme.example' } });
    const plan = planLoginWrite(write({ record: rec, found: 'new', claimsOwner: true }));
    expect(refusal(plan, 'user', { type: 'user_deleted', userId: rec.userId })).toEqual({ kind: 'user_deleted' });
    expect(refusal(plan, 'user', ADA)).toEqual({ kind: 'user_exists' });
    expect(refusal(plan, 'owner', { type: 'owner', userId: 'u_other' })).toEqual({ kind: 'owner_taken' });
    expect(refusal(plan, 'tenant', undefined)).toEqual({ kind: 'tenant_gone' });
    expect(refusal(plan, 'tenant', { generation: 'gen-2' })).toEqual({ kind: 'tenant_gone' });
    expect(refusal(plan, 'tenant', { generation: 'gen-1', scimGroups: true })).toEqual({ kind: 'roles_from_scim' });
    expect(refusal(plan, 'userName', { type: 'user_name', userId: 'u_scim' })).toEqual({
      kind: 'username_taken',
      userId: 'u_scim',
    });
  });
});

describe('Function: plannedTransactItem (DynamoDB)', () => {
  const key = { pk: 'TENANT#acme', sk: 'CONFIG' };

  it('puts the conditions of every guard in one ConditionExpression, with ALL_OLD to explain a refusal', () => {
    const plan = planLoginWrite(write({ found: 'new', claimsOwner: false }));
    expect(plannedTransactItem('table', key, itemOf(plan, 'tenant'))).toEqual({
      ConditionCheck: {
        TableName: 'table',
        Key: key,
        ConditionExpression: 'attribute_exists(pk) AND #generation = :v0 AND attribute_not_exists(#scimGroups)',
        ExpressionAttributeNames: { '#generation': 'generation', '#scimGroups': 'scimGroups' },
        ExpressionAttributeValues: { ':v0': 'gen-1' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  });

  it('sets and removes attributes of an update, and keeps the key of a put its own', () => {
    const update = plannedTransactItem('table', key, {
      write: { update: { set: { name: 'Ada' }, remove: ['email'] } },
      guards: [{ holds: anyOf(lacks('deactivated'), not(equals('deactivated', true))) }],
    });
    expect(update).toMatchObject({
      Update: {
        UpdateExpression: 'SET #name = :v1 REMOVE #email',
        ConditionExpression: '(attribute_not_exists(#deactivated) OR (NOT #deactivated = :v0))',
        ExpressionAttributeValues: { ':v0': true, ':v1': 'Ada' },
      },
    });
    const put = plannedTransactItem('table', key, { write: { put: { pk: 'other', type: 'owner' } }, guards: [] });
    expect(put).toEqual({
      Put: { TableName: 'table', Item: { ...key, type: 'owner' }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
    });
  });
});

/** A store that answers each write with the next scripted outcome and keeps the plans it was given. */
class ScriptedLoginStore implements Pick<LoginStore, 'recordLogin' | 'findUserIdByUserName'> {
  readonly plans: LoginWritePlan[] = [];
  constructor(
    private readonly outcomes: LoginWriteOutcome[],
    private readonly userNames: Record<string, string> = {},
  ) {}
  async recordLogin(plan: LoginWritePlan): Promise<LoginWriteOutcome> {
    this.plans.push(plan);
    return this.outcomes.shift() ?? { kind: 'written' };
  }
  async findUserIdByUserName(_tenantId: string, userName: string) {
    return this.userNames[userName];
  }
}

const asStore = (store: ScriptedLoginStore) => store as unknown as LoginStore;
/** Each plan as what it writes at which user id: `new`/`existing`/`link`, and whether it claims the owner. */
const shapes = (store: ScriptedLoginStore) =>
  store.plans.map((plan) => {
    const user = itemOf(plan, 'user');
    const how = plan.items.some((item) => item.name === 'link') ? 'link' : 'put' in user.write ? 'new' : 'existing';
    const at = user.key.kind === 'user' ? user.key.userId : '?';
    return `${how}@${at}${plan.items.some((item) => item.name === 'owner') ? '+owner' : ''}`;
  });

describe('Function: provisionLogin (the next write after each refusal)', () => {
  const ada = record('00ua', { profile: { ...record('00ua').profile, userName: 'ada@acme.example' } });

  it('falls back from the owner claim to member, and from a returning write to a new user', async () => {
    const store = new ScriptedLoginStore([{ kind: 'owner_taken' }]);
    expect(await provisionLogin(asStore(store), ada, {})).toMatchObject({ mode: 'member', ownerClaimed: false });
    expect(shapes(store)).toEqual([`new@${ada.userId}+owner`, `new@${ada.userId}`]);
    const returning = new ScriptedLoginStore([{ kind: 'user_missing' }]);
    expect((await provisionLogin(asStore(returning), ada, { hasOwner: true })).mode).toBe('member');
    expect(shapes(returning)).toEqual([`existing@${ada.userId}`, `new@${ada.userId}`]);
  });

  it('signs in as the user a link points at, and claims ownership there when the tenant has none', async () => {
    const resolved: string[] = [];
    const store = new ScriptedLoginStore([{ kind: 'user_exists' }, { kind: 'linked', userId: 'u_scim' }]);
    const result = await provisionLogin(asStore(store), ada, {}, (userId) => resolved.push(userId));
    expect(result).toMatchObject({ mode: 'claim_owner', ownerClaimed: true, record: { userId: 'u_scim' } });
    expect(result.record.session.userId).toBe('u_scim');
    expect(resolved).toEqual(['u_scim']);
    expect(shapes(store)).toEqual([`new@${ada.userId}+owner`, `existing@${ada.userId}+owner`, 'existing@u_scim+owner']);
  });

  it('links the userName’s holder, and writes a user of its own without the userName when it is not linkable', async () => {
    const store = new ScriptedLoginStore([{ kind: 'username_taken', userId: 'u_scim' }, { kind: 'not_linkable' }]);
    const result = await provisionLogin(asStore(store), ada, { hasOwner: true });
    expect(result).toMatchObject({ mode: 'member', record: { userId: ada.userId } });
    expect(shapes(store)).toEqual([`existing@${ada.userId}`, 'link@u_scim', `new@${ada.userId}`]);
    expect(store.plans[2]?.items.map((item) => item.name)).toEqual(['user', 'tenant']);
  });

  it('after a deleted user, signs in only as a user SCIM created again, found by userName once', async () => {
    const store = new ScriptedLoginStore([{ kind: 'user_deleted' }], { 'ada@acme.example': 'u_again' });
    expect(await provisionLogin(asStore(store), ada, { hasOwner: true })).toMatchObject({ mode: 'link' });
    expect(shapes(store)).toEqual([`existing@${ada.userId}`, 'link@u_again']);
    const refused = new ScriptedLoginStore([{ kind: 'user_deleted' }, { kind: 'not_linkable' }], {
      'ada@acme.example': 'u_again',
    });
    await expect(provisionLogin(asStore(refused), ada, { hasOwner: true })).rejects.toMatchObject({
      code: 'USER_DISABLED',
      reason: 'user_deleted',
    });
    const nobody = new ScriptedLoginStore([{ kind: 'user_deleted' }]);
    await expect(provisionLogin(asStore(nobody), ada, { hasOwner: true })).rejects.toMatchObject({
      reason: 'user_deleted',
    });
  });

  it('switches to SCIM roles when the tenant’s groups came after its config was read', async () => {
    const store = new ScriptedLoginStore([{ kind: 'roles_from_scim' }]);
    const result = await provisionLogin(asStore(store), ada, { hasOwner: true, defaultRoles: ['viewer'] });
    expect(result.record).toMatchObject({ rolesFrom: 'scim', profile: { groups: [], roles: ['viewer'] } });
    expect(itemOf(store.plans[1] as LoginWritePlan, 'user').write).not.toMatchObject({
      update: { set: { roles: expect.anything() } },
    });
  });

  it('retries a conflict as it was, and gives up after a bounded number of attempts', async () => {
    const once = new ScriptedLoginStore([{ kind: 'conflict' }]);
    expect((await provisionLogin(asStore(once), ada, { hasOwner: true })).mode).toBe('returning');
    expect(shapes(once)).toEqual([`existing@${ada.userId}`, `existing@${ada.userId}`]);
    const always = new ScriptedLoginStore(
      Array.from({ length: 16 }, () => ({ kind: 'roles_changed', previousRoles: [] })),
    );
    await expect(provisionLogin(asStore(always), ada, { hasOwner: true })).rejects.toMatchObject({
      code: 'INTERNAL',
      reason: 'provisioning_contention',
    });
    expect(always.plans).toHaveLength(16);
  });

  it('audits a refusal under the user it met, and says why', async () => {
    const resolved: string[] = [];
    const store = new ScriptedLoginStore([
      { kind: 'linked', userId: 'u_scim' },
      { kind: 'user_disabled', deactivated: true },
    ]);
    await expect(
      provisionLogin(asStore(store), ada, { hasOwner: true }, (userId) => resolved.push(userId)),
    ).rejects.toMatchObject({ code: 'USER_DISABLED', reason: 'user_deactivated' });
    expect(resolved).toEqual(['u_scim', 'u_scim']);
    const gone = new ScriptedLoginStore([{ kind: 'tenant_gone' }]);
    await expect(provisionLogin(asStore(gone), ada, {})).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
  });
});
