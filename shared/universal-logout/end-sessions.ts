import { auditEvent } from '../audit.ts';
import { revocationEpoch } from '../session/revocation.ts';
import { isSessionLive } from '../session/session-rules.ts';
import type { TenantConfig } from '../tenants.ts';
import type { User } from '../users.ts';
import type { UniversalLogoutDependencies } from './dependencies.ts';
import type { RevocationSubject } from './parse-subject.ts';

/** Who ends the sessions, in the audit trail. */
export const UNIVERSAL_LOGOUT_ACTOR = 'okta:universal-logout';

/**
 * Ends every session of each user at once, with the per-user revocation
 * epoch every session check reads (`/me`, the authorizer, the app's routes):
 * one write per user, however many sessions, moved only forward
 * (`session/revocation.ts`): a session that started before it ends, a
 * sign-in after it works. Sessions are not deleted; they
 * are refused from the next request and expire by TTL. A later login works.
 *
 * Before that, it counts the sessions that were live by the same rule a
 * request applies (expiry, idle timeout, earlier revocations, the tenant's
 * generation), for the audit event. Returns the sessions ended in total.
 */
export async function endSessions(
  deps: UniversalLogoutDependencies,
  tenant: TenantConfig,
  users: readonly User[],
  subject: RevocationSubject,
): Promise<number> {
  let total = 0;
  for (const { userId } of users) {
    const now = deps.now();
    const seconds = Math.floor(now.getTime() / 1000);
    const found = await deps.sessions.listUserSessions(tenant.tenantId, userId, seconds);
    const live = found.sessions.filter((session) =>
      isSessionLive(session, found.user, found.tenant, seconds, deps.config.sessionIdleSeconds),
    ).length;
    // False only when the user was removed meanwhile (tenant delete): nothing left to end.
    if (!(await deps.users.revokeUserSessions(tenant.tenantId, userId, revocationEpoch(now)))) continue;
    total += live;
    await deps.audit.append(
      auditEvent({
        tenantId: tenant.tenantId,
        type: 'universal_logout',
        actor: UNIVERSAL_LOGOUT_ACTOR,
        subject: userId,
        details: { format: subject.format, sessionsEnded: String(live) },
        now,
      }),
    );
  }
  return total;
}
