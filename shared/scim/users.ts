import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type AuditEventType, auditEvent } from '../audit.ts';
import { queryParams } from '../http/request.ts';
import type { HttpResult } from '../http/responses.ts';
import type { ScimPage, ScimUserWrite } from '../ports.ts';
import { rolesFor } from '../roles.ts';
import type { TenantConfig } from '../tenants.ts';
import { isUserId, newUserId, type User, userIdFor } from '../users.ts';
import type { ScimDependencies } from './dependencies.ts';
import { scimError } from './errors.ts';
import { equalityFilter } from './filter.ts';
import { applyPatch } from './patch.ts';
import { jsonBody, paging } from './request.ts';
import { listResponse, noContent, scimJson } from './responses.ts';
import { retryOnConflict } from './retry.ts';
import { USER_SCHEMA } from './schemas.ts';
import {
  assertImmutable,
  displayNameOf,
  primaryEmail,
  readUser,
  type UserInput,
  userResource,
} from './user-resource.ts';

/** The request's tenant (authenticated) and the SCIM base URL of its resources. */
export interface ScimRequest {
  readonly deps: ScimDependencies;
  readonly event: APIGatewayProxyEventV2;
  readonly tenant: TenantConfig;
  readonly baseUrl: string;
}

const notFound = () => scimError('SCIM_NOT_FOUND', 'scim_user_not_found');

/** `GET /Users`: Okta's `userName eq` (and `externalId eq`) lookups are keyed reads; no filter lists a page. */
export async function listUsers({ deps, event, tenant, baseUrl }: ScimRequest): Promise<HttpResult> {
  const { startIndex, count } = paging(event);
  const filter = equalityFilter(queryParams(event).get('filter'), USER_SCHEMA, ['userName', 'externalId'] as const);
  let page: ScimPage<User>;
  if (filter) {
    const userId =
      filter.attribute === 'userName'
        ? await deps.scim.findUserIdByUserName(tenant.tenantId, filter.value)
        : await deps.scim.findUserIdByExternalId(tenant.tenantId, filter.value);
    const users = userId ? await deps.scim.getUsers(tenant.tenantId, [userId]) : [];
    page = { items: users.slice(startIndex - 1, startIndex - 1 + count), total: users.length };
  } else {
    page = await deps.scim.listUsers(tenant.tenantId, startIndex - 1, count);
  }
  return listResponse(page, startIndex, (user) => userResource(user, baseUrl));
}

export async function getUser({ deps, tenant, baseUrl }: ScimRequest, userId: string): Promise<HttpResult> {
  return scimJson(200, userResource(await requireUser(deps, tenant, userId), baseUrl));
}

/**
 * `POST /Users`. With an externalId (Okta's user id, the ID token's `sub`)
 * the user gets the id a login derives for that person, so SCIM and login
 * meet on one item whatever comes first; without one it gets a random id and
 * the first login links to it by userName. A user a login created before
 * (same sub) is taken over rather than duplicated.
 */
export async function createUser(request: ScimRequest): Promise<HttpResult> {
  const { deps, event, tenant, baseUrl } = request;
  const input = readUser(jsonBody(event), { requireSchema: true });
  const externalId = input.profile.externalId;
  const userId = externalId ? userIdFor(tenant.issuer, externalId) : newUserId();
  const now = deps.now();
  const write: ScimUserWrite = {
    tenantId: tenant.tenantId,
    userId,
    expectedVersion: undefined,
    identity: externalId ? { issuer: tenant.issuer, sub: externalId } : undefined,
    tenantGeneration: tenant.generation,
    profile: input.profile,
    email: primaryEmail(input.profile),
    name: displayNameOf(input.profile),
    previousUserName: undefined,
    previousExternalId: undefined,
    disabled: !input.active,
    deactivated: !input.active,
    endSessionsBefore: undefined,
    // Under SCIM groups a new user is in none yet: the tenant's default roles.
    roles: tenant.scimGroups
      ? { groups: [], roles: rolesFor([], tenant.roleMappings, tenant.defaultRoles) }
      : undefined,
    now: now.toISOString(),
    audit: [scimAudit(tenant, 'scim_user_created', userId, now, { active: input.active })],
  };
  const outcome = await deps.scim.writeUser(write);
  if (outcome === 'conflict') return adoptUser(request, userId, input);
  assertWritten(outcome);
  return scimJson(201, userResource(writtenUser(undefined, write), baseUrl), {
    location: `${baseUrl}/Users/${userId}`,
  });
}

/** The id is taken: by a user a login created for this same person (take it over), or a SCIM user (409). */
async function adoptUser(request: ScimRequest, userId: string, input: UserInput): Promise<HttpResult> {
  const { deps, tenant, baseUrl } = request;
  const result = await retryOnConflict(async () => {
    const [existing] = await deps.scim.getUsers(tenant.tenantId, [userId]);
    if (!existing || existing.scim) throw scimError('SCIM_CONFLICT', 'scim_external_id_taken');
    return writeChange(request, existing, input, 'scim_user_created');
  });
  return scimJson(201, userResource(result, baseUrl), { location: `${baseUrl}/Users/${userId}` });
}

/** `PUT /Users/{id}`: the full user, as Okta sends after a profile change or (re)activation. */
export async function replaceUser(request: ScimRequest, userId: string): Promise<HttpResult> {
  const input = readUser(jsonBody(request.event), { requireSchema: true });
  const user = await retryOnConflict(async () =>
    writeChange(request, await requireUser(request.deps, request.tenant, userId), input),
  );
  return scimJson(200, userResource(user, request.baseUrl));
}

