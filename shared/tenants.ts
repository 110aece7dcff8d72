import { randomUUID } from 'node:crypto';
import { parseExactOrigin } from './http/origins.ts';
import { issuerProblem, orgUrlOf } from './oidc/issuer-policy.ts';
import type { TokenEndpointAuthMethod } from './oidc/token-exchange.ts';
import { isSafeLocation } from './redirect-target.ts';
import { isValidRole, parseRoleMapping, type RoleMapping } from './roles.ts';

/** Lowercase snake_case, 1–63 characters (README "Onboard a tenant"). */
const TENANT_ID = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

export function isValidTenantId(value: string): boolean {
  return value.length >= 1 && value.length <= 63 && TENANT_ID.test(value);
}

/**
 * `setup`: created by `tenant invite` and waiting for its Okta admin to
 * connect Okta and press Activate on the setup link; until then its tile
 * shows "setup not finished" and only the setup link's test sign-in runs.
 * `active`: live. Tenants stored before setup links existed have no status
 * and are active.
 */
export type TenantStatus = 'setup' | 'active';

/** Whether the tenant's tile logins run (tenants without a status predate setup links and are live). */
export function isTenantActive(tenant: Pick<TenantConfig, 'status'>): boolean {
  return tenant.status !== 'setup';
}

/**
 * Whether the tenant knows its Okta: a tenant created by `tenant invite` has
 * no issuer and client id (empty strings) until its admin saves them on the
 * setup page.
 */
export function isTenantConnected(tenant: Pick<TenantConfig, 'issuer' | 'clientId'>): boolean {
  return tenant.issuer !== '' && tenant.clientId !== '';
}

/**
 * Whether the tenant's roles come from the ID token's `groups` claim: it has
 * role maps, and SCIM has not taken groups over (then roles come from SCIM's).
 */
export function mapsRolesFromTokenGroups(tenant: Pick<TenantConfig, 'roleMappings' | 'scimGroups'>): boolean {
  return tenant.roleMappings.length > 0 && !tenant.scimGroups;
}

/**
 * Whether a login (the setup page's test sign-in included, so it shows what
 * users will get) asks Okta for the `groups` scope: when the tenant asks for
 * it (`--groups`, the setup page's box), and whenever its roles come from the
 * groups claim, which Okta sends only with that scope. Role maps without it
 * (e.g. set on a tenant `invite` created) used to give everyone the defaults.
 */
export function requestsGroupsScope(
  tenant: Pick<TenantConfig, 'requestGroups' | 'roleMappings' | 'scimGroups'>,
): boolean {
  return tenant.requestGroups || mapsRolesFromTokenGroups(tenant);
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
  /**
   * Okta's Universal Logout may end this tenant's sessions
   * (`POST /t/<tenant>/global-token-revocation`); when off, that endpoint
   * answers 404 before looking at the request. Tenants from before it: on.
   */
  readonly universalLogout: boolean;
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
  /** Absent: active (see `TenantStatus`). */
  readonly status?: TenantStatus;
  /** ISO time of the last activation through a setup link: links issued before it are spent. */
  readonly activatedAt?: string;
  /**
   * Set when SCIM creates the tenant's first group: from then on every user's
   * roles come from their SCIM groups, and logins no longer write roles from
   * the ID token's `groups` claim (README "Provision users with SCIM").
   */
  readonly scimGroups?: boolean;
  /**
   * The version of the stored config this was read at, bumped by every config
   * write; a write is conditional on it, so two writers that read the same
   * version cannot both write (the loser reads again). Absent: not stored yet
   * (a write creates the tenant). Configs stored before versions read as 0.
   */
  readonly configVersion?: number;
}

/** Fields of the config item a config write does not set: fixed at creation, or owned by other writers. */
type NotConfigWritten = 'tenantId' | 'generation' | 'configVersion' | 'hasOwner' | 'scimGroups';

/**
 * What a config write (`tenant put`, the setup link's save, activation) sets
 * or removes on the stored config, and nothing else: `hasOwner` belongs to
 * the login transaction, `scimGroups` to SCIM, the revocation epoch to
 * `revoke-sessions`. Checked against `TenantConfig`: a new field does not
 * compile until it is listed here or in `NotConfigWritten`.
 */
const CONFIG_WRITES = {
  issuer: true,
  orgUrl: true,
  clientId: true,
  tokenEndpointAuthMethod: true,
  requestGroups: true,
  idTokenAlgorithms: true,
  allowedRedirectOrigins: true,
  defaultRedirect: true,
  roleMappings: true,
  defaultRoles: true,
  allowedEmailDomains: true,
  requireEmailVerified: true,
  logoutRedirect: true,
  ssoEnforced: true,
  universalLogout: true,
  createdAt: true,
  updatedAt: true,
  status: true,
  activatedAt: true,
} as const satisfies Record<Exclude<keyof TenantConfig, NotConfigWritten>, true>;

