import { randomUUID } from 'node:crypto';
import type {
  BatchGetCommandInput,
  BatchGetCommandOutput,
  BatchWriteCommandInput,
  BatchWriteCommandOutput,
  DeleteCommandInput,
  DeleteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
  TransactWriteCommandInput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AwsJsonClient, AwsServiceError } from './aws-json-client.ts';

export interface DocumentClientOptions {
  /** DynamoDB Local endpoint; unset in AWS. */
  readonly endpoint?: string | undefined;
  /** Attempts per call, retries included. @default 3 */
  readonly maxAttempts?: number;
}

type Item = Record<string, unknown>;
type Wire = Record<string, unknown>;
/** The outputs without the SDK's `$metadata`, which this client does not produce. */
type Out<T> = Omit<T, '$metadata'>;

/** A reason DynamoDB gives for cancelling one item of a transaction; `Item` is a plain object. */
export interface CancellationReason {
  readonly Code?: string;
  readonly Message?: string;
  readonly Item?: Item;
}

/**
 * DynamoDB with plain JavaScript values (as `@aws-sdk/lib-dynamodb` takes
 * them: same input shapes, same marshalling options) over the lean JSON
 * client. Only the operations the stores use.
 */
export class DocumentClient {
  readonly #client: AwsJsonClient;

  constructor(client: AwsJsonClient) {
    this.#client = client;
  }

  async get(input: GetCommandInput): Promise<Out<GetCommandOutput>> {
    const output = await this.#call('GetItem', { ...input, Key: toWire(input.Key) });
    return { ...output, Item: fromWire(output.Item) };
  }

  async put(input: PutCommandInput): Promise<Out<PutCommandOutput>> {
    const output = await this.#call('PutItem', withValues({ ...input, Item: toWire(input.Item) }, input));
    return { ...output, Attributes: fromWire(output.Attributes) };
  }

  async update(input: UpdateCommandInput): Promise<Out<UpdateCommandOutput>> {
    const output = await this.#call('UpdateItem', withValues({ ...input, Key: toWire(input.Key) }, input));
    return { ...output, Attributes: fromWire(output.Attributes) };
  }

  async delete(input: DeleteCommandInput): Promise<Out<DeleteCommandOutput>> {
    const output = await this.#call('DeleteItem', withValues({ ...input, Key: toWire(input.Key) }, input));
    return { ...output, Attributes: fromWire(output.Attributes) };
  }

  async query(input: QueryCommandInput): Promise<Out<QueryCommandOutput>> {
    const output = await this.#call('Query', withValues(withStartKey(input), input));
    return pageFromWire(output);
  }

  async scan(input: ScanCommandInput): Promise<Out<ScanCommandOutput>> {
    const output = await this.#call('Scan', withValues(withStartKey(input), input));
    return pageFromWire(output);
  }

