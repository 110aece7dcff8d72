/**
 * How domain records are stored as items of the single table, and read back.
 * Stored items may predate a field: readers tolerate a missing one.
 */
import type { AuditEvent } from '../../audit.ts';
import type { ScimGroup } from '../../ports.ts';
import { epochFromStored, sessionStartMs } from '../../session/revocation.ts';
import type { Session } from '../../sessions.ts';
import type { ScimEmail, ScimProfile, User } from '../../users.ts';
import { USER_KEY_TYPES } from '../../users.ts';
import { keys, TTL_ATTRIBUTE, USER_SESSIONS_INDEX, userSessionsKey } from './table-schema.ts';

type Item = Record<string, unknown>;

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown) => (Array.isArray(value) ? (value as string[]) : []);

/** A user item, as opposed to the link item a linked SCIM user leaves at the login's derived id, or a tombstone. */
export const isUserItem = (item: Item) => item.type === 'user';

/** Item types at `USER#<id>` keys: a user, a login's link to a SCIM user, a user SCIM deleted. */
export const USER_ITEM = USER_KEY_TYPES.user;
export const USER_LINK_ITEM = USER_KEY_TYPES.link;
export const USER_TOMBSTONE_ITEM = USER_KEY_TYPES.deleted;

/**
 * An administrator's disable from an item. Items written before the two
 * decisions were kept apart have one `disabled` flag: it was an
 * administrator's unless the item also says `deactivated` (the old code set
 * both for Okta's deactivation, and an administrator's `disable-user`
 * removed `deactivated`), so that is the migration rule; the first write of
 * a flag by the new code removes `disabled`.
 */
export function adminDisabledFromItem(item: Item): boolean {
  if (typeof item.adminDisabled === 'boolean') return item.adminDisabled;
  return item.disabled === true && item.deactivated !== true;
}

export function userFromItem(item: Item): User {
  return {
    tenantId: item.tenantId as string,
    userId: item.userId as string,
    issuer: text(item.issuer) ?? '',
    sub: text(item.sub) ?? '',
    email: text(item.email),
    emailVerified: typeof item.emailVerified === 'boolean' ? item.emailVerified : undefined,
    name: text(item.name),
    groups: strings(item.groups),
    roles: strings(item.roles),
    role: item.role === 'owner' ? 'owner' : 'member',
    adminDisabled: adminDisabledFromItem(item),
    createdAt: item.createdAt as string,
    lastLoginAt: text(item.lastLoginAt),
    sessionsNotBeforeMs: epochFromStored(item.sessionsNotBeforeMs, item.sessionsNotBefore),
    userName: text(item.userName),
    scim: scimProfileFromItem(item.scim),
    scimGroups: isRecord(item.scimGroups) ? (item.scimGroups as Record<string, string>) : undefined,
    deactivated: item.deactivated === true,
    version: typeof item.scimVersion === 'number' ? item.scimVersion : 0,
    updatedAt: text(item.updatedAt),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function scimProfileFromItem(value: unknown): ScimProfile | undefined {
  if (!isRecord(value) || typeof value.userName !== 'string') return undefined;
  return {
    userName: value.userName,
    externalId: text(value.externalId),
    givenName: text(value.givenName),
    familyName: text(value.familyName),
    displayName: text(value.displayName),
    emails: Array.isArray(value.emails) ? (value.emails as ScimEmail[]) : [],
  };
}

/** The SCIM attributes as a map attribute of the user item; undefined fields are left out. */
export function scimProfileItem(profile: ScimProfile): Item {
  return Object.fromEntries(Object.entries(profile).filter(([, value]) => value !== undefined));
}

export function scimGroupItem(group: ScimGroup): Item {
  return {
    type: 'scim_group',
    tenantId: group.tenantId,
    groupId: group.groupId,
    displayName: group.displayName,
    externalId: group.externalId,
    createdAt: group.createdAt,
    updatedAt: group.updatedAt,
    scimVersion: group.version,
  };
}

export function scimGroupFromItem(item: Item): ScimGroup {
  return {
    tenantId: item.tenantId as string,
    groupId: item.groupId as string,
    displayName: item.displayName as string,
    externalId: text(item.externalId),
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    version: typeof item.scimVersion === 'number' ? item.scimVersion : 0,
  };
}

export function sessionItem(session: Session): Item {
  return {
    ...keys.session(session.tokenHash),
    type: 'session',
    // Puts the session in its user's partition of the user-sessions index (one index write per session).
    [USER_SESSIONS_INDEX.partitionKey]: userSessionsKey(session.tenantId, session.userId),
    tokenHash: session.tokenHash,
    tenantId: session.tenantId,
    userId: session.userId,
    ...(session.tenantGeneration ? { tenantGeneration: session.tenantGeneration } : {}),
    createdAt: session.createdAt,
    createdAtMs: session.createdAtMs,
    lastSeenAt: session.lastSeenAt,
    [TTL_ATTRIBUTE]: session.expiresAt,
  };
}

export function sessionFromItem(item: Item): Session {
  return {
    tokenHash: item.tokenHash as string,
    tenantId: item.tenantId as string,
    userId: item.userId as string,
    tenantGeneration: text(item.tenantGeneration),
    createdAt: item.createdAt as number,
    createdAtMs: sessionStartMs(item.createdAtMs, item.createdAt as number),
    expiresAt: item[TTL_ATTRIBUTE] as number,
    lastSeenAt: typeof item.lastSeenAt === 'number' ? item.lastSeenAt : (item.createdAt as number),
  };
}

/** Audit events expire by TTL after the retention; they are keyed by tenant and time. */
export function auditItem(event: AuditEvent, retentionDays: number): Item {
  return {
    ...keys.auditEvent(event.tenantId, event.at, event.id),
    ...event,
    type: 'audit',
    eventType: event.type,
    [TTL_ATTRIBUTE]: Math.floor(Date.parse(event.at) / 1000) + retentionDays * 86_400,
  };
}

export function auditEventFromItem(item: Item): AuditEvent {
  return {
    tenantId: item.tenantId as string,
    at: item.at as string,
    id: item.id as string,
    type: item.eventType as AuditEvent['type'],
    actor: item.actor as string,
    subject: text(item.subject),
    outcome: item.outcome as AuditEvent['outcome'],
    reason: text(item.reason),
    details: item.details as AuditEvent['details'],
  };
}
