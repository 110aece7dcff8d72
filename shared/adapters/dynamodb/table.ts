import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createDocumentClient, type DocumentClient } from './client.ts';
import { TABLE_KEY, TTL_ATTRIBUTE } from './table-schema.ts';

/**
 * The DocumentClient the functions use, pointed at DynamoDB Local (dummy
 * credentials), with few retries so a stopped database fails fast.
 */
export function createLocalDynamoDbClient(endpoint: string): DocumentClient {
  return createDocumentClient({ endpoint, maxAttempts: 2 });
}

/**
 * Creates the single table if it is missing (the local stack and tests; in AWS
 * the CDK stack owns it) and enables TTL. Idempotent and safe against a
 * concurrent create.
 */
export async function ensureTable(client: DocumentClient, tableName: string): Promise<void> {
  // Table management goes through the same SDK client: the document client passes these commands on as they are.
  const { sdk } = client;
  try {
    await sdk.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_KEY.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_KEY.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEY.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEY.sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await sdk.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ttl = await sdk.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status !== 'ENABLED' && status !== 'ENABLING') {
    try {
      await sdk.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        }),
      );
    } catch (error) {
      // A concurrent ensureTable may have enabled it a moment ago.
      if (!/already enabled/i.test((error as Error).message)) throw error;
    }
  }
}
