import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { explainRefusal } from '../../conditional-write.ts';
import { StoreUnavailableError } from '../../errors.ts';
import type { LoginItemKey, LoginItemName, LoginStore, LoginWriteOutcome, LoginWritePlan } from '../../ports.ts';
import { SETTINGS } from '../../settings.ts';
import { guard } from '../aws-errors.ts';
import { type NamedTransactItem, writeNamedTransaction } from './client.ts';
import { isConditionFailure } from './conditional.ts';
import { auditItem, sessionItem } from './items.ts';
import { plannedTransactItem } from './planned-items.ts';
import { keys, TTL_ATTRIBUTE } from './table-schema.ts';
import { DynamoDbUserLookup } from './user-lookup.ts';

/** The items of a login transaction, by what each is for. */
type ItemName = LoginItemName | 'session' | 'previousSession' | 'audit';

/**
 * What a login writes. Every login is one transaction, so a user is never
 * written without its session (or the other way round), the first owner is
 * claimed with a conditional write, and the audit events go in the same write.
 * The transaction is the domain's plan (`shared/login-write.ts`): this store
 * translates it and hands a cancellation back to the plan's guards. Its keyed
 * reads (`UserLookup`) run only off the success path: after a login met a
 * deleted user, and to audit a refusal.
 */
export class DynamoDbLoginStore extends DynamoDbUserLookup implements LoginStore {
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly auditRetentionDays: number = SETTINGS.auditRetentionDays.default,
  ) {
    super(client, tableName);
  }

  async consumeLoginState(stateId: string, expiresAt: number): Promise<boolean> {
    try {
      await guard(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.usedState(stateId), type: 'used_state', [TTL_ATTRIBUTE]: expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async wasLoginStateUsed(stateId: string): Promise<boolean> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.usedState(stateId), ConsistentRead: true }),
      ),
    );
    return Item !== undefined;
  }

  /** The domain's plan as one transaction; a cancellation is explained by the plan's guards, item by item name. */
  async recordLogin(plan: LoginWritePlan): Promise<LoginWriteOutcome> {
    const table = this.tableName;
    const named: NamedTransactItem<ItemName>[] = [
      ...plan.items.map((item) => ({ name: item.name, item: plannedTransactItem(table, keyOf(item.key), item) })),
      {
        name: 'session',
        item: {
          Put: { TableName: table, Item: sessionItem(plan.session), ConditionExpression: 'attribute_not_exists(pk)' },
        },
      },
      // The browser's previous session ends in the same transaction (no fixation, no leftovers).
      ...(plan.endsSession
        ? [
            {
              name: 'previousSession' as const,
              item: { Delete: { TableName: table, Key: keys.session(plan.endsSession) } },
            },
          ]
        : []),
      ...plan.audit.map((event) => ({
        name: 'audit' as const,
        item: { Put: { TableName: table, Item: auditItem(event, this.auditRetentionDays) } },
      })),
    ];
    const cancelled = await writeNamedTransaction(this.client, named);
    if (!cancelled) return { kind: 'written' };
    if (cancelled.all.some((reason) => reason.Code === 'TransactionConflict')) return { kind: 'conflict' };
    const failed = new Map(
      plan.items
        .filter((item) => cancelled.failed(item.name))
        .map((item) => [item.name, cancelled.byName[item.name]?.Item]),
    );
    const outcome = explainRefusal(plan.items, failed);
    if (!outcome) throw new StoreUnavailableError(cancelled.error);
    return outcome;
  }
}

/** The table's key of a login item. */
function keyOf(key: LoginItemKey): { pk: string; sk: string } {
  switch (key.kind) {
    case 'user':
      return keys.user(key.tenantId, key.userId);
    case 'owner':
      return keys.tenantOwner(key.tenantId);
    case 'tenant':
      return keys.tenantConfig(key.tenantId);
    case 'userName':
      return keys.userName(key.tenantId, key.userName);
  }
}
