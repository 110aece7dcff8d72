import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header, queryParams } from '../http/request.ts';
import { invalid } from './errors.ts';
import { MAX_BODY_BYTES, MAX_RESULTS } from './schemas.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const MEDIA_TYPES = new Set(['application/scim+json', 'application/json']);

/** The request's JSON object: bad JSON, another media type or an oversized body are a 400, never a 5xx. */
export function jsonBody(event: APIGatewayProxyEventV2): Record<string, unknown> {
  const raw = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  if (raw.length > MAX_BODY_BYTES) throw invalid('scim_body_too_large', { limit: String(MAX_BODY_BYTES) });
  const mediaType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length > 0 && mediaType && !MEDIA_TYPES.has(mediaType)) throw invalid('scim_media_type');
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(raw));
  } catch {
    throw invalid('scim_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('scim_json');
  return value as Record<string, unknown>;
}

export interface Paging {
  /** 1-based, as SCIM counts (RFC 7644 §3.4.2.4). */
  readonly startIndex: number;
  readonly count: number;
}

/** `startIndex` below 1 counts as 1 and `count` is capped (RFC 7644 §3.4.2.4); non-integers are a 400. */
export function paging(event: APIGatewayProxyEventV2): Paging {
  const params = queryParams(event);
  const integer = (name: string, fallback: number) => {
    const value = params.get(name);
    if (value === undefined || value === '') return fallback;
    if (!/^-?\d{1,9}$/.test(value)) throw invalid('scim_paging');
    return Number(value);
  };
  return {
    startIndex: Math.max(1, integer('startIndex', 1)),
    count: Math.min(MAX_RESULTS, Math.max(0, integer('count', MAX_RESULTS))),
  };
}
