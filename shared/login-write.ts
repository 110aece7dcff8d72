/**
 * One login's write, decided here as data (`conditional-write.ts`): which
 * items it puts or updates, the conditions each must meet, and what each
 * failed condition means. A login answers two questions — how its user was
 * found (`found`) and whether it claims the tenant's ownership
 * (`claimsOwner`) — and `planLoginWrite` turns the answers into the plan the
 * `LoginStore` writes as one transaction.
 */
import { type AuditEvent, auditEvent } from './audit.ts';
import {
  type Attributes,
  anyOf,
  equals,
  type Guard,
  has,
  itemAbsent,
  itemExists,
  lacks,
  not,
  type PlannedItem,
} from './conditional-write.ts';
import type { LoginItemKey, LoginItemName, LoginRecord, LoginRefusal, LoginWritePlan } from './ports.ts';
import { USER_KEY_TYPES, userIdFor } from './users.ts';

/**
 * How the login found its user:
 * - `existing`: the user at the record's id — the login's own (a returning
 *   user, or one SCIM created with Okta's user id), or the SCIM user a link
 *   at the login's id points at;
 * - `new`: nobody yet: the user is created at the login's derived id;
 * - `userName`: a SCIM user created without Okta's user id, holding the
 *   userName this login's `preferred_username` asks for: it gets this login's
 *   `sub`, and a link at the derived id points at it from then on.
 */
export type FoundBy = 'existing' | 'new' | 'userName';

export interface LoginWrite {
  readonly record: LoginRecord;
  readonly found: FoundBy;
  /** Whether the login makes its user the tenant's one owner (as far as it knows, the tenant has none). */
  readonly claimsOwner: boolean;
  /** The roles being replaced: a change accepted after `roles_changed`, audited. */
  readonly previousRoles: readonly string[] | undefined;
  /** A new user also takes the userName item of `profile.userName` (false after `not_linkable`). */
  readonly claimUserName: boolean;
  /** First write of a user's roles under SCIM groups: they start with none (the tenant's defaults). */
  readonly initScimGroups: boolean;
}

type Item = PlannedItem<LoginItemName, LoginItemKey, LoginRefusal>;
type LoginGuard = Guard<LoginRefusal>;

const is = (outcome: LoginRefusal) => (): LoginRefusal => outcome;

/** A returning login: an existing user, no ownership claim. It checks nothing of the tenant (one item fewer). */
const isReturning = (write: LoginWrite) => write.found === 'existing' && !write.claimsOwner;

/**
 * The login's transaction. The order of the items is the order a refusal is
 * explained in: the user first, then the link, the owner claim, the tenant,
 * the userName.
 */
export function planLoginWrite(write: LoginWrite): LoginWritePlan {
  const { record } = write;
  return {
    items: [
      write.found === 'new' ? newUserItem(write) : existingUserItem(write),
      ...(write.found === 'userName' ? [linkItem(record)] : []),
      ...(write.claimsOwner ? [ownerItem(record)] : []),
      // The tenant must still be the one this login started for: a login racing `tenant delete`
      // (or served from a stale tenant cache) cannot leave a user behind in a deleted tenant.
      ...(isReturning(write) ? [] : [tenantItem(record, write.claimsOwner)]),
      ...userNameItem(write),
    ],
    session: record.session,
    endsSession: record.replacesSessionHash,
    audit: loginAuditEvents(write),
  };
}

const userKey = (tenantId: string, userId: string): LoginItemKey => ({ kind: 'user', tenantId, userId });

function newUserItem(write: LoginWrite): Item {
  const { record } = write;
  const { profile } = record;
  const userName = write.claimUserName ? profile.userName : undefined;
  const put: Attributes = {
    type: USER_KEY_TYPES.user,
    tenantId: record.tenantId,
    userId: record.userId,
    issuer: record.issuer,
    sub: record.sub,
    email: profile.email,
    emailVerified: profile.emailVerified,
    name: profile.name,
    groups: profile.groups,
    roles: profile.roles,
    // Under SCIM groups a new user is in none yet: the tenant's default roles.
    ...(record.rolesFrom === 'scim' ? { scimGroups: {} } : {}),
    ...(userName ? { userName } : {}),
    role: write.claimsOwner ? 'owner' : 'member',
    adminDisabled: false,
    deactivated: false,
    createdAt: record.now,
    lastLoginAt: record.now,
  };
  // Not over a deleted user's tombstone: the login is refused until SCIM creates the person again.
  const guard: LoginGuard = {
    holds: itemAbsent,
    otherwise: (current) => ({ kind: current?.type === USER_KEY_TYPES.deleted ? 'user_deleted' : 'user_exists' }),
  };
  return { name: 'user', key: userKey(record.tenantId, record.userId), write: { put }, guards: [guard] };
}

