/**
 * DynamoDB requests per SCIM call, counted on the wire by the same proxy as
 * the logins (bench/run.ts passes its counter in), in the order Okta calls:
 * the connection test, the userName lookup, create, update, deactivate, the
 * first Group Push of a tenant, member adds and removes, a rename. Then the
 * logins SCIM changes: a SCIM user's first sign-in, and a returning login
 * once the tenant's roles come from SCIM groups.
 */

import { demoSubOf } from '../local/demo-idp.ts';
import { closeDocumentClient, createDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { DynamoDbScimDirectory } from '../shared/adapters/dynamodb/scim-directory.ts';
import { hashScimToken, newScimToken } from '../shared/scim/auth.ts';
import { scimBaseUrl } from '../shared/tenant-urls.ts';

type Counted = { requests: number; operations: string[] };

/** What the bench's service offers (bench/service.ts), as far as this module uses it. */
export interface ScimBenchService {
  readonly url: string;
  /** DynamoDB Local itself (not the meter): setting up the token is not counted. */
  readonly dynamo: { readonly endpoint: string };
  readonly tableName: string;
  readonly meter: { readonly operations: string[]; reset(): void };
  login(tenant: string, user: string): Promise<unknown>;
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** `tenant` has an owner already; its roles come from SCIM groups afterwards. */
export async function measureScimRequests(service: ScimBenchService, tenant: string): Promise<Record<string, Counted>> {
  const client = createDocumentClient({ endpoint: service.dynamo.endpoint });
  const token = newScimToken();
  await new DynamoDbScimDirectory(client, service.tableName).putScimTokenHash(
    tenant,
    hashScimToken(token),
    new Date().toISOString(),
  );
  closeDocumentClient(client);
  const count = async (fn: () => Promise<unknown>): Promise<Counted> => {
    service.meter.reset();
    await fn();
    return { requests: service.meter.operations.length, operations: [...service.meter.operations] };
  };
  const options = { count, login: (user: string) => service.login(tenant, user) };
  const base = scimBaseUrl(service.url, tenant);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`bench SCIM ${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const measured: Record<string, Counted> = {};
  const measure = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    let result: T | undefined;
    measured[name] = await options.count(async () => {
      result = await fn();
    });
    return result as T;
  };
  const user = (userName: string, externalId: string, active = true) => ({
    schemas: [USER],
    userName,
    name: { givenName: 'Bench', familyName: 'User' },
    emails: [{ value: userName, primary: true, type: 'work' }],
    externalId,
    active,
  });

  await measure('connectionTest', () => call('GET', '/Users?startIndex=1&count=2'));
  await measure('findUserByUserNameMiss', () =>
    call('GET', `/Users?filter=${encodeURIComponent('userName eq "hedy@acme.example"')}`),
  );
  const hedy = await measure('createUser', () => call('POST', '/Users', user('hedy@acme.example', '00ubenchhedy')));
  await measure('findUserByUserNameHit', () =>
    call('GET', `/Users?filter=${encodeURIComponent('userName eq "hedy@acme.example"')}`),
  );
  await measure('getUser', () => call('GET', `/Users/${hedy.id}`));
  await measure('replaceUser', () => call('PUT', `/Users/${hedy.id}`, user('hedy@acme.example', '00ubenchhedy')));
  await measure('deactivateUser', () =>
    call('PATCH', `/Users/${hedy.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }),
  );
  await measure('reactivateUser', () =>
    call('PATCH', `/Users/${hedy.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    }),
  );
  // Someone who has never signed in: SCIM creates them with Okta's user id, then they sign in.
  const grace = await call('POST', '/Users', user('katherine@acme.example', demoSubOf('katherine')));
  measured.firstLoginOfScimUser = await options.count(() => options.login('katherine'));
  const group = await measure('firstGroupPushOfTenant1Member', () =>
    call('POST', '/Groups', { schemas: [GROUP], displayName: 'Engineering', members: [{ value: hedy.id }] }),
  );
  await measure('groupPatchAddMember', () =>
    call('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: grace.id }] }],
    }),
  );
  await measure('groupPatchRemoveMember', () =>
    call('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${hedy.id}"]` }],
    }),
  );
  await measure('groupRename1Member', () =>
    call('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { displayName: 'Admins' } }],
    }),
  );
  await measure('getGroupWithoutMembers', () => call('GET', `/Groups/${group.id}?excludedAttributes=members`));
  await measure('laterGroupPush1Member', () =>
    call('POST', '/Groups', { schemas: [GROUP], displayName: 'Support', members: [{ value: grace.id }] }),
  );
  // The login function's cached tenant config (TENANT_CACHE_SECONDS) still says "no SCIM groups": one retry,
  // and the cache is dropped; the next login reads the tenant again; from then on a returning login is 2.
  measured.returningLoginStaleTenantCache = await options.count(() => options.login('katherine'));
  measured.returningLoginTenantReread = await options.count(() => options.login('katherine'));
  measured.returningLoginUnderScimGroups = await options.count(() => options.login('katherine'));
  return measured;
}

export function printScimCounts(scim: Record<string, Counted>): void {
  console.log('\nDynamoDB requests per SCIM call (and the logins SCIM changes)');
  console.table(
    Object.fromEntries(
      Object.entries(scim).map(([call, value]) => [
        call,
        { requests: value.requests, operations: value.operations.join(' ') },
      ]),
    ),
  );
}
