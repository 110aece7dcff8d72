import { type AuditEvent, auditEvent } from './audit.ts';
import { ServiceError } from './errors.ts';
import type { LoginRecord, LoginStore, LoginWriteMode } from './ports.ts';
import type { TenantConfig } from './tenants.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ProvisioningResult {
  /** How the login was finally written; `owner`/`member` mean the user was created now. */
  readonly mode: LoginWriteMode;
  /** The roles the user had before, when this login changed them. */
  readonly previousRoles: readonly string[] | undefined;
}

/**
 * Just-in-time provisioning. The common case (a returning user) is one
 * transaction. A first login then tries to become the tenant's owner through
 * a conditional write on the tenant's single OWNER item, and falls back to
 * member when another login got there first: never read-then-write, so 50
 * racing first logins still produce exactly one owner.
 */
export async function provisionLogin(
  store: LoginStore,
  record: LoginRecord,
  tenant: Pick<TenantConfig, 'hasOwner'>,
): Promise<ProvisioningResult> {
  // A tenant without an owner has no users at all (the first user becomes the owner),
  // so its first login goes straight to the owner claim: one transaction, not two.
  let mode: LoginWriteMode = tenant.hasOwner ? 'returning' : 'owner';
  let previousRoles: readonly string[] | undefined;
  // Each transition is taken at most once or twice, plus retries after write
  // conflicts; the bound only guards against a store bug or extreme contention.
  for (let attempt = 0; attempt < 12; attempt++) {
    const outcome = await store.recordLogin(record, mode, previousRoles, loginAuditEvents(record, mode, previousRoles));
    switch (outcome.kind) {
      case 'written':
        return { mode, previousRoles };
      case 'roles_changed':
        // Okta group membership changed since the last login: accept it, and audit it.
        previousRoles = outcome.previousRoles;
        break;
      case 'user_missing':
        mode = tenant.hasOwner ? 'member' : 'owner';
        break;
      case 'owner_taken':
        mode = 'member';
        break;
      case 'user_exists':
        // The same person's other login created the user a moment ago.
        mode = 'returning';
        previousRoles = undefined;
        break;
      case 'conflict':
        await sleep(10 + Math.random() * 40 * (attempt + 1));
        break;
      case 'tenant_gone':
        throw new ServiceError('TENANT_NOT_FOUND', { reason: 'tenant_deleted_during_login' });
      case 'user_disabled':
        throw new ServiceError('USER_DISABLED');
    }
  }
  throw new ServiceError('INTERNAL', { reason: 'provisioning_contention' });
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
  return [
    auditEvent({ ...common, type: 'login_succeeded', details: { provisioned: mode !== 'returning', roles } }),
    ...(mode === 'owner' ? [auditEvent({ ...common, type: 'owner_claimed' })] : []),
    ...(previousRoles && mode === 'returning'
      ? [auditEvent({ ...common, type: 'role_changed', details: { from: previousRoles, to: roles } })]
      : []),
  ];
}
