/**
 * How the demo app's backend checks who is calling: the session token the
 * page fetched from the login service (`GET /session/token`), verified
 * locally against the service's published keys. This file is what README
 * "Connect your app" shows; any JOSE library does the same.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface AppUser {
  /** Who this is to the app: tenant + `sub`, never the email (it can change, or belong to another tenant's user). */
  readonly key: string;
  readonly tenant: string;
  readonly sub: string;
  readonly name: string | undefined;
  readonly email: string | undefined;
  readonly role: string;
  readonly roles: readonly string[];
}

export function sessionTokenVerifier(options: {
  /** The login service's public origin (`PUBLIC_URL`): the tokens' `iss`. */
  readonly issuer: string;
  /** The deployment's `APP_AUDIENCE` (default: `APP_URL`'s origin). */
  readonly audience: string;
  /** Whether this app serves the tenant (its customer list): a token of any other tenant is refused. */
  readonly servesTenant: (tenant: string) => boolean | Promise<boolean>;
}) {
  // Fetched once, then cached; an unknown `kid` (a new key) fetches again.
  const keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', options.issuer));
  return async (token: string): Promise<AppUser> => {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: ['RS256'],
      typ: 'session+jwt',
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['exp', 'sub', 'tenant', 'role'],
    });
    const { sub, tenant, name, email, role, roles } = payload;
    if (typeof sub !== 'string' || typeof tenant !== 'string' || !(await options.servesTenant(tenant))) {
      throw new Error('a token of a tenant this app does not serve');
    }
    return {
      key: `${tenant}/${sub}`,
      tenant,
      sub,
      name: typeof name === 'string' ? name : undefined,
      email: typeof email === 'string' ? email : undefined,
      role: String(role),
      roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
    };
  };
}
