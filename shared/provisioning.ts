import { type AuditEvent, auditEvent } from './audit.ts';
import { ServiceError } from './errors.ts';
import type { LoginRecord, LoginStore, LoginWriteMode, LoginWriteOptions } from './ports.ts';
import type { TenantConfig } from './tenants.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ProvisioningResult {
  /** How the login was finally written; `owner`/`member` mean the user was created now. */
  readonly mode: LoginWriteMode;
  /** The roles the user had before, when this login changed them. */
  readonly previousRoles: readonly string[] | undefined;
  /** The record as written: its user id is the session's (a SCIM user's, when the login was linked to one). */
  readonly record: LoginRecord;
}

/** Modes in which this login makes its user the tenant's owner. */
export const claimsOwnership = (mode: LoginWriteMode) =>
  mode === 'owner' || mode === 'claim_owner' || mode === 'link_owner';

/**
 * Just-in-time provisioning. The common case (a returning user) is one
 * transaction. A first login then tries to become the tenant's owner through
 * a conditional write on the tenant's single OWNER item, and falls back to
 * member when another login got there first: never read-then-write, so 50
 * racing first logins still produce exactly one owner.
 *
 * SCIM users are found the same way, by the outcome of a conditional write
 * rather than a read first: one SCIM created with Okta's user id as
 * externalId sits at the id this login derives (`user_exists`: sign it in,
 * claiming ownership if nobody has); one created without it holds the
 * userName this login's `preferred_username` asks for (`username_taken`: link
 * it); a linked one answers at the derived id with a pointer (`linked`).
 */
export async function provisionLogin(
  store: LoginStore,
  record: LoginRecord,
  tenant: Pick<TenantConfig, 'hasOwner'> & { readonly defaultRoles?: readonly string[] },
  /** Told the user this login turned out to be (a linked SCIM user), so a refusal is audited under them. */
  resolved: (userId: string) => void = () => {},
): Promise<ProvisioningResult> {
  const derivedUserId = record.userId;
  // SCIM deleted the user this login's id names: only a user SCIM created again (found by userName) signs in.
  let deletedSeen = false;
  let ownerTaken = tenant.hasOwner === true;
  // A tenant without an owner has no signed-in users at all (the first one becomes the owner),
  // so its first login goes straight to the owner claim: one transaction, not two.
  let mode: LoginWriteMode = ownerTaken ? 'returning' : 'owner';
  let options: LoginWriteOptions = { previousRoles: undefined, claimUserName: true, initScimGroups: false };
  let current = record;
  // Each transition is taken at most once or twice, plus retries after write
  // conflicts; the bound only guards against a store bug or extreme contention.
  for (let attempt = 0; attempt < 16; attempt++) {
    const events = loginAuditEvents(current, mode, options.previousRoles);
    const outcome = await store.recordLogin(current, mode, options, events);
    switch (outcome.kind) {
      case 'written':
        return { mode, previousRoles: options.previousRoles, record: current };
      case 'roles_changed':
        // Okta group membership changed since the last login: accept it, and audit it.
        options = { ...options, previousRoles: outcome.previousRoles };
        break;
      case 'user_missing':
        mode = ownerTaken ? 'member' : 'owner';
        break;
      case 'owner_taken':
        ownerTaken = true;
        mode = mode === 'owner' ? 'member' : mode === 'link_owner' ? 'link' : 'returning';
        break;
      case 'user_exists':
        // The same person's other login, or SCIM with Okta's user id, created the user a moment ago.
        current = withUser(current, derivedUserId);
        mode = ownerTaken ? 'returning' : 'claim_owner';
        options = { ...options, previousRoles: undefined };
        break;
      case 'linked':
        current = withUser(current, outcome.userId);
        resolved(outcome.userId);
        options = { ...options, previousRoles: undefined };
        break;
      case 'user_deleted': {
        const holder =
          !deletedSeen && current.profile.userName
            ? await store.findUserIdByUserName(current.tenantId, current.profile.userName)
            : undefined;
        deletedSeen = true;
        if (!holder || holder === derivedUserId) throw deletedError();
        // The link rule decides (`user-identity.ts`): only a SCIM user without a sub is linked.
        current = withUser(current, holder);
        mode = ownerTaken ? 'link' : 'link_owner';
        options = { ...options, previousRoles: undefined };
        break;
      }
      case 'username_taken':
        // Created by SCIM without an externalId, with this person's userName: link it.
        current = withUser(current, outcome.userId);
        mode = ownerTaken ? 'link' : 'link_owner';
        break;
      case 'not_linkable':
        if (deletedSeen) throw deletedError();
        // The userName belongs to someone else (or nobody by now): a user of its own, without it.
        current = withUser(current, derivedUserId);
        mode = ownerTaken ? 'member' : 'owner';
        options = { ...options, claimUserName: false, previousRoles: undefined };
        break;
      case 'roles_from_scim':
        // The tenant's first SCIM group arrived after this container read its config.
        current = {
          ...current,
          rolesFrom: 'scim',
          profile: { ...current.profile, groups: [], roles: [...(tenant.defaultRoles ?? [])] },
        };
        options = { ...options, previousRoles: undefined, initScimGroups: false };
        break;
      case 'scim_groups_missing':
        // SCIM groups started while this user was away: they are in none (default roles).
        options = { ...options, initScimGroups: true, previousRoles: undefined };
        break;
      case 'conflict':
        await sleep(10 + Math.random() * 40 * (attempt + 1));
        break;
      case 'tenant_gone':
        throw new ServiceError('TENANT_NOT_FOUND', { reason: 'tenant_deleted_during_login' });
      case 'user_disabled':
        resolved(current.userId);
        throw new ServiceError('USER_DISABLED', outcome.deactivated ? { reason: 'user_deactivated' } : {});
    }
  }
  throw new ServiceError('INTERNAL', { reason: 'provisioning_contention' });
}

const deletedError = () => new ServiceError('USER_DISABLED', { reason: 'user_deleted' });

/** The same login for another user id: its session belongs to that user. */
function withUser(record: LoginRecord, userId: string): LoginRecord {
  if (record.userId === userId) return record;
  return { ...record, userId, session: { ...record.session, userId } };
}

/**
 * What a login leaves in the tenant's audit trail, written in the login's own
 * transaction: the success, an ownership claim, and a role change when Okta's
 * groups changed since the last login.
 */
export function loginAuditEvents(
  record: LoginRecord,
  mode: LoginWriteMode,
  previousRoles: readonly string[] | undefined,
): AuditEvent[] {
  const now = new Date(record.now);
  const common = { tenantId: record.tenantId, actor: `user:${record.userId}`, subject: record.userId, now };
  const roles = record.profile.roles;
  const provisioned = mode === 'owner' || mode === 'member';
  const linked = mode === 'link' || mode === 'link_owner';
  return [
    auditEvent({
      ...common,
      type: 'login_succeeded',
      // Under SCIM groups a login does not set roles: only what it wrote is recorded.
      details: { provisioned, ...(linked ? { linked } : {}), ...(record.rolesFrom === 'claim' ? { roles } : {}) },
    }),
    ...(claimsOwnership(mode) ? [auditEvent({ ...common, type: 'owner_claimed' })] : []),
    ...(previousRoles && mode === 'returning'
      ? [auditEvent({ ...common, type: 'role_changed', details: { from: previousRoles, to: roles } })]
      : []),
  ];
}