/**
 * An existing user's login: the profile refreshed from the ID token (absent
 * claims are removed, not kept stale); a link also gives the user this
 * login's issuer and sub; an owner claim, the owner role; roles as the
 * tenant's source says (`rolesGuards`).
 */
function existingUserItem(write: LoginWrite): Item {
  const { record } = write;
  const { email, emailVerified, name, groups, roles } = record.profile;
  const set: Record<string, unknown> = { lastLoginAt: record.now };
  if (write.found === 'userName') Object.assign(set, { issuer: record.issuer, sub: record.sub });
  if (write.claimsOwner) set.role = 'owner';
  if (writesRoles(write)) Object.assign(set, { groups, roles });
  if (write.initScimGroups) set.scimGroups = {};
  const remove: string[] = [];
  for (const [attribute, value] of Object.entries({ email, emailVerified, name })) {
    if (value === undefined) remove.push(attribute);
    else set[attribute] = value;
  }
  return {
    name: 'user',
    key: userKey(record.tenantId, record.userId),
    write: { update: { set, remove } },
    guards: [...identityGuards(write), ...enabledGuards, ...rolesGuards(write)],
  };
}

/** The item is the user this login may sign in as: its own (same sub), or, for a link, a SCIM user without a sub. */
function identityGuards(write: LoginWrite): LoginGuard[] {
  const notLinkable = is({ kind: 'not_linkable' });
  if (write.found === 'userName') {
    return [
      { holds: itemExists, otherwise: notLinkable },
      { holds: equals('type', USER_KEY_TYPES.user), otherwise: notLinkable },
      { holds: lacks('sub'), otherwise: notLinkable },
    ];
  }
  return [
    { holds: itemExists, otherwise: is({ kind: 'user_missing' }) },
    {
      holds: not(equals('type', USER_KEY_TYPES.link)),
      otherwise: (current) =>
        typeof current?.userId === 'string' ? { kind: 'linked', userId: current.userId } : { kind: 'not_linkable' },
    },
    { holds: not(equals('type', USER_KEY_TYPES.deleted)), otherwise: is({ kind: 'user_deleted' }) },
    { holds: equals('type', USER_KEY_TYPES.user), otherwise: notLinkable },
    { holds: equals('sub', write.record.sub), otherwise: notLinkable },
  ];
}

/**
 * Neither an administrator's disable nor Okta's deactivation. An item of the
 * previous version has a single `disabled` flag, the administrator's unless
 * the item also says `deactivated` (the migration rule of
 * `adminDisabledFromItem`): hence the order, so the refusal tells them apart.
 */
const enabledGuards: readonly LoginGuard[] = [
  {
    holds: anyOf(lacks('adminDisabled'), equals('adminDisabled', false)),
    otherwise: is({ kind: 'user_disabled', deactivated: false }),
  },
  {
    holds: anyOf(lacks('deactivated'), equals('deactivated', false)),
    otherwise: is({ kind: 'user_disabled', deactivated: true }),
  },
  {
    holds: anyOf(has('adminDisabled'), lacks('disabled'), equals('disabled', false)),
    otherwise: is({ kind: 'user_disabled', deactivated: false }),
  },
];

/** The login writes the user's groups and roles: from the ID token, or the first time under SCIM groups. */
const writesRoles = (write: LoginWrite) => write.record.rolesFrom === 'claim' || write.initScimGroups;

/**
 * Roles follow the tenant's source. Written from the ID token, they must be
 * unchanged unless this write accepts a known change (a change comes back
 * with the old roles as `roles_changed`, so it can be audited); a first
 * sign-in (owner claim, link) takes them as they are. Under SCIM groups they
 * are left alone, once the user has SCIM groups recorded.
 */
