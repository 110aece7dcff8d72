import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../../errors.ts';
import type {
  ScimPage,
  ScimUserDelete,
  ScimUserDirectory,
  ScimUserWrite,
  ScimUserWriteOutcome,
} from '../../../ports.ts';
import { SETTINGS } from '../../../settings.ts';
import type { User } from '../../../users.ts';
import { writeNamedTransaction } from '../client.ts';
import { isUserItem, USER_ITEM, userFromItem } from '../items.ts';
import { keys, USER_SORT_KEY_PREFIX } from '../table-schema.ts';
import { DynamoDbUserLookup } from '../user-lookup.ts';
import { auditPuts, batchGetAll, deleteInTransactions, pageOf, type ScimTable } from './common.ts';
import { membershipRemovals, userDeleteItems } from './user-delete.ts';
import { userWriteItems } from './user-write.ts';

/**
 * SCIM's Users in the table: each user in the tenant's partition, its
 * userName and externalId with a keyed item each, written in the same
 * transaction as the user, so a lookup is a GetItem and uniqueness is a
 * conditional put. Every write carries its audit events in its transaction.
 */
export class DynamoDbScimUserDirectory extends DynamoDbUserLookup implements ScimUserDirectory {
  readonly #table: ScimTable;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    auditRetentionDays: number = SETTINGS.auditRetentionDays.default,
  ) {
    super(client, tableName);
    this.#table = { client, tableName, auditRetentionDays };
  }

  async getUsers(tenantId: string, userIds: readonly string[]): Promise<User[]> {
    const items = await batchGetAll(
      this.#table,
      [...new Set(userIds)].map((id) => keys.user(tenantId, id)),
    );
    return items.filter(isUserItem).map(userFromItem);
  }

  listUsers(tenantId: string, offset: number, limit: number): Promise<ScimPage<User>> {
    const kind = { tenantId, prefix: USER_SORT_KEY_PREFIX, type: USER_ITEM };
    return pageOf(this.#table, kind, { offset, limit }, userFromItem);
  }

  /**
   * One transaction: the user, the userName and externalId items it moves to
   * (conditional puts: taken means 409) and from, the tenant check of a new
   * user, and the audit events. Deactivation ends the user's sessions in the
   * same write (the revocation epoch, moved only forward).
   */
  async writeUser(write: ScimUserWrite): Promise<ScimUserWriteOutcome> {
    const named = [...userWriteItems(this.tableName, write), ...auditPuts(this.#table, write.audit)];
    const cancelled = await writeNamedTransaction(this.client, named);
    if (!cancelled) return 'written';
    if (cancelled.failed('tenant')) return 'tenant_gone';
    if (cancelled.failed('user')) return 'conflict';
    if (cancelled.failed('userName')) return 'user_name_taken';
    if (cancelled.failed('externalId')) return 'external_id_taken';
    return 'conflict';
  }

  /**
   * The user's item becomes a tombstone (and so does a login's link to it),
   * its keys are released and its memberships go, in one transaction with the
   * audit event. Memberships beyond what fits are removed right after; a
   * retried DELETE of the same user finds it gone (404), so the few left by a
   * crash in between are skipped by every reader (a member must be a user).
   */
  async deleteUser(write: ScimUserDelete): Promise<'deleted' | 'conflict'> {
    const named = [...userDeleteItems(this.tableName, write), ...auditPuts(this.#table, write.audit)];
    const memberships = membershipRemovals(this.tableName, write, named.length);
    const cancelled = await writeNamedTransaction(this.client, [...named, ...memberships.inTransaction]);
    if (cancelled) {
      if (cancelled.failed('user') || cancelled.failed('link') || cancelled.failed('release')) return 'conflict';
      throw new StoreUnavailableError(cancelled.error);
    }
    await deleteInTransactions(this.#table, memberships.after);
    return 'deleted';
  }
}
