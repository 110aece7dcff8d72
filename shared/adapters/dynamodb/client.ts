/**
 * The one DynamoDB client of a process, created here (retries, timeouts,
 * tracing, DynamoDB Local credentials), and what lib-dynamodb does not give:
 * closing its connections, and transaction cancellation reasons read by item
 * name with their items unmarshalled. The stores send lib-dynamodb's commands
 * (`client.send(new GetCommand(...))`) through the bare `DynamoDBDocumentClient`:
 * no aggregated `DynamoDBDocument`, so each bundle holds only the commands its
 * stores use.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
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
 * Closes the client's connections (tests, CLI, local stack). The document
 * client's own `destroy()` leaves the underlying client's sockets open.
 */
export function closeDocumentClient(client: DynamoDBDocumentClient): void {
  (client.config.requestHandler as { destroy?: () => void }).destroy?.();
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
  client: DynamoDBDocumentClient,
  named: readonly NamedTransactItem<Name>[],
): Promise<TransactionCancellation<Name> | undefined> {
  try {
    await guard(() => client.send(new TransactWriteCommand({ TransactItems: named.map(({ item }) => item) })));
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
export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
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
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}
