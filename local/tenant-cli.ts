/**
 * Tenant CLI (DESIGN.md "Tenant CLI"):
 *   npm run tenant -- put <tenant> --issuer <url> --client-id <id> --client-secret-stdin [options]
 *   npm run tenant -- get <tenant> | list | delete <tenant> | users <tenant>
 *
 * Where it writes: DYNAMODB_ENDPOINT (or a running `npm start`) → the local
 * table, client secret in the table; otherwise AWS: TABLE_NAME and
 * CLIENT_SECRET_PREFIX from the deployed stack's outputs (or --table and
 * --secret-prefix), secret in Secrets Manager. Output is JSON on stdout;
 * mistakes get a message on stderr and a non-zero exit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDocumentClient } from '../shared/adapters/dynamodb-client.ts';
import { DynamoDbIdentityStore } from '../shared/adapters/dynamodb-identity-store.ts';
import { DynamoDbTenantStore } from '../shared/adapters/dynamodb-tenant-store.ts';
import { TableClientSecretStore } from '../shared/adapters/local-secret-store.ts';
import { SecretsManagerClientSecretStore } from '../shared/adapters/secrets-manager-secret-store.ts';
import { type AuditEventType, auditEvent } from '../shared/audit.ts';
import { createHttpFetch } from '../shared/oidc/http-fetch.ts';
import { orgUrlOf } from '../shared/oidc/issuer-policy.ts';
import type { ClientSecretStore } from '../shared/ports.ts';
import { assertSafeRoleMappings } from '../shared/role-map-safety.ts';
import { parseRoleMapping } from '../shared/roles.ts';
import { checkTenant } from '../shared/tenant-check.ts';
import { buildTenantConfig, isValidTenantId, type TenantConfig, type TenantInput } from '../shared/tenants.ts';

const USAGE = `Usage:
  npm run tenant -- put <tenant> --issuer <url> --client-id <id> --client-secret-stdin [options]
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
      (Repeatable options replace the stored list; booleans take --no-<name> to turn off.)
  npm run tenant -- check <tenant>                                fetch discovery and JWKS and say what is wrong
  npm run tenant -- audit <tenant> [--since <ISO time>]           the tenant's audit trail
  npm run tenant -- get <tenant>
  npm run tenant -- list
  npm run tenant -- delete <tenant>
  npm run tenant -- users <tenant>
  npm run tenant -- revoke-sessions <tenant> [--user <userId>]   end sessions (whole tenant, or one user)
  npm run tenant -- disable-user <tenant> <userId>               refuse logins, end sessions at once
  npm run tenant -- enable-user <tenant> <userId>
  npm run tenant -- set-owner <tenant> <userId>                   transfer ownership (still exactly one owner)

Target: DYNAMODB_ENDPOINT (local) or a running \`npm start\`; otherwise AWS with
TABLE_NAME and CLIENT_SECRET_PREFIX (or --table, --secret-prefix; --endpoint, --public-url).`;

class UsageError extends Error {}

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

/**
 * What `put` saves: for an existing tenant, its stored settings with only the
 * options given on this command changed; for a new one, the options and defaults.
 */
function tenantInputFrom(tenantId: string, values: CliValues, existing: TenantConfig | undefined): TenantInput {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const flag = (name: string) => (typeof values[name] === 'boolean' ? (values[name] as boolean) : undefined);
  const list = (name: string) => (Array.isArray(values[name]) ? (values[name] as string[]) : undefined);
  const issuer = text('issuer') ?? existing?.issuer ?? '';
  // An org URL derived from the old issuer follows a new issuer; one set explicitly stays.
  const explicitOrgUrl = existing && existing.orgUrl !== orgUrlOf(existing.issuer) ? existing.orgUrl : undefined;
  return {
    tenantId,
    issuer,
    clientId: text('client-id') ?? existing?.clientId ?? '',
    orgUrl: text('org-url') ?? explicitOrgUrl,
    tokenEndpointAuthMethod:
      (text('auth-method') as TenantInput['tokenEndpointAuthMethod']) ?? existing?.tokenEndpointAuthMethod,
    requestGroups: flag('groups') ?? existing?.requestGroups,
    idTokenAlgorithms: list('id-token-alg') ?? existing?.idTokenAlgorithms,
    allowedRedirectOrigins: list('allowed-redirect-origin') ?? existing?.allowedRedirectOrigins,
    defaultRedirect: text('default-redirect') ?? existing?.defaultRedirect,
    roleMappings: list('role-map')?.map(parseRoleMapping) ?? existing?.roleMappings,
    defaultRoles: list('default-role') ?? existing?.defaultRoles,
    allowedEmailDomains: list('allowed-email-domain') ?? existing?.allowedEmailDomains,
    requireEmailVerified: flag('require-email-verified') ?? existing?.requireEmailVerified,
    logoutRedirect: text('logout-redirect') ?? existing?.logoutRedirect,
    ssoEnforced: flag('sso-enforced') ?? existing?.ssoEnforced,
  };
}

