/**
 * Tenant CLI (README "Onboard a tenant"): a table of commands over the tenant administration module.
 *   npm run -s tenant -- put <tenant> --issuer <url> --client-id <id> --client-secret-stdin [options]
 *   npm run -s tenant -- get <tenant> | list | delete <tenant> [--yes] | users <tenant>
 *   npm run -s tenant -- invite <tenant> [--expires 7d] [--revoke]
 *   npm run -s tenant -- signing-keys list | rotate | remove <kid> --yes
 * (`-s`: npm prints no banner, so stdout is only the JSON.)
 *
 * Where it writes: DYNAMODB_ENDPOINT (or a running `npm start`) → the local
 * table, client secret in the table; otherwise AWS: TABLE_NAME and
 * CLIENT_SECRET_PREFIX from the deployed stack's outputs (or --table and
 * --secret-prefix), secret in Secrets Manager. Output is JSON on stdout;
 * mistakes get a message on stderr and a non-zero exit.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { closeDocumentClient, createDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { DynamoDbPublicKeyStore } from '../shared/adapters/dynamodb/public-key-store.ts';
import { DynamoDbScimDirectory } from '../shared/adapters/dynamodb/scim-directory.ts';
import { TableClientSecretStore } from '../shared/adapters/dynamodb/table-client-secret-store.ts';
import { storesOn } from '../shared/adapters/runtime.ts';
import { SecretsManagerClientSecretStore } from '../shared/adapters/secrets-manager-secret-store.ts';
import { createSigningKeyStore } from '../shared/adapters/signing-key-store.ts';
import { StoreUnavailableError } from '../shared/errors.ts';
import { SETUP_CHECK_WORDS as CHECK_WORDS } from '../shared/http/error-catalogue.ts';
import { createHttpFetch } from '../shared/oidc/http-fetch.ts';
import type { ClientSecretStore } from '../shared/ports.ts';
import { defaultRedirectPathFrom, signOutRedirectUri } from '../shared/redirect-target.ts';
import { assertSafeRoleMappings } from '../shared/role-map-safety.ts';
import { parseRoleMapping, type RoleMapping } from '../shared/roles.ts';
import { isPublishedAt, type PublicKeyEntry, signingKeyAt } from '../shared/session-token/keys.ts';
import {
  type RotationPolicy,
  removeStoredKey,
  rotateStoredKeys,
  rotationPolicy,
} from '../shared/session-token/rotation.ts';
import { isWithin, type NumericSetting, SETTINGS } from '../shared/settings.ts';
import { DEFAULT_SETUP_LINK_LIFETIME_SECONDS, parseSetupLinkLifetime } from '../shared/setup/link.ts';
import { type ResolvedAdminTarget, TenantAdmin, TenantAdminError, type TenantChanges } from '../shared/tenant-admin.ts';
import { type CheckResult, checkTenant } from '../shared/tenant-check.ts';
import { scimBaseUrl, tenantCallbackUrl, tenantLoginUrl, universalLogoutUrl } from '../shared/tenant-urls.ts';
import {
  isTenantConnected,
  isValidTenantId,
  mapsRolesFromTokenGroups,
  requestsGroupsScope,
  type TenantConfig,
} from '../shared/tenants.ts';
import { isUserDisabled, type User } from '../shared/users.ts';
import { quietOldNodeWarnings } from './node-runtime.ts';

const PUT_OPTIONS = `      (a new tenant needs --issuer, --client-id and --client-secret-stdin; on an existing
      one, put changes only the options given and prints what changed)
      --org-url <url>                 Okta org URL if it is not the issuer's origin
      --auth-method <method>          client_secret_basic (default) or client_secret_post
      --groups                        request the groups scope (the Okta app has a groups claim)
      --id-token-alg <alg>            pinned ID token algorithm (default RS256; repeatable)
      --allowed-redirect-origin <o>   extra origin allowed as target_link_uri (repeatable)
      --default-redirect <path|url>   where users land after login
      --role-map <group=role>         map an Okta group (exact, or /regex/) to a role; repeatable, first = highest priority
      --default-role <role>           role(s) for users matching no mapping (repeatable)
      --allowed-email-domain <domain> only users with these email domains may sign in (repeatable)
      --require-email-verified        refuse users whose email Okta has not verified
      --logout-redirect <okta|path|url>  after logout: Okta's end-session endpoint, or a page
      --sso-enforced                  the tenant must use Okta: other sign-in methods are refused
      --universal-logout              Okta's Universal Logout may end the tenant's sessions (default on;
                                      --no-universal-logout: its endpoint answers 404)
      (Repeatable options replace the stored list; booleans take --no-<name> to turn off.)`;

const TARGET = `Target: DYNAMODB_ENDPOINT (local) or a running \`npm start\`; otherwise AWS with
TABLE_NAME and CLIENT_SECRET_PREFIX (or --table, --secret-prefix; --endpoint, --public-url).
Output: JSON on stdout (use \`npm run -s tenant -- ...\` so npm adds nothing); errors on stderr;
exit 0 ok, 1 failed or not found, 2 misused.`;

/** A misused command: the message, then that command's usage (or all of them), exit 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const LOCAL_STACK_FILE = join(import.meta.dirname, '..', '.local-data', 'stack.json');

interface Target {
  mode: 'local' | 'aws';
  tableName: string;
  endpoint: string | undefined;
  secretPrefix: string | undefined;
  publicUrl: string | undefined;
}

function resolveTarget(values: Record<string, unknown>): Target {
  const flag = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  let localStack: { dynamoDbEndpoint?: string; tableName?: string; url?: string } = {};
  if (existsSync(LOCAL_STACK_FILE)) {
    localStack = JSON.parse(readFileSync(LOCAL_STACK_FILE, 'utf8')) as typeof localStack;
  }
  const endpoint = flag('endpoint') ?? process.env.DYNAMODB_ENDPOINT ?? localStack.dynamoDbEndpoint;
  const secretPrefix = flag('secret-prefix') ?? process.env.CLIENT_SECRET_PREFIX;
  if (endpoint && !secretPrefix) {
    return {
      mode: 'local',
      endpoint,
      tableName: flag('table') ?? process.env.TABLE_NAME ?? localStack.tableName ?? 'okta-login-local',
      secretPrefix: undefined,
      publicUrl: flag('public-url') ?? process.env.PUBLIC_URL ?? localStack.url,
    };
  }
  const tableName = flag('table') ?? process.env.TABLE_NAME;
  if (!tableName || !secretPrefix) {
    throw new UsageError(
      'No local stack found and no AWS target given. Start `npm start`, set DYNAMODB_ENDPOINT, or set TABLE_NAME and CLIENT_SECRET_PREFIX from the deployed stack outputs.',
    );
  }
  return { mode: 'aws', endpoint, tableName, secretPrefix, publicUrl: flag('public-url') ?? process.env.PUBLIC_URL };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write('Paste the client secret, then press Enter and Ctrl+D:\n');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function requireTenantId(value: string | undefined): string {
  if (!value) throw new UsageError('Missing <tenant>.');
  if (!isValidTenantId(value)) {
    throw new UsageError(`tenant id must be lowercase snake_case, 1-63 characters (e.g. best_company), got "${value}"`);
  }
  return value;
}

type CliValues = Record<string, string | boolean | string[] | undefined>;

/** The settings given on this `put`, in the shape tenant administration takes (absent: keep the stored value). */
function settingsFrom(values: CliValues): TenantChanges {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const flag = (name: string) => (typeof values[name] === 'boolean' ? (values[name] as boolean) : undefined);
  const list = (name: string) => (Array.isArray(values[name]) ? (values[name] as string[]) : undefined);
  const authMethod = text('auth-method');
  if (authMethod !== undefined && authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
    throw new UsageError(`--auth-method must be client_secret_basic or client_secret_post, got "${authMethod}"`);
  }
  let roleMappings: RoleMapping[] | undefined;
  try {
    roleMappings = list('role-map')?.map(parseRoleMapping);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    issuer: text('issuer'),
    clientId: text('client-id'),
    orgUrl: text('org-url'),
    tokenEndpointAuthMethod: authMethod,
    requestGroups: flag('groups'),
    idTokenAlgorithms: list('id-token-alg'),
    allowedRedirectOrigins: list('allowed-redirect-origin'),
    defaultRedirect: text('default-redirect'),
    roleMappings,
    defaultRoles: list('default-role'),
    allowedEmailDomains: list('allowed-email-domain'),
    requireEmailVerified: flag('require-email-verified'),
    logoutRedirect: text('logout-redirect'),
    ssoEnforced: flag('sso-enforced'),
    universalLogout: flag('universal-logout'),
  };
}

