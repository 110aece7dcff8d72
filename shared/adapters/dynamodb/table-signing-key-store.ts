import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SigningKeyStore } from '../../ports.ts';
import type { KeySet } from '../../session-token/keys.ts';
import { guard } from '../aws-errors.ts';
import { writeNamedTransaction } from './client.ts';
import { keySetFromStored, PRIVATE_ITEM_TYPE, publicKeySetItem, versionCondition } from './public-key-store.ts';
import { keys } from './table-schema.ts';

/**
 * The signing keys kept in the table: the local stack's stand-in for the
 * Secrets Manager secret (like `TableClientSecretStore`), so `npm start` signs
 * tokens with no AWS account and the keys survive a restart with
 * `.local-data/`. The private set is the item `SIGNING_KEYS` / `PRIVATE`, the
 * public half `SIGNING_KEYS` / `PUBLIC`; both are written in one transaction.
 */
export class TableSigningKeyStore implements SigningKeyStore {
  #cache: { set: KeySet | undefined; expiresAt: number } | undefined;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Cached like the Secrets Manager reads in AWS. @default 0 (no cache) */
    private readonly maxAgeSeconds = 0,
  ) {}

  async getKeySet(options: { readonly fresh?: boolean } = {}): Promise<KeySet | undefined> {
    if (this.#cache && this.#cache.expiresAt > Date.now() && !options.fresh) return this.#cache.set;
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.localPrivateSigningKeys(), ConsistentRead: true }),
      ),
    );
    const set = keySetFromStored(Item);
    if (this.maxAgeSeconds > 0) this.#cache = { set, expiresAt: Date.now() + this.maxAgeSeconds * 1000 };
    return set;
  }

  async putKeySet(set: KeySet, expectedVersion: number | undefined): Promise<'written' | 'conflict'> {
    const cancelled = await writeNamedTransaction(this.client, [
      {
        name: 'private',
        item: {
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.localPrivateSigningKeys(),
              type: PRIVATE_ITEM_TYPE,
              version: set.version,
              keys: set.keys.map((key) => ({ ...key })),
            },
            ...versionCondition(expectedVersion),
          },
        },
      },
      // Written with the private set (its version condition guards both).
      { name: 'public', item: { Put: { TableName: this.tableName, Item: publicKeySetItem(set) } } },
    ]);
    this.#cache = undefined;
    if (!cancelled) return 'written';
    if (cancelled.failed('private')) return 'conflict';
    throw cancelled.error;
  }
}
