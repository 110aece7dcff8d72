import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { hashScimToken } from '../../shared/scim/auth.ts';
import { handleScim } from '../../shared/scim/routes.ts';
import { buildTenantConfig } from '../../shared/tenants.ts';
import { InMemoryScimDirectory, InMemoryTenantStore } from './in-memory-stores.ts';

/**
 * The SCIM endpoint of tenant `acme` over in-memory ports, for unit tests:
 * its directory, and `call` sending a request with the tenant's token as
 * API Gateway would hand it to the function.
 */
export function scimEndpoint() {
  const tenants = new InMemoryTenantStore();
  const scim = new InMemoryScimDirectory(tenants.table);
  tenants.tenants.set(
    'acme',
    buildTenantConfig(
      { tenantId: 'acme', issuer: 'https://acme.okta.example', clientId: '0oa1' },
      { allowLoopback: false, now: new Date() },
    ),
  );
  const token = 'T'.repeat(43);
  scim.table.scimTokens.set('acme', hashScimToken(token));
  const deps = {
    config: { publicUrl: 'https://svc.example' },
    scim,
    audit: { append: async () => undefined, list: async () => [] },
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => new Date(),
  };
  const call = (
    method: string,
    proxy: string,
    query = '',
    body?: unknown,
  ): Promise<APIGatewayProxyStructuredResultV2> =>
    handleScim(deps, {
      routeKey: 'ANY /t/{tenant}/scim/v2/{proxy+}',
      rawPath: `/t/acme/scim/v2/${proxy}`,
      rawQueryString: query,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      pathParameters: { tenant: 'acme', proxy },
      requestContext: { http: { method } },
      ...(body === undefined ? {} : { body: JSON.stringify(body), isBase64Encoded: false }),
    } as unknown as APIGatewayProxyEventV2);
  return { scim, call };
}