/** What a command gets: its arguments, the parsed options, where it runs, and the tenant administration. */
interface CommandContext {
  readonly args: readonly string[];
  readonly values: CliValues;
  readonly target: Target;
  readonly admin: TenantAdmin;
  /** The table client the command's stores use (e.g. the signing keys'). */
  readonly client: DynamoDBDocumentClient;
  /** Where a confirmation is asked (`delete`). */
  readonly terminal: Terminal;
}

/** Where `delete` asks for confirmation: the process's terminal (stdin a TTY), or a test's. */
export interface Terminal {
  /** A person is at stdin to answer. */
  readonly interactive: boolean;
  ask(question: string): Promise<string>;
}

const PROCESS_TERMINAL: Terminal = {
  get interactive() {
    return process.stdin.isTTY === true;
  },
  async ask(question) {
    // Asked on stderr: stdout stays JSON.
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await prompt.question(question);
    } finally {
      prompt.close();
    }
  },
};

interface Command {
  /** Positional arguments after the command name (`<tenant>`, `<userId>`). */
  readonly args: readonly string[];
  /** Positional arguments that may follow them (`<kid>` of `signing-keys remove`). */
  readonly optionalArgs?: readonly string[];
  /** What follows `npm run -s tenant --`, and what it does. */
  readonly usage: string;
  /** It prints the tenant's URLs on this service, which need its public address (`--public-url`, `PUBLIC_URL`). */
  readonly printsUrls?: boolean;
  run(context: CommandContext): Promise<unknown>;
}

