type Item = Record<string, unknown>;

/**
 * The SET and REMOVE clauses of one `UpdateExpression`, gathered with the
 * attribute names and values they use, for an update whose attributes depend
 * on the write (DynamoDB refuses names or values an expression does not use).
 */
export class UpdateClauses {
  readonly names: Record<string, string> = {};
  readonly values: Item = {};
  readonly #set: string[] = [];
  readonly #remove: string[] = [];

  /** A SET clause as written (`a = :a`, `b = if_not_exists(b, :b)`), with the values and names it uses. */
  set(clause: string, values: Item = {}, names: Record<string, string> = {}): this {
    this.#set.push(clause);
    Object.assign(this.values, values);
    Object.assign(this.names, names);
    return this;
  }

  /** The attribute set to `value` (as `#name = :name`), or removed when `value` is undefined. */
  attribute(name: string, value: unknown): this {
    this.names[`#${name}`] = name;
    if (value === undefined) this.#remove.push(`#${name}`);
    else this.set(`#${name} = :${name}`, { [`:${name}`]: value });
    return this;
  }

  remove(path: string): this {
    this.#remove.push(path);
    return this;
  }

  get expression(): string {
    const set = `SET ${this.#set.join(', ')}`;
    return this.#remove.length > 0 ? `${set} REMOVE ${this.#remove.join(', ')}` : set;
  }
}
