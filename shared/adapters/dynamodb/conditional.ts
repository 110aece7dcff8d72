import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { guard } from '../aws-errors.ts';
import type { DocumentClient } from './client.ts';

/** A conditional write lost: the adapters turn this outcome into a result, never into an error page. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/**
 * Updates an item that must exist; false when it does not (or when the
 * extra `condition` does not hold).
 */
export async function updateExisting(
  client: DocumentClient,
  input: Omit<UpdateCommandInput, 'ConditionExpression'> & { condition?: string },
): Promise<boolean> {
  const { condition, ...update } = input;
  try {
    await guard(() =>
      client.update({
        ...update,
        ConditionExpression: condition ? `attribute_exists(pk) AND (${condition})` : 'attribute_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