const baseOf = (target: Target) => target.publicUrl ?? 'https://<your-api>';

/** Okta's Provisioning tab: the SCIM connector base URL and how to get the token. */
function scimSettings(target: Target, tenantId: string) {
  return {
    baseUrl: scimBaseUrl(baseOf(target), tenantId),
    uniqueIdentifierField: 'userName',
    authentication: `HTTP Header; token from: npm run -s tenant -- scim-token ${tenantId}`,
  };
}

/** The values to paste into the tenant's Okta app for this deployment. */
function oktaSettings(target: Target, config: TenantConfig) {
  const base = baseOf(target);
  const universalLogout = config.universalLogout
    ? {
        // Also the exact `aud` Okta puts in its tokens: it must match the deployment's public URL.
        globalTokenRevocationEndpoint: universalLogoutUrl(base, config.tenantId),
        where: 'Sign On → Logout → Universal Logout (subject format: Issuer and Subject Identifier, or Email)',
      }
    : 'turned off (--universal-logout turns it on)';
  return {
    signInRedirectUri: tenantCallbackUrl(base, config.tenantId),
    initiateLoginUri: tenantLoginUrl(base, config.tenantId),
    loginInitiatedBy: 'Either Okta or App',
    loginFlow: 'Redirect to app to initiate login (OIDC Compliant)',
    groupsClaim: requestsGroupsScope(config)
      ? 'Sign On → OpenID Connect ID Token → Groups claim type: Filter, name "groups", Matches regex .*'
      : 'not requested (use --groups)',
    ...(config.logoutRedirect === 'okta'
      ? { signOutRedirectUri: signOutRedirectUri(base, defaultRedirectPathFrom(process.env)) }
      : {}),
    scim: scimSettings(target, config.tenantId),
    universalLogout,
  };
}

/**
 * A tenant as every command shows it (`get`, `list`, `put`, `invite`): each
 * setting, unset ones as null so the shape never changes; whether it has an
 * owner and a client secret (never the secret); its bookkeeping; and what to
 * paste into Okta. Checked against `TenantConfig`: a new setting does not
 * compile until it is shown here.
 */
function describeTenant(target: Target, tenant: TenantConfig & { hasClientSecret: boolean }) {
  const shown = {
    tenantId: tenant.tenantId,
    status: tenant.status ?? 'active',
    issuer: tenant.issuer,
    orgUrl: tenant.orgUrl,
    clientId: tenant.clientId,
    hasClientSecret: tenant.hasClientSecret,
    tokenEndpointAuthMethod: tenant.tokenEndpointAuthMethod,
    requestGroups: tenant.requestGroups,
    idTokenAlgorithms: tenant.idTokenAlgorithms,
    allowedRedirectOrigins: tenant.allowedRedirectOrigins,
    defaultRedirect: tenant.defaultRedirect ?? null,
    logoutRedirect: tenant.logoutRedirect ?? null,
    roleMappings: tenant.roleMappings,
    defaultRoles: tenant.defaultRoles,
    allowedEmailDomains: tenant.allowedEmailDomains,
    requireEmailVerified: tenant.requireEmailVerified,
    ssoEnforced: tenant.ssoEnforced,
    universalLogout: tenant.universalLogout,
    hasOwner: tenant.hasOwner === true,
    scimGroups: tenant.scimGroups === true,
    generation: tenant.generation ?? null,
    configVersion: tenant.configVersion ?? 0,
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
    activatedAt: tenant.activatedAt ?? null,
  } satisfies Record<keyof TenantConfig | 'hasClientSecret', unknown>;
  return { ...shown, okta: oktaSettings(target, tenant) };
}

function describeUser(user: User) {
  return {
    id: user.userId,
    sub: user.sub,
    email: user.email ?? null,
    name: user.name ?? null,
    role: user.role,
    roles: user.roles,
    groups: user.groups,
    // Either decision refuses the user: an administrator's, or Okta's (SCIM), each lifted only by its own side.
    disabled: isUserDisabled(user),
    adminDisabled: user.adminDisabled,
    createdAt: user.createdAt,
    lastLoginAt: user.lastLoginAt ?? null,
    ...(user.scim
      ? {
          scim: {
            userName: user.scim.userName,
            active: !user.deactivated,
            emails: user.scim.emails.map((email) => email.value),
          },
        }
      : {}),
  };
}

/**
 * `delete` cannot be undone: a person at a terminal types the tenant id back;
 * anywhere else (a script, CI) the command itself says so with --yes.
 */
async function confirmDelete(tenantId: string, terminal: Terminal): Promise<boolean> {
  if (!terminal.interactive) {
    throw new UsageError(
      `delete removes tenant "${tenantId}", its users, sessions and client secret for good. Without a terminal to confirm on, run it again with --yes.`,
    );
  }
  const typed = await terminal.ask(
    `This removes tenant "${tenantId}", its users, sessions and client secret for good. Type the tenant id to confirm: `,
  );
  return typed.trim() === tenantId;
}

