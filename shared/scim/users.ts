import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type AuditEventType, auditEvent } from '../audit.ts';
import { queryParams } from '../http/request.ts';
import type { HttpResult } from '../http/responses.ts';
import type { ScimPage, ScimUserWrite } from '../ports.ts';
import { rolesFor } from '../roles.ts';
import { forwardEpoch, laterEpoch, revocationEpoch } from '../session/revocation.ts';
import type { TenantConfig } from '../tenants.ts';
import { resolveUser, userIdFor } from '../user-identity.ts';
import { isUserId, newUserId, type User } from '../users.ts';
import { attributeSelection } from './attributes.ts';
import type { ScimDependencies } from './dependencies.ts';
import { scimError } from './errors.ts';
import { equalityFilter } from './filter.ts';
import { applyPatch } from './patch.ts';
import { jsonBody, paging } from './request.ts';
import { listResponse, noContent, scimJson } from './responses.ts';
import { retryOnConflict } from './retry.ts';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './schemas.ts';
import { assertImmutable, displayNameOf, readUser, type UserInput, userResource } from './user-resource.ts';

/** The request's tenant (authenticated) and the SCIM base URL of its resources. */
export interface ScimRequest {
  readonly deps: ScimDependencies;
  readonly event: APIGatewayProxyEventV2;
  readonly tenant: TenantConfig;
  readonly baseUrl: string;
}

const notFound = () => scimError('SCIM_NOT_FOUND', 'scim_user_not_found');

/**
 * Users as resources, as the request's `attributes`/`excludedAttributes` ask
 * (every response of /Users). Read before any write: a bad parameter (a
 * repeated one is a 400) must not fail a request whose write was done.
 */
