import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseBearerToken } from '../http/bearer.ts';
import { header } from '../http/request.ts';
import { isValidTenantId, type TenantConfig } from '../tenants.ts';
import type { ScimDependencies } from './dependencies.ts';
import { scimError } from './errors.ts';

/** A new SCIM bearer token: 256 random bits, shown once by `tenant scim-token`. */
export function newScimToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this hash is stored: a leaked table does not yield a token Okta could be impersonated with. */
export function hashScimToken(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/** What `newScimToken` makes: 32 bytes, base64url. Any other bearer token is refused unread. */
const SCIM_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The tenant whose SCIM token the request carries, or 401. The token is
 * compared by hash in constant time; it is bound to the tenant in the path
 * (another tenant's token is just a wrong token), and read on every request,
 * so a rotated token stops at once. Unknown tenants answer exactly like
 * wrong tokens.
 */
export async function authenticate(deps: ScimDependencies, event: APIGatewayProxyEventV2): Promise<TenantConfig> {
  const tenantId = event.pathParameters?.tenant ?? '';
  const bearer = parseBearerToken(header(event, 'authorization'));
  const presented = bearer !== undefined && SCIM_TOKEN.test(bearer) ? bearer : undefined;
  if (!presented) throw scimError('SCIM_UNAUTHORIZED', 'scim_token_missing');
  if (!isValidTenantId(tenantId)) throw scimError('SCIM_UNAUTHORIZED', 'scim_token_invalid');
  const { tenant, tokenHash } = await deps.scim.getScimContext(tenantId);
  if (!tenant || !tokenHash || !sameHash(hashScimToken(presented), tokenHash)) {
    throw scimError('SCIM_UNAUTHORIZED', 'scim_token_invalid');
  }
  deps.logger.appendKeys({ tenant: tenant.tenantId });
  return tenant;
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'base64url');
  const right = Buffer.from(b, 'base64url');
  return left.length === right.length && timingSafeEqual(left, right);
}
