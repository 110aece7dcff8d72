import type { HttpResult } from '../http/responses.ts';
import type { ScimPage } from '../ports.ts';
import { LIST_RESPONSE_SCHEMA } from './schemas.ts';

export function scimJson(statusCode: number, value: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/scim+json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(value),
  };
}

export function noContent(): HttpResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
}

/** A ListResponse (RFC 7644 §3.4.2): integers, 1-based `startIndex`, `itemsPerPage` = what this page holds. */
export function listResponse<T>(page: ScimPage<T>, startIndex: number, toResource: (item: T) => unknown): HttpResult {
  return scimJson(200, {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: page.total,
    startIndex,
    itemsPerPage: page.items.length,
    Resources: page.items.map(toResource),
  });
}
