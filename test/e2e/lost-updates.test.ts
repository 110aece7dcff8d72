/**
 * Lost updates, end to end: every tenant config write (tenant put, the setup
 * link's save, activation) and every SCIM group write is conditional on what
 * it read. Each race is made deterministic by a proxy in front of DynamoDB
 * Local that holds the first writer's write until the test has run the
 * concurrent change through the CLI, a login or SCIM (no sleeps): the held
 * write then must not re-create a deleted tenant, overwrite the other
 * writer's change, or drop what other writers own on the config item.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Hop, setupCsrfOf, setupNonceOf, TestBrowser } from '../../local/http-browser.ts';
import { registerTenant } from '../../local/stack.ts';
import { run as tenantCli } from '../../local/tenant-cli.ts';
import { keys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { type Stores, storesOn } from '../../shared/adapters/runtime.ts';
import { testWithFront } from '../support/fixtures.ts';
import { type GatedDynamoDb, startGatedDynamoDb, writesItem } from '../support/gated-dynamodb.ts';
import { CLIENT_ID, CLIENT_SECRET, type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import { GROUP_SCHEMA, oktaUser, patch, scimClient } from '../support/scim-client.ts';

/** The stack reaches DynamoDB through the gate; reads and checks go straight to DynamoDB Local (`table`). */
const test = testWithFront(startGatedDynamoDb);

let gate: GatedDynamoDb;
let env: MisbehavingStack;
let stores: Stores;

/** Each CLI run's output, kept apart while two runs overlap (an in-process CLI writes to process.stdout). */
const cliOutput = new AsyncLocalStorage<{ out: string[]; err: string[] }>();
const originalStdout = process.stdout.write.bind(process.stdout);
const originalStderr = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  const route =
    (stream: 'out' | 'err', original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]) => {
      const buffers = cliOutput.getStore();
      if (!buffers) return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      buffers[stream].push(String(chunk));
      return true;
    };
  process.stdout.write = route('out', originalStdout) as typeof process.stdout.write;
  process.stderr.write = route('err', originalStderr) as typeof process.stderr.write;
});

test.beforeAll(({ dynamoDbFront, stack, table }) => {
  gate = dynamoDbFront;
  env = stack;
  stores = storesOn(table, env.stack.tableName);
});

afterAll(() => {
  process.stdout.write = originalStdout;
  process.stderr.write = originalStderr;
});

/** `npm run tenant -- …` in-process, against the stack's table through the gate. */
async function tenant(...args: string[]) {
  const buffers = { out: [] as string[], err: [] as string[] };
  const code = await cliOutput.run(buffers, () => tenantCli(args));
  return {
    code,
    output: buffers.out.length ? JSON.parse(buffers.out.join('')) : undefined,
    stderr: buffers.err.join(''),
  };
}

const holdConfigWrite = (tenantId: string) => gate.hold(writesItem(`TENANT#${tenantId}`, 'CONFIG'));

