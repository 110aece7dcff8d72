import {
  type DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { guard } from '../aws-errors.ts';
import { keys } from './table-schema.ts';

type Item = Record<string, unknown>;

/**
 * Every page of a Query (or Scan), through lib-dynamodb's paginators (which
 * follow `LastEvaluatedKey`): the one loop the stores use to read more than a
 * page. Each page's request goes through `guard`, so a throttled or failed page
 * is the same error as any other store call.
 */
export async function* pages(
  client: DynamoDBDocumentClient,
  input: ({ operation: 'query' } & QueryCommandInput) | ({ operation: 'scan' } & ScanCommandInput),
): AsyncGenerator<Item[]> {
  const { operation, ...request } = input;
  const paginator = (operation === 'query' ? paginateQuery({ client }, request) : paginateScan({ client }, request))[
    Symbol.asyncIterator
  ]();
  for (;;) {
    const page = await guard(() => paginator.next());
    if (page.done) return;
    yield page.value.Items ?? [];
  }
}

/** All items of a Query or Scan, mapped. */
export async function collect<T>(
  client: DynamoDBDocumentClient,
  input: Parameters<typeof pages>[1],
  map: (item: Item) => T,
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages(client, input)) all.push(...page.map(map));
  return all;
}

/**
 * The Query for a tenant's items of one `type` under a sort-key prefix of its
 * partition, read consistently (the filter keeps out other kinds of item
 * that share the prefix, e.g. a login's link beside the users). Optionally
 * only those without an attribute, and only some attributes.
 */
export function tenantItemsQuery(
  tableName: string,
  tenantId: string,
  kind: { readonly prefix: string; readonly type: string },
  more: { readonly withoutAttribute?: string; readonly projection?: string } = {},
): { operation: 'query' } & QueryCommandInput {
  const without = more.withoutAttribute ? ` AND attribute_not_exists(${more.withoutAttribute})` : '';
  return {
    operation: 'query',
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: `#type = :type${without}`,
    ExpressionAttributeNames: { '#type': 'type' },
    ExpressionAttributeValues: { ':pk': keys.tenantConfig(tenantId).pk, ':prefix': kind.prefix, ':type': kind.type },
    ...(more.projection ? { ProjectionExpression: more.projection } : {}),
    ConsistentRead: true,
  };
}