/** The command that stores a tenant's client secret, piped in (never an argument). */
const storeSecret = (tenantId: string) =>
  `printf '%s' "$CLIENT_SECRET" | npm run -s tenant -- put ${tenantId} --client-secret-stdin`;

/** Okta refused the stored client id or secret (not: the check could not run). */
const REFUSED_CREDENTIALS: readonly string[] = [
  CHECK_WORDS.client_rejected,
  CHECK_WORDS.client_id_unknown,
  CHECK_WORDS.client_secret_rejected,
];

/** A failed check with what to run here, where the CLI is the fix: store the right credentials. */
const withFix = (check: CheckResult, tenantId: string): CheckResult =>
  REFUSED_CREDENTIALS.includes(check.message)
    ? {
        ...check,
        message: `${check.message} Then store them here: ${storeSecret(tenantId)} (add --client-id <id> for a new client id).`,
      }
    : check;

/** Said on stderr by the commands that print the tenant's URLs while the service's public address is unknown. */
function noPublicUrl(target: Target): string {
  const how =
    target.mode === 'aws'
      ? 'set PUBLIC_URL or pass --public-url with the stack output ApiUrl (or your custom domain)'
      : 'start `npm start`, or set PUBLIC_URL or pass --public-url';
  return `The tenant's URLs below show https://<your-api>: the service's public address is not known. To print the real ones, ${how}.`;
}

/** When the id given was a login's link: which id it was (the command acted on the user it points at). */
const linkedFrom = (target: ResolvedAdminTarget) => (target.linkedFrom ? { linkedFrom: target.linkedFrom } : {});

