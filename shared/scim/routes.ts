import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHttpHandler } from '../http/middleware.ts';
import { publicOrigin } from '../http/request.ts';
import type { HttpResult } from '../http/responses.ts';
import { scimBaseUrl } from '../tenant-urls.ts';
import { authenticate } from './auth.ts';
import type { ScimDependencies } from './dependencies.ts';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.ts';
import { scimError, scimErrorResponse } from './errors.ts';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from './groups.ts';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser, type ScimRequest } from './users.ts';

export type { ScimDependencies } from './dependencies.ts';

/** The HTTP API route of the SCIM function: everything under a tenant's base URL. */
export const SCIM_ROUTE_KEY = 'ANY /t/{tenant}/scim/v2/{proxy+}';

type Handler = (request: ScimRequest, id: string) => Promise<HttpResult>;

/** Resource → method → handler; a collection's handlers ignore the id. */
const RESOURCES: Record<string, { collection: Record<string, Handler>; item: Record<string, Handler> }> = {
  Users: {
    collection: { GET: (r) => listUsers(r), POST: (r) => createUser(r) },
    item: { GET: getUser, PUT: replaceUser, PATCH: patchUser, DELETE: deleteUser },
  },
  Groups: {
    collection: { GET: (r) => listGroups(r), POST: (r) => createGroup(r) },
    item: { GET: getGroup, PUT: replaceGroup, PATCH: patchGroup, DELETE: deleteGroup },
  },
  ServiceProviderConfig: { collection: { GET: async (r) => serviceProviderConfig(r.baseUrl) }, item: {} },
  ResourceTypes: {
    collection: { GET: async (r) => resourceTypes(r.baseUrl) },
    item: { GET: async (r, id) => resourceTypes(r.baseUrl, id) },
  },
  Schemas: {
    collection: { GET: async (r) => schemas(r.baseUrl) },
    item: { GET: async (r, id) => schemas(r.baseUrl, id) },
  },
};

/**
 * One route serves the tenant's SCIM base URL: the token is checked first
 * (every path, known or not, answers 401 without it), then the path picks
 * the resource and the method its handler.
 */
export async function handleScim(deps: ScimDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const tenant = await authenticate(deps, event);
  const segments = (event.pathParameters?.proxy ?? '').split('/');
  const [name = '', id, extra] = segments;
  const resource = Object.hasOwn(RESOURCES, name) ? RESOURCES[name] : undefined;
  if (!resource || extra !== undefined || id === '') throw scimError('SCIM_NOT_FOUND', 'scim_path_not_found');
  const handlers = id === undefined ? resource.collection : resource.item;
  const method = event.requestContext.http.method.toUpperCase();
  const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (!handler) {
    if (id !== undefined && Object.keys(handlers).length === 0)
      throw scimError('SCIM_NOT_FOUND', 'scim_path_not_found');
    throw scimError('SCIM_METHOD_NOT_ALLOWED', 'scim_method_not_allowed');
  }
  const baseUrl = scimBaseUrl(publicOrigin(event, deps.config.publicUrl), tenant.tenantId);
  return handler({ deps, event, tenant, baseUrl }, id ?? '');
}

/** The SCIM function's handler over any set of ports: Lambda and tests build it the same way. */
export function createScimHandler(deps: ScimDependencies) {
  return createHttpHandler(
    { [SCIM_ROUTE_KEY]: (event) => handleScim(deps, event) },
    {
      logger: deps.logger,
      renderError: scimErrorResponse,
    },
  );
}
