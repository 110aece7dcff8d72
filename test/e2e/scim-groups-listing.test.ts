/**
 * What `GET /Groups` costs and returns, through the local stack with a proxy
 * in front of DynamoDB Local that counts the member items each Query read:
 * listings leave members out unless `attributes=members` asks for them, a
 * listing's members are bounded in all (400 tooMany beyond, having read at
 * most the bound + 1), and one group as large as a write allows is read whole
 * by `GET /Groups/{id}`, while one larger still is refused after a bounded read.
 */

import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { MAX_LISTED_MEMBERS } from '../../shared/scim/groups.ts';
import { MAX_GROUP_MEMBERS } from '../../shared/scim/schemas.ts';
import { cli } from '../support/cli.ts';
import { testWithFront } from '../support/fixtures.ts';
import { type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import { GROUP_SCHEMA, oktaUser, patch, scimClient } from '../support/scim-client.ts';

/** One Query as DynamoDB answered it: the sort-key prefix it asked for and the items it read. */
interface QueryRead {
  readonly prefix: string;
  readonly scanned: number;
}

/** A proxy to DynamoDB Local that records every Query's prefix and `ScannedCount` (what it read). */
async function startQueryCounter(target: string) {
  const upstream = new URL(target);
  const queries: QueryRead[] = [];
  const server = createServer((req, res) => {
    const isQuery = String(req.headers['x-amz-target'] ?? '').endsWith('.Query');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (upstreamRes) => {
          const answer: Buffer[] = [];
          upstreamRes.on('data', (chunk: Buffer) => answer.push(chunk));
          upstreamRes.on('end', () => {
            const text = Buffer.concat(answer);
            if (isQuery && upstreamRes.statusCode === 200) {
              const input = JSON.parse(body.toString('utf8'));
              queries.push({
                prefix: input.ExpressionAttributeValues?.[':prefix']?.S ?? '',
                scanned: JSON.parse(text.toString('utf8')).ScannedCount ?? 0,
              });
            }
            res.writeHead(upstreamRes.statusCode ?? 500, upstreamRes.headers).end(text);
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const test = testWithFront(startQueryCounter);

let counter: Awaited<ReturnType<typeof startQueryCounter>>;
let env: MisbehavingStack;
let scim: ReturnType<typeof scimClient>;
let table: DynamoDBDocumentClient;

test.beforeAll(async ({ dynamoDbFront, stack, table: client }) => {
  counter = dynamoDbFront;
  env = stack;
  table = client;
  const token = (await cli('scim-token', TENANT)).output.token as string;
  scim = scimClient(env.stack.url, TENANT, () => token);
});

/** The member items DynamoDB read while `call` ran (Queries of `MEMBER#…` prefixes). */
async function membersRead<T>(call: () => Promise<T>): Promise<{ result: T; read: number; queries: number }> {
  counter.queries.length = 0;
  const result = await call();
  const memberQueries = counter.queries.filter((query) => query.prefix.startsWith('MEMBER#'));
  return {
    result,
    read: memberQueries.reduce((sum, query) => sum + query.scanned, 0),
    queries: memberQueries.length,
  };
}

/**
 * Member items written straight to the table, in the shape the group write
 * puts them: a group as large as a write allows would otherwise take
 * thousands of users created one SCIM call each. Reads do not look at users.
 */
async function seedMembers(groupId: string, from: number, to: number): Promise<void> {
  const items = [];
  for (let i = from; i < to; i++) {
    const userId = `u_seeded${String(i).padStart(26, '0')}`;
    items.push({ ...keys.member(TENANT, groupId, userId), type: 'scim_member', tenantId: TENANT, groupId, userId });
  }
  const batches = [];
  for (let start = 0; start < items.length; start += 25) {
    batches.push(items.slice(start, start + 25));
  }
  for (let start = 0; start < batches.length; start += 8) {
    await Promise.all(
      batches.slice(start, start + 8).map(async (batch) => {
        let pending: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const result = await table.send(new BatchWriteCommand({ RequestItems: { [env.stack.tableName]: pending } }));
          pending = (result.UnprocessedItems?.[env.stack.tableName] ?? []) as Record<string, unknown>[];
        }
      }),
    );
  }
}

const ids = (resource: { members?: Array<{ value: string }> }) => resource.members?.map((m) => m.value).sort();

describe('GET /Groups', () => {
  const users: string[] = [];
  let engineering: string;
  let admins: string;

  it('sets up users and groups as Okta pushes them', async () => {
    for (const login of ['ada', 'grace', 'linus']) {
      const created = await scim(
        'POST',
        '/Users',
        oktaUser({ userName: `${login}@acme.example`, givenName: login, familyName: 'Test' }),
      );
      expect(created.status).toBe(201);
      users.push(created.body.id);
    }
    const pushed = await scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [{ value: users[0] }, { value: users[1] }],
    });
    expect(pushed.status).toBe(201);
    engineering = pushed.body.id;
    const second = await scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Admins',
      members: [{ value: users[2] }],
    });
    expect(second.status).toBe(201);
    admins = second.body.id;
  });

  it('lists groups without members, reading none, unless attributes=members asks for them', async () => {
    const plain = await membersRead(() => scim('GET', '/Groups'));
    expect(plain.result.status).toBe(200);
    expect(plain.result.body.totalResults).toBe(2);
    for (const group of plain.result.body.Resources) {
      expect(group).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: expect.any(String) });
      expect(group.members).toBeUndefined();
    }
    expect(plain.queries).toBe(0);

    const asked = await scim('GET', '/Groups?attributes=members');
    expect(asked.status).toBe(200);
    const byId = new Map(asked.body.Resources.map((group: { id: string }) => [group.id, group]));
    expect(ids(byId.get(engineering) as never)).toEqual([users[0], users[1]].sort());
    expect(ids(byId.get(admins) as never)).toEqual([users[2]]);
    // attributes overrides the default set: schemas and id always, the rest only when named.
    expect(byId.get(engineering)).not.toHaveProperty('displayName');
    const named = await scim('GET', `/Groups?attributes=${encodeURIComponent(`displayName,${GROUP_SCHEMA}:members`)}`);
    expect(named.body.Resources).toEqual(
      expect.arrayContaining([expect.objectContaining({ displayName: 'Admins', members: expect.any(Array) })]),
    );
  });

  it('answers Okta’s Group Push calls as before: lookup by name, read by id, PATCH members', async () => {
    const filter = `filter=${encodeURIComponent('displayName eq "Engineering"')}`;
    for (const query of [filter, `${filter}&excludedAttributes=members`, `${filter}&startIndex=1&count=100`]) {
      const lookup = await membersRead(() => scim('GET', `/Groups?${query}`));
      expect(lookup.result.body).toMatchObject({ totalResults: 1, Resources: [{ id: engineering }] });
      expect(lookup.result.body.Resources[0].members).toBeUndefined();
      expect(lookup.queries).toBe(0);
    }
    const whole = await scim('GET', `/Groups/${engineering}`);
    expect(ids(whole.body)).toEqual([users[0], users[1]].sort());
    const bare = await membersRead(() => scim('GET', `/Groups/${engineering}?excludedAttributes=members`));
    expect(bare.result.body).toMatchObject({ id: engineering, displayName: 'Engineering' });
    expect(bare.result.body.members).toBeUndefined();
    expect(bare.queries).toBe(0);
    const added = await scim(
      'PATCH',
      `/Groups/${engineering}`,
      patch({ op: 'add', path: 'members', value: [{ value: users[2] }] }),
    );
    expect(added.status).toBe(200);
    expect(ids((await scim('GET', `/Groups/${engineering}`)).body)).toEqual([...users].sort());
  });

  it('reads a group as large as a write allows whole with GET /Groups/{id}', async () => {
    const created = await scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Everyone',
      members: users.map((value) => ({ value })),
    });
    expect(created.status).toBe(201);
    await seedMembers(created.body.id, users.length, MAX_GROUP_MEMBERS);
    const whole = await membersRead(() => scim('GET', `/Groups/${created.body.id}`));
    expect(whole.result.status).toBe(200);
    expect(whole.result.body.members).toHaveLength(MAX_GROUP_MEMBERS);
    expect(whole.read).toBe(MAX_GROUP_MEMBERS);
    expect(JSON.stringify(whole.result.body).length).toBeLessThan(6 * 1024 * 1024);
  });

  it('refuses a listing with more members than the bound with 400 tooMany, having read at most the bound + 1', async () => {
    const refused = await membersRead(() => scim('GET', '/Groups?attributes=members'));
    expect(refused.result.status).toBe(400);
    expect(refused.result.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'tooMany',
    });
    expect(refused.result.body.detail).toContain('GET /Groups/{id}');
    expect(refused.result.body.detail).toMatch(/correlation id/);
    expect(refused.read).toBeLessThanOrEqual(MAX_LISTED_MEMBERS + 1);
    // Without members the same listing is answered, reading none.
    const plain = await membersRead(() => scim('GET', '/Groups'));
    expect(plain.result.body.totalResults).toBe(3);
    expect(plain.queries).toBe(0);
  });

  it('refuses a group larger than any write makes with 400 tooMany after reading the bound + 1', async () => {
    const lookup = await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Everyone"')}`);
    const everyone = lookup.body.Resources[0].id as string;
    await seedMembers(everyone, MAX_GROUP_MEMBERS, MAX_GROUP_MEMBERS + 500);
    const refused = await membersRead(() => scim('GET', `/Groups/${everyone}`));
    expect(refused.result.status).toBe(400);
    expect(refused.result.body.scimType).toBe('tooMany');
    expect(refused.result.body.detail).toContain('excludedAttributes=members');
    expect(refused.read).toBe(MAX_GROUP_MEMBERS + 1);
    const bare = await scim('GET', `/Groups/${everyone}?excludedAttributes=members`);
    expect(bare.status).toBe(200);
    expect(bare.body.displayName).toBe('Everyone');
  });
});
