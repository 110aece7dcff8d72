import type { HttpResult } from '../http/responses.ts';
import { scimError } from './errors.ts';
import { listResponse, scimJson } from './responses.ts';
import { GROUP_SCHEMA, MAX_BODY_BYTES, MAX_RESULTS, USER_SCHEMA } from './schemas.ts';

const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/** What the service supports, as RFC 7643 §5 describes it: PATCH yes; bulk, sort, ETags, password changes no. */
export function serviceProviderConfig(baseUrl: string): HttpResult {
  return scimJson(200, {
    schemas: [SPC_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: MAX_BODY_BYTES },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'The tenant’s SCIM token (npm run -s tenant -- scim-token <tenant>) in Authorization: Bearer.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  });
}

const RESOURCE_TYPES = [
  { id: 'User', name: 'User', endpoint: '/Users', schema: USER_SCHEMA, description: 'A person of the tenant' },
  { id: 'Group', name: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA, description: 'Groups give roles' },
];

function resourceType(type: (typeof RESOURCE_TYPES)[number], baseUrl: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    ...type,
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.id}` },
  };
}

export function resourceTypes(baseUrl: string, id?: string): HttpResult {
  if (id === undefined) {
    return listResponse({ items: RESOURCE_TYPES, total: RESOURCE_TYPES.length }, 1, (type) =>
      resourceType(type, baseUrl),
    );
  }
  const type = RESOURCE_TYPES.find((candidate) => candidate.id === id);
  if (!type) throw scimError('SCIM_NOT_FOUND', 'scim_resource_type_not_found');
  return scimJson(200, resourceType(type, baseUrl));
}

const attribute = (name: string, type: string, extra: Record<string, unknown> = {}) => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

/** The attributes the service keeps; RFC 7643 core attributes not listed are accepted and dropped. */
const SCHEMAS = [
  {
    id: USER_SCHEMA,
    name: 'User',
    description: 'User account',
    attributes: [
      attribute('userName', 'string', { required: true, uniqueness: 'server' }),
      attribute('externalId', 'string', { caseExact: true, uniqueness: 'server' }),
      attribute('name', 'complex', {
        subAttributes: [attribute('givenName', 'string'), attribute('familyName', 'string')],
      }),
      attribute('displayName', 'string'),
      attribute('emails', 'complex', {
        multiValued: true,
        subAttributes: [attribute('value', 'string'), attribute('type', 'string'), attribute('primary', 'boolean')],
      }),
      attribute('active', 'boolean'),
      attribute('groups', 'complex', {
        multiValued: true,
        mutability: 'readOnly',
        subAttributes: [attribute('value', 'string'), attribute('display', 'string')],
      }),
    ],
  },
  {
    id: GROUP_SCHEMA,
    name: 'Group',
    description: 'Group; its displayName is matched against the tenant’s role map',
    attributes: [
      attribute('displayName', 'string', { required: true, uniqueness: 'server' }),
      attribute('externalId', 'string', { caseExact: true }),
      attribute('members', 'complex', {
        multiValued: true,
        subAttributes: [attribute('value', 'string', { mutability: 'immutable' })],
      }),
    ],
  },
];

function schema(entry: (typeof SCHEMAS)[number], baseUrl: string) {
  return {
    schemas: [SCHEMA_SCHEMA],
    ...entry,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${entry.id}` },
  };
}

export function schemas(baseUrl: string, id?: string): HttpResult {
  if (id === undefined)
    return listResponse({ items: SCHEMAS, total: SCHEMAS.length }, 1, (entry) => schema(entry, baseUrl));
  const entry = SCHEMAS.find((candidate) => candidate.id === id);
  if (!entry) throw scimError('SCIM_NOT_FOUND', 'scim_schema_not_found');
  return scimJson(200, schema(entry, baseUrl));
}
