/**
 * The key rotation function (functions/key-rotation.ts) on DynamoDB Local with
 * the table store (no SIGNING_KEYS_SECRET_ID): the custom resource's Create
 * makes the first key, the schedule's runs change nothing until a key is due,
 * Delete touches nothing, and the log names kids only.
 */

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { ensureTable } from '../../shared/adapters/dynamodb/table.ts';
import { TableSigningKeyStore } from '../../shared/adapters/dynamodb/table-signing-key-store.ts';

const tableName = `key-rotation-${randomUUID()}`;
const client = createDocumentClient({ endpoint: inject('dynamoDbEndpoint') });
const logged: string[] = [];
const originalStdout = process.stdout.write.bind(process.stdout);
let handler: (event?: object) => Promise<{ PhysicalResourceId: string }>;

beforeAll(async () => {
  await ensureTable(client, tableName);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint'),
    SIGNING_KEYS_SECRET_ID: '',
    SIGNING_KEY_PUBLICATION_DELAY_SECONDS: '7500',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    LOG_LEVEL: 'INFO',
  });
  process.stdout.write = ((chunk: unknown) => {
    logged.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  ({ handler } = (await import('../../functions/key-rotation.ts')) as unknown as { handler: typeof handler });
});

afterAll(() => {
  process.stdout.write = originalStdout;
  closeDocumentClient(client);
});

describe('key rotation function', () => {
  it('creates the first key at deploy, is idempotent on schedule, ignores Delete, logs kids only', async () => {
    const store = new TableSigningKeyStore(client, tableName);
    expect(await store.getKeySet({ fresh: true })).toBeUndefined();

    expect(await handler({ RequestType: 'Create' })).toEqual({ PhysicalResourceId: 'session-signing-keys' });
    const first = await store.getKeySet({ fresh: true });
    // The first key and the standby (published, not signing until promoted).
    expect(first?.keys).toHaveLength(2);
    expect(first?.keys[1]?.standby).toBe(true);
    // The very first key signs at once: no verifier can have cached a key set before it existed.
    expect(first?.keys[0]?.signsFrom).toBe(first?.keys[0]?.createdAt);

    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    await handler({ RequestType: 'Update', PhysicalResourceId: 'session-signing-keys' });
    expect(await store.getKeySet({ fresh: true })).toEqual(first);

    expect(await handler({ RequestType: 'Delete', PhysicalResourceId: 'session-signing-keys' })).toEqual({
      PhysicalResourceId: 'session-signing-keys',
    });
    expect(await store.getKeySet({ fresh: true })).toEqual(first);

    const log = logged.join('');
    expect(log).toContain(first?.keys[0]?.kid);
    const privateJwk = first?.keys[0]?.privateJwk ?? {};
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
      expect(privateJwk[member]).toBeTypeOf('string');
      expect(log.includes(privateJwk[member] as string)).toBe(false);
    }
  });
});
