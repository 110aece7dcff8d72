import { LoginError } from './errors.ts';
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
      throw new LoginError(
        'EMAIL_DOMAIN_NOT_ALLOWED',
        `This organization only allows sign-in with email addresses at ${tenant.allowedEmailDomains.join(', ')}.`,
        {
          reason: 'email_domain_not_allowed',
          adminHint: `Tenant "${tenant.tenantId}" allows these email domains: ${tenant.allowedEmailDomains.join(', ')}. Change the user's email in Okta or the tenant's --allowed-email-domain list.`,
        },
      );
    }
  }
  if (tenant.requireEmailVerified && profile.emailVerified !== true) {
    throw new LoginError('EMAIL_NOT_VERIFIED', 'Your email address has not been verified in Okta.', {
      reason: 'email_not_verified',
      adminHint:
        'The ID token does not say email_verified: true. Verify the user’s email in Okta, or turn off --require-email-verified for the tenant.',
    });
  }
}