const COMMANDS: Record<string, Command> = {
  put: {
    usage: `put <tenant> [--issuer <url>] [--client-id <id>] [--client-secret-stdin] [options]\n${PUT_OPTIONS}`,
    args: ['tenant'],
    printsUrls: true,
    async run({ args: [tenantId = ''], values, target, admin }) {
      const changes = settingsFrom(values);
      const saved = await admin.save(tenantId, changes, values['client-secret-stdin'] ? readSecret : undefined);
      const { config } = saved;
      const warnings =
        mapsRolesFromTokenGroups(config) && !config.requestGroups
          ? [
              'Role mappings ask Okta for the groups scope even without --groups: the Okta app needs a Groups claim (tenant.okta.groupsClaim).',
            ]
          : [];
      return {
        tenant: describeTenant(target, await admin.withSecretStatus(config)),
        created: saved.created,
        changed: saved.changed,
        secretChanged: saved.secretChanged,
        ...(warnings.length ? { warnings } : {}),
      };
    },
  },
  get: {
    usage: `get <tenant>                                   a tenant's settings (hasOwner, hasClientSecret) and its Okta values (SCIM base URL, Universal Logout endpoint)`,
    args: ['tenant'],
    printsUrls: true,
    run: async ({ args: [tenantId = ''], target, admin }) => describeTenant(target, await admin.get(tenantId)),
  },
  list: {
    usage: `list                                           every tenant, as get shows it`,
    args: [],
    printsUrls: true,
    run: async ({ target, admin }) => (await admin.list()).map((tenant) => describeTenant(target, tenant)),
  },
  delete: {
    usage: `delete <tenant> [--yes]                        remove the tenant, its users and sessions for good
      (on a terminal it asks you to type the tenant id; without one, e.g. in a script, it needs --yes)`,
    args: ['tenant'],
    async run({ args: [tenantId = ''], values, admin, terminal }) {
      if (values.yes !== true && !(await confirmDelete(tenantId, terminal))) {
        process.stderr.write(`Nothing was deleted: the id typed was not "${tenantId}".\n`);
        return new Outcome(undefined, 1);
      }
      const removed = await admin.delete(tenantId);
      const named = ['user', 'owner', 'tenant'];
      // SCIM's items: token, groups, memberships, the userName/externalId/group-name keys, login links.
      const isScim = (kind: string) =>
        kind.startsWith('scim_') || ['user_name', 'external_id', 'user_link', 'user_deleted'].includes(kind);
      const sum = (filter: (kind: string) => boolean) =>
        Object.entries(removed)
          .filter(([kind]) => filter(kind))
          .reduce((total, [, count]) => total + count, 0);
      return {
        deleted: tenantId,
        removed: {
          users: removed.user ?? 0,
          owner: removed.owner ?? 0,
          config: removed.tenant ?? 0,
          scim: sum(isScim),
          other: sum((kind) => !named.includes(kind) && !isScim(kind)),
        },
        sessions: 'all ended: session items expire by TTL and are refused until then',
        auditTrail: 'kept until its retention (AUDIT_RETENTION_DAYS) expires',
      };
    },
  },
  users: {
    usage: `users <tenant>                                 its users (id, sub, email, role, roles, groups, disabled, adminDisabled)`,
    args: ['tenant'],
    run: async ({ args: [tenantId = ''], admin }) => (await admin.users(tenantId)).map(describeUser),
  },
  'revoke-sessions': {
    usage: `revoke-sessions <tenant> [--user <userId>]     end sessions (whole tenant, or one user)`,
    args: ['tenant'],
    async run({ args: [tenantId = ''], values, admin }) {
      const user = typeof values.user === 'string' ? values.user : undefined;
      const revoked = await admin.revokeSessions(tenantId, user);
      return {
        revoked: revoked.user
          ? { tenant: tenantId, user: revoked.user.userId, ...linkedFrom(revoked.user) }
          : { tenant: tenantId },
        notBefore: revoked.notBefore.toISOString(),
      };
    },
  },
  'disable-user': {
    usage: `disable-user <tenant> <userId>                 refuse logins, end sessions for good`,
    args: ['tenant', 'userId'],
    async run({ args: [tenantId = '', userId = ''], admin }) {
      const target = await admin.setUserDisabled(tenantId, userId, true);
      return { tenant: tenantId, user: target.userId, ...linkedFrom(target), disabled: true, adminDisabled: true };
    },
  },
  'enable-user': {
    usage: `enable-user <tenant> <userId>                  allow new logins again`,
    args: ['tenant', 'userId'],
    async run({ args: [tenantId = '', userId = ''], admin }) {
      const target = await admin.setUserDisabled(tenantId, userId, false);
      return {
        tenant: tenantId,
        user: target.userId,
        ...linkedFrom(target),
        adminDisabled: false,
        // Still refused: Okta's deactivation is lifted only by Okta (SCIM active: true).
        disabled: target.deactivated,
        ...(target.deactivated
          ? { warnings: ['Okta deactivated this user (SCIM): they stay refused until Okta reactivates them.'] }
          : {}),
      };
    },
  },
  'set-owner': {
    usage: `set-owner <tenant> <userId>                    transfer ownership (still exactly one owner)`,
    args: ['tenant', 'userId'],
    async run({ args: [tenantId = '', userId = ''], admin }) {
      const { changed, user } = await admin.setOwner(tenantId, userId);
      return { tenant: tenantId, owner: user.userId, ...linkedFrom(user), changed };
    },
  },
  invite: {
    usage: `invite <tenant> [--expires 7d] [--revoke]       a setup link for the tenant's Okta admin (JSON: tenant as get shows it, url, expiresAt)
      (creates the tenant if needed, inactive until the admin activates it on the link's page;
      re-issuing replaces the previous link; --expires: 10m to 30d, default 7d; --revoke ends it now)`,
    args: ['tenant'],
    async run({ args: [tenantId = ''], values, target, admin }) {
      if (values.revoke) {
        if (values.expires !== undefined) throw new UsageError('--revoke takes no --expires.');
        const revoked = await admin.revokeInvite(tenantId);
        return { tenant: describeTenant(target, await admin.get(tenantId)), revoked };
      }
      const expires = typeof values.expires === 'string' ? values.expires : undefined;
      const lifetime =
        expires === undefined ? DEFAULT_SETUP_LINK_LIFETIME_SECONDS : parseSetupLinkLifetime(expires.toLowerCase());
      if (lifetime === undefined) {
        throw new UsageError(
          `--expires must be minutes, hours or days from 10m to 30d (e.g. 7d, 12h), got "${expires}"`,
        );
      }
      if (!target.publicUrl) {
        throw new UsageError(
          'invite needs the address the service is served at: set PUBLIC_URL or pass --public-url (the stack output ApiUrl).',
        );
      }
      const link = await admin.invite(tenantId, lifetime);
      // The token is printed once, inside the URL, for the platform team to send; it is stored only as a hash.
      return {
        tenant: describeTenant(target, await admin.withSecretStatus(link.config)),
        url: `${target.publicUrl}/t/${tenantId}/setup?token=${link.token}`,
        expiresAt: link.expiresAt,
      };
    },
  },
  'scim-token': {
    usage: `scim-token <tenant>                            create or rotate the SCIM token (printed once; the old one stops at once)`,
    args: ['tenant'],
    printsUrls: true,
    async run({ args: [tenantId = ''], target, admin }) {
      // Printed once, here: stored only as a hash. Paste it into Okta, then close the terminal.
      const token = await admin.rotateScimToken(tenantId);
      return { tenant: tenantId, baseUrl: scimBaseUrl(baseOf(target), tenantId), token };
    },
  },
  check: {
    usage: `check <tenant>                                 discovery, JWKS, and the client id and secret at the token endpoint: says what is wrong`,
    args: ['tenant'],
    async run({ args: [tenantId = ''], target, admin }) {
      const { config, clientSecret } = await admin.getWithSecret(tenantId);
      if (!isTenantConnected(config)) {
        const message = 'No Okta yet: the tenant is waiting for its setup link (tenant invite).';
        return new Outcome({ tenant: tenantId, ok: false, checks: [{ check: 'issuer', ok: false, message }] }, 1);
      }
      // The same capped, timed client the service uses, refusing private addresses in AWS.
      const checks: CheckResult[] = await checkTenant(config, {
        fetch: createHttpFetch({ blockPrivateAddresses: target.mode === 'aws' }),
        allowLoopback: target.mode === 'local',
        ...(clientSecret === undefined
          ? {}
          : {
              client: {
                clientId: config.clientId,
                clientSecret,
                authMethod: config.tokenEndpointAuthMethod,
                // The client is authenticated before the code and its redirect URI are looked at
                // (RFC 6749 §3.2.1): without the public address, the placeholder does not change the answer.
                redirectUri: tenantCallbackUrl(baseOf(target), tenantId),
              },
            }),
      });
      if (clientSecret === undefined) {
        checks.push({
          check: 'client_secret',
          ok: false,
          message: `No client secret is stored: ${storeSecret(tenantId)}.`,
        });
      }
      const ok = checks.every((check) => check.ok);
      return new Outcome({ tenant: tenantId, ok, checks: checks.map((check) => withFix(check, tenantId)) }, ok ? 0 : 1);
    },
  },
  audit: {
    usage: `audit <tenant> [--since <ISO time>]            the tenant's audit trail`,
    args: ['tenant'],
    async run({ args: [tenantId = ''], values, admin }) {
      const since = typeof values.since === 'string' ? values.since : undefined;
      if (since !== undefined && Number.isNaN(Date.parse(since))) {
        throw new UsageError(`--since must be an ISO time like 2026-11-01T00:00:00Z, got "${since}"`);
      }
      return admin.auditTrail(tenantId, since ? new Date(since).toISOString() : undefined);
    },
  },
  'signing-keys': {
    usage: `signing-keys list | rotate | remove <kid> --yes  the session-token signing keys (kids and times, never key material);
      rotate: the standby signs now (once published for SIGNING_KEY_PUBLICATION_DELAY_SECONDS) and a new standby is published;
      remove: emergency, a compromised key out of both key sets at once: every token it signed stops verifying;
      the signing key's removal hands over to the standby`,
    args: ['action'],
    optionalArgs: ['kid'],
    run: signingKeys,
  },
};

