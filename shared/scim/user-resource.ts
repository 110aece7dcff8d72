import type { ScimEmail, ScimProfile, User } from '../users.ts';
import { canonicalAttributes, invalid, scimError } from './errors.ts';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './schemas.ts';

/** What a SCIM User body says, validated: the attributes kept, and whether the user is active. */
export interface UserInput {
  readonly profile: ScimProfile;
  readonly active: boolean;
}

const MAX_TEXT = 256;
const MAX_EMAILS = 10;
/** Okta user ids are short alphanumerics; printable ASCII without spaces keeps them safe in keys. */
const EXTERNAL_ID = /^[\x21-\x7e]{1,255}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Attributes the service keeps (RFC 7643 §4.1), by their lower-case name (attribute names are case-insensitive). */
const KEPT = ['schemas', 'id', 'externalId', 'userName', 'name', 'displayName', 'emails', 'active', 'groups', 'meta'];
/**
 * RFC 7643 User attributes Okta may send that the service does not keep:
 * accepted and dropped (`password` above all: never stored, never echoed).
 * Any attribute in neither list is a 400.
 */
const DROPPED = [
  'password',
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'phoneNumbers',
  'ims',
  'photos',
  'addresses',
  'entitlements',
  'roles',
  'x509Certificates',
  ENTERPRISE_USER_SCHEMA,
];
const NAME_PARTS = ['givenName', 'familyName', 'formatted', 'middleName', 'honorificPrefix', 'honorificSuffix'];
const EMAIL_PARTS = ['value', 'type', 'primary', 'display'];

function text(value: unknown, attribute: string, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw invalid('scim_value', { attribute });
    return undefined;
  }
  if (typeof value !== 'string' || value.length > MAX_TEXT || CONTROL.test(value) || (required && !value.trim())) {
    throw invalid('scim_value', { attribute });
  }
  return value === '' ? undefined : value;
}

/** Okta sends booleans; some clients send "True"/"False". */
function bool(value: unknown, attribute: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalid('scim_value', { attribute });
}

/** Validates a full User (POST, PUT, and the result of a PATCH) and picks out what is kept. */
export function readUser(body: Record<string, unknown>, options: { requireSchema: boolean }): UserInput {
  const attrs = canonicalAttributes(body, [...KEPT, ...DROPPED], 'User');
  const schemas = attrs.get('schemas');
  if (options.requireSchema && !(Array.isArray(schemas) && schemas.includes(USER_SCHEMA))) {
    throw invalid('scim_schema', { schema: USER_SCHEMA });
  }
  const userName = text(attrs.get('userName'), 'userName', true) as string;
  const externalId = text(attrs.get('externalId'), 'externalId');
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId))
    throw invalid('scim_value', { attribute: 'externalId' });
  const nameValue = attrs.get('name');
  let givenName: string | undefined;
  let familyName: string | undefined;
  if (nameValue !== undefined && nameValue !== null) {
    if (typeof nameValue !== 'object' || Array.isArray(nameValue)) throw invalid('scim_value', { attribute: 'name' });
    const name = canonicalAttributes(nameValue as Record<string, unknown>, NAME_PARTS, 'User name');
    for (const part of NAME_PARTS) text(name.get(part), `name.${part}`);
    givenName = text(name.get('givenName'), 'name.givenName');
    familyName = text(name.get('familyName'), 'name.familyName');
  }
  return {
    profile: {
      userName,
      externalId,
      givenName,
      familyName,
      displayName: text(attrs.get('displayName'), 'displayName'),
      emails: readEmails(attrs.get('emails')),
    },
    active: bool(attrs.get('active'), 'active') ?? true,
  };
}

function readEmails(value: unknown): ScimEmail[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_EMAILS) throw invalid('scim_value', { attribute: 'emails' });
  return value.map((entry) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw invalid('scim_value', { attribute: 'emails' });
    }
    const email = canonicalAttributes(entry as Record<string, unknown>, EMAIL_PARTS, 'User emails');
    text(email.get('display'), 'emails.display');
    return {
      value: text(email.get('value'), 'emails.value', true) as string,
      type: text(email.get('type'), 'emails.type'),
      primary: bool(email.get('primary'), 'emails.primary'),
    };
  });
}

/** The email shown for the user (`/me`, CLI): the primary one, else the first. */
export function primaryEmail(profile: ScimProfile): string | undefined {
  return (profile.emails.find((email) => email.primary) ?? profile.emails[0])?.value;
}

/** The name shown for the user: displayName, else given and family name. */
export function displayNameOf(profile: ScimProfile): string | undefined {
  const parts = [profile.givenName, profile.familyName].filter(Boolean).join(' ');
  return profile.displayName ?? (parts || undefined);
}

/**
 * A user as a SCIM resource. A user SCIM never wrote (created at a login
 * before provisioning was turned on) shows what the login knows, so Okta's
 * `userName eq` lookup finds and links it.
 */
export function userResource(user: User, baseUrl: string): Record<string, unknown> {
  const scim: ScimProfile = user.scim ?? {
    userName: user.userName ?? user.email ?? user.userId,
    externalId: undefined,
    givenName: undefined,
    familyName: undefined,
    displayName: user.name,
    emails: user.email ? [{ value: user.email, type: 'work', primary: true }] : [],
  };
  const name = {
    ...(scim.givenName ? { givenName: scim.givenName } : {}),
    ...(scim.familyName ? { familyName: scim.familyName } : {}),
  };
  return {
    schemas: [USER_SCHEMA],
    id: user.userId,
    ...(scim.externalId ? { externalId: scim.externalId } : {}),
    userName: scim.userName,
    ...(Object.keys(name).length ? { name } : {}),
    ...(scim.displayName ? { displayName: scim.displayName } : {}),
    emails: scim.emails.map((email) => ({
      value: email.value,
      ...(email.type ? { type: email.type } : {}),
      ...(email.primary !== undefined ? { primary: email.primary } : {}),
    })),
    // Okta's view: deactivated by SCIM or not. An administrator's `disable-user` is separate.
    active: !user.deactivated,
    groups: Object.entries(user.scimGroups ?? {}).map(([id, display]) => ({
      value: id,
      display,
      $ref: `${baseUrl}/Groups/${id}`,
      type: 'direct',
    })),
    // No `version`: the service has no ETags (ServiceProviderConfig), see README *Provision users with SCIM*.
    meta: {
      resourceType: 'User',
      created: user.createdAt,
      lastModified: user.updatedAt ?? user.lastLoginAt ?? user.createdAt,
      location: `${baseUrl}/Users/${user.userId}`,
    },
  };
}

/** PATCH may change what PUT may: not `id`, `meta` or the read-only `groups`. */
export function assertImmutable(before: Record<string, unknown>, after: Record<string, unknown>): void {
  for (const attribute of ['id', 'groups', 'meta']) {
    if (JSON.stringify(before[attribute]) !== JSON.stringify(after[attribute])) {
      throw scimError('SCIM_INVALID', 'scim_mutability', { attribute });
    }
  }
}
