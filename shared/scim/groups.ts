import type { AuditEventType } from '../audit.ts';
import { queryParams } from '../http/request.ts';
import type { HttpResult } from '../http/responses.ts';
import type { ScimGroup, ScimMembershipWrite, ScimPage } from '../ports.ts';
import { rolesFor } from '../roles.ts';
import type { TenantConfig } from '../tenants.ts';
import { isUserId, type User } from '../users.ts';
import { attributeSelection } from './attributes.ts';
import { scimError } from './errors.ts';
import { equalityFilter } from './filter.ts';
import { type GroupInput, groupResource, isGroupId, newGroupId, readGroup } from './group-resource.ts';
import { applyPatch } from './patch.ts';
import { jsonBody, paging } from './request.ts';
import { listResponse, noContent, scimJson } from './responses.ts';
import { retryOnConflict } from './retry.ts';
import { GROUP_SCHEMA, MAX_GROUP_MEMBERS } from './schemas.ts';
import { assertImmutable } from './user-resource.ts';
import { type ScimRequest, scimAudit } from './users.ts';

const notFound = () => scimError('SCIM_NOT_FOUND', 'scim_group_not_found');

/**
 * Members in all of one `GET /Groups` response that asks for them: at most
 * ~450 bytes each in the worst case (a 253-character host in every `$ref`),
 * so under half a megabyte, and at most this many member items read, however
 * large the tenant's groups.
 */
export const MAX_LISTED_MEMBERS = 1000;

const selectionOf = (request: ScimRequest) => attributeSelection(request.event, [GROUP_SCHEMA]);

/**
 * `GET /Groups`: `displayName eq` is a keyed read. Members are left out
 * unless asked for (`attributes=members`): Okta's Group Push and imports
 * never need them, and reading them is what a listing would otherwise cost.
 */
export async function listGroups(request: ScimRequest): Promise<HttpResult> {
  const { deps, event, tenant, baseUrl } = request;
  const { startIndex, count } = paging(event);
  const filter = equalityFilter(queryParams(event).get('filter'), GROUP_SCHEMA, ['displayName'] as const);
  const selection = selectionOf(request);
  let page: ScimPage<ScimGroup>;
  if (filter) {
    const groupId = await deps.scim.findGroupIdByName(tenant.tenantId, filter.value);
    const group = groupId ? await deps.scim.getGroup(tenant.tenantId, groupId) : undefined;
    const groups = group ? [group] : [];
    page = { items: groups.slice(startIndex - 1, startIndex - 1 + count), total: groups.length };
  } else {
    page = await deps.scim.listGroups(tenant.tenantId, startIndex - 1, count);
  }
  const members = selection.includes('members', false) ? await listedMembers(request, page.items) : new Map();
  return listResponse(page, startIndex, (group) =>
    selection.project(groupResource(group, members.get(group.groupId), baseUrl)),
  );
}

/**
 * The members of a page's groups, at most `MAX_LISTED_MEMBERS` in all. Each
 * group's read is limited to what is left of that budget, so the page reads
 * at most `MAX_LISTED_MEMBERS + 1` member items; beyond it the answer is a
 * 400 tooMany pointing at `GET /Groups/{id}`, never a silently shorter list.
 * One group after the other, so the budget bounds what is read.
 */
async function listedMembers({ deps, tenant }: ScimRequest, groups: readonly ScimGroup[]) {
  const members = new Map<string, string[]>();
  let left = MAX_LISTED_MEMBERS;
  for (const group of groups) {
    const read = await deps.scim.listMembers(tenant.tenantId, group.groupId, left);
    if (read.more) {
      throw scimError('SCIM_INVALID', 'scim_members_over_list_limit', { limit: String(MAX_LISTED_MEMBERS) });
    }
    members.set(group.groupId, read.userIds);
    left -= read.userIds.length;
  }
  return members;
}

/** `GET /Groups/{id}`: members are in the default set here (`excludedAttributes=members` leaves them unread). */
export async function getGroup(request: ScimRequest, groupId: string): Promise<HttpResult> {
  const group = await requireGroup(request, groupId);
  const selection = selectionOf(request);
  const members = selection.includes('members', true) ? await allMembers(request, groupId) : undefined;
  return scimJson(200, selection.project(groupResource(group, members, request.baseUrl)));
}

/**
 * Every member of one group, read with a limit: no write makes a group
 * larger than `MAX_GROUP_MEMBERS` (~2.3 MB of members at worst, well under
 * Lambda's 6 MB response), so more can only be data from elsewhere, refused
 * with a 400 tooMany rather than read whole or cut short.
 */
async function allMembers({ deps, tenant }: ScimRequest, groupId: string): Promise<string[]> {
  const read = await deps.scim.listMembers(tenant.tenantId, groupId, MAX_GROUP_MEMBERS);
  if (read.more) {
    throw scimError('SCIM_INVALID', 'scim_members_over_group_limit', { limit: String(MAX_GROUP_MEMBERS) });
  }
  return read.userIds;
}