/** Names of the settings that differ between two versions of a tenant's config. */
function changedSettings(before: TenantConfig, after: TenantConfig): string[] {
  const ignored = new Set(['updatedAt', 'createdAt', 'hasOwner', 'generation']);
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .filter((name) => !ignored.has(name))
    .filter(
      (name) =>
        JSON.stringify(before[name as keyof TenantConfig]) !== JSON.stringify(after[name as keyof TenantConfig]),
    )
    .sort();
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    allowNegative: true,
    strict: true,
    options: {
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, tenantArg, ...rest] = positionals;
  const takesUserId = command === 'disable-user' || command === 'enable-user' || command === 'set-owner';
  const userIdArg = takesUserId ? rest.shift() : undefined;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(' ')}`);
  if (values['client-secret'] !== undefined) {
    throw new UsageError(
      '--client-secret is refused: a secret on the command line ends up in shell history and process lists. Pipe it in with --client-secret-stdin, e.g. `printf %s "$SECRET" | npm run tenant -- put <tenant> --client-secret-stdin`.',
    );
  }

  const target = resolveTarget(values);
  const client = createDocumentClient({ endpoint: target.endpoint, maxAttempts: 2 });
  const tenants = new DynamoDbTenantStore(client, target.tableName);
  const identities = new DynamoDbIdentityStore(client, target.tableName);
  const actor = `admin:${process.env.USER ?? process.env.LOGNAME ?? 'cli'}`;
  const audit = (
    type: AuditEventType,
    tenantId: string,
    extra: { subject?: string; details?: Record<string, string | boolean> } = {},
  ) => identities.append(auditEvent({ tenantId, type, actor, ...extra }));
  const secrets: ClientSecretStore = target.secretPrefix
    ? new SecretsManagerClientSecretStore(target.secretPrefix, 0)
    : new TableClientSecretStore(client, target.tableName);
  try {
    switch (command) {
      case 'put': {
        const tenantId = requireTenantId(tenantArg);
        const existing = await tenants.getTenant(tenantId);
        if (!existing) {
          if (!values.issuer) throw new UsageError('A new tenant needs --issuer <url>.');
          if (!values['client-id']) throw new UsageError('A new tenant needs --client-id <id>.');
          if (await tenants.hasTenantData(tenantId)) {
            throw new UsageError(
              `Tenant "${tenantId}" still has data from a deletion that did not finish: run \`tenant delete ${tenantId}\` again first.`,
            );
          }
        }
        const authMethod = values['auth-method'];
        if (authMethod !== undefined && authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
          throw new UsageError(`--auth-method must be client_secret_basic or client_secret_post, got "${authMethod}"`);
        }
        let config: ReturnType<typeof buildTenantConfig>;
        try {
          config = buildTenantConfig(tenantInputFrom(tenantId, values, existing), {
            allowLoopback: target.mode === 'local',
            now: new Date(),
            existing,
          });
          assertSafeRoleMappings(config.roleMappings);
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        let secret: string | undefined;
        if (values['client-secret-stdin']) {
          secret = await readStdin();
          if (secret.length === 0) throw new UsageError('--client-secret-stdin: stdin was empty.');
        } else if (!existing) {
          throw new UsageError(
            'A new tenant needs its client secret: pass --client-secret-stdin and pipe the secret in (never as an argument).',
          );
        }
        const changed = existing ? changedSettings(existing, config) : [];
        // Secret first: a tenant must never be live without its secret.
        if (secret !== undefined) await secrets.putClientSecret(tenantId, secret);
        await tenants.putTenant(config);
        await audit('tenant_saved', tenantId, {
          details: { created: !existing, secretChanged: secret !== undefined, changed: changed.join(',') },
        });
        const warnings: string[] = [];
        if (config.roleMappings.length > 0 && !config.requestGroups) {
          warnings.push('Role mappings need the groups claim: add --groups and a Groups claim in the Okta app.');
        }
        const base = target.publicUrl ?? 'https://<your-api>';
        print({
          tenant: config,
          created: !existing,
          ...(existing ? { changed, secretChanged: secret !== undefined } : {}),
          okta: {
            signInRedirectUri: `${base}/t/${tenantId}/callback`,
            initiateLoginUri: `${base}/t/${tenantId}/login`,
            loginInitiatedBy: 'Either Okta or App',
            loginFlow: 'Redirect to app to initiate login (OIDC Compliant)',
            groupsClaim: config.requestGroups
              ? 'Sign On → OpenID Connect ID Token → Groups claim type: Filter, name "groups", Matches regex .*'
              : 'not requested (use --groups)',
            ...(config.logoutRedirect === 'okta' ? { signOutRedirectUri: `${base}/` } : {}),
          },
          ...(warnings.length ? { warnings } : {}),
        });
        return 0;
      }
      case 'get': {
        const tenantId = requireTenantId(tenantArg);
        const config = await tenants.getTenant(tenantId);
        if (!config) {
          process.stderr.write(`No tenant "${tenantId}".\n`);
          return 1;
        }
        print({ ...config, hasClientSecret: (await secrets.getClientSecret(tenantId)) !== undefined });
        return 0;
      }
      case 'list': {
        if (tenantArg) throw new UsageError('list takes no arguments.');
        print(await tenants.listTenants());
        return 0;
      }
      case 'delete': {
        const tenantId = requireTenantId(tenantArg);
        if (!(await tenants.hasTenantData(tenantId))) {
          process.stderr.write(`No tenant "${tenantId}".\n`);
          return 1;
        }
        // The config goes first: from then on every session of the tenant is refused (the session
        // check reads it) and no login can write to it; the rest is removed page by page and a
        // second run finishes an interrupted one.
        const configRemoved = await tenants.deleteTenant(tenantId);
        const removed = await tenants.purgeTenantData(tenantId);
        if (configRemoved) removed.tenant = (removed.tenant ?? 0) + 1;
        await secrets.deleteClientSecret(tenantId);
        await audit('tenant_deleted', tenantId, {
          details: Object.fromEntries(Object.entries(removed).map(([kind, count]) => [kind, String(count)])),
        });
        print({
          deleted: tenantId,
          removed: {
            users: removed.user ?? 0,
            owner: removed.owner ?? 0,
            config: removed.tenant ?? 0,
            other: Object.entries(removed)
              .filter(([kind]) => !['user', 'owner', 'tenant'].includes(kind))
              .reduce((sum, [, count]) => sum + count, 0),
          },
          sessions: 'all ended: session items expire by TTL and are refused until then',
          auditTrail: 'kept until its retention (AUDIT_RETENTION_DAYS) expires',
        });
        return 0;
      }
      case 'users': {
        const tenantId = requireTenantId(tenantArg);
        if (!(await tenants.getTenant(tenantId))) {
          process.stderr.write(`No tenant "${tenantId}".\n`);
          return 1;
        }
        const users = await identities.listUsers(tenantId);
        print(
          users.map((user) => ({
            id: user.userId,
            sub: user.sub,
            email: user.email ?? null,
            name: user.name ?? null,
            role: user.role,
            groups: user.groups,
            disabled: user.disabled,
            createdAt: user.createdAt,
            lastLoginAt: user.lastLoginAt,
          })),
        );
        return 0;
      }
      case 'revoke-sessions': {
        const tenantId = requireTenantId(tenantArg);
        // Sessions created before this second stop working; a login right after gets a fresh one.
        const notBefore = Math.floor(Date.now() / 1000) + 1;
        const found = values.user
          ? await identities.revokeUserSessions(tenantId, values.user, notBefore)
          : await identities.revokeTenantSessions(tenantId, notBefore);
        if (!found) {
          process.stderr.write(
            values.user ? `No user "${values.user}" in tenant "${tenantId}".\n` : `No tenant "${tenantId}".\n`,
          );
          return 1;
        }
        await audit('sessions_revoked', tenantId, values.user ? { subject: values.user } : {});
        print({ revoked: values.user ? { tenant: tenantId, user: values.user } : { tenant: tenantId }, notBefore });
        return 0;
      }
      case 'disable-user':
      case 'enable-user': {
        const tenantId = requireTenantId(tenantArg);
        if (!userIdArg) throw new UsageError(`${command} needs <tenant> <userId> (see \`users <tenant>\`).`);
        const disabled = command === 'disable-user';
        // Disabling also ends every session created until now, for good: enabling later allows
        // new logins only, it does not revive the sessions that were open.
        const endSessionsBefore = disabled ? Math.floor(Date.now() / 1000) + 1 : undefined;
        if (!(await identities.setUserDisabled(tenantId, userIdArg, disabled, endSessionsBefore))) {
          process.stderr.write(`No user "${userIdArg}" in tenant "${tenantId}".\n`);
          return 1;
        }
        await audit(disabled ? 'user_disabled' : 'user_enabled', tenantId, { subject: userIdArg });
        print({ tenant: tenantId, user: userIdArg, disabled });
        return 0;
      }
      case 'set-owner': {
        const tenantId = requireTenantId(tenantArg);
        if (!userIdArg) throw new UsageError('set-owner needs <tenant> <userId> (see `users <tenant>`).');
        const outcome = await new DynamoDbIdentityStore(client, target.tableName).transferOwnership(
          tenantId,
          userIdArg,
        );
        if (outcome === 'no_such_user') {
          process.stderr.write(`No user "${userIdArg}" in tenant "${tenantId}".\n`);
          return 1;
        }
        if (outcome === 'transferred') await audit('owner_transferred', tenantId, { subject: userIdArg });
        print({ tenant: tenantId, owner: userIdArg, changed: outcome === 'transferred' });
        return 0;
      }
      case 'check': {
        const tenantId = requireTenantId(tenantArg);
        const config = await tenants.getTenant(tenantId);
        if (!config) {
          process.stderr.write(`No tenant "${tenantId}".\n`);
          return 1;
        }
        // The same capped, timed client the service uses, refusing private addresses in AWS.
        const results = await checkTenant(config, {
          fetch: createHttpFetch({ blockPrivateAddresses: target.mode === 'aws' }),
          allowLoopback: target.mode === 'local',
        });
        const ok = results.every((result) => result.ok);
        const secret = await secrets.getClientSecret(tenantId);
        const checks = [
          ...results,
          secret
            ? { check: 'client_secret', ok: true, message: 'A client secret is stored.' }
            : {
                check: 'client_secret',
                ok: false,
                message: 'No client secret is stored: run put with --client-secret-stdin.',
              },
        ];
        print({ tenant: tenantId, ok: ok && secret !== undefined, checks });
        return ok && secret !== undefined ? 0 : 1;
      }
      case 'audit': {
        const tenantId = requireTenantId(tenantArg);
        const since = values.since;
        if (since !== undefined && Number.isNaN(Date.parse(since))) {
          throw new UsageError(`--since must be an ISO time like 2026-11-01T00:00:00Z, got "${since}"`);
        }
        print(await identities.list(tenantId, since ? new Date(since).toISOString() : undefined));
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } finally {
    client.destroy();
  }
}

/** Runs a command as the shell would: the exit code, usage on stderr for a misused command. */
export async function run(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const e = error as { name?: string; message?: string };
    process.stderr.write(`tenant: ${e.name ?? 'Error'}: ${e.message ?? 'failed'}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
