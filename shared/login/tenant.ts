import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { publicOrigin } from '../http/request.ts';
import type { TenantConfig } from '../tenants.ts';
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

/** The redirect URI registered in the tenant's Okta app: the same at initiate and at the code exchange. */
export function callbackUri(deps: LoginDependencies, event: APIGatewayProxyEventV2, tenant: TenantConfig): string {
  return `${publicOrigin(event, deps.config.publicUrl)}/t/${tenant.tenantId}/callback`;
}

/** At most 64 characters of letters, digits, `_` and `-`; anything else becomes `?`. */
function sanitizedId(value: string): string {
  return value.slice(0, 64).replace(/[^A-Za-z0-9_-]/g, '?');
}
