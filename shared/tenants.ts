import { randomUUID } from 'node:crypto';
import { assertAcceptableIssuer, orgUrlOf } from './oidc/issuer-policy.ts';
import type { TokenEndpointAuthMethod } from './oidc/token-exchange.ts';
import { isSafeLocation } from './redirect-target.ts';
import { isValidRole, parseRoleMapping, type RoleMapping } from './roles.ts';

/** Lowercase snake_case, 1–63 characters (DESIGN.md "Tenant CLI"). */
const TENANT_ID = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

export function isValidTenantId(value: string): boolean {
  return value.length >= 1 && value.length <= 63 && TENANT_ID.test(value);
}

/** A tenant: one customer organisation signing in with its own Okta app. */
export interface TenantConfig {
  readonly tenantId: string;
  /** Exact issuer of the tenant's authorization server, e.g. `https://acme.okta.com/oauth2/default`. */
  readonly issuer: string;
  /** The Okta org URL, accepted as `iss` on tile clicks. Defaults to the issuer's origin. */
  readonly orgUrl: string;
  readonly clientId: string;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Ask for the `groups` scope (the Okta app has a groups claim). */
  readonly requestGroups: boolean;
  /** Pinned ID token signing algorithms. */
  readonly idTokenAlgorithms: readonly string[];
  /** Extra origins `target_link_uri` may point to for this tenant. */
  readonly allowedRedirectOrigins: readonly string[];
  /** Where users land after login when no target is given; overrides the deployment default. */
  readonly defaultRedirect: string | undefined;
  /** Okta groups → app roles, in priority order. */
  readonly roleMappings: readonly RoleMapping[];
  /** Roles of a user whose groups match no mapping. */
  readonly defaultRoles: readonly string[];
  /** Email domains allowed to sign in (lowercase); empty: any. */
  readonly allowedEmailDomains: readonly string[];
  /** Refuse users whose ID token does not say `email_verified: true`. */
  readonly requireEmailVerified: boolean;
  /** After logout: `okta` (the IdP's end-session endpoint), a URL on an allowed origin or a path; unset: a signed-out page. */
  readonly logoutRedirect: string | undefined;
  /** The tenant must sign in through Okta: the authorizer refuses the app's other sign-in methods. */
  readonly ssoEnforced: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * Random id given when the tenant is created. Sessions and login states carry
   * it, so deleting a tenant ends them all at once and a tenant re-created with
   * the same id does not revive them. Tenants created before it existed have none.
   */
  readonly generation?: string;
  /** Set once the tenant has an owner; lets a later user's first login skip the owner claim. */
  readonly hasOwner?: boolean;
}

export interface TenantInput {
  tenantId: string;
  issuer: string;
  clientId: string;
  orgUrl?: string | undefined;
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined;
  requestGroups?: boolean | undefined;
  idTokenAlgorithms?: readonly string[] | undefined;
  allowedRedirectOrigins?: readonly string[] | undefined;
  defaultRedirect?: string | undefined;
  roleMappings?: readonly RoleMapping[] | undefined;
  defaultRoles?: readonly string[] | undefined;
  allowedEmailDomains?: readonly string[] | undefined;
  requireEmailVerified?: boolean | undefined;
  logoutRedirect?: string | undefined;
  ssoEnforced?: boolean | undefined;
}

const EMAIL_DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Stands in for the deployment's origin: a configured path must stay on whatever origin serves it. */
const ANY_SERVICE_ORIGIN = 'https://service.invalid';

/** The same rule as every redirect after login (`isSafeLocation`): a path on our origin or an allowed origin. */
function isSafeTarget(target: string, allowedOrigins: readonly string[]): boolean {
  const absolute = URL.parse(target);
  if (!absolute && !target.startsWith('/')) return false;
  if (absolute?.origin === ANY_SERVICE_ORIGIN) return false;
  return isSafeLocation(target, { publicOrigin: ANY_SERVICE_ORIGIN, allowedOrigins });
}

const SUPPORTED_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384']);

/**
 * Validates what an operator typed and fills defaults. Throws TypeError naming
 * the option and the bad value, so the CLI can print it as is.
 */
