import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LoginError } from '../errors.ts';
import { publicOrigin } from '../http/request.ts';
import type { TenantConfig } from '../tenants.ts';
import type { LoginDependencies } from './dependencies.ts';

/** The tenant named in the path, from the (cached) directory; 404 when there is none. */
export async function requireTenant(deps: LoginDependencies, event: APIGatewayProxyEventV2): Promise<TenantConfig> {
  const tenant = await deps.tenants.get(event.pathParameters?.tenant ?? '');
  if (!tenant) {
    throw new LoginError('TENANT_NOT_FOUND', 'This sign-in link is for an organization we do not know.', {
      reason: 'tenant_not_found',
      adminHint:
        'Check the Initiate login URI in the Okta app: it must be https://<service>/t/<tenant>/login with the tenant id registered with the service.',
    });
  }
  deps.logger.appendKeys({ tenant: tenant.tenantId });
  return tenant;
}

/** The redirect URI registered in the tenant's Okta app: the same at initiate and at the code exchange. */
export function callbackUri(deps: LoginDependencies, event: APIGatewayProxyEventV2, tenant: TenantConfig): string {
  return `${publicOrigin(event, deps.config.publicUrl)}/t/${tenant.tenantId}/callback`;
}
