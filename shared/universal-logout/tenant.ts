import { ServiceError } from '../errors.ts';
import type { TenantConfig } from '../tenants.ts';
import type { UniversalLogoutDependencies } from './dependencies.ts';

/**
 * The tenant in the path, with Universal Logout on: 404 otherwise, before the
 * request is looked at (no key fetch, no write), so a tenant that turned it
 * off spends nothing on calls to it.
 */
export async function requireUniversalLogoutTenant(
  deps: UniversalLogoutDependencies,
  tenantId: string,
): Promise<TenantConfig> {
  const tenant = await deps.tenants.get(tenantId);
  if (!tenant) throw new ServiceError('TENANT_NOT_FOUND', { reason: 'universal_logout_unknown_tenant' });
  deps.logger.appendKeys({ tenant: tenant.tenantId });
  if (!tenant.universalLogout) {
    throw new ServiceError('UNIVERSAL_LOGOUT_OFF', { details: { tenantId: tenant.tenantId } });
  }
  return tenant;
}