export function buildTenantConfig(
  input: TenantInput,
  options: { allowLoopback: boolean; now: Date; existing?: TenantConfig | undefined },
): TenantConfig {
  if (!isValidTenantId(input.tenantId)) {
    throw new TypeError(
      `tenant id must be lowercase snake_case, 1-63 characters (e.g. best_company), got "${input.tenantId}"`,
    );
  }
  if (input.issuer.endsWith('/')) {
    throw new TypeError(
      `--issuer must be the exact issuer without a trailing slash (e.g. https://acme.okta.com/oauth2/default), got "${input.issuer}"`,
    );
  }
  assertAcceptableIssuer(input.issuer, options.allowLoopback);
  const orgUrl = input.orgUrl
    ? assertAcceptableIssuer(input.orgUrl, options.allowLoopback).origin
    : orgUrlOf(input.issuer);
  if (!/^[\w.-]{1,200}$/.test(input.clientId)) {
    throw new TypeError(
      `--client-id must be the Okta app's client id (letters, digits, . _ -), got "${input.clientId}"`,
    );
  }
  const algorithms = input.idTokenAlgorithms ?? ['RS256'];
  for (const algorithm of algorithms) {
    if (!SUPPORTED_ALGORITHMS.has(algorithm)) {
      throw new TypeError(`--id-token-alg must be one of ${[...SUPPORTED_ALGORITHMS].join(', ')}, got "${algorithm}"`);
    }
  }
  const allowedRedirectOrigins = (input.allowedRedirectOrigins ?? []).map((origin) => {
    const url = URL.parse(origin);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new TypeError(`--allowed-redirect-origin must be an origin like https://app.example.com, got "${origin}"`);
    }
    return url.origin;
  });
  if (input.defaultRedirect !== undefined && !isSafeTarget(input.defaultRedirect, allowedRedirectOrigins)) {
    throw new TypeError(
      `--default-redirect must be a path like /app or a URL on an allowed redirect origin, got "${input.defaultRedirect}"`,
    );
  }
  if (
    input.logoutRedirect !== undefined &&
    input.logoutRedirect !== 'okta' &&
    !isSafeTarget(input.logoutRedirect, allowedRedirectOrigins)
  ) {
    throw new TypeError(
      `--logout-redirect must be "okta", a path, or a URL on an allowed redirect origin, got "${input.logoutRedirect}"`,
    );
  }
  const allowedEmailDomains = (input.allowedEmailDomains ?? []).map((domain) => {
    const normalized = domain.trim().toLowerCase().replace(/^@/, '');
    if (!EMAIL_DOMAIN.test(normalized)) {
      throw new TypeError(`--allowed-email-domain must be a domain like acme.com, got "${domain}"`);
    }
    return normalized;
  });
  const roleMappings = (input.roleMappings ?? []).map((mapping) =>
    parseRoleMapping(`${mapping.group}=${mapping.role}`),
  );
  const defaultRoles = (input.defaultRoles ?? []).map((role) => {
    if (!isValidRole(role))
      throw new TypeError(`--default-role must be lowercase letters, digits, _ or -, got "${role}"`);
    return role;
  });
  const now = options.now.toISOString();
  return {
    tenantId: input.tenantId,
    issuer: input.issuer,
    orgUrl,
    clientId: input.clientId,
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
    requestGroups: input.requestGroups ?? false,
    idTokenAlgorithms: [...algorithms],
    allowedRedirectOrigins,
    defaultRedirect: input.defaultRedirect,
    roleMappings,
    defaultRoles,
    allowedEmailDomains,
    requireEmailVerified: input.requireEmailVerified ?? false,
    logoutRedirect: input.logoutRedirect,
    ssoEnforced: input.ssoEnforced ?? false,
    createdAt: options.existing?.createdAt ?? now,
    updatedAt: now,
    ...(options.existing
      ? options.existing.generation
        ? { generation: options.existing.generation }
        : {}
      : { generation: randomUUID() }),
    ...(options.existing?.hasOwner ? { hasOwner: true } : {}),
  };
}
