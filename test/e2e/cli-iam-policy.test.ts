/**
 * The README's IAM policy for the tenant CLI (README "Tenant CLI in AWS: IAM
 * policy") against what the CLI really sends to AWS. Every command runs as it
 * does against a deployed stack (TABLE_NAME, CLIENT_SECRET_PREFIX and
 * SIGNING_KEYS_SECRET_ID set): its DynamoDB requests go through the
 * request-counting proxy (local/dynamodb-proxy.ts) and a recorder behind it
 * that reads what IAM authorizes a request by (each item of a transaction or
 * batch, a query's index); its Secrets Manager requests go to a stand-in that
 * keeps secrets as the service does. Each request must be allowed by the
 * statements README lists for its command, and each action the policy grants
 * must be used by a command listed with that statement: an action missing
 * from the policy fails, and so does one granted for nothing.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { type DynamoDbProxy, forwardTo, listenLocally, startDynamoDbProxy } from '../../local/dynamodb-proxy.ts';
import { DEMO_TENANT } from '../../local/stack.ts';
import { run as tenantCli } from '../../local/tenant-cli.ts';
import { type CliResult, cli } from '../support/cli.ts';
import { completeLogin, type LoginTarget } from '../support/complete-login.ts';
import type { ReceivedRequest } from '../support/fake-aws.ts';
import { fakeSecretsManager } from '../support/fake-secrets-manager.ts';
import { test } from '../support/fixtures.ts';

const HEADING = '### Tenant CLI in AWS: IAM policy';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const SECRET_PREFIX = 'okta-login/client-secret/';
const SIGNING_KEYS_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:OktaLoginSigningKeys-AbCdEf`;

/** One permission a request needs: an IAM action on a resource ARN. */
interface Authorization {
  readonly action: string;
  readonly resource: string;
}

interface Statement {
  readonly Sid: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
}