/**
 * The rotation settings the deployment uses, from this environment
 * (`SIGNING_KEY_*`, `SECRETS_CACHE_SECONDS`): locally a new key signs at once
 * unless SIGNING_KEY_PUBLICATION_DELAY_SECONDS says otherwise, as `npm start` does.
 */
function cliRotationPolicy(target: Target): RotationPolicy {
  const setting = (numeric: NumericSetting, localDefault?: number) => {
    const raw = process.env[numeric.env];
    if (raw === undefined || raw === '')
      return target.mode === 'local' ? (localDefault ?? numeric.default) : numeric.default;
    const value = Number(raw);
    if (!isWithin(numeric, value)) {
      throw new UsageError(`${numeric.env} must be an integer between ${numeric.min} and ${numeric.max}, got "${raw}"`);
    }
    return value;
  };
  return rotationPolicy({
    signingKeyRotationDays: setting(SETTINGS.signingKeyRotationDays),
    signingKeyPublicationDelaySeconds: setting(SETTINGS.signingKeyPublicationDelaySeconds, 0),
    secretsCacheSeconds: setting(SETTINGS.secretsCacheSeconds),
  });
}

/** The private and public key stores of the target; AWS needs the secret's id. */
function signingKeyStoreFor(target: Target, client: DynamoDBDocumentClient, values: CliValues) {
  const secretId =
    typeof values['signing-keys-secret'] === 'string'
      ? values['signing-keys-secret']
      : process.env.SIGNING_KEYS_SECRET_ID || undefined;
  if (target.mode === 'aws' && !secretId) {
    throw new UsageError(
      'signing-keys needs the private key secret in AWS: set SIGNING_KEYS_SECRET_ID or pass --signing-keys-secret (the stack output).',
    );
  }
  return createSigningKeyStore(
    {
      signingKeysSecretId: target.mode === 'aws' ? secretId : undefined,
      secretsCacheSeconds: 0,
      tableName: target.tableName,
    },
    client,
  );
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * A key as `signing-keys` shows it: kid and times, never key material. Status:
 * signing; standby (published, signs once promoted, not before `signsFrom`);
 * waiting (promoted, signs from `signsFrom`); retired (published until
 * `removeAfter`); published (none of these).
 */
function describeSigningKey(entry: PublicKeyEntry, signingKid: string | undefined, now: number) {
  const kid = entry.publicJwk.kid ?? '';
  const status =
    kid === signingKid
      ? 'signing'
      : entry.standby === true
        ? 'standby'
        : entry.signsFrom > now && entry.retiredAt === undefined
          ? 'waiting'
          : entry.retiredAt !== undefined && entry.retiredAt <= now
            ? 'retired'
            : 'published';
  return {
    kid,
    status,
    published: isPublishedAt(entry, now),
    createdAt: iso(entry.createdAt),
    signsFrom: iso(entry.signsFrom),
    retiredAt: iso(entry.retiredAt),
    removeAfter: iso(entry.removeAfter),
  };
}

async function listSigningKeys(client: DynamoDBDocumentClient, target: Target) {
  // The public item holds every key's kid and times: listing needs no access to private keys.
  const set = await new DynamoDbPublicKeyStore(client, target.tableName).getPublicKeys();
  const now = Date.now();
  const entries = set?.keys ?? [];
  // The key that signs now, by the same rule the token function applies (times only).
  const signing = signingKeyAt(
    {
      version: set?.version ?? 0,
      keys: entries.map((entry) => ({
        ...entry,
        kid: entry.publicJwk.kid ?? '',
        privateJwk: {},
      })),
    },
    now,
  )?.kid;
  return {
    version: set?.version ?? null,
    signing: signing ?? null,
    standby: entries.find((entry) => entry.standby === true)?.publicJwk.kid ?? null,
    keys: entries.map((entry) => describeSigningKey(entry, signing, now)),
  };
}

const REMOVE_WARNING =
  'signing-keys remove invalidates every session token the key signed (verifiers refuse them once they refetch the key set, within 5 minutes for ours). If it is the signing key, the standby signs in its place at once when it has been published for the publication delay; otherwise no token is issued until it has. Run it again with --yes to remove the key.';

async function signingKeys({ args: [action = '', kid], values, target, client }: CommandContext) {
  if (action === 'list') {
    if (kid !== undefined) throw new UsageError('signing-keys list takes no <kid>.');
    return listSigningKeys(client, target);
  }
  if (action === 'rotate') {
    if (kid !== undefined) throw new UsageError('signing-keys rotate takes no <kid>.');
    const store = signingKeyStoreFor(target, client, values);
    const result = await rotateStoredKeys(store, Date.now, cliRotationPolicy(target), undefined, {
      force: true,
    }).finally(() => store.destroy?.());
    return {
      rotated: result.added !== undefined,
      ...(result.added
        ? { added: result.added, promotedStandby: result.promoted }
        : { reason: 'a new key is already waiting out its publication delay; it signs from its signsFrom' }),
      ...(result.standby ? { newStandby: result.standby } : {}),
      retired: result.retired,
      dropped: result.dropped,
      ...(await listSigningKeys(client, target)),
    };
  }
  if (action === 'remove') {
    if (!kid) throw new UsageError('signing-keys remove needs <kid> (see signing-keys list).');
    if (values.yes !== true) throw new UsageError(REMOVE_WARNING);
    const store = signingKeyStoreFor(target, client, values);
    let replacement: Awaited<ReturnType<typeof rotateStoredKeys>>;
    try {
      const { removed } = await removeStoredKey(store, kid);
      if (!removed) return new Outcome({ removed: false, kid, message: `No signing key ${kid}.` }, 1);
      // Not forced: the run promotes the standby only when the removed key was the signing one,
      // and makes a new standby only when it was the standby (or promoted).
      replacement = await rotateStoredKeys(store, Date.now, cliRotationPolicy(target));
    } finally {
      store.destroy?.();
    }
    const next = replacement.set.keys.find((key) => key.kid === replacement.added);
    const now = Date.now();
    return {
      removed: true,
      kid,
      invalidated: 'every session token this key signed',
      ...(next
        ? {
            replacement: next.kid,
            promotedStandby: replacement.promoted,
            replacementSignsFrom: iso(next.signsFrom),
            tokens:
              next.signsFrom <= now
                ? 'issued with the replacement from now on'
                : `none until ${iso(next.signsFrom)} (503): the replacement had not been published for the publication delay yet`,
          }
        : {}),
      ...(replacement.standby ? { newStandby: replacement.standby } : {}),
      ...(await listSigningKeys(client, target)),
    };
  }
  throw new UsageError(`signing-keys needs list, rotate or remove <kid>, got "${action}".`);
}

/** A result with an exit code other than 0 (e.g. a failed check, still printed as JSON). */
class Outcome {
  constructor(
    readonly value: unknown,
    readonly exitCode: number,
  ) {}
}

const OPTIONS = {
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  // Accepted only to refuse it with a pointer to stdin: argv ends up in shell history and `ps`.
  'client-secret': { type: 'string' },
  'org-url': { type: 'string' },
  'auth-method': { type: 'string' },
  groups: { type: 'boolean' },
  'id-token-alg': { type: 'string', multiple: true },
  'allowed-redirect-origin': { type: 'string', multiple: true },
  'default-redirect': { type: 'string' },
  table: { type: 'string' },
  endpoint: { type: 'string' },
  'secret-prefix': { type: 'string' },
  'public-url': { type: 'string' },
  user: { type: 'string' },
  since: { type: 'string' },
  'role-map': { type: 'string', multiple: true },
  'default-role': { type: 'string', multiple: true },
  'allowed-email-domain': { type: 'string', multiple: true },
  'require-email-verified': { type: 'boolean' },
  'logout-redirect': { type: 'string' },
  'sso-enforced': { type: 'boolean' },
  expires: { type: 'string' },
  revoke: { type: 'boolean' },
  'universal-logout': { type: 'boolean' },
  'signing-keys-secret': { type: 'string' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function adminFor(
  target: Target,
  client: DynamoDBDocumentClient,
  secretsManager: ClientSecretStore | undefined,
): TenantAdmin {
  const stores = storesOn(client, target.tableName);
  return new TenantAdmin({
    tenants: stores.tenants,
    users: stores.users,
    audit: stores.audit,
    setup: stores.setup,
    secrets: secretsManager ?? new TableClientSecretStore(client, target.tableName),
    scim: new DynamoDbScimDirectory(client, target.tableName),
    actor: `admin:${process.env.USER ?? process.env.LOGNAME ?? 'cli'}`,
    allowLoopback: target.mode === 'local',
    vetRoleMappings: assertSafeRoleMappings,
    now: () => new Date(),
  });
}

export async function main(argv: string[], terminal: Terminal = PROCESS_TERMINAL): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    allowNegative: true,
    strict: true,
    options: OPTIONS,
  });
  const [name, ...args] = positionals;
  if (values.help || !name) {
    process.stdout.write(`${usageOf(name)}\n`);
    return name || values.help ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`Unknown command "${name}".`);
  try {
    return await runCommand(name, command, args, values, terminal);
  } catch (error) {
    // A mistake found while running a command is that command's: show its usage only.
    if (error instanceof UsageError && !error.command) throw new UsageError(error.message, name);
    throw error;
  }
}

