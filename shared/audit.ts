import { randomBytes } from 'node:crypto';

/** What happened, for a tenant's audit trail. */
export type AuditEventType =
  | 'login_succeeded'
  | 'login_failed'
  | 'logout'
  | 'role_changed'
  | 'owner_claimed'
  | 'owner_transferred'
  | 'user_disabled'
  | 'user_enabled'
  | 'sessions_revoked'
  | 'universal_logout'
  | 'tenant_saved'
  | 'tenant_deleted'
  | 'setup_link_issued'
  | 'setup_link_opened'
  | 'setup_link_revoked'
  | 'setup_checked'
  | 'setup_action'
  | 'setup_test_sign_in'
  | 'tenant_activated'
  | 'scim_token_rotated'
  | 'scim_user_created'
  | 'scim_user_updated'
  | 'scim_user_deactivated'
  | 'scim_user_reactivated'
  | 'scim_user_deleted'
  | 'scim_group_created'
  | 'scim_group_updated'
  | 'scim_group_deleted'
  | 'scim_groups_started';

/**
 * One audit record. Never holds tokens, codes, secrets or cookie values: the
 * actor and subject are opaque ids, the reason is an error code.
 */
export interface AuditEvent {
  readonly tenantId: string;
  /** ISO time. */
  readonly at: string;
  /** Unique within the tenant and time; also orders events of the same millisecond. */
  readonly id: string;
  readonly type: AuditEventType;
  /**
   * `user:<userId>`, `admin:<name>`, `setup-link` (the tenant's Okta admin on
   * the setup link), `scim` (the tenant's Okta provisioning),
   * `okta:universal-logout` or `system`.
   */
  readonly actor: string;
  /** The user the event is about, if any. */
  readonly subject: string | undefined;
  readonly outcome: 'success' | 'failure';
  /** Error code for failures. */
  readonly reason: string | undefined;
  readonly details: Readonly<Record<string, string | boolean | readonly string[]>> | undefined;
}

export function auditEvent(
  fields: Pick<AuditEvent, 'tenantId' | 'type' | 'actor'> &
    Partial<Pick<AuditEvent, 'subject' | 'reason' | 'details' | 'outcome'>> & { now?: Date },
): AuditEvent {
  return {
    tenantId: fields.tenantId,
    at: (fields.now ?? new Date()).toISOString(),
    id: randomBytes(6).toString('base64url'),
    type: fields.type,
    actor: fields.actor,
    subject: fields.subject,
    outcome: fields.outcome ?? 'success',
    reason: fields.reason,
    details: fields.details,
  };
}
