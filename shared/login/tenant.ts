import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { publicOrigin } from '../http/request.ts';
import { tenantCallbackUrl } from '../tenant-urls.ts';
import { isTenantActive, type TenantConfig } from '../tenants.ts';
import type { LoginDependencies } from './dependencies.ts';

/** The tenant named in the path, from the (cached) directory; 404 when there is none. */
export async function requireTenant(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<TenantConfig> {
  const requested = event.pathParameters?.tenant ?? '';
  const tenant = await deps.tenants.get(requested);
  if (!tenant) {
    // Which id was asked for helps an operator spot a mistyped Initiate login URI; only a
    // sanitised, bounded form of it reaches the log.
    deps.logger.warn('unknown tenant', { requestedTenant: sanitizedId(requested) });
    throw new ServiceError('TENANT_NOT_FOUND');
  }
  deps.logger.appendKeys({ tenant: tenant.tenantId });
  return tenant;
}

/**
 * The tenant named in the path, refused with "setup not finished" while it
 * waits for its setup link. A tenant cached as waiting is read afresh before
 * it is refused: its admin may have activated it a moment ago.
 */
export async function requireActiveTenant(
  deps: LoginDependencies,
  event: APIGatewayProxyEventV2,
): Promise<TenantConfig> {
  const cached = await requireTenant(deps, event);
  if (isTenantActive(cached)) return cached;
  deps.tenants.invalidate(cached.tenantId);
  const tenant = await requireTenant(deps, event);
  if (!isTenantActive(tenant)) {
    throw new ServiceError('SETUP_NOT_FINISHED', { details: { tenantId: tenant.tenantId } });
  }
  return tenant;
}

/** The redirect URI registered in the tenant's Okta app: the same at initiate and at the code exchange. */
export function callbackUri(
  deps: Pick<LoginDependencies, 'config'>,
  event: APIGatewayProxyEventV2,
  tenant: TenantConfig,
): string {
  return tenantCallbackUrl(publicOrigin(event, deps.config.publicUrl), tenant.tenantId);
}

/** At most 64 characters of letters, digits, `_` and `-`; anything else becomes `?`. */
function sanitizedId(value: string): string {
  return value.slice(0, 64).replace(/[^A-Za-z0-9_-]/g, '?');
}
