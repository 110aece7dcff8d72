import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SetupStore } from '../../ports.ts';
import type { SetupFormUse } from '../../setup/form-nonce.ts';
import type { SetupLink, SetupTestResult } from '../../setup/link.ts';
import { guard } from '../aws-errors.ts';
import { isConditionFailure, updateExisting } from './conditional.ts';
import { keys, TTL_ATTRIBUTE } from './table-schema.ts';

/**
 * A tenant's setup link, its attempt counter, its last test sign-in and its
 * forms' used nonces, as items of the tenant's partition (`tenant delete` purges them with the rest),
 * each expiring by TTL. Reads are consistent: a revoked or re-issued link is
 * refused from the next request.
 */
export class DynamoDbSetupStore implements SetupStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putSetupLink(link: SetupLink): Promise<void> {
    await guard(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.setupLink(link.tenantId),
            type: 'setup_link',
            tenantId: link.tenantId,
            tokenHash: link.tokenHash,
            issuedAt: link.issuedAt,
            [TTL_ATTRIBUTE]: link.expiresAt,
          },
        }),
      ),
    );
  }

  async getSetupLink(tenantId: string): Promise<SetupLink | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.setupLink(tenantId), ConsistentRead: true }),
      ),
    );
    if (!Item || typeof Item.tokenHash !== 'string') return undefined;
    return {
      tenantId,
      tokenHash: Item.tokenHash,
      issuedAt: Number(Item.issuedAt),
      expiresAt: Number(Item[TTL_ATTRIBUTE]),
    };
  }

  async deleteSetupLink(tenantId: string): Promise<boolean> {
    const { Attributes } = await guard(() =>
      this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: keys.setupLink(tenantId), ReturnValues: 'ALL_OLD' }),
      ),
    );
    return Attributes !== undefined;
  }

  /** One conditional `UpdateItem`: the count never passes the limit, however many requests race. */
  async countSetupAttempt(tenantId: string, windowStart: number, windowEnd: number, limit: number): Promise<boolean> {
    try {
      await guard(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.setupAttempts(tenantId, windowStart),
            UpdateExpression: 'SET #type = :type, #ttl = :ttl ADD attempts :one',
            ConditionExpression: 'attribute_not_exists(attempts) OR attempts < :limit',
            ExpressionAttributeNames: { '#type': 'type', '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':type': 'setup_attempts', ':ttl': windowEnd, ':one': 1, ':limit': limit },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async putSetupTestResult(result: SetupTestResult): Promise<void> {
    const { expiresAt, ...rest } = result;
    await guard(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.setupTest(result.tenantId), type: 'setup_test', result: rest, [TTL_ATTRIBUTE]: expiresAt },
        }),
      ),
    );
  }

  async getSetupTestResult(tenantId: string): Promise<SetupTestResult | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.setupTest(tenantId), ConsistentRead: true }),
      ),
    );
    if (!Item || typeof Item.result !== 'object' || Item.result === null) return undefined;
    return { ...(Item.result as Omit<SetupTestResult, 'expiresAt'>), expiresAt: Number(Item[TTL_ATTRIBUTE]) };
  }

  /** One conditional `PutItem`: of requests racing with one nonce, exactly one writes it. */
  async useSetupForm(use: SetupFormUse): Promise<SetupFormUse | undefined> {
    const key = keys.setupForm(use.tenantId, use.nonce);
    try {
      await guard(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, type: 'setup_form', form: use.form, usedAt: use.usedAt, [TTL_ATTRIBUTE]: use.expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await guard(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    // Gone between the two calls (TTL or a tenant delete): still used, as of the attempt.
    if (!Item) return use;
    return {
      tenantId: use.tenantId,
      nonce: use.nonce,
      form: String(Item.form),
      usedAt: String(Item.usedAt),
      ...(typeof Item.finishedAt === 'string' ? { finishedAt: Item.finishedAt } : {}),
      expiresAt: Number(Item[TTL_ATTRIBUTE]),
    };
  }

  async finishSetupForm(tenantId: string, nonce: string, finishedAt: string): Promise<void> {
    // Only an existing use: a tenant deleted meanwhile gets no item back in its partition.
    await updateExisting(this.client, {
      TableName: this.tableName,
      Key: keys.setupForm(tenantId, nonce),
      UpdateExpression: 'SET finishedAt = :at',
      ExpressionAttributeValues: { ':at': finishedAt },
    });
  }
}
