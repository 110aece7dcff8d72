import type { QueryCommandInput, ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { guard } from '../aws-errors.ts';
import type { DocumentClient } from './client.ts';

type Item = Record<string, unknown>;

/**
 * Every page of a Query (or Scan), following `LastEvaluatedKey`: the one loop
 * the stores use to read more than a page. Each page goes through `guard`.
 */
export async function* pages(
  client: DocumentClient,
  input: ({ operation: 'query' } & QueryCommandInput) | ({ operation: 'scan' } & ScanCommandInput),
): AsyncGenerator<Item[]> {
  const { operation, ...request } = input;
  let startKey: Item | undefined;
  do {
    const page = await guard(() =>
      operation === 'query'
        ? client.query({ ...request, ExclusiveStartKey: startKey })
        : client.scan({ ...request, ExclusiveStartKey: startKey }),
    );
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** All items of a Query or Scan, mapped. */
export async function collect<T>(
  client: DocumentClient,
  input: Parameters<typeof pages>[1],
  map: (item: Item) => T,
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages(client, input)) all.push(...page.map(map));
  return all;
}