function rolesGuards(write: LoginWrite): LoginGuard[] {
  if (!writesRoles(write)) return [{ holds: has('scimGroups'), otherwise: is({ kind: 'scim_groups_missing' }) }];
  const fromScim: LoginGuard = { holds: lacks('scimGroups'), otherwise: is({ kind: 'roles_from_scim' }) };
  if (!isReturning(write)) return [fromScim];
  const previous = write.previousRoles;
  const expected = previous ?? write.record.profile.roles;
  const unchanged: LoginGuard = {
    holds: previous?.length === 0 ? anyOf(lacks('roles'), equals('roles', [])) : equals('roles', expected),
    otherwise: (current) => ({
      kind: 'roles_changed',
      previousRoles: Array.isArray(current?.roles) ? (current.roles as string[]) : [],
    }),
  };
  return [fromScim, unchanged];
}

/** The login's derived id points at the SCIM user it links to, over a tombstone too (SCIM created the person again). */
function linkItem(record: LoginRecord): Item {
  const derivedId = userIdFor(record.issuer, record.sub);
  return {
    name: 'link',
    key: userKey(record.tenantId, derivedId),
    write: { put: { type: USER_KEY_TYPES.link, tenantId: record.tenantId, userId: record.userId } },
    // Another login of the same person created the user at the derived id a moment ago.
    guards: [
      { holds: anyOf(itemAbsent, equals('type', USER_KEY_TYPES.deleted)), otherwise: is({ kind: 'user_exists' }) },
    ],
  };
}

/** The tenant's single OWNER item: whoever writes it first is the owner. */
function ownerItem(record: LoginRecord): Item {
  return {
    name: 'owner',
    key: { kind: 'owner', tenantId: record.tenantId },
    write: { put: { type: 'owner', userId: record.userId, claimedAt: record.now } },
    guards: [{ holds: itemAbsent, otherwise: is({ kind: 'owner_taken' }) }],
  };
}

/**
 * The tenant's config: its generation unchanged (owner claims also set
 * `hasOwner`), and, when this login writes roles from the ID token, no SCIM
 * groups yet (a login with an older cached config must not overwrite them).
 */
function tenantItem(record: LoginRecord, setsOwner: boolean): Item {
  const generation = record.session.tenantGeneration;
  const gone = is({ kind: 'tenant_gone' });
  return {
    name: 'tenant',
    key: { kind: 'tenant', tenantId: record.tenantId },
    write: setsOwner ? { update: { set: { hasOwner: true }, remove: [] } } : { check: true },
    guards: [
      { holds: itemExists, otherwise: gone },
      { holds: generation ? equals('generation', generation) : lacks('generation'), otherwise: gone },
      ...(record.rolesFrom === 'claim'
        ? [{ holds: lacks('scimGroups'), otherwise: is({ kind: 'roles_from_scim' }) }]
        : []),
    ],
  };
}

/** A new user takes its userName (case-insensitively unique); a SCIM user holding it may be the one to link. */
function userNameItem(write: LoginWrite): Item[] {
  const { record } = write;
  const userName = write.found === 'new' && write.claimUserName ? record.profile.userName : undefined;
  if (!userName) return [];
  return [
    {
      name: 'userName',
      key: { kind: 'userName', tenantId: record.tenantId, userName },
      write: { put: { type: 'user_name', tenantId: record.tenantId, userId: record.userId } },
      guards: [
        {
          holds: itemAbsent,
          otherwise: (current) =>
            typeof current?.userId === 'string'
              ? { kind: 'username_taken', userId: current.userId }
              : { kind: 'conflict' },
        },
      ],
    },
  ];
}

/**
 * What a login leaves in the tenant's audit trail, written in the login's own
 * transaction: the success, an ownership claim, and a role change when Okta's
 * groups changed since the last login.
 */
export function loginAuditEvents(write: LoginWrite): AuditEvent[] {
  const { record } = write;
  const now = new Date(record.now);
  const common = { tenantId: record.tenantId, actor: `user:${record.userId}`, subject: record.userId, now };
  const roles = record.profile.roles;
  const provisioned = write.found === 'new';
  const linked = write.found === 'userName';
  return [
    auditEvent({
      ...common,
      type: 'login_succeeded',
      // Under SCIM groups a login does not set roles: only what it wrote is recorded.
      details: { provisioned, ...(linked ? { linked } : {}), ...(record.rolesFrom === 'claim' ? { roles } : {}) },
    }),
    ...(write.claimsOwner ? [auditEvent({ ...common, type: 'owner_claimed' })] : []),
    ...(write.previousRoles && isReturning(write)
      ? [auditEvent({ ...common, type: 'role_changed', details: { from: write.previousRoles, to: roles } })]
      : []),
  ];
}
