import { StoreUnavailableError } from '../errors.ts';

/** Service errors that mean "busy or broken right now", whatever the status code says. */
const TRANSIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'InternalServerError',
  'InternalServiceError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  // The SDK's HTTP handler: an attempt without an answer (requestTimeout).
  'TimeoutError',
]);

/** Node's socket errors, which the SDK passes on as they are once its retries are spent. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * AWS SDK errors that mean "the database is not answering right now":
 * throttling, capacity, service errors and network failures. They become a
 * 503 page.
 */
export function isUnavailable(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; code?: string };
  if (!e || typeof e !== 'object') return false;
  // The SDK marks the errors it would retry (throttling, transient faults).
  if (e.$retryable) return true;
  if (TRANSIENT_ERRORS.has(e.name ?? '')) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return NETWORK_ERRORS.has(e.code ?? '');
}

/** Outcomes of conditional writes: the adapters interpret these themselves. */
const CONDITION_FAILURES = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);

/** Runs a store call, translating SDK errors into domain errors. */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    if (CONDITION_FAILURES.has((error as { name?: string } | null)?.name ?? '')) throw error;
    // Any other service error (missing table, access denied), also when a library wrapped
    // it (Powertools Parameters does), is equally a store we cannot use. The SDK puts
    // `$metadata` on every error of a call, network failures included.
    if (causes(error).some((cause) => isUnavailable(cause) || '$metadata' in cause)) {
      throw new StoreUnavailableError(error);
    }
    throw error;
  }
}

/** The error and every `cause` under it: libraries (Powertools, our own guard) wrap service errors. */
export function causes(error: unknown): object[] {
  const chain: object[] = [];
  for (let current = error; current && typeof current === 'object'; current = (current as Error).cause) {
    chain.push(current);
  }
  return chain;
}