  async batchGet(input: BatchGetCommandInput): Promise<Out<BatchGetCommandOutput>> {
    const requestItems = Object.fromEntries(
      Object.entries(input.RequestItems ?? {}).map(([table, request]) => [
        table,
        { ...request, Keys: (request.Keys ?? []).map((key) => toWire(key)) },
      ]),
    );
    const output = await this.#call('BatchGetItem', { ...input, RequestItems: requestItems });
    const responses = (output.Responses ?? {}) as Record<string, Wire[]>;
    const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: Wire[] }>;
    return {
      ...output,
      Responses: Object.fromEntries(
        Object.entries(responses).map(([table, items]) => [table, items.map((item) => unmarshall(item as never))]),
      ),
      UnprocessedKeys: Object.fromEntries(
        Object.entries(unprocessed).map(([table, request]) => [
          table,
          { ...request, Keys: (request.Keys ?? []).map((key) => unmarshall(key as never)) },
        ]),
      ),
    } as Out<BatchGetCommandOutput>;
  }

  async batchWrite(input: BatchWriteCommandInput): Promise<Out<BatchWriteCommandOutput>> {
    const toWireRequests = (requests: NonNullable<BatchWriteCommandInput['RequestItems']>[string]) =>
      requests.map((request) => ({
        ...(request.PutRequest ? { PutRequest: { Item: toWire(request.PutRequest.Item) } } : {}),
        ...(request.DeleteRequest ? { DeleteRequest: { Key: toWire(request.DeleteRequest.Key) } } : {}),
      }));
    const requestItems = Object.fromEntries(
      Object.entries(input.RequestItems ?? {}).map(([table, requests]) => [table, toWireRequests(requests)]),
    );
    const output = await this.#call('BatchWriteItem', { ...input, RequestItems: requestItems });
    const unprocessed = (output.UnprocessedItems ?? {}) as Record<
      string,
      Array<{ PutRequest?: { Item: Wire }; DeleteRequest?: { Key: Wire } }>
    >;
    return {
      ...output,
      UnprocessedItems: Object.fromEntries(
        Object.entries(unprocessed).map(([table, requests]) => [
          table,
          requests.map((request) => ({
            ...(request.PutRequest ? { PutRequest: { Item: unmarshall(request.PutRequest.Item as never) } } : {}),
            ...(request.DeleteRequest
              ? { DeleteRequest: { Key: unmarshall(request.DeleteRequest.Key as never) } }
              : {}),
          })),
        ]),
      ),
    } as Out<BatchWriteCommandOutput>;
  }

  /** Resolves when every item was written; throws `TransactionCanceledException` otherwise (see `cancellationReasons`). */
  async transactWrite(input: TransactWriteCommandInput): Promise<void> {
    const items = (input.TransactItems ?? []).map((item) => {
      const wire: Wire = {};
      if (item.Put) wire.Put = withValues({ ...item.Put, Item: toWire(item.Put.Item) }, item.Put);
      if (item.Update) wire.Update = withValues({ ...item.Update, Key: toWire(item.Update.Key) }, item.Update);
      if (item.Delete) wire.Delete = withValues({ ...item.Delete, Key: toWire(item.Delete.Key) }, item.Delete);
      if (item.ConditionCheck) {
        wire.ConditionCheck = withValues(
          { ...item.ConditionCheck, Key: toWire(item.ConditionCheck.Key) },
          item.ConditionCheck,
        );
      }
      return wire;
    });
    // The idempotency token the SDK would generate: a retry of a transaction that did commit
    // (its answer lost on the way) then succeeds instead of failing its own conditions.
    await this.#call('TransactWriteItems', { ClientRequestToken: randomUUID(), ...input, TransactItems: items });
  }

  /** Closes idle connections (tests, CLI). */
  destroy(): void {
    this.#client.destroy();
  }

  #call(operation: string, input: Wire): Promise<Wire> {
    return this.#client.call<Wire>(operation, input);
  }
}

/** Why DynamoDB cancelled a transaction, item by item, or undefined for any other error. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof AwsServiceError) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = error.details.CancellationReasons;
  if (!Array.isArray(reasons)) return [];
  return reasons.map((reason: { Code?: string; Message?: string; Item?: Wire }) => ({
    ...(reason.Code ? { Code: reason.Code } : {}),
    ...(reason.Message ? { Message: reason.Message } : {}),
    ...(reason.Item ? { Item: unmarshall(reason.Item as never) } : {}),
  }));
}

/**
 * One client per process. Against DynamoDB Local it uses dummy credentials so
 * no AWS account is needed.
 */
export function createDocumentClient(options: DocumentClientOptions = {}): DocumentClient {
  return new DocumentClient(
    new AwsJsonClient({
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      jsonVersion: '1.0',
      maxAttempts: options.maxAttempts ?? 3,
      ...(options.endpoint
        ? {
            endpoint: options.endpoint,
            region: process.env.AWS_REGION ?? 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {}),
    }),
  );
}

// The marshalling options of the DocumentClient this replaces.
const toWire = (item: Item | undefined): Wire | undefined =>
  item === undefined ? undefined : marshall(item, { removeUndefinedValues: true });
const fromWire = (item: unknown): Item | undefined => (item ? unmarshall(item as never) : undefined);

function withValues<T extends Wire>(wire: T, input: { ExpressionAttributeValues?: Item | undefined }): T {
  return input.ExpressionAttributeValues
    ? { ...wire, ExpressionAttributeValues: toWire(input.ExpressionAttributeValues) }
    : wire;
}

function withStartKey<T extends { ExclusiveStartKey?: Item | undefined }>(input: T): Wire {
  return input.ExclusiveStartKey ? { ...input, ExclusiveStartKey: toWire(input.ExclusiveStartKey) } : { ...input };
}

function pageFromWire(output: Wire) {
  return {
    ...output,
    Items: ((output.Items ?? []) as Wire[]).map((item) => unmarshall(item as never)),
    LastEvaluatedKey: fromWire(output.LastEvaluatedKey),
  } as Out<QueryCommandOutput> & Out<ScanCommandOutput>;
}
