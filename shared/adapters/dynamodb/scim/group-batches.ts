/**
 * A group write too large for one transaction, split into several and
 * committed in order: the batching of `writeGroup`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ScimGroupWriteOutcome } from '../../../ports.ts';
import { writeNamedTransaction } from '../client.ts';
import { type Named, TRANSACTION_ITEMS } from './common.ts';

/** A group write laid out for batching (see `packGroupWrite`). */
export interface GroupWriteLayout {
  /** In the first transaction only: the tenant, and the new name claimed before anything else is written. */
  readonly head: Named[];
  /** In the last transaction only: the group itself, and the old name let go. */
  readonly tail: Named[];
  /** The group's version check, ending every transaction but the last. */
  readonly guard: Named;
  /** The tenant checked again by the last transaction of a split write. */
  readonly lastTenantCheck: Named;
  /** Items that stay together (a user's member item and role update; an audit event). */
  readonly units: Named[][];
}

/**
 * Splits a group write into transactions of at most `TRANSACTION_ITEMS`:
 * `head` goes in the first, `tail` (the group item) with a tenant check in
 * the last, the guard (the group's version check) in every other, and no
 * unit is split. One transaction when everything fits.
 */
export function packGroupWrite(layout: GroupWriteLayout): Named[][] {
  const { head, tail, guard, lastTenantCheck, units } = layout;
  const total = head.length + tail.length + units.reduce((sum, unit) => sum + unit.length, 0);
  if (total <= TRANSACTION_ITEMS) return [[...head, ...tail, ...units.flat()]];
  const parts: Named[][] = [];
  let part: Named[] = [...head];
  const last = [...tail, lastTenantCheck];
  // Room kept in every part for whichever ends it: the last part's items or the guard.
  const room = TRANSACTION_ITEMS - last.length;
  for (const unit of units) {
    if (part.length + unit.length > room && part.length > 0) {
      parts.push([...part, guard]);
      part = [];
    }
    part.push(...unit);
  }
  parts.push([...part, ...last]);
  return parts;
}

/**
 * Commits the parts in order and stops at the first that is cancelled. Its
 * tenant item failing means the tenant is gone, unless it is the same
 * tenant (same generation) with SCIM groups turned on meanwhile: a lost race.
 * The name can only be taken in the first part.
 */
export async function commitParts(
  client: DynamoDBDocumentClient,
  parts: Named[][],
  tenantGeneration: string | undefined,
): Promise<ScimGroupWriteOutcome> {
  for (const [index, part] of parts.entries()) {
    const cancelled = await writeNamedTransaction(client, part);
    if (!cancelled) continue;
    if (cancelled.failed('tenant')) {
      const tenant = cancelled.byName.tenant?.Item;
      const same = tenant !== undefined && (tenant.generation ?? undefined) === tenantGeneration;
      return same ? 'conflict' : 'tenant_gone';
    }
    if (index === 0 && cancelled.failed('groupName')) return 'name_taken';
    if (cancelled.all.some((reason) => reason.Code === 'ValidationError')) throw cancelled.error;
    return 'conflict';
  }
  return 'written';
}
