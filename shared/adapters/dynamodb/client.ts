import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  DeleteCommand,
  type DeleteCommandInput,
  type DeleteCommandOutput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  type GetCommandOutput,
  PutCommand,
  type PutCommandInput,
  type PutCommandOutput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  ScanCommand,
  type ScanCommandInput,
  type ScanCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  type TransactWriteCommandOutput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { guard } from '../aws-errors.ts';
import { traceClient } from '../tracing.ts';

export interface DocumentClientOptions {
  /** DynamoDB Local endpoint; unset in AWS (where `AWS_ENDPOINT_URL_DYNAMODB` still applies). */
  readonly endpoint?: string | undefined;
  /** Attempts per call, retries included. @default 3 */
  readonly maxAttempts?: number;
}

/** One item of a `TransactWriteItems`, with plain JavaScript values. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A reason DynamoDB gives for cancelling one item of a transaction; `Item` is a plain object. */
export interface CancellationReason {
  readonly Code?: string;
  readonly Message?: string;
  readonly Item?: Record<string, unknown>;
}

/**
 * The stores' view of DynamoDB: the operations they use, with
 * `@aws-sdk/lib-dynamodb`'s input and output shapes, each sent as that
 * library's command through one `DynamoDBDocumentClient`. It exists so the
 * stores name operations (`client.get(...)`) rather than build commands, and so
 * the process has one place that owns the client's lifetime.
 */
export class DocumentClient {
  /** The SDK client every call goes through, e.g. for commands the stores do not use. */
  readonly sdk: DynamoDBDocumentClient;
  readonly #base: DynamoDBClient;

  constructor(sdk: DynamoDBDocumentClient, base: DynamoDBClient) {
    this.sdk = sdk;
    this.#base = base;
  }

  get(input: GetCommandInput): Promise<GetCommandOutput> {
    return this.sdk.send(new GetCommand(input));
  }

  put(input: PutCommandInput): Promise<PutCommandOutput> {
    return this.sdk.send(new PutCommand(input));
  }

  update(input: UpdateCommandInput): Promise<UpdateCommandOutput> {
    return this.sdk.send(new UpdateCommand(input));
  }

  delete(input: DeleteCommandInput): Promise<DeleteCommandOutput> {
    return this.sdk.send(new DeleteCommand(input));
  }

  query(input: QueryCommandInput): Promise<QueryCommandOutput> {
    return this.sdk.send(new QueryCommand(input));
  }

  scan(input: ScanCommandInput): Promise<ScanCommandOutput> {
    return this.sdk.send(new ScanCommand(input));
  }

  batchGet(input: BatchGetCommandInput): Promise<BatchGetCommandOutput> {
    return this.sdk.send(new BatchGetCommand(input));
  }

  /** Unprocessed items come back in `UnprocessedItems`; the caller decides whether to retry them. */
  batchWrite(input: BatchWriteCommandInput): Promise<BatchWriteCommandOutput> {
    return this.sdk.send(new BatchWriteCommand(input));
  }

  /**
   * All items or none. A cancelled transaction throws `TransactionCanceledException`
   * (see `cancellationReasons`, `cancellationReasonsByName`). The SDK adds the
   * idempotency token, so a retry of a transaction that did commit succeeds.
   */
  transactWrite(input: TransactWriteCommandInput): Promise<TransactWriteCommandOutput> {
    return this.sdk.send(new TransactWriteCommand(input));
  }

  /** Closes idle connections (tests, CLI). The document client's own `destroy` does nothing. */
  destroy(): void {
    this.#base.destroy();
  }
}

/**
 * Why DynamoDB cancelled a transaction, item by item in the order the items
 * were sent, or undefined for any other error. The SDK leaves `Item` in
 * DynamoDB's wire format; here it is a plain object, as the stores wrote it.
 */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if ((error as { name?: unknown } | null)?.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: unknown }).CancellationReasons;
  if (!Array.isArray(reasons)) return [];
  return reasons.map((reason: { Code?: string; Message?: string; Item?: Record<string, unknown> }) => ({
    ...(reason.Code ? { Code: reason.Code } : {}),
    ...(reason.Message ? { Message: reason.Message } : {}),
    ...(reason.Item ? { Item: unmarshall(reason.Item as never) } : {}),
  }));
}

/**
 * The same reasons keyed by the names the caller gave the transaction's items
 * (`names[i]` names `TransactItems[i]`; an undefined name skips that item), so
 * a store can ask "did the owner claim fail?" instead of counting positions
 * that shift when an optional item is added. Undefined for any other error.
 */
export function cancellationReasonsByName<const Name extends string>(
  error: unknown,
  names: readonly (Name | undefined)[],
): Partial<Record<Name, CancellationReason>> | undefined {
  const reasons = cancellationReasons(error);
  if (!reasons) return undefined;
  const named: Partial<Record<Name, CancellationReason>> = {};
  names.forEach((name, index) => {
    const reason = reasons[index];
    if (name !== undefined && reason) named[name] = reason;
  });
  return named;
}

/** A transaction item with the name the store gives it, so its outcome can be read by name. */
export interface NamedTransactItem<Name extends string = string> {
  readonly name: Name;
  readonly item: TransactItem;
}

/** Why a transaction was cancelled: each named item's reason, and every reason in order. */
export interface TransactionCancellation<Name extends string> {
  /** Whether the item of this name failed its condition. */
  failed(name: Name): boolean;
  readonly byName: Partial<Record<Name, CancellationReason>>;
  readonly all: readonly CancellationReason[];
  /** The SDK's error, e.g. to rethrow a cancellation no outcome explains. */
  readonly error: unknown;
}

/**
 * Writes the items as one transaction (through `guard`). Undefined when it
 * was written; the cancellation, read by item name, when DynamoDB cancelled it.
 * Any other error is thrown as it is.
 */
export async function writeNamedTransaction<Name extends string>(
  client: DocumentClient,
  named: readonly NamedTransactItem<Name>[],
): Promise<TransactionCancellation<Name> | undefined> {
  try {
    await guard(() => client.transactWrite({ TransactItems: named.map(({ item }) => item) }));
    return undefined;
  } catch (error) {
    const byName = cancellationReasonsByName(
      error,
      named.map(({ name }) => name),
    );
    if (!byName) throw error;
    return {
      byName,
      all: cancellationReasons(error) ?? [],
      error,
      failed: (name) => byName[name]?.Code === 'ConditionalCheckFailed',
    };
  }
}

/**
 * One client per process (Lambda: per container, created at init and reused by
 * every invocation). Against DynamoDB Local it uses dummy credentials so no AWS
 * account is needed.
 */
export function createDocumentClient(options: DocumentClientOptions = {}): DocumentClient {
  const base = traceClient(
    new DynamoDBClient({
      // Lambda has ~29 s behind API Gateway; a login should fail fast rather than retry for long.
      maxAttempts: options.maxAttempts ?? 3,
      // An attempt that gets no answer fails after 3 s and is retried (the SDK only warns by default).
      requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
      ...(options.endpoint
        ? {
            endpoint: options.endpoint,
            region: process.env.AWS_REGION ?? 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {}),
    }),
  );
  // Attributes the stores leave undefined are not written, as with the previous DocumentClient.
  const sdk = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  return new DocumentClient(sdk, base);
}
