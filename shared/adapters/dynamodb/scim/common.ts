/**
 * What SCIM's three table adapters (token, Users, Groups) share: the
 * transaction size, the conditions their writes are made on, the audit items
 * that go with every write, and the consistent reads of many keys or of one
 * kind of item in the tenant's partition.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../../audit.ts';
import { StoreUnavailableError } from '../../../errors.ts';
import type { ScimPage } from '../../../ports.ts';
import { guard } from '../../aws-errors.ts';
import { type NamedTransactItem, writeNamedTransaction } from '../client.ts';
import { auditItem } from '../items.ts';
import { pages, tenantItemsQuery } from '../paginate.ts';

export type Item = Record<string, unknown>;
export type Named = NamedTransactItem;

/** DynamoDB allows 100 items per transaction; one is kept free for a guard. */
export const TRANSACTION_ITEMS = 99;
const BATCH_GET_KEYS = 100;

/** The client and the table an adapter reads. */
export interface TableRef {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The same, for an adapter that writes: how long the audit events of its writes are kept. */
export interface ScimTable extends TableRef {
  readonly auditRetentionDays: number;
}

/** One `Put` per audit event, each named `audit`. */
export function auditPuts(table: ScimTable, events: readonly AuditEvent[]): Named[] {
  return events.map((event) => ({
    name: 'audit',
    item: { Put: { TableName: table.tableName, Item: auditItem(event, table.auditRetentionDays) } },
  }));
}

/** The SCIM version read: items SCIM never wrote have none (version 0). */
export function scimVersionCondition(expected: number): { condition: string; values: Item } {
  return expected === 0
    ? { condition: 'attribute_not_exists(scimVersion)', values: {} }
    : { condition: 'scimVersion = :expected', values: { ':expected': expected } };
}

/**
 * The revocation epoch is what was read: a revocation written meanwhile
 * (a later epoch) makes the write retry from a fresh read instead of
 * being moved back. Epochs of the previous version (seconds) are only read.
 */
export function epochCondition(asRead: number | undefined): {
  condition: string;
  names: Record<string, string>;
  values: Item;
} {
  const names = { '#epochRead': 'sessionsNotBeforeMs' };
  return asRead === undefined
    ? { condition: 'attribute_not_exists(#epochRead)', names, values: {} }
    : {
        condition: '(attribute_not_exists(#epochRead) OR #epochRead <= :epochRead)',
        names,
        values: { ':epochRead': asRead },
      };
}

/** The tenant config exists with this generation (or, for tenants from before generations, none). */
export function generationCondition(generation: string | undefined): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Item;
} {
  if (!generation) {
    return {
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#generation)',
      ExpressionAttributeNames: { '#generation': 'generation' },
    };
  }
  return {
    ConditionExpression: 'attribute_exists(pk) AND #generation = :generation',
    ExpressionAttributeNames: { '#generation': 'generation' },
    ExpressionAttributeValues: { ':generation': generation },
  };
}

/** Consistent reads of up to 100 keys, unprocessed keys asked for again (3 attempts in all). */
export async function batchGet(table: TableRef, keyList: Item[]): Promise<Item[]> {
  const { client, tableName } = table;
  let pending = keyList;
  const found: Item[] = [];
  for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
    const requested = pending;
    const result = await guard(() =>
      client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: requested, ConsistentRead: true } } })),
    );
    found.push(...(result.Responses?.[tableName] ?? []));
    pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
  }
  if (pending.length > 0) throw new StoreUnavailableError(new Error('BatchGetItem left keys unprocessed'));
  return found;
}

/** Any number of keys, read in batches of 100. */
export async function batchGetAll(table: TableRef, keyList: Item[]): Promise<Item[]> {
  const found: Item[] = [];
  for (let start = 0; start < keyList.length; start += BATCH_GET_KEYS) {
    found.push(...(await batchGet(table, keyList.slice(start, start + BATCH_GET_KEYS))));
  }
  return found;
}

/** Which items of the tenant a listing pages through: a sort key prefix and an item type. */
export interface PagedKind {
  readonly tenantId: string;
  readonly prefix: string;
  readonly type: string;
}

/** One pass over a kind of item of the tenant: the page asked for, and how many there are. */
export async function pageOf<T>(
  table: TableRef,
  kind: PagedKind,
  range: { readonly offset: number; readonly limit: number },
  map: (item: Item) => T,
): Promise<ScimPage<T>> {
  const found: T[] = [];
  let total = 0;
  for await (const items of pages(table.client, tenantItemsQuery(table.tableName, kind.tenantId, kind))) {
    for (const item of items) {
      if (total >= range.offset && found.length < range.limit) found.push(map(item));
      total++;
    }
  }
  return { items: found, total };
}

/** Deletes items in transactions of up to 100 (the function's grants have DeleteItem, not BatchWriteItem). */
export async function deleteInTransactions(table: ScimTable, keyList: Item[]): Promise<void> {
  for (let start = 0; start < keyList.length; start += TRANSACTION_ITEMS + 1) {
    const named = keyList
      .slice(start, start + TRANSACTION_ITEMS + 1)
      .map((Key) => ({ name: 'member', item: { Delete: { TableName: table.tableName, Key } } }));
    const cancelled = await writeNamedTransaction(table.client, named);
    if (cancelled) throw new StoreUnavailableError(cancelled.error);
  }
}
