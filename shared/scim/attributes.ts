import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { queryParams } from '../http/request.ts';

/**
 * What `attributes` and `excludedAttributes` ask a response to carry (RFC
 * 7644 §3.4.2.5, §3.9), applied to every User and Group the SCIM endpoint
 * returns: one resource, each resource of a listing, and the resource a
 * POST, PUT or PATCH answers with.
 */
export interface AttributeSelection {
  /**
   * Whether the response carries any of top-level attribute `name` (so the
   * handler knows what to read): with `attributes`, only if it or one of its
   * sub-attributes is listed there (it overrides the default set); without,
   * if it is returned `byDefault` in this response and not excluded whole.
   * `schemas` and `id` are returned always.
   */
  includes(name: string, byDefault: boolean): boolean;
  /**
   * `resource` as the selection asks: every attribute present counts as
   * default (the handler leaves out what is not, e.g. a listing's members).
   */
  project(resource: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Attribute paths as a tree of lower-cased names: `true` selects the whole
 * attribute, a subtree only the sub-attributes in it.
 */
type PathTree = Map<string, PathTree | true>;

/** `returned: "always"` (RFC 7643 §3.1, §8.7.1): neither parameter removes them. */
const RETURNED_ALWAYS = new Set(['schemas', 'id']);

/**
 * Reads `attributes` and `excludedAttributes` for a resource whose core
 * schema is `schemas[0]` (any others are its extensions). Names are
 * case-insensitive (RFC 7643 §2.1) and in standard attribute notation (RFC
 * 7644 §3.10): `name`, `name.givenName`, either with the core schema's URN
 * before it (`urn:…:User:name.givenName`); an extension's attributes carry
 * its URN (`urn:…:enterprise:2.0:User:employeeNumber`), which is their
 * top-level key in the resource. Names the resource does not have select
 * nothing, as the RFC allows. With both parameters, `attributes` decides.
 */
export function attributeSelection(event: APIGatewayProxyEventV2, schemas: readonly string[]): AttributeSelection {
  const params = queryParams(event);
  const requested = pathTree(params.get('attributes'), schemas);
  const excluded = requested ? undefined : pathTree(params.get('excludedAttributes'), schemas);
  return {
    includes: (name, byDefault) => {
      const key = name.toLowerCase();
      if (RETURNED_ALWAYS.has(key)) return true;
      if (requested) return requested.has(key);
      return byDefault && excluded?.get(key) !== true;
    },
    project: (resource) => {
      if (requested) return withAlways(resource, keep(resource, requested));
      if (excluded) return withAlways(resource, drop(resource, excluded));
      return resource;
    },
  };
}

/** The paths a parameter lists, or undefined when it lists none (absent, empty, only commas). */
function pathTree(value: string | undefined, schemas: readonly string[]): PathTree | undefined {
  const paths = (value ?? '')
    .split(',')
    .map((raw) => attributePath(raw, schemas))
    .filter((path) => path.length > 0);
  if (paths.length === 0) return undefined;
  const root: PathTree = new Map();
  for (const path of paths) {
    let node = root;
    for (const [index, name] of path.entries()) {
      const child = node.get(name);
      if (child === true) break;
      if (index === path.length - 1) {
        node.set(name, true);
        break;
      }
      const next: PathTree = child ?? new Map();
      node.set(name, next);
      node = next;
    }
  }
  return root;
}

/** `[attribute, subAttribute?]` of one entry, lower-cased; an extension's attributes under its URN. */
function attributePath(raw: string, schemas: readonly string[]): string[] {
  const name = raw.trim().toLowerCase();
  if (!name) return [];
  for (const [index, schema] of schemas.map((urn) => urn.toLowerCase()).entries()) {
    if (name === schema) return [schema];
    if (name.startsWith(`${schema}:`)) {
      const path = name.slice(schema.length + 1).split('.');
      return index === 0 ? path : [schema, ...path];
    }
  }
  return name.split('.');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What `tree` selects of `value`: of an object its selected attributes, of
 * a multi-valued attribute the same of each value. A simple value has no
 * sub-attributes to select. Empty results are left out (RFC 7643 §2.5: an
 * empty complex or multi-valued attribute is the same as an unassigned one).
 */
function keep(value: unknown, tree: PathTree): Record<string, unknown> | unknown[] | undefined {
  if (Array.isArray(value)) return nonEmpty(value.map((item) => keep(item, tree)));
  if (!isObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    const selected = tree.get(name.toLowerCase());
    const kept = selected === true ? child : selected ? keep(child, selected) : undefined;
    if (kept !== undefined) out[name] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `value` without what `tree` names; a sub-attribute of a simple value does not exist, so it stays. */
function drop(value: unknown, tree: PathTree): unknown {
  if (Array.isArray(value)) return nonEmpty(value.map((item) => drop(item, tree)));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    const excluded = tree.get(name.toLowerCase());
    const left = excluded === true ? undefined : excluded ? drop(child, excluded) : child;
    if (left !== undefined) out[name] = left;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function nonEmpty(values: unknown[]): unknown[] | undefined {
  const present = values.filter((value) => value !== undefined);
  return present.length > 0 ? present : undefined;
}

/** The projection with the `returned: "always"` attributes as the resource has them, in the resource's order. */
function withAlways(resource: Record<string, unknown>, projected: unknown): Record<string, unknown> {
  const rest = isObject(projected) ? projected : {};
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource)) {
    if (RETURNED_ALWAYS.has(name.toLowerCase())) out[name] = value;
    else if (name in rest) out[name] = rest[name];
  }
  return out;
}
