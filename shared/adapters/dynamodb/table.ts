import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type GlobalSecondaryIndex,
  ResourceInUseException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from './client.ts';
import { TABLE_KEY, TTL_ATTRIBUTE, USER_SESSIONS_INDEX } from './table-schema.ts';

/**
 * The DynamoDBDocumentClient the functions use, pointed at DynamoDB Local (dummy
 * credentials), with few retries so a stopped database fails fast.
 */
export function createLocalDynamoDbClient(endpoint: string): DynamoDBDocumentClient {
  return createDocumentClient({ endpoint, maxAttempts: 2 });
}

const ATTRIBUTE_DEFINITIONS = [
  { AttributeName: TABLE_KEY.partitionKey, AttributeType: 'S' },
  { AttributeName: TABLE_KEY.sortKey, AttributeType: 'S' },
  { AttributeName: USER_SESSIONS_INDEX.partitionKey, AttributeType: 'S' },
  { AttributeName: USER_SESSIONS_INDEX.sortKey, AttributeType: 'N' },
] as const;

/** The user-sessions index as `infra/login-table.ts` declares it for AWS. */
const USER_SESSIONS: GlobalSecondaryIndex = {
  IndexName: USER_SESSIONS_INDEX.indexName,
  KeySchema: [
    { AttributeName: USER_SESSIONS_INDEX.partitionKey, KeyType: 'HASH' },
    { AttributeName: USER_SESSIONS_INDEX.sortKey, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'KEYS_ONLY' },
};

/**
 * Creates the single table if it is missing (the local stack and tests; in AWS
 * the CDK stack owns it), adds the user-sessions index to a table made before
 * it existed (`.local-data/`), and enables TTL. Idempotent and safe against a
 * concurrent create.
 */
export async function ensureTable(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
  // Table management goes through the same SDK client: the document client passes these commands on as they are.
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...ATTRIBUTE_DEFINITIONS],
        KeySchema: [
          { AttributeName: TABLE_KEY.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEY.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [USER_SESSIONS],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const table = await whenActive(client, tableName, 60_000);
  if (!table?.GlobalSecondaryIndexes?.some((index) => index.IndexName === USER_SESSIONS.IndexName)) {
    try {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [...ATTRIBUTE_DEFINITIONS],
          GlobalSecondaryIndexUpdates: [{ Create: USER_SESSIONS }],
        }),
      );
    } catch (error) {
      // A concurrent ensureTable may be adding it at the same moment.
      if (!(error instanceof ResourceInUseException) && !/already exists/i.test((error as Error).message)) throw error;
    }
    // DynamoDB backfills a new index from the items already there: on a busy or large local table, a while.
    const updated = await whenActive(client, tableName, 120_000);
    if (updated?.GlobalSecondaryIndexes?.some((index) => index.IndexStatus !== 'ACTIVE')) {
      throw new Error(`Table ${tableName}: the ${USER_SESSIONS.IndexName} index is still being created after 120 s`);
    }
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status !== 'ENABLED' && status !== 'ENABLING') {
    try {
      await client.send(
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

/** Waits (up to `timeoutMs`) until the table and every index on it are ACTIVE; the last description. */
async function whenActive(
  client: DynamoDBDocumentClient,
  tableName: string,
  timeoutMs: number,
): Promise<TableDescription | undefined> {
  let table: TableDescription | undefined;
  for (let attempt = 0; attempt < timeoutMs / 100; attempt++) {
    ({ Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName })));
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return table;
}