async function runCommand(
  name: string,
  command: Command,
  args: string[],
  values: CliValues,
  terminal: Terminal,
): Promise<number> {
  const allowed = command.args.length + (command.optionalArgs?.length ?? 0);
  if (args.length > allowed) throw new UsageError(`Unexpected arguments: ${args.slice(allowed).join(' ')}`);
  for (const [index, arg] of command.args.entries()) {
    if (!args[index]) throw new UsageError(`${name} needs <${command.args.join('> <')}>.`);
    if (arg === 'tenant') requireTenantId(args[index]);
  }
  if (values['client-secret'] !== undefined) {
    throw new UsageError(
      '--client-secret is refused: a secret on the command line ends up in shell history and process lists. Pipe it in with --client-secret-stdin, e.g. `printf %s "$SECRET" | npm run -s tenant -- put <tenant> --client-secret-stdin`.',
    );
  }
  const target = resolveTarget(values);
  if (command.printsUrls && !target.publicUrl) process.stderr.write(`${noPublicUrl(target)}\n`);
  const client = createDocumentClient({ endpoint: target.endpoint, maxAttempts: 2 });
  const secretsManager = target.secretPrefix ? new SecretsManagerClientSecretStore(target.secretPrefix, 0) : undefined;
  try {
    const result = await command.run({
      args,
      values,
      target,
      admin: adminFor(target, client, secretsManager),
      client,
      terminal,
    });
    const outcome = result instanceof Outcome ? result : new Outcome(result, 0);
    if (outcome.value !== undefined) print(outcome.value);
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof TenantAdminError) {
      if (error.kind === 'invalid') throw new UsageError(error.message);
      // Not found, or a race lost to another administrator: exit 1 with the sentence.
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof StoreUnavailableError) {
      const where = target.endpoint ?? `DynamoDB in ${process.env.AWS_REGION ?? 'the default region'}`;
      const cause = (error.cause as { name?: string; code?: string } | undefined) ?? {};
      process.stderr.write(
        `Could not reach the table "${target.tableName}" at ${where} (${cause.code ?? cause.name ?? 'unavailable'}). Is \`npm start\` running, or are DYNAMODB_ENDPOINT / AWS credentials right?\n`,
      );
      return 1;
    }
    throw error;
  } finally {
    closeDocumentClient(client);
    secretsManager?.destroy();
  }
}