function userView({ event, baseUrl }: ScimRequest): (user: User) => Record<string, unknown> {
  const selection = attributeSelection(event, [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  return (user) => selection.project(userResource(user, baseUrl));
}

/** `GET /Users`: Okta's `userName eq` (and `externalId eq`) lookups are keyed reads; no filter lists a page. */
export async function listUsers(request: ScimRequest): Promise<HttpResult> {
  const { deps, event, tenant } = request;
  const view = userView(request);
  const { startIndex, count } = paging(event);
  const filter = equalityFilter(queryParams(event).get('filter'), USER_SCHEMA, ['userName', 'externalId'] as const);
  let page: ScimPage<User>;
  if (filter) {
    const found = await resolveUser(
      deps.scim,
      tenant.tenantId,
      filter.attribute === 'userName'
        ? { by: 'userName', userName: filter.value }
        : { by: 'externalId', externalId: filter.value },
    );
    // A deleted user is released from its keys: nothing to find (RFC 7644 §3.6).
    const users = found.kind === 'user' ? [found.user] : [];
    page = { items: users.slice(startIndex - 1, startIndex - 1 + count), total: users.length };
  } else {
    page = await deps.scim.listUsers(tenant.tenantId, startIndex - 1, count);
  }
  return listResponse(page, startIndex, view);
}

export async function getUser(request: ScimRequest, userId: string): Promise<HttpResult> {
  const view = userView(request);
  return scimJson(200, view(await requireUser(request.deps, request.tenant, userId)));
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
  const view = userView(request);
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
    userName: input.profile.userName,
    previousUserName: undefined,
    externalId,
    previousExternalId: undefined,
    name: displayNameOf(input.profile),
    deactivated: !input.active,
    adminDisabledAsRead: false,
    endSessionsBefore: undefined,
    epochAsRead: undefined,
    // Under SCIM groups a new user is in none yet: the tenant's default roles.
    roles: tenant.scimGroups
      ? { groups: [], roles: rolesFor([], tenant.roleMappings, tenant.defaultRoles) }
      : undefined,
    now: now.toISOString(),
    audit: [scimAudit(tenant, 'scim_user_created', userId, now, { active: input.active })],
  };
  const outcome = await deps.scim.writeUser(write);
  if (outcome === 'conflict') return adoptUser(request, userId, input, view);
  assertWritten(outcome);
  return scimJson(201, view(writtenUser(undefined, write)), {
    location: `${baseUrl}/Users/${userId}`,
  });
}

/** The id is taken: by a user a login created for this same person (take it over), or a SCIM user (409). */
async function adoptUser(
  request: ScimRequest,
  userId: string,
  input: UserInput,
  view: (user: User) => Record<string, unknown>,
): Promise<HttpResult> {
  const { deps, tenant, baseUrl } = request;
  const result = await retryOnConflict(async () => {
    const [existing] = await deps.scim.getUsers(tenant.tenantId, [userId]);
    if (!existing || existing.scim) throw scimError('SCIM_CONFLICT', 'scim_external_id_taken');
    return writeChange(request, existing, input, 'scim_user_created');
  });
  return scimJson(201, view(result), { location: `${baseUrl}/Users/${userId}` });
}

/** `PUT /Users/{id}`: the full user, as Okta sends after a profile change or (re)activation. */
export async function replaceUser(request: ScimRequest, userId: string): Promise<HttpResult> {
  const input = readUser(jsonBody(request.event), { requireSchema: true });
  const view = userView(request);
  const user = await retryOnConflict(async () =>
    writeChange(request, await requireUser(request.deps, request.tenant, userId), input),
  );
  return scimJson(200, view(user));
}

/** `PATCH /Users/{id}`: applied to the current user, then checked as a PUT would be. */
export async function patchUser(request: ScimRequest, userId: string): Promise<HttpResult> {
  const body = jsonBody(request.event);
  const view = userView(request);
  const user = await retryOnConflict(async () => {
    const current = await requireUser(request.deps, request.tenant, userId);
    const before = userResource(current, request.baseUrl);
    const after = applyPatch(before, body);
    assertImmutable(before, after);
    return writeChange(request, current, readUser(after, { requireSchema: false }));
  });
  return scimJson(200, view(user));
}

/**
 * `DELETE /Users/{id}` (RFC 7644 §3.6): from now on the user is gone to SCIM
 * — `GET` 404, no filter finds it, its userName and externalId are free for
 * a new user — and every session it had is over for good: a tombstone at its
 * id keeps the revocation epoch (a user re-created at that id carries it
 * forward) and the audit trail keeps the event. A tile login of the person is
 * refused until SCIM creates them again.
 */
export async function deleteUser(request: ScimRequest, userId: string): Promise<HttpResult> {
  const { deps, tenant } = request;
  await retryOnConflict(async () => {
    const user = await requireUser(deps, tenant, userId);
    const now = deps.now();
    const derived = user.sub ? userIdFor(user.issuer, user.sub) : undefined;
    const outcome = await deps.scim.deleteUser({
      tenantId: tenant.tenantId,
      userId: user.userId,
      expectedVersion: user.version,
      issuer: user.sub ? user.issuer : undefined,
      sub: user.sub || undefined,
      linkedFrom: derived && derived !== user.userId ? derived : undefined,
      userName: user.userName,
      externalId: user.scim?.externalId,
      groupIds: Object.keys(user.scimGroups ?? {}),
      role: user.role,
      endSessionsBefore: laterEpoch(revocationEpoch(now), user.sessionsNotBeforeMs) as number,
      epochAsRead: user.sessionsNotBeforeMs,
      now: now.toISOString(),
      audit: [scimAudit(tenant, 'scim_user_deleted', user.userId, now)],
    });
    return outcome === 'conflict' ? 'conflict' : user;
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
    userName: input.profile.userName,
    previousUserName: user.userName,
    externalId: input.profile.externalId,
    previousExternalId: user.scim?.externalId,
    name: displayNameOf(input.profile),
    // Okta's decision only: an administrator's `disable-user` is neither lifted nor set here.
    deactivated: !input.active,
    adminDisabledAsRead: user.adminDisabled,
    // Only forward: a later epoch (another revocation) stays as it is.
    endSessionsBefore: deactivating ? forwardEpoch(now, user.sessionsNotBeforeMs) : undefined,
    epochAsRead: user.sessionsNotBeforeMs,
    now: now.toISOString(),
    audit: [scimAudit(tenant, type, user.userId, now, { active: input.active })],
  };
  let outcome = await deps.scim.writeUser(write);
  if (!input.active && (outcome === 'user_name_taken' || outcome === 'external_id_taken')) {
    // Deactivation never fails on a uniqueness claim (e.g. a user who holds no userName, shown to Okta
    // with an email another user holds as userName): the user keeps the keys it holds.
    const keep = {
      ...write,
      userName: user.userName,
      externalId: user.scim?.externalId,
      profile: { ...write.profile, externalId: user.scim?.externalId },
    };
    outcome = await deps.scim.writeUser(keep);
    if (outcome === 'written') return writtenUser(user, keep);
  }
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
    adminDisabled: false,
    createdAt: write.now,
    lastLoginAt: undefined,
    sessionsNotBeforeMs: undefined,
    userName: undefined,
    scim: undefined,
    scimGroups: write.roles ? {} : undefined,
    deactivated: false,
    version: 0,
    updatedAt: undefined,
  };
  return {
    ...base,
    name: write.name ?? base.name,
    userName: write.userName,
    scim: write.profile,
    deactivated: write.deactivated,
    sessionsNotBeforeMs: laterEpoch(write.endSessionsBefore, base.sessionsNotBeforeMs),
    updatedAt: write.now,
    version: base.version + 1,
  };
}

function assertWritten(outcome: Awaited<ReturnType<ScimDependencies['scim']['writeUser']>>): void {
  if (outcome === 'user_name_taken') throw scimError('SCIM_CONFLICT', 'scim_user_name_taken');
  if (outcome === 'external_id_taken') throw scimError('SCIM_CONFLICT', 'scim_external_id_taken');
  if (outcome === 'tenant_gone') throw scimError('SCIM_UNAUTHORIZED', 'scim_tenant_gone');
}

/** The user a SCIM id names: the user's own id only (a login's link is not a SCIM id), never a deleted one. */
async function requireUser(deps: ScimDependencies, tenant: TenantConfig, userId: string): Promise<User> {
  if (!isUserId(userId)) throw notFound();
  const found = await resolveUser(deps.scim, tenant.tenantId, { by: 'id', userId });
  if (found.kind !== 'user' || found.linked) throw notFound();
  return found.user;
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
