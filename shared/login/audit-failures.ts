import { auditEvent } from '../audit.ts';
import { ServiceError } from '../errors.ts';
import { resolveUser } from '../user-identity.ts';
import type { LoginDependencies } from './dependencies.ts';

/**
 * Whose login it is. `userId` starts as the id the login derives from
 * (issuer, sub); provisioning sets `resolved` once it knows the user (a
 * linked SCIM user has its own id).
 */
export interface LoginAttempt {
  readonly tenantId: string;
  userId?: string | undefined;
  resolved?: boolean;
}

/**
 * The user a refused login is audited under: the one the resolver finds for
 * the derived id (a link leads to the SCIM user it points at), so the trail
 * names the id every admin command acts on. Read only on failure; if the
 * read fails too, the derived id is recorded.
 */
async function auditedUserId(deps: LoginDependencies, attempt: LoginAttempt): Promise<string | undefined> {
  if (!attempt.userId || attempt.resolved) return attempt.userId;
  try {
    const found = await resolveUser(deps.logins, attempt.tenantId, { by: 'id', userId: attempt.userId });
    if (found.kind === 'user') return found.user.userId;
    if (found.kind === 'deleted') return found.userId;
  } catch {
    deps.logger.warn('could not resolve the user of a refused login for the audit trail');
  }
  return attempt.userId;
}

/** Errors already written to the audit trail by an inner wrapper. */
const audited = new WeakSet<object>();

/**
 * Runs a step of a login that has proved to be a real attempt of this
 * browser (its state opened) and records its failure in the tenant's audit
 * trail, once, with the user when known. Failures before that are not
 * audited: unauthenticated noise must not be able to fill a tenant's trail.
 * The audit store being down never hides the real error.
 */
export async function auditFailures<T>(
  deps: LoginDependencies,
  attempt: LoginAttempt,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error && typeof error === 'object' && !audited.has(error)) {
      audited.add(error);
      const userId = await auditedUserId(deps, attempt);
      await deps.audit
        .append(
          auditEvent({
            tenantId: attempt.tenantId,
            type: 'login_failed',
            actor: userId ? `user:${userId}` : 'anonymous',
            subject: userId,
            outcome: 'failure',
            reason: error instanceof ServiceError ? error.code : 'INTERNAL',
            now: deps.now(),
          }),
        )
        .catch(() => deps.logger.warn('could not write login_failed audit event'));
    }
    throw error;
  }
}
