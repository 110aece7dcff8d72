import type { DynamoDBDocumentClient, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { guard } from '../aws-errors.ts';

/** A conditional write lost: the adapters turn this outcome into a result, never into an error page. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/**
 * Updates an item that must exist; false when it does not (or when the
 * extra `condition` does not hold).
 */
export async function updateExisting(
  client: DynamoDBDocumentClient,
  input: Omit<UpdateCommandInput, 'ConditionExpression'> & { condition?: string },
): Promise<boolean> {
  const { condition, ...update } = input;
  try {
    await guard(() =>
      client.send(
        new UpdateCommand({
          ...update,
          ConditionExpression: condition ? `attribute_exists(pk) AND (${condition})` : 'attribute_exists(pk)',
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
