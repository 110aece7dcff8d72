import { parse } from 'scim2-parse-filter';
import { invalid } from './errors.ts';

export interface EqualityFilter<A extends string> {
  readonly attribute: A;
  readonly value: string;
}

const MAX_FILTER_LENGTH = 1024;

/**
 * The filters Okta sends, parsed with `scim2-parse-filter`: one `eq`
 * comparison of a keyed attribute (`userName`, `externalId` for users,
 * `displayName` for groups), answered by a keyed read. Anything else — other
 * operators, `and`/`or`, unknown attributes, bad syntax — is a 400
 * `invalidFilter` rather than a scan.
 */
export function equalityFilter<A extends string>(
  text: string | undefined,
  schema: string,
  attributes: readonly A[],
): EqualityFilter<A> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const supported = attributes.map((name) => `${name} eq "…"`).join(' or ');
  const refuse = () => invalid('scim_filter', { supported });
  if (text.length > MAX_FILTER_LENGTH) throw refuse();
  let filter: ReturnType<typeof parse>;
  try {
    filter = parse(text);
  } catch {
    throw refuse();
  }
  if (filter.op !== 'eq' || !('attrPath' in filter) || !('compValue' in filter)) throw refuse();
  // Attribute names are case-insensitive and may carry their schema URN (RFC 7644 §3.10).
  const path = filter.attrPath.toLowerCase().replace(`${schema.toLowerCase()}:`, '');
  const attribute = attributes.find((name) => name.toLowerCase() === path);
  if (!attribute || typeof filter.compValue !== 'string') throw refuse();
  return { attribute, value: filter.compValue };
}