interface ReadmePolicy {
  readonly statements: Statement[];
  /** Command (`put`, `signing-keys rotate`) → the Sids README says it needs. */
  readonly needs: Map<string, string[]>;
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** README's section: the policy (its JSON block) and which commands need which statements (its table). */
function readmePolicy(): ReadmePolicy {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${HEADING}" section`);
  const rest = readme.slice(start + HEADING.length + 2);
  const end = rest.search(/\n#{1,3} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!json) throw new Error(`README's "${HEADING}" has no json block`);
  const policy = JSON.parse(json) as { Version: string; Statement: Statement[] };
  const needs = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').slice(1, -1);
    if (cells.length < 2 || !cells[0]?.includes('`')) continue;
    const sids = (cells[1] ?? '')
      .replaceAll('`', '')
      .split(',')
      .map((sid) => sid.trim())
      .filter(Boolean);
    for (const [, command] of (cells[0] ?? '').matchAll(/`([^`]+)`/g)) needs.set(command ?? '', sids);
  }
  return { statements: policy.Statement, needs };
}

/** IAM's wildcard match of a resource pattern (`*` only; the policy uses no `?`). */
function resourceMatches(pattern: string, arn: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(arn);
}

/** The README's placeholders filled in with this test's deployment. */
function resolvePlaceholders(resource: string, tableName: string): string {
  const values: Record<string, string> = {
    '<region>': REGION,
    '<account>': ACCOUNT,
    '<TableName>': tableName,
    '<ClientSecretPrefix>': SECRET_PREFIX,
    '<SigningKeysSecretArn>': SIGNING_KEYS_SECRET_ARN,
  };
  return resource.replace(/<[^>]+>/g, (name) => {
    const value = values[name];
    if (value === undefined) throw new Error(`README placeholder ${name} is unknown to this test`);
    return value;
  });
}

function allows(statement: Statement, request: Authorization, tableName: string): boolean {
  return (
    statement.Effect === 'Allow' &&
    list(statement.Action).includes(request.action) &&
    list(statement.Resource).some((resource) =>
      resourceMatches(resolvePlaceholders(resource, tableName), request.resource),
    )
  );
}

const tableArn = (tableName: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${tableName}`;

/** The IAM action of each kind of item in a transaction (TransactWriteItems has no action of its own). */
const TRANSACTION_ITEM_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

type WireInput = Record<string, unknown> & { TableName?: string; IndexName?: string };

/** What IAM authorizes a DynamoDB request by: each item of a transaction or batch, on its table or index. */
function dynamoDbAuthorizations(operation: string, input: WireInput): Authorization[] {
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    return ((input.TransactItems ?? []) as Array<Record<string, { TableName: string }>>).flatMap((item) =>
      Object.entries(item).map(([kind, body]) => ({
        action: `dynamodb:${TRANSACTION_ITEM_ACTIONS[kind] ?? kind}`,
        resource: tableArn(body.TableName),
      })),
    );
  }
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    return Object.keys((input.RequestItems ?? {}) as object).map((name) => ({
      action: `dynamodb:${operation}`,
      resource: tableArn(name),
    }));
  }
  const index = input.IndexName ? `/index/${input.IndexName}` : '';
  return [{ action: `dynamodb:${operation}`, resource: `${tableArn(input.TableName ?? '')}${index}` }];
}

/** A Secrets Manager request's permission: the secret's ARN (a name gets the 6 characters AWS appends). */
function secretsManagerAuthorization(request: ReceivedRequest): Authorization {
  const operation = String(request.headers['x-amz-target']).replace(/^secretsmanager\./, '');
  const input = JSON.parse(request.body || '{}') as { SecretId?: string; Name?: string };
  const id = input.SecretId ?? input.Name ?? '';
  const resource = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`;
  return { action: `secretsmanager:${operation}`, resource };
}

/** Sits behind the counting proxy and keeps each DynamoDB request's operation and wire input. */
async function startRecorder(upstream: string, requests: Array<{ operation: string; input: WireInput }>) {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^.*\./, '');
      requests.push({ operation, input: JSON.parse(body.toString('utf8') || '{}') as WireInput });
      forwardTo(target, req, res, body);
    });
  });
  return listenLocally(server);
}

/** The command names `--help` lists: a command added to the CLI must be run here too. */
async function cliCommands(): Promise<string[]> {
  const out: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    expect(await tenantCli(['--help'])).toBe(0);
  } finally {
    stdout.mockRestore();
  }
  return [...out.join('').matchAll(/^ {2}npm run -s tenant -- ([a-z-]+)/gm)].map((match) => match[1] ?? '');
}

let demo: LoginTarget;
let proxy: DynamoDbProxy;
let recorder: { endpoint: string; stop: () => Promise<void> };
let secretsManager: Awaited<ReturnType<typeof fakeSecretsManager>>;
const recorded: Array<{ operation: string; input: WireInput }> = [];
/** Command (as README names it) → the permissions its requests needed. */
const observed = new Map<string, Authorization[]>();
let tableName: string;

/** Runs one command against "AWS" and keeps what it sent, under README's name for it (`key`). */
async function aws(
  key: string,
  args: string[],
  options: { stdin?: string; exitCodes?: number[] } = {},
): Promise<CliResult> {
  proxy.reset();
  recorded.length = 0;
  const secretsBefore = secretsManager.received.length;
  const stdin =
    options.stdin === undefined
      ? undefined
      : vi
          .spyOn(process, 'stdin', 'get')
          .mockReturnValue(Readable.from([Buffer.from(options.stdin)]) as unknown as typeof process.stdin);
  let result: CliResult;
  try {
    result = await cli(...args, '--endpoint', proxy.endpoint, '--table', tableName);
  } finally {
    stdin?.mockRestore();
  }
  expect(options.exitCodes ?? [0], `${key}: ${result.stderr}`).toContain(result.code);
  // The recorder saw exactly what the counting proxy counted: no request went around them.
  expect(recorded.map((request) => request.operation).sort()).toEqual([...proxy.operations].sort());
  const needed = [
    ...recorded.flatMap(({ operation, input }) => dynamoDbAuthorizations(operation, input)),
    ...secretsManager.received.slice(secretsBefore).map(secretsManagerAuthorization),
  ];
  observed.set(key, [...(observed.get(key) ?? []), ...needed]);
  return result;
}

const AWS_ENVIRONMENT = {
  CLIENT_SECRET_PREFIX: SECRET_PREFIX,
  SIGNING_KEYS_SECRET_ID: SIGNING_KEYS_SECRET_ARN,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'AKIDTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret-key',
};
let environmentBefore: Record<string, string | undefined> = {};

/** Two people sign in to the demo tenant (the stack works locally), then every command runs against "AWS". */
async function runEveryCommand(): Promise<void> {
  for (const login of ['ada', 'grace']) {
    const signedIn = await completeLogin(demo, { login });
    expect(signedIn.callback?.status).toBe(302);
  }
  const environment = { ...AWS_ENVIRONMENT, AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint };
  environmentBefore = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]));
  Object.assign(process.env, environment);
  const issuer = 'https://oin-acme.okta.example';
  await aws('put', ['put', 'oin_acme', '--issuer', issuer, '--client-id', '0oa1iam', '--client-secret-stdin'], {
    stdin: 'a-client-secret-0123456789',
  });
  await aws('put', ['put', 'oin_acme', '--sso-enforced']);
  await aws('get', ['get', 'oin_acme']);
  await aws('list', ['list']);
  await aws('invite', ['invite', 'oin_waiting']);
  await aws('invite', ['invite', 'oin_waiting', '--revoke']);
  await aws('scim-token', ['scim-token', 'oin_acme']);
  const users = (await aws('users', ['users', DEMO_TENANT])).output as Array<{ id: string; role: string }>;
  const member = users.find((user) => user.role === 'member')?.id ?? '';
  await aws('revoke-sessions', ['revoke-sessions', DEMO_TENANT]);
  await aws('revoke-sessions', ['revoke-sessions', DEMO_TENANT, '--user', member]);
  await aws('disable-user', ['disable-user', DEMO_TENANT, member]);
  await aws('enable-user', ['enable-user', DEMO_TENANT, member]);
  // The member becomes the owner: the transfer's transaction.
  expect((await aws('set-owner', ['set-owner', DEMO_TENANT, member])).output.changed).toBe(true);
  await aws('audit', ['audit', DEMO_TENANT]);
  // Fails (no client secret in Secrets Manager, a local issuer), after reading what a check reads.
  await aws('check', ['check', DEMO_TENANT], { exitCodes: [1] });
  await aws('signing-keys list', ['signing-keys', 'list']);
  const rotated = await aws('signing-keys rotate', ['signing-keys', 'rotate']);
  await aws('signing-keys remove', ['signing-keys', 'remove', rotated.output.standby, '--yes']);
  await aws('delete', ['delete', 'oin_acme', '--yes']);
  // The tenant created again within the secret's recovery window: its secret is restored, then overwritten.
  await aws('put', ['put', 'oin_acme', '--issuer', issuer, '--client-id', '0oa1iam', '--client-secret-stdin'], {
    stdin: 'another-client-secret-0123456789',
  });
  await aws('delete', ['delete', 'oin_acme', '--yes']);
  await aws('delete', ['delete', 'oin_waiting', '--yes']);
}

test.beforeAll(async ({ localStack, demoTenant }) => {
  tableName = localStack.tableName;
  demo = demoTenant;
  recorder = await startRecorder(inject('dynamoDbEndpoint'), recorded);
  proxy = await startDynamoDbProxy(recorder.endpoint);
  secretsManager = await fakeSecretsManager();
  // The stack creates the signing keys' secret without a value; the rotation writes the first.
  secretsManager.secrets.set(SIGNING_KEYS_SECRET_ARN, { value: undefined, scheduledForDeletion: false });
  await runEveryCommand();
});

afterAll(async () => {
  for (const [name, value] of Object.entries(environmentBefore)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await proxy?.stop();
  await recorder?.stop();
  await secretsManager?.close();
});

describe('README: the tenant CLI’s IAM policy', () => {
  it('is run here for every command the CLI has', async () => {
    const commands = await cliCommands();
    expect(commands.length).toBeGreaterThan(10);
    const run = new Set([...observed.keys()].map((key) => key.split(' ')[0]));
    expect(commands.filter((command) => !run.has(command))).toEqual([]);
    // And README's table names no command that is not run here (a renamed or removed one).
    expect([...readmePolicy().needs.keys()].filter((command) => !observed.has(command))).toEqual([]);
  });

  it('allows every request each command sends, with the statements README lists for it', () => {
    const { statements, needs } = readmePolicy();
    const refused: string[] = [];
    for (const [command, requests] of observed) {
      const sids = needs.get(command);
      expect(sids, `README's table has no row for \`${command}\``).toBeDefined();
      const granted = statements.filter((statement) => sids?.includes(statement.Sid));
      expect(granted.map((statement) => statement.Sid).sort()).toEqual([...(sids ?? [])].sort());
      for (const request of requests) {
        if (!granted.some((statement) => allows(statement, request, tableName))) {
          refused.push(`${command}: ${request.action} on ${request.resource}`);
        }
      }
    }
    expect([...new Set(refused)]).toEqual([]);
  });

  it('grants nothing the commands listed with a statement do not use', () => {
    const { statements, needs } = readmePolicy();
    const unused: string[] = [];
    for (const statement of statements) {
      const users = [...needs].filter(([, sids]) => sids.includes(statement.Sid)).map(([command]) => command);
      const requests = users.flatMap((command) => observed.get(command) ?? []);
      for (const action of list(statement.Action)) {
        const used = requests.some(
          (request) => request.action === action && allows({ ...statement, Action: [action] }, request, tableName),
        );
        if (!used) unused.push(`${statement.Sid}: ${action}`);
      }
    }
    expect(unused).toEqual([]);
  });

  it('is a plain identity policy: Allow only, named actions, resources on the stack’s table and secrets', () => {
    const { statements } = readmePolicy();
    for (const statement of statements) {
      // No Condition, NotAction or NotResource: what this file evaluates is the whole statement.
      expect(Object.keys(statement).sort()).toEqual(['Action', 'Effect', 'Resource', 'Sid']);
      expect(statement.Effect).toBe('Allow');
      for (const action of list(statement.Action)) expect(action).toMatch(/^(dynamodb|secretsmanager):[A-Za-z]+$/);
      for (const resource of list(statement.Resource)) {
        expect(resource).toMatch(/^arn:aws:(dynamodb|secretsmanager):<region>:<account>:|^<SigningKeysSecretArn>$/);
        // No index: the CLI queries none, and `table/<TableName>*` would grant every index.
        expect(resource).not.toContain('/index/');
      }
    }
  });
});
