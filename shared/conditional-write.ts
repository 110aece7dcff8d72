/**
 * Conditional writes stated as data. The domain says which items a write
 * puts or updates and under which conditions, each condition with the
 * outcome it means when it does not hold; a store only carries that out.
 * The DynamoDB adapter translates the conditions into a transaction's
 * `ConditionExpression`s and, when DynamoDB cancels it, hands each refused
 * item's old value (`ReturnValuesOnConditionCheckFailure`) to `explainRefusal`;
 * the in-memory fake evaluates the same conditions over its maps with
 * `holds`. Neither decides what a refusal means.
 *
 * Conditions read an item's attributes as DynamoDB stores them (the fake
 * shows its records the same way), with DynamoDB's semantics: a comparison
 * with a missing attribute is false.
 */
import { isDeepStrictEqual } from 'node:util';

/** An item's attributes as stored, without its key. */
export type Attributes = Readonly<Record<string, unknown>>;

export type Condition =
  /** There is an item at the key (`exists`) or none (`absent`). */
  | { readonly item: 'exists' | 'absent' }
  | { readonly has: string }
  | { readonly lacks: string }
  /** The attribute is present and equal to the value (lists and maps compared deeply). */
  | { readonly equals: readonly [attribute: string, value: unknown] }
  | { readonly not: Condition }
  | { readonly anyOf: readonly Condition[] };

export const itemExists: Condition = { item: 'exists' };
export const itemAbsent: Condition = { item: 'absent' };
export const has = (attribute: string): Condition => ({ has: attribute });
export const lacks = (attribute: string): Condition => ({ lacks: attribute });
export const equals = (attribute: string, value: unknown): Condition => ({ equals: [attribute, value] });
export const not = (condition: Condition): Condition => ({ not: condition });
export const anyOf = (...conditions: Condition[]): Condition => ({ anyOf: conditions });

export type ItemWrite =
  /** The item's attributes (the store adds the key); replaces whatever is at the key. */
  | { readonly put: Attributes }
  /** Sets and removes attributes of the item at the key. */
  | { readonly update: { readonly set: Attributes; readonly remove: readonly string[] } }
  /** Writes nothing: the item only has to meet its guards. */
  | { readonly check: true };

/** A condition of a write and what it means when it does not hold. */
export interface Guard<Outcome> {
  readonly holds: Condition;
  /** The outcome, told the item as it is (undefined: there is none). */
  readonly otherwise: (current: Attributes | undefined) => Outcome;
}

/** One item of a transaction: where, what, and the guards that must all hold. */
export interface PlannedItem<Name extends string, Key, Outcome> {
  readonly name: Name;
  readonly key: Key;
  readonly write: ItemWrite;
  readonly guards: readonly Guard<Outcome>[];
}

/** Whether the condition holds of the item as it is (undefined: no item at the key). */
export function holds(condition: Condition, current: Attributes | undefined): boolean {
  if ('item' in condition) return (current !== undefined) === (condition.item === 'exists');
  if ('has' in condition) return current?.[condition.has] !== undefined;
  if ('lacks' in condition) return current?.[condition.lacks] === undefined;
  if ('equals' in condition) {
    const [attribute, value] = condition.equals;
    const stored = current?.[attribute];
    return stored !== undefined && isDeepStrictEqual(stored, value);
  }
  if ('not' in condition) return !holds(condition.not, current);
  return condition.anyOf.some((alternative) => holds(alternative, current));
}

/** The outcome of the item's first guard that does not hold of `current`; undefined when all hold. */
export function refusalOf<Outcome>(
  item: PlannedItem<string, unknown, Outcome>,
  current: Attributes | undefined,
): Outcome | undefined {
  return item.guards.find((guard) => !holds(guard.holds, current))?.otherwise(current);
}

/**
 * Why a transaction was refused: of the items whose conditions failed
 * (`failed`: by name, each with its value as it was), the first in the
 * plan's order that a guard explains. Undefined when none does: a store
 * bug, or a failure the plan does not expect.
 */
export function explainRefusal<Name extends string, Outcome>(
  items: readonly PlannedItem<Name, unknown, Outcome>[],
  failed: ReadonlyMap<Name, Attributes | undefined>,
): Outcome | undefined {
  for (const item of items) {
    if (!failed.has(item.name)) continue;
    const outcome = refusalOf(item, failed.get(item.name));
    if (outcome !== undefined) return outcome;
  }
  return undefined;
}
