import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReplayGuard } from '../../ports.ts';
import { guard } from '../aws-errors.ts';
import { isConditionFailure } from './conditional.ts';
import { keys, TTL_ATTRIBUTE } from './table-schema.ts';

/**
 * Used token ids, one item each, written with a conditional put so two racing
 * uses of the same id cannot both succeed; DynamoDB's TTL removes the item
 * after the token it stands for has expired.
 */
export class DynamoDbReplayGuard implements ReplayGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async firstUse(id: string, expiresAt: number): Promise<boolean> {
    try {
      await guard(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.usedTokenId(id), type: 'used_token_id', [TTL_ATTRIBUTE]: expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
