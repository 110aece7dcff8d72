import { ServiceError } from './errors.ts';
import type { TenantConfig } from './tenants.ts';
import type { UserProfile } from './users.ts';

/**
 * A tenant may limit sign-in to its own email domains (e.g. keep contractors'
 * or personal addresses out) and require Okta to have verified the address.
 * Checked after the ID token is verified and before anything is written.
 */
export function enforceEmailPolicy(
  profile: Pick<UserProfile, 'email' | 'emailVerified'>,
  tenant: Pick<TenantConfig, 'tenantId' | 'allowedEmailDomains' | 'requireEmailVerified'>,
): void {
  if (tenant.allowedEmailDomains.length > 0) {
    const domain = profile.email?.split('@').pop()?.toLowerCase();
    if (!domain || !profile.email?.includes('@') || !tenant.allowedEmailDomains.includes(domain)) {
      throw new ServiceError('EMAIL_DOMAIN_NOT_ALLOWED', {
        details: { tenantId: tenant.tenantId, allowedDomains: tenant.allowedEmailDomains.join(', ') },
      });
    }
  }
  if (tenant.requireEmailVerified && profile.emailVerified !== true) {
    throw new ServiceError('EMAIL_NOT_VERIFIED');
  }
}
