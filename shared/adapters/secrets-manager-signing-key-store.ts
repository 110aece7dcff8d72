import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SigningKeyStore } from '../ports.ts';
import type { KeySet, SigningKey } from '../session-token/keys.ts';
import { causes, guard } from './aws-errors.ts';
import { isConditionFailure } from './dynamodb/conditional.ts';
import {
  keySetFromStored,
  publicKeySetFromItem,
  publicKeySetItem,
  timesOf,
  versionCondition,
} from './dynamodb/public-key-store.ts';
import { keys } from './dynamodb/table-schema.ts';

/**
 * The signing keys in AWS: the private set is a Secrets Manager secret (JSON
 * `{ version, keys }`, created empty by the stack and first written by the
 * rotation function), read through Powertools Parameters with its cache; the
 * public half is the table item `SIGNING_KEYS` / `PUBLIC`.
 *
 * The two are different services, so no transaction spans them. The table
 * item is the authority on which keys exist, their times and the version (its
 * conditional write is the lock every writer takes); the secret supplies the
 * private parts. A write puts the public item first (conditional on the
 * version read), then the secret: a removal is therefore in effect before the
 * secret changes, and a secret write that fails leaves a public item ahead of
 * the secret, which the next fresh read reconciles (keys the public item no
 * longer lists are left out; a key only the public item has cannot sign and
 * is replaced by the next rotation).
 */
export class SecretsManagerSigningKeyStore implements SigningKeyStore {
  constructor(
    private readonly secretId: string,
    private readonly maxAgeSeconds: number,
    private readonly secretsClient: SecretsManagerClient,
    private readonly secrets: SecretsProvider,
    private readonly table: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Not `fresh` (the token function): the cached secret only, no table read;
   * the signer combines it with the public set it reads with the session
   * (`keysPublishedIn`). `fresh` (rotation, CLI): the secret past the cache
   * and the public item, reconciled as above.
   */
  async getKeySet(options: { readonly fresh?: boolean } = {}): Promise<KeySet | undefined> {
    const stored = await this.#readSecret(options.fresh === true);
    if (!options.fresh) return stored;
    const { Item } = await guard(() =>
      this.table.send(
        new GetCommand({ TableName: this.tableName, Key: keys.publicSigningKeys(), ConsistentRead: true }),
      ),
    );
    const published = publicKeySetFromItem(Item);
    if (!published) return stored;
    const privateByKid = new Map((stored?.keys ?? []).map((key) => [key.kid, key]));
    const merged: SigningKey[] = [];
    for (const entry of published.keys) {
      const key = entry.publicJwk.kid ? privateByKid.get(entry.publicJwk.kid) : undefined;
      if (key) merged.push({ kid: key.kid, privateJwk: key.privateJwk, publicJwk: key.publicJwk, ...timesOf(entry) });
    }
    return { version: published.version, keys: merged };
  }

  async putKeySet(set: KeySet, expectedVersion: number | undefined): Promise<'written' | 'conflict'> {
    try {
      await guard(() =>
        this.table.send(
          new PutCommand({
            TableName: this.tableName,
            Item: publicKeySetItem(set),
            ...versionCondition(expectedVersion),
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
    // The SDK adds the idempotency token (`ClientRequestToken`), so a retried write is not applied twice.
    await guard(() =>
      this.secretsClient.send(
        new PutSecretValueCommand({
          SecretId: this.secretId,
          SecretString: JSON.stringify({ version: set.version, keys: set.keys }),
        }),
      ),
    );
    this.secrets.clearCache();
    return 'written';
  }

  /** Closes idle connections (the CLI). */
  destroy(): void {
    this.secretsClient.destroy();
  }

  async #readSecret(fresh: boolean): Promise<KeySet | undefined> {
    let value: unknown;
    try {
      value = await guard(() =>
        this.secrets.get(this.secretId, { maxAge: this.maxAgeSeconds, ...(fresh ? { forceFetch: true } : {}) }),
      );
    } catch (error) {
      // The stack creates the secret without a value: nothing stored yet.
      if (isNotFound(error)) return undefined;
      throw error;
    }
    if (typeof value !== 'string' || value.length === 0) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      // Never echo the value: it may be key material.
      throw new Error(`The signing key secret ${this.secretId} does not hold a JSON key set`);
    }
    return keySetFromStored(parsed as Record<string, unknown>);
  }
}

function isNotFound(error: unknown): boolean {
  return causes(error).some((cause) => (cause as { name?: string }).name === 'ResourceNotFoundException');
}
