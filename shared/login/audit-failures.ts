import { auditEvent } from '../audit.ts';
import { ServiceError } from '../errors.ts';
import type { LoginDependencies } from './dependencies.ts';

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
  attempt: { readonly tenantId: string; readonly userId?: string },
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error && typeof error === 'object' && !audited.has(error)) {
      audited.add(error);
      await deps.audit
        .append(
          auditEvent({
            tenantId: attempt.tenantId,
            type: 'login_failed',
            actor: attempt.userId ? `user:${attempt.userId}` : 'anonymous',
            subject: attempt.userId,
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