/** `PATCH /Users/{id}`: applied to the current user, then checked as a PUT would be. */
export async function patchUser(request: ScimRequest, userId: string): Promise<HttpResult> {
  const body = jsonBody(request.event);
  const user = await retryOnConflict(async () => {
    const current = await requireUser(request.deps, request.tenant, userId);
    const before = userResource(current, request.baseUrl);
    const after = applyPatch(before, body);
    assertImmutable(before, after);
    return writeChange(request, current, readUser(after, { requireSchema: false }));
  });
  return scimJson(200, userResource(user, request.baseUrl));
}

/** `DELETE /Users/{id}`: Okta never deletes; a delete deactivates (the user and their audit trail stay). */
export async function deleteUser(request: ScimRequest, userId: string): Promise<HttpResult> {
  await retryOnConflict(async () => {
    const current = await requireUser(request.deps, request.tenant, userId);
    const resource = userResource(current, request.baseUrl);
    return writeChange(request, current, readUser({ ...resource, active: false }, { requireSchema: false }));
  });
  return noContent();
}

/**
 * Writes what SCIM says about an existing user, conditional on the version
 * read. `active: false` disables the user and ends every session in the
 * same write (the revocation epoch `disable-user` uses), so the next `/me`,
 * callback or authorizer decision refuses them; `active: true` lifts only
 * SCIM's own deactivation and allows new logins, never old sessions.
 */
async function writeChange(
  { deps, tenant }: ScimRequest,
  user: User,
  input: UserInput,
  createdType?: AuditEventType,
): Promise<User | 'conflict'> {
  const now = deps.now();
  const deactivating = !input.active && !user.deactivated;
  const reactivating = input.active && user.deactivated;
  const type: AuditEventType =
    createdType ??
    (deactivating ? 'scim_user_deactivated' : reactivating ? 'scim_user_reactivated' : 'scim_user_updated');
  const write: ScimUserWrite = {
    tenantId: tenant.tenantId,
    userId: user.userId,
    expectedVersion: user.version,
    tenantGeneration: tenant.generation,
    profile: input.profile,
    email: primaryEmail(input.profile),
    name: displayNameOf(input.profile),
    previousUserName: user.userName,
    previousExternalId: user.scim?.externalId,
    // An administrator's `disable-user` stays: SCIM's `active` speaks only for Okta's deactivation.
    disabled: !input.active || (user.disabled && !user.deactivated),
    deactivated: !input.active,
    endSessionsBefore: deactivating ? Math.floor(now.getTime() / 1000) + 1 : undefined,
    now: now.toISOString(),
    audit: [scimAudit(tenant, type, user.userId, now, { active: input.active })],
  };
  const outcome = await deps.scim.writeUser(write);
  if (outcome === 'conflict') return 'conflict';
  assertWritten(outcome);
  return writtenUser(user, write);
}

/**
 * The user as the write left it, without reading it back: the write was
 * conditional on `before`'s version, so nothing SCIM keeps changed in between.
 */
function writtenUser(before: User | undefined, write: ScimUserWrite): User {
  const base: User = before ?? {
    tenantId: write.tenantId,
    userId: write.userId,
    issuer: write.identity?.issuer ?? '',
    sub: write.identity?.sub ?? '',
    email: undefined,
    emailVerified: undefined,
    name: undefined,
    groups: write.roles?.groups ?? [],
    roles: write.roles?.roles ?? [],
    role: 'member',
    disabled: false,
    createdAt: write.now,
    lastLoginAt: undefined,
    sessionsNotBefore: undefined,
    userName: undefined,
    scim: undefined,
    scimGroups: write.roles ? {} : undefined,
    deactivated: false,
    version: 0,
    updatedAt: undefined,
  };
  return {
    ...base,
    email: write.email ?? base.email,
    name: write.name ?? base.name,
    userName: write.profile.userName,
    scim: write.profile,
    disabled: write.disabled,
    deactivated: write.deactivated,
    sessionsNotBefore: write.endSessionsBefore ?? base.sessionsNotBefore,
    updatedAt: write.now,
    version: base.version + 1,
  };
}

function assertWritten(outcome: Awaited<ReturnType<ScimDependencies['scim']['writeUser']>>): void {
  if (outcome === 'user_name_taken') throw scimError('SCIM_CONFLICT', 'scim_user_name_taken');
  if (outcome === 'external_id_taken') throw scimError('SCIM_CONFLICT', 'scim_external_id_taken');
  if (outcome === 'tenant_gone') throw scimError('SCIM_UNAUTHORIZED', 'scim_tenant_gone');
}

async function requireUser(deps: ScimDependencies, tenant: TenantConfig, userId: string): Promise<User> {
  if (!isUserId(userId)) throw notFound();
  const [user] = await deps.scim.getUsers(tenant.tenantId, [userId]);
  if (!user) throw notFound();
  return user;
}

export function scimAudit(
  tenant: TenantConfig,
  type: AuditEventType,
  subject: string | undefined,
  now: Date,
  details?: Record<string, string | boolean | readonly string[]>,
) {
  return auditEvent({ tenantId: tenant.tenantId, type, actor: 'scim', subject, now, ...(details ? { details } : {}) });
}
