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

/**
 * What `attributes` and `excludedAttributes` ask a response to carry (RFC
 * 7644 §3.4.2.5, §3.9), decided per top-level attribute of the resource.
 */
export interface AttributeSelection {
  /**
   * Whether the response carries `name`: with `attributes`, only if it is
   * listed there (it overrides the default set); without, if it is returned
   * `byDefault` in this response and not in `excludedAttributes`. `schemas`
   * and `id` are returned always.
   */
  includes(name: string, byDefault: boolean): boolean;
  /** `resource` without the top-level attributes the selection leaves out (each present one counts as default). */
  project(resource: Record<string, unknown>): Record<string, unknown>;
}

const RETURNED_ALWAYS = new Set(['schemas', 'id']);

/**
 * Reads `attributes` and `excludedAttributes` for a resource whose core
 * schema is `schemas[0]` (any others are its extensions). Names are
 * case-insensitive (RFC 7643 §2.1) and may carry their schema URN
 * (`urn:…:Group:members`); a sub-attribute (`members.value`) selects its
 * whole attribute, an extension's attribute its whole extension object.
 * Names the resource does not have select nothing, as the RFC allows.
 */
export function attributeSelection(event: APIGatewayProxyEventV2, schemas: readonly string[]): AttributeSelection {
  const params = queryParams(event);
  const names = (param: string): Set<string> | undefined => {
    const value = params.get(param)?.trim();
    if (!value) return undefined;
    return new Set(
      value
        .split(',')
        .map((name) => topLevelName(name, schemas))
        .filter(Boolean),
    );
  };
  const requested = names('attributes');
  const excluded = names('excludedAttributes') ?? new Set<string>();
  const includes = (name: string, byDefault: boolean) => {
    const key = name.toLowerCase();
    if (RETURNED_ALWAYS.has(key)) return true;
    return requested ? requested.has(key) : byDefault && !excluded.has(key);
  };
  return {
    includes,
    project: (resource) => Object.fromEntries(Object.entries(resource).filter(([name]) => includes(name, true))),
  };
}

/** The lower-cased top-level attribute (or extension URN) an `attributes` entry names. */
function topLevelName(raw: string, schemas: readonly string[]): string {
  const name = raw.trim().toLowerCase();
  for (const [index, schema] of schemas.map((urn) => urn.toLowerCase()).entries()) {
    if (name === schema) return schema;
    if (name.startsWith(`${schema}:`)) {
      return index === 0 ? (name.slice(schema.length + 1).split('.')[0] ?? '') : schema;
    }
  }
  return name.split('.')[0] ?? '';
}