async function newTenant(tenantId: string) {
  await registerTenant(gate.endpoint, env.stack.tableName, {
    tenantId,
    issuer: env.idp.issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
}

describe('tenant put', () => {
  it('does not re-create a tenant deleted between its read and its write, and says so (exit 1)', async () => {
    await newTenant('globex');
    const held = holdConfigWrite('globex');
    const put = tenant('put', 'globex', '--sso-enforced');
    await held.arrived; // read before the delete, written after it
    expect((await tenant('delete', 'globex', '--yes')).code).toBe(0);
    held.release();
    const result = await put;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No tenant "globex"');
    expect(await stores.tenants.getTenant('globex')).toBeUndefined();
    expect(await stores.tenants.hasTenantData('globex')).toBe(false);
    // A new tenant of the same id starts clean, as after any delete.
    await newTenant('globex');
    expect(await stores.tenants.getTenant('globex')).toMatchObject({ ssoEnforced: false, configVersion: 1 });
  });

  it('keeps both of two concurrent puts changing different settings (the loser reads again)', async () => {
    await newTenant('hooli');
    const held = holdConfigWrite('hooli');
    const first = tenant('put', 'hooli', '--sso-enforced');
    await held.arrived;
    const second = await tenant('put', 'hooli', '--require-email-verified');
    expect(second.code, second.stderr).toBe(0);
    held.release();
    const result = await first;
    expect(result.code, result.stderr).toBe(0);
    expect(result.output.changed).toEqual(['ssoEnforced']);
    expect(await stores.tenants.getTenant('hooli')).toMatchObject({
      ssoEnforced: true,
      requireEmailVerified: true,
      configVersion: 3,
    });
  });

  it('keeps the owner a login claimed between the put’s read and its write', async () => {
    expect((await stores.tenants.getTenant(TENANT))?.hasOwner).toBeUndefined();
    const held = holdConfigWrite(TENANT);
    const put = tenant('put', TENANT, '--default-role', 'viewer');
    await held.arrived;
    const { callback } = await env.login('ada'); // the first login: claims the owner, sets hasOwner
    expect(callback?.status).toBe(302);
    held.release();
    expect((await put).code).toBe(0);
    expect(await stores.tenants.getTenant(TENANT)).toMatchObject({ hasOwner: true, defaultRoles: ['viewer'] });
    // The next user is a member: the owner claim is not offered again.
    const { callback: grace } = await env.login('grace');
    expect(grace?.status).toBe(302);
    const owners = (await stores.users.listUsers(TENANT)).filter((user) => user.role === 'owner');
    expect(owners).toHaveLength(1);
  });
});

describe('The setup link', () => {
  const SAME_ORIGIN = () => ({ origin: env.stack.url, 'sec-fetch-site': 'same-origin' });

  async function openLink(tenantId: string): Promise<{ browser: TestBrowser; page: Hop }> {
    const invited = await tenant('invite', tenantId);
    expect(invited.code, invited.stderr).toBe(0);
    const browser = new TestBrowser();
    const page = (await browser.navigate(invited.output.url)).at(-1) as Hop;
    expect(page.status).toBe(200);
    return { browser, page };
  }

  const post = (browser: TestBrowser, tenantId: string, action: string, fields: Record<string, string>) =>
    browser.request(`${env.stack.url}/t/${tenantId}/setup/${action}`, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      headers: SAME_ORIGIN(),
    });

  const connect = (browser: TestBrowser, tenantId: string, page: Hop) =>
    post(browser, tenantId, 'check', {
      csrf: setupCsrfOf(page),
      nonce: setupNonceOf(page, 'check'),
      issuer: env.idp.issuer,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });

  it('saves nothing, and re-creates nothing, for a tenant deleted while its checks ran', async () => {
    const { browser, page } = await openLink('wonka');
    const held = holdConfigWrite('wonka');
    const saving = connect(browser, 'wonka', page);
    await held.arrived;
    expect((await tenant('delete', 'wonka', '--yes')).code).toBe(0);
    held.release();
    const answer = await saving;
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('This setup link does not work');
    expect(await stores.tenants.getTenant('wonka')).toBeUndefined();
    // Not even the client secret written just before the config is left behind.
    expect(await stores.tenants.hasTenantData('wonka')).toBe(false);
  });

  it('does not activate (or re-create) a tenant deleted between the activation’s read and its write', async () => {
    const { browser, page } = await openLink('initech');
    const saved = await connect(browser, 'initech', page);
    expect(saved.status).toBe(200);
    expect(await stores.tenants.getTenant('initech')).toMatchObject({ issuer: env.idp.issuer, status: 'setup' });
    const held = holdConfigWrite('initech');
    const activating = post(browser, 'initech', 'activate', {
      csrf: setupCsrfOf(saved),
      nonce: setupNonceOf(saved, 'activate'),
    });
    await held.arrived;
    expect((await tenant('delete', 'initech', '--yes')).code).toBe(0);
    held.release();
    expect((await activating).status).toBe(403);
    expect(await stores.tenants.getTenant('initech')).toBeUndefined();
    expect(await stores.tenants.hasTenantData('initech')).toBe(false);
  });
});

describe('SCIM group writes', () => {
  let scim: ReturnType<typeof scimClient>;
  const userIds: Record<string, string> = {};

  beforeAll(async () => {
    const issued = await tenant('scim-token', TENANT);
    expect(issued.code).toBe(0);
    scim = scimClient(env.stack.url, TENANT, () => issued.output.token);
    for (const name of ['lin', 'max']) {
      const created = await scim(
        'POST',
        '/Users',
        oktaUser({ userName: `${name}@acme.example`, givenName: name, familyName: 'X' }),
      );
      expect(created.status).toBe(201);
      userIds[name] = created.body.id;
    }
  });

  const newGroup = async (displayName: string) => {
    const created = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName, members: [] });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const addMember = (groupId: string, userId: string) =>
    scim('PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: userId }] }));
  const holdGroupWrite = (groupId: string) =>
    gate.hold(writesItem(keys.scimGroup(TENANT, groupId).pk, keys.scimGroup(TENANT, groupId).sk));
  const groupsOf = async (userId: string) =>
    ((await scim('GET', `/Users/${userId}`)).body.groups as Array<{ display: string }>).map((g) => g.display).sort();

  it('applies both of two concurrent changes of the same group (the loser reads again)', async () => {
    const groupId = await newGroup('Engineering');
    const held = holdGroupWrite(groupId);
    const first = addMember(groupId, userIds.lin as string);
    await held.arrived;
    expect((await addMember(groupId, userIds.max as string)).status).toBe(200);
    held.release();
    expect((await first).status).toBe(200);
    const members = (await scim('GET', `/Groups/${groupId}`)).body.members as Array<{ value: string }>;
    expect(members.map((member) => member.value).sort()).toEqual([userIds.lin, userIds.max].sort());
    expect(await groupsOf(userIds.lin as string)).toEqual(['Engineering']);
    expect(await groupsOf(userIds.max as string)).toEqual(['Engineering']);
  });

  it('keeps both groups of a user added to two groups at once (the user’s version decides)', async () => {
    const ops = await newGroup('Ops');
    const admins = await newGroup('Admins');
    const held = holdGroupWrite(ops);
    const first = addMember(ops, userIds.lin as string);
    await held.arrived;
    expect((await addMember(admins, userIds.lin as string)).status).toBe(200);
    held.release();
    expect((await first).status).toBe(200);
    expect(await groupsOf(userIds.lin as string)).toEqual(['Admins', 'Engineering', 'Ops']);
  });
});