/** `POST /Groups` (Okta's Group Push): the group with its members, whose roles change at once. */
export async function createGroup(request: ScimRequest): Promise<HttpResult> {
  const input = readGroup(jsonBody(request.event), { requireSchema: true });
  const selection = selectionOf(request);
  const groupId = newGroupId();
  const group = await retryGroupWrite(request, (fresh) =>
    writeGroup(fresh, { groupId, group: undefined, members: [] }, input),
  );
  return scimJson(201, selection.project(groupResource(group, input.members, request.baseUrl)), {
    location: `${request.baseUrl}/Groups/${groupId}`,
  });
}

export async function replaceGroup(request: ScimRequest, groupId: string): Promise<HttpResult> {
  const input = readGroup(jsonBody(request.event), { requireSchema: true });
  const selection = selectionOf(request);
  const group = await retryGroupWrite(request, async (fresh) =>
    writeGroup(fresh, await currentGroup(fresh, groupId), input),
  );
  return scimJson(200, selection.project(groupResource(group, input.members, request.baseUrl)));
}

/** `PATCH /Groups/{id}`: member adds and removes (`members[value eq "…"]`) and renames, as Okta sends them. */
export async function patchGroup(request: ScimRequest, groupId: string): Promise<HttpResult> {
  const body = jsonBody(request.event);
  const selection = selectionOf(request);
  const result = await retryGroupWrite(request, async (fresh) => {
    const current = await currentGroup(fresh, groupId);
    const before = groupResource(current.group as ScimGroup, current.members, request.baseUrl);
    const after = applyPatch(before, body);
    assertImmutable(before, { ...after, groups: before.groups });
    const input = readGroup(after, { requireSchema: false });
    const group = await writeGroup(fresh, current, input);
    return group === 'conflict' ? 'conflict' : { group, members: input.members };
  });
  return scimJson(200, selection.project(groupResource(result.group, result.members, request.baseUrl)));
}

export async function deleteGroup(request: ScimRequest, groupId: string): Promise<HttpResult> {
  await retryGroupWrite(request, async (fresh) => writeGroup(fresh, await currentGroup(fresh, groupId), undefined));
  return noContent();
}

/**
 * A group write, read-compute-write, repeated while it loses to a concurrent
 * write (`retryOnConflict`). A repeat also reads the tenant again: the loser
 * of two first groups must see SCIM groups turned on (its write was
 * conditional on them being off), and a tenant deleted meanwhile ends it.
 */
async function retryGroupWrite<T>(
  request: ScimRequest,
  step: (request: ScimRequest) => Promise<T | 'conflict'>,
): Promise<T> {
  let current: ScimRequest | undefined;
  return retryOnConflict(async () => {
    current = current ? await withFreshTenant(current) : request;
    return step(current);
  });
}

async function withFreshTenant(request: ScimRequest): Promise<ScimRequest> {
  const { tenant } = await request.deps.scim.getScimContext(request.tenant.tenantId);
  if (!tenant || tenant.generation !== request.tenant.generation) {
    throw scimError('SCIM_UNAUTHORIZED', 'scim_tenant_gone');
  }
  return { ...request, tenant };
}

interface GroupState {
  readonly groupId: string;
  readonly group: ScimGroup | undefined;
  readonly members: readonly string[];
}

async function requireGroup({ deps, tenant }: ScimRequest, groupId: string): Promise<ScimGroup> {
  if (!isGroupId(groupId)) throw notFound();
  const group = await deps.scim.getGroup(tenant.tenantId, groupId);
  if (!group) throw notFound();
  return group;
}

async function currentGroup(request: ScimRequest, groupId: string): Promise<GroupState> {
  const group = await requireGroup(request, groupId);
  return { groupId, group, members: await allMembers(request, groupId) };
}

/** Who a group write adds and removes, and whose SCIM groups it changes. */
interface MembershipDiff {
  readonly added: string[];
  /** Members not kept; every member when the group is deleted (nobody is kept). */
  readonly removed: string[];
  /** The members after the write (none when the group is deleted). */
  readonly after: ReadonlySet<string>;
  /** The group's name before a rename; undefined when the name stays. */
  readonly renamedFrom: string | undefined;
  /** A rename touches every member, before and after; a membership change only the users added or removed. */
  readonly affected: string[];
}

function membershipDiff(state: GroupState, input: GroupInput | undefined): MembershipDiff {
  const before = new Set(state.members);
  const after = new Set(input?.members ?? []);
  const added = [...after].filter((id) => !before.has(id));
  const removed = [...before].filter((id) => !after.has(id));
  const renamed = input !== undefined && state.group !== undefined && input.displayName !== state.group.displayName;
  return {
    added,
    removed,
    after,
    renamedFrom: renamed ? state.group?.displayName : undefined,
    affected: renamed ? [...new Set([...before, ...after])] : [...added, ...removed],
  };
}

