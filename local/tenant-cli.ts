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
import type { ClientSecretStore } from '../shared/ports.ts';
import { parseRoleMapping } from '../shared/roles.ts';
import { checkTenant } from '../shared/tenant-check.ts';
import { buildTenantConfig, isValidTenantId } from '../shared/tenants.ts';

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
  const secretsManager = target.secretPrefix ? new SecretsManagerClientSecretStore(target.secretPrefix, 0) : undefined;
  const secrets: ClientSecretStore = secretsManager ?? new TableClientSecretStore(client, target.tableName);
  try {
    switch (command) {
      case 'put': {
        const tenantId = requireTenantId(tenantArg);
        if (!values.issuer) throw new UsageError('put needs --issuer <url>.');
        if (!values['client-id']) throw new UsageError('put needs --client-id <id>.');
        const authMethod = values['auth-method'];
        if (authMethod !== undefined && authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
          throw new UsageError(`--auth-method must be client_secret_basic or client_secret_post, got "${authMethod}"`);
        }
        const existing = await tenants.getTenant(tenantId);
        let config: ReturnType<typeof buildTenantConfig>;
        try {
          config = buildTenantConfig(
            {
              tenantId,
              issuer: values.issuer,
              clientId: values['client-id'],
              orgUrl: values['org-url'],
              tokenEndpointAuthMethod: authMethod,
              requestGroups: values.groups ?? existing?.requestGroups,
              idTokenAlgorithms: values['id-token-alg'] ?? existing?.idTokenAlgorithms,
              allowedRedirectOrigins: values['allowed-redirect-origin'] ?? existing?.allowedRedirectOrigins,
              defaultRedirect: values['default-redirect'] ?? existing?.defaultRedirect,
              roleMappings: values['role-map']?.map(parseRoleMapping) ?? existing?.roleMappings,
              defaultRoles: values['default-role'] ?? existing?.defaultRoles,
              allowedEmailDomains: values['allowed-email-domain'] ?? existing?.allowedEmailDomains,
              requireEmailVerified: values['require-email-verified'] ?? existing?.requireEmailVerified,
              logoutRedirect: values['logout-redirect'] ?? existing?.logoutRedirect,
              ssoEnforced: values['sso-enforced'] ?? existing?.ssoEnforced,
            },
            { allowLoopback: target.mode === 'local', now: new Date(), existing },
          );
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
        // Secret first: a tenant must never be live without its secret.
        if (secret !== undefined) await secrets.putClientSecret(tenantId, secret);
        await tenants.putTenant(config);
        await audit('tenant_saved', tenantId, { details: { created: !existing, secretChanged: secret !== undefined } });
        const warnings: string[] = [];
        if (config.roleMappings.length > 0 && !config.requestGroups) {
          warnings.push('Role mappings need the groups claim: add --groups and a Groups claim in the Okta app.');
        }
        const base = target.publicUrl ?? 'https://<your-api>';
        print({
          tenant: config,
          created: !existing,
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
        const deleted = await tenants.deleteTenant(tenantId);
        await secrets.deleteClientSecret(tenantId);
        if (deleted) await audit('tenant_deleted', tenantId);
        if (!deleted) {
          process.stderr.write(`No tenant "${tenantId}".\n`);
          return 1;
        }
        print({ deleted: tenantId });
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
        if (!(await identities.setUserDisabled(tenantId, userIdArg, disabled))) {
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
        const results = await checkTenant(config, { fetch: (input, init) => fetch(input, init) });
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
    secretsManager?.destroy();
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
        process.exitCode = 2;
      } else {
        const e = error as { name?: string; message?: string };
        process.stderr.write(`tenant: ${e.name ?? 'Error'}: ${e.message ?? 'failed'}\n`);
        process.exitCode = 1;
      }
    },
  );
}