/** The config fields a config write owns (see `CONFIG_WRITES`). */
export const TENANT_CONFIG_WRITE_FIELDS = Object.keys(CONFIG_WRITES) as ReadonlyArray<keyof typeof CONFIG_WRITES>;

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
  universalLogout?: boolean | undefined;
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
  options: {
    allowLoopback: boolean;
    now: Date;
    existing?: TenantConfig | undefined;
    /** Of a new tenant (`tenant invite` creates it in `setup`); an existing one keeps its own. */
    status?: TenantStatus | undefined;
  },
): TenantConfig {
  const tenantId = validTenantId(input.tenantId);
  const status = options.existing ? options.existing.status : options.status;
  // A tenant waiting for its setup link may not know its Okta yet: both empty, nothing to validate.
  const unconnected = status === 'setup' && input.issuer === '' && input.clientId === '';
  const { issuer, orgUrl } = unconnected ? { issuer: '', orgUrl: '' } : validIssuer(input, options.allowLoopback);
  const allowedRedirectOrigins = validOrigins(input.allowedRedirectOrigins ?? [], options.allowLoopback);
  const redirects = validRedirects(input, allowedRedirectOrigins);
  const now = options.now.toISOString();
  const existing = options.existing;
  return {
    tenantId,
    issuer,
    orgUrl,
    clientId: unconnected ? '' : validClientId(input.clientId),
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? 'client_secret_basic',
    requestGroups: input.requestGroups ?? false,
    idTokenAlgorithms: validAlgorithms(input.idTokenAlgorithms ?? ['RS256']),
    allowedRedirectOrigins,
    ...redirects,
    roleMappings: (input.roleMappings ?? []).map((mapping) => parseRoleMapping(`${mapping.group}=${mapping.role}`)),
    defaultRoles: validRoles(input.defaultRoles ?? []),
    allowedEmailDomains: validEmailDomains(input.allowedEmailDomains ?? []),
    requireEmailVerified: input.requireEmailVerified ?? false,
    ssoEnforced: input.ssoEnforced ?? false,
    universalLogout: input.universalLogout ?? true,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    // A new tenant gets a new generation; an update keeps it (older tenants have none).
    ...(existing ? (existing.generation ? { generation: existing.generation } : {}) : { generation: randomUUID() }),
    ...(existing?.hasOwner ? { hasOwner: true } : {}),
    ...(status ? { status } : {}),
    ...(existing?.activatedAt ? { activatedAt: existing.activatedAt } : {}),
    ...(existing?.scimGroups ? { scimGroups: true } : {}),
    // The version read: the write is conditional on it (a new tenant has none: it is created).
    ...(existing ? { configVersion: existing.configVersion ?? 0 } : {}),
  };
}

function validTenantId(tenantId: string): string {
  if (isValidTenantId(tenantId)) return tenantId;
  throw new TypeError(`tenant id must be lowercase snake_case, 1-63 characters (e.g. best_company), got "${tenantId}"`);
}

/** The issuer exactly as typed, and the org URL's origin; a mistake is told as the fixes it needs, and only those. */
function validIssuer(input: TenantInput, allowLoopback: boolean): { issuer: string; orgUrl: string } {
  const issuerWrong = issuerProblem(input.issuer, allowLoopback, { exact: true });
  if (issuerWrong) throw new TypeError(`--issuer "${input.issuer}": ${issuerWrong}`);
  const orgUrlWrong = input.orgUrl ? issuerProblem(input.orgUrl, allowLoopback) : undefined;
  if (orgUrlWrong) throw new TypeError(`--org-url "${input.orgUrl}": ${orgUrlWrong}`);
  return { issuer: input.issuer, orgUrl: orgUrlOf(input.orgUrl || input.issuer) };
}

function validClientId(clientId: string): string {
  if (/^[\w.-]{1,200}$/.test(clientId)) return clientId;
  throw new TypeError(`--client-id must be the Okta app's client id (letters, digits, . _ -), got "${clientId}"`);
}

function validAlgorithms(algorithms: readonly string[]): string[] {
  for (const algorithm of algorithms) {
    if (!SUPPORTED_ALGORITHMS.has(algorithm)) {
      throw new TypeError(`--id-token-alg must be one of ${[...SUPPORTED_ALGORITHMS].join(', ')}, got "${algorithm}"`);
    }
  }
  return [...algorithms];
}

/**
 * Exact origins only (shared/http/origins.ts): each one may receive users and
 * read this tenant's sessions through CORS. Plain http only for loopback
 * hosts, and only where loopback issuers are allowed (local mode).
 */
function validOrigins(origins: readonly string[], allowLoopback: boolean): string[] {
  const parsed = origins.map((origin) =>
    parseExactOrigin(origin, { what: '--allowed-redirect-origin', allowHttpLoopback: allowLoopback }),
  );
  return [...new Set(parsed)];
}

function validRedirects(
  input: TenantInput,
  allowedOrigins: readonly string[],
): Pick<TenantConfig, 'defaultRedirect' | 'logoutRedirect'> {
  const { defaultRedirect, logoutRedirect } = input;
  if (defaultRedirect !== undefined && !isSafeTarget(defaultRedirect, allowedOrigins)) {
    throw new TypeError(
      `--default-redirect must be a path like /app or a URL on an allowed redirect origin, got "${defaultRedirect}"`,
    );
  }
  if (logoutRedirect !== undefined && logoutRedirect !== 'okta' && !isSafeTarget(logoutRedirect, allowedOrigins)) {
    throw new TypeError(
      `--logout-redirect must be "okta", a path, or a URL on an allowed redirect origin, got "${logoutRedirect}"`,
    );
  }
  return { defaultRedirect, logoutRedirect };
}

function validEmailDomains(domains: readonly string[]): string[] {
  return domains.map((domain) => {
    const normalized = domain.trim().toLowerCase().replace(/^@/, '');
    if (!EMAIL_DOMAIN.test(normalized)) {
      throw new TypeError(`--allowed-email-domain must be a domain like acme.com, got "${domain}"`);
    }
    return normalized;
  });
}

function validRoles(roles: readonly string[]): string[] {
  for (const role of roles) {
    if (!isValidRole(role))
      throw new TypeError(`--default-role must be lowercase letters, digits, _ or -, got "${role}"`);
  }
  return [...roles];
}
