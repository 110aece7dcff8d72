/**
 * Speaks SCIM to the local stack the way Okta's provisioning does: JSON
 * bodies as application/scim+json, the tenant's bearer token.
 */
export interface ScimResponse {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: SCIM bodies of many shapes; tests read them freely
  readonly body: any;
  readonly headers: Headers;
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export function scimClient(serviceUrl: string, tenant: string, token: () => string | undefined) {
  const base = `${serviceUrl}/t/${tenant}/scim/v2`;
  return async (method: string, path: string, body?: unknown, raw?: string): Promise<ScimResponse> => {
    const bearer = token();
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/scim+json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/scim+json; charset=utf-8' } : {}),
      },
      ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
}

/** The POST /Users body Okta sends on assignment (password included: it must never be stored or echoed). */
export function oktaUser(fields: {
  userName: string;
  givenName: string;
  familyName: string;
  externalId?: string;
  active?: boolean;
}) {
  return {
    schemas: [USER_SCHEMA],
    userName: fields.userName,
    name: { givenName: fields.givenName, familyName: fields.familyName },
    emails: [{ primary: true, value: fields.userName, type: 'work' }],
    displayName: `${fields.givenName} ${fields.familyName}`,
    locale: 'en-US',
    ...(fields.externalId ? { externalId: fields.externalId } : {}),
    groups: [],
    password: 'Okta-generated-Pa55word!',
    active: fields.active ?? true,
  };
}

export const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations });

/** The sub the demo identity provider gives a login it does not list. */
export { demoSubOf } from '../../local/demo-idp.ts';
