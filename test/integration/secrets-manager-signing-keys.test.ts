/**
 * The AWS signing key store (`SecretsManagerSigningKeyStore`): the private set
 * in a Secrets Manager secret (a scripted stand-in on the wire) and the public
 * half in the table (DynamoDB Local). The table item's conditional write is
 * the lock; a secret write that fails after it is reconciled by the next
 * fresh read.
 */

import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { DynamoDbPublicKeyStore } from '../../shared/adapters/dynamodb/public-key-store.ts';
import { ensureTable } from '../../shared/adapters/dynamodb/table.ts';
import {
  createSecretsManagerClient,
  createSecretsProvider,
} from '../../shared/adapters/secrets-manager-secret-store.ts';
import { SecretsManagerSigningKeyStore } from '../../shared/adapters/secrets-manager-signing-key-store.ts';
import type { KeySet } from '../../shared/session-token/keys.ts';
import { fakeAws, type ReceivedRequest } from '../support/fake-aws.ts';

const notFound = {
  status: 400,
  body: { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret value." },
};
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' };
const target = (request: ReceivedRequest) => String(request.headers['x-amz-target']);
const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing-keys';

const client = createDocumentClient({ endpoint: inject('dynamoDbEndpoint') });
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(() => closeDocumentClient(client));

const key = (
  kid: string,
  times: { createdAt: number; signsFrom: number; retiredAt?: number; removeAfter?: number },
) => ({
  kid,
  privateJwk: { kty: 'RSA', n: `n-${kid}`, e: 'AQAB', d: `d-${kid}`, kid },
  publicJwk: { kty: 'RSA', n: `n-${kid}`, e: 'AQAB', kid, alg: 'RS256', use: 'sig' },
  ...times,
});

/** A secret that starts without a value (as the stack creates it), behind a scripted endpoint. */
async function storeWithSecret(options: { failPuts?: () => boolean } = {}) {
  let value: string | undefined;
  const aws = await fakeAws((request) => {
    const body = JSON.parse(request.body || '{}') as { SecretString?: string };
    if (target(request) === 'secretsmanager.GetSecretValue') {
      return value === undefined ? notFound : { status: 200, body: { SecretString: value, ARN: SECRET_ID } };
    }
    if (target(request) === 'secretsmanager.PutSecretValue') {
      if (options.failPuts?.()) return { status: 400, body: { __type: 'AccessDeniedException', Message: 'denied' } };
      value = body.SecretString;
      return { status: 200, body: { ARN: SECRET_ID } };
    }
    return { status: 400, body: { __type: 'UnknownOperationException' } };
  });
  closers.push(aws.close);
  const secretsClient = createSecretsManagerClient({ endpoint: aws.endpoint, region: 'eu-west-1', credentials });
  closers.push(async () => secretsClient.destroy());
  const tableName = `signing-keys-${randomUUID()}`;
  await ensureTable(client, tableName);
  const store = new SecretsManagerSigningKeyStore(
    SECRET_ID,
    300,
    secretsClient,
    createSecretsProvider(secretsClient),
    client,
    tableName,
  );
  return { aws, store, publicKeys: new DynamoDbPublicKeyStore(client, tableName), secret: () => value };
}

describe('Secrets Manager signing key store', () => {
  it('an empty secret is no key set; a write puts the public item, then the secret; stale writes conflict', async () => {
    const { aws, store, publicKeys, secret } = await storeWithSecret();
    expect(await store.getKeySet({ fresh: true })).toBeUndefined();

    const first: KeySet = { version: 1, keys: [key('k1', { createdAt: 1, signsFrom: 1 })] };
    expect(await store.putKeySet(first, undefined)).toBe('written');
    expect(JSON.parse(secret() ?? '{}')).toEqual(first);
    expect((await publicKeys.getPublicKeys())?.keys.map((entry) => entry.publicJwk)).toEqual([
      first.keys[0]?.publicJwk,
    ]);
    expect(await store.getKeySet({ fresh: true })).toEqual(first);

    const puts = () => aws.received.filter((request) => target(request) === 'secretsmanager.PutSecretValue').length;
    const before = puts();
    expect(await store.putKeySet({ version: 2, keys: [] }, undefined)).toBe('conflict');
    expect(await store.putKeySet({ version: 2, keys: [] }, 7)).toBe('conflict');
    // A lost write never reaches the secret.
    expect(puts()).toBe(before);
  });

  it('reads the secret once per max age unless fresh', async () => {
    const { aws, store } = await storeWithSecret();
    await store.putKeySet({ version: 1, keys: [key('k1', { createdAt: 1, signsFrom: 1 })] }, undefined);
    const gets = () => aws.received.filter((request) => target(request) === 'secretsmanager.GetSecretValue').length;
    const before = gets();
    await store.getKeySet();
    await store.getKeySet();
    expect(gets()).toBe(before + 1);
    await store.getKeySet({ fresh: true });
    expect(gets()).toBe(before + 2);
  });

  it('a removal whose secret write failed is still in effect, and the next fresh read reconciles', async () => {
    let failing = false;
    const { store, publicKeys } = await storeWithSecret({ failPuts: () => failing });
    const both: KeySet = {
      version: 1,
      keys: [key('k1', { createdAt: 1, signsFrom: 1 }), key('k2', { createdAt: 2, signsFrom: 2 })],
    };
    expect(await store.putKeySet(both, undefined)).toBe('written');
    failing = true;
    const removed: KeySet = { version: 2, keys: [both.keys[1] as KeySet['keys'][number]] };
    await expect(store.putKeySet(removed, 1)).rejects.toThrow();
    // The public item (what verifiers and the signer trust) no longer has k1.
    expect((await publicKeys.getPublicKeys())?.keys.map((entry) => entry.publicJwk.kid)).toEqual(['k2']);
    failing = false;
    const reconciled = await store.getKeySet({ fresh: true });
    expect(reconciled?.version).toBe(2);
    expect(reconciled?.keys.map((entry) => entry.kid)).toEqual(['k2']);
    // And the next write goes through against that version.
    expect(await store.putKeySet({ ...removed, version: 3 }, 2)).toBe('written');
  });
});
