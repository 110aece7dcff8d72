/** The fetch the OIDC client uses; injectable so tests and benchmarks can count or fault calls. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Fetch with a hard deadline: a slow Okta must produce a clear error within
 * seconds, long before the Lambda or API Gateway timeout.
 */
export async function fetchWithTimeout(
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response> {
  return fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
}
