/**
 * The domain's planned items (`shared/conditional-write.ts`) as items of a
 * `TransactWriteItems`: a put, update or condition check with the guards as
 * its `ConditionExpression`, and `ALL_OLD` on a failed condition so the
 * domain's guards can say why from the item as it was. A translation only:
 * what is written, and under which conditions, is the plan's.
 */
import type { Attributes, Condition, ItemWrite } from '../../conditional-write.ts';
import type { TransactItem } from './client.ts';

type Key = Readonly<Record<string, string>>;

/** Attribute names become `#name` placeholders (the plan's names are plain identifiers; some are reserved words). */
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Collects the expression attribute names and values of one transaction item. */
class Expression {
  readonly #names: Record<string, string> = {};
  readonly #values: Record<string, unknown> = {};

  name(attribute: string): string {
    if (!ATTRIBUTE_NAME.test(attribute)) throw new Error(`not a plain attribute name: ${attribute}`);
    this.#names[`#${attribute}`] = attribute;
    return `#${attribute}`;
  }

  value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.#values).length}`;
    this.#values[placeholder] = value;
    return placeholder;
  }

  condition(condition: Condition): string {
    if ('item' in condition) return condition.item === 'exists' ? 'attribute_exists(pk)' : 'attribute_not_exists(pk)';
    if ('has' in condition) return `attribute_exists(${this.name(condition.has)})`;
    if ('lacks' in condition) return `attribute_not_exists(${this.name(condition.lacks)})`;
    if ('equals' in condition) return `${this.name(condition.equals[0])} = ${this.value(condition.equals[1])}`;
    if ('not' in condition) return `(NOT ${this.condition(condition.not)})`;
    return `(${condition.anyOf.map((alternative) => this.condition(alternative)).join(' OR ')})`;
  }

  update(set: Attributes, remove: readonly string[]): string {
    const assignments = Object.entries(set).map(
      ([attribute, value]) => `${this.name(attribute)} = ${this.value(value)}`,
    );
    const removals = remove.map((attribute) => this.name(attribute));
    return [
      ...(assignments.length ? [`SET ${assignments.join(', ')}`] : []),
      ...(removals.length ? [`REMOVE ${removals.join(', ')}`] : []),
    ].join(' ');
  }

  /** Names and values as the request takes them: left out when empty (DynamoDB refuses empty maps). */
  attributes() {
    return {
      ...(Object.keys(this.#names).length ? { ExpressionAttributeNames: this.#names } : {}),
      ...(Object.keys(this.#values).length ? { ExpressionAttributeValues: this.#values } : {}),
    };
  }
}

/** One planned item at `key` in `table`, its guards all in its condition. */
export function plannedTransactItem(
  table: string,
  key: Key,
  planned: { readonly write: ItemWrite; readonly guards: readonly { readonly holds: Condition }[] },
): TransactItem {
  const expression = new Expression();
  const condition = planned.guards.map((guard) => expression.condition(guard.holds)).join(' AND ');
  const { write } = planned;
  const update = 'update' in write ? expression.update(write.update.set, write.update.remove) : undefined;
  const common = {
    TableName: table,
    ...(condition ? { ConditionExpression: condition } : {}),
    ...expression.attributes(),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  if ('put' in write) return { Put: { ...common, Item: { ...write.put, ...key } } };
  if (update !== undefined) return { Update: { ...common, Key: key, UpdateExpression: update } };
  if (!condition) throw new Error('a condition check without a guard');
  return { ConditionCheck: { ...common, Key: key, ConditionExpression: condition } };
}
