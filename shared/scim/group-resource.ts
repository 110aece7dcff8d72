import { randomBytes } from 'node:crypto';
import type { ScimGroup } from '../ports.ts';
import { canonicalAttributes, invalid } from './errors.ts';
import { GROUP_SCHEMA, MAX_GROUP_MEMBERS } from './schemas.ts';

/** What a SCIM Group body says, validated. */
export interface GroupInput {
  readonly displayName: string;
  readonly externalId: string | undefined;
  readonly members: readonly string[];
}

const MAX_TEXT = 256;
const KNOWN = ['schemas', 'id', 'externalId', 'displayName', 'members', 'meta'];
const MEMBER_PARTS = ['value', 'display', 'type', '$ref'];
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f]/;
const GROUP_ID = /^g_[A-Za-z0-9_-]{32}$/;

export function newGroupId(): string {
  return `g_${randomBytes(24).toString('base64url')}`;
}

export function isGroupId(value: string): boolean {
  return GROUP_ID.test(value);
}

function text(value: unknown, attribute: string, required: boolean): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw invalid('scim_value', { attribute });
    return undefined;
  }
  if (typeof value !== 'string' || value.length > MAX_TEXT || CONTROL.test(value) || !value.trim()) {
    throw invalid('scim_value', { attribute });
  }
  return value;
}

/** Validates a full Group (POST, PUT, the result of a PATCH). Members are user ids, without repeats. */
export function readGroup(body: Record<string, unknown>, options: { requireSchema: boolean }): GroupInput {
  const attrs = canonicalAttributes(body, KNOWN, 'Group');
  const schemas = attrs.get('schemas');
  if (options.requireSchema && !(Array.isArray(schemas) && schemas.includes(GROUP_SCHEMA))) {
    throw invalid('scim_schema', { schema: GROUP_SCHEMA });
  }
  const members = attrs.get('members') ?? [];
  if (!Array.isArray(members)) throw invalid('scim_value', { attribute: 'members' });
  if (members.length > MAX_GROUP_MEMBERS) throw invalid('scim_too_many_members', { limit: String(MAX_GROUP_MEMBERS) });
  const ids = members.map((member) => {
    if (typeof member !== 'object' || member === null || Array.isArray(member)) {
      throw invalid('scim_value', { attribute: 'members' });
    }
    const parts = canonicalAttributes(member as Record<string, unknown>, MEMBER_PARTS, 'Group members');
    return text(parts.get('value'), 'members.value', true) as string;
  });
  return {
    displayName: text(attrs.get('displayName'), 'displayName', true) as string,
    externalId: text(attrs.get('externalId'), 'externalId', false),
    members: [...new Set(ids)],
  };
}

/**
 * A group as a SCIM resource; `members` undefined leaves them out (they were
 * not read: a listing that did not ask for them, or `excludedAttributes=members`).
 */
export function groupResource(
  group: ScimGroup,
  members: readonly string[] | undefined,
  baseUrl: string,
): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.groupId,
    ...(group.externalId ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(members
      ? { members: members.map((value) => ({ value, $ref: `${baseUrl}/Users/${value}`, type: 'User' })) }
      : {}),
    // No `version`: the service has no ETags (ServiceProviderConfig), see README *Provision users with SCIM*.
    meta: {
      resourceType: 'Group',
      created: group.createdAt,
      lastModified: group.updatedAt,
      location: `${baseUrl}/Groups/${group.groupId}`,
    },
  };
}
