import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { JWK } from 'jose';
import type { PublicKeyStore } from '../../ports.ts';
import type { KeySet, PublicKeyEntry, PublicKeySet, SigningKey } from '../../session-token/keys.ts';
import { publicKeySet } from '../../session-token/keys.ts';
import { guard } from '../aws-errors.ts';
import { keys } from './table-schema.ts';

type Item = Record<string, unknown>;

const PUBLIC_ITEM_TYPE = 'signing_keys_public';
/** The local stack's private key set item (`SIGNING_KEYS` / `PRIVATE`). */
export const PRIVATE_ITEM_TYPE = 'signing_keys_private';

const optionalTime = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** The times every key carries, read from a stored key (item or secret JSON). */
export function timesOf(
  stored: Item,
): Pick<PublicKeyEntry, 'createdAt' | 'signsFrom' | 'retiredAt' | 'removeAfter' | 'standby'> {
  const retiredAt = optionalTime(stored.retiredAt);
  const removeAfter = optionalTime(stored.removeAfter);
  return {
    createdAt: Number(stored.createdAt),
    signsFrom: Number(stored.signsFrom),
    ...(retiredAt !== undefined ? { retiredAt } : {}),
    ...(removeAfter !== undefined ? { removeAfter } : {}),
    ...(stored.standby === true ? { standby: true as const } : {}),
  };
}

/**
 * The public key set an item `SIGNING_KEYS` / `PUBLIC` holds (undefined for
 * no item): shared by the public key store and the session store's
 * BatchGetItem that reads it with a session.
 */
export function publicKeySetFromItem(item: Item | undefined): PublicKeySet | undefined {
  if (!item || !Array.isArray(item.keys)) return undefined;
  return {
    version: Number(item.version),
    keys: (item.keys as Item[]).map((stored) => ({ publicJwk: stored.publicJwk as JWK, ...timesOf(stored) })),
  };
}

/** The item `SIGNING_KEYS` / `PUBLIC` for a key set: its public half only (`publicKeySet`). */
export function publicKeySetItem(set: KeySet): Item {
  const published = publicKeySet(set);
  return {
    ...keys.publicSigningKeys(),
    type: PUBLIC_ITEM_TYPE,
    version: published.version,
    keys: published.keys.map((entry) => ({ ...entry })),
  };
}

/** A private key set stored as JSON-like data (the local item or the Secrets Manager secret). */
export function keySetFromStored(stored: Item | undefined): KeySet | undefined {
  if (!stored || !Array.isArray(stored.keys) || typeof stored.version !== 'number') return undefined;
  return {
    version: stored.version,
    keys: (stored.keys as Item[]).map(
      (key): SigningKey => ({
        kid: String(key.kid),
        privateJwk: key.privateJwk as JWK,
        publicJwk: key.publicJwk as JWK,
        ...timesOf(key),
      }),
    ),
  };
}

/** The condition a key set write holds to: the stored version is the one read (or nothing is stored yet). */
export function versionCondition(expectedVersion: number | undefined): {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
} {
  return expectedVersion === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } };
}

/**
 * The public signing keys: the table item `SIGNING_KEYS` / `PUBLIC`, one
 * consistent GetItem per call (an emergency removal shows at the next
 * request). The key-set function's only store: it cannot read private keys.
 */
export class DynamoDbPublicKeyStore implements PublicKeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getPublicKeys(): Promise<PublicKeySet | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.publicSigningKeys(), ConsistentRead: true }),
      ),
    );
    return publicKeySetFromItem(Item);
  }
}