/** The users the change affects; an added member that is not a user of the tenant is a 400. */
async function affectedUsers({ deps, tenant }: ScimRequest, diff: MembershipDiff): Promise<User[]> {
  const malformed = diff.added.find((id) => !isUserId(id));
  if (malformed !== undefined) {
    throw scimError('SCIM_INVALID', 'scim_member_unknown', { member: malformed.slice(0, 64) });
  }
  const users = await deps.scim.getUsers(tenant.tenantId, diff.affected);
  const found = new Set(users.map((user) => user.userId));
  const unknown = diff.added.find((id) => !found.has(id));
  if (unknown) throw scimError('SCIM_INVALID', 'scim_member_unknown', { member: unknown });
  return users;
}

/** The group as the write leaves it (a deleted group's last state, for its audit event). */
function nextGroup(tenant: TenantConfig, state: GroupState, input: GroupInput | undefined, now: Date): ScimGroup {
  return {
    tenantId: tenant.tenantId,
    groupId: state.groupId,
    displayName: input?.displayName ?? state.group?.displayName ?? '',
    externalId: input ? input.externalId : state.group?.externalId,
    createdAt: state.group?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
    version: (state.group?.version ?? 0) + 1,
  };
}

/**
 * Each affected user's SCIM groups after the write and the roles the
 * tenant's role map gives them (same names and priority as for the `groups`
 * claim), written conditional on the user's version as read; a
 * `role_changed` event for each user whose roles change.
 */
function recomputeRoles(
  tenant: TenantConfig,
  group: ScimGroup,
  users: readonly User[],
  diff: MembershipDiff,
  now: Date,
) {
  const memberships: ScimMembershipWrite[] = [];
  const roleEvents = [];
  for (const user of users) {
    const scimGroups: Record<string, string> = { ...(user.scimGroups ?? {}) };
    delete scimGroups[group.groupId];
    if (diff.after.has(user.userId)) scimGroups[group.groupId] = group.displayName;
    const groups = Object.values(scimGroups);
    const roles = rolesFor(groups, tenant.roleMappings, tenant.defaultRoles);
    memberships.push({ userId: user.userId, expectedVersion: user.version, scimGroups, groups, roles });
    if (roles.join(',') !== user.roles.join(',')) {
      roleEvents.push(scimAudit(tenant, 'role_changed', user.userId, now, { from: user.roles, to: roles }));
    }
  }
  return { memberships, roleEvents };
}

function groupAudit(tenant: TenantConfig, type: AuditEventType, group: ScimGroup, diff: MembershipDiff, now: Date) {
  return scimAudit(tenant, type, undefined, now, {
    group: group.groupId,
    displayName: group.displayName,
    added: String(diff.added.length),
    removed: String(diff.removed.length),
    ...(diff.renamedFrom !== undefined ? { renamedFrom: diff.renamedFrom } : {}),
  });
}

/**
 * Writes a group change and what it does to its members: each affected
 * user's SCIM groups and roles, so `/me` shows the change without a new
 * login. `input` undefined deletes the group.
 */
async function writeGroup(
  request: ScimRequest,
  state: GroupState,
  input: GroupInput | undefined,
): Promise<ScimGroup | 'conflict'> {
  const { deps, tenant } = request;
  const now = deps.now();
  const diff = membershipDiff(state, input);
  const users = await affectedUsers(request, diff);
  const group = nextGroup(tenant, state, input, now);
  const { memberships, roleEvents } = recomputeRoles(tenant, group, users, diff, now);
  const type = !input ? 'scim_group_deleted' : state.group ? 'scim_group_updated' : 'scim_group_created';
  const enablesScimGroups = input !== undefined && !tenant.scimGroups;
  const outcome = await deps.scim.writeGroup({
    tenantId: tenant.tenantId,
    tenantGeneration: tenant.generation,
    group,
    expectedVersion: state.group?.version,
    deleted: input === undefined,
    previousDisplayName: state.group?.displayName,
    addMembers: diff.added,
    removeMembers: diff.removed,
    users: memberships,
    enablesScimGroups,
    audit: [groupAudit(tenant, type, group, diff, now), ...roleEvents],
  });
  if (outcome === 'name_taken') throw scimError('SCIM_CONFLICT', 'scim_group_name_taken');
  if (outcome === 'tenant_gone') throw scimError('SCIM_UNAUTHORIZED', 'scim_tenant_gone');
  if (outcome === 'conflict') return 'conflict';
  if (enablesScimGroups) await startScimGroups(request, now);
  return group;
}

/**
 * The tenant's first group: from now on roles come from SCIM groups, so
 * every user not in one gets none (the default roles) at once, rather than
 * keep the roles of their last login's `groups` claim.
 */
async function startScimGroups({ deps, tenant }: ScimRequest, now: Date): Promise<void> {
  const started = await deps.scim.startScimGroups(tenant.tenantId, {
    groups: [],
    roles: rolesFor([], tenant.roleMappings, tenant.defaultRoles),
  });
  deps.logger.info('roles now come from SCIM groups', { usersWithoutGroups: started });
  await deps.audit.append(
    scimAudit(tenant, 'scim_groups_started', undefined, now, { usersWithoutGroups: String(started) }),
  );
}