async function readSecret(): Promise<string> {
  const secret = await readStdin();
  if (secret.length === 0) throw new UsageError('--client-secret-stdin: stdin was empty.');
  return secret;
}

/** One command's usage, or every command's when there is none (or it is unknown). */
function usageOf(name: string | undefined): string {
  const command = name ? COMMANDS[name] : undefined;
  const lines = command ? [command.usage] : Object.values(COMMANDS).map((entry) => entry.usage);
  return `Usage:\n${lines.map((line) => `  npm run -s tenant -- ${line}`).join('\n')}\n\n${TARGET}`;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Runs a command as the shell would: the exit code, usage on stderr for a misused command. */
export async function run(argv: string[], terminal: Terminal = PROCESS_TERMINAL): Promise<number> {
  try {
    return await main(argv, terminal);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const command = error instanceof UsageError ? error.command : argv.find((arg) => arg in COMMANDS);
      process.stderr.write(`${(error as Error).message}\n\n${usageOf(command)}\n`);
      return 2;
    }
    const e = error as { name?: string; message?: string };
    process.stderr.write(`tenant: ${e.name ?? 'Error'}: ${e.message ?? 'failed'}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  // On Node 20: one line on stderr instead of the AWS SDK's multi-line warning (stdout stays JSON).
  const notice = quietOldNodeWarnings();
  if (notice) process.stderr.write(`${notice}\n`);
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
