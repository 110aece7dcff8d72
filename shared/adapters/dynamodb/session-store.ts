import { StoreUnavailableError } from '../../errors.ts';
import type { SessionContext, SessionStore } from '../../ports.ts';
import type { Session } from '../../sessions.ts';
import type { User } from '../../users.ts';
import { guard } from '../aws-errors.ts';
import type { DocumentClient } from './client.ts';
import { updateExisting } from './conditional.ts';
import { sessionFromItem, userFromItem } from './items.ts';
import { keys, TTL_ATTRIBUTE } from './table-schema.ts';

/** Only what the session check needs; attribute names aliased so none collides with a reserved word. */
const SESSION_CONTEXT_PROJECTION = (() => {
  const attributes = [
    ...['pk', 'sk', 'tokenHash', 'tenantId', 'userId', 'createdAt', 'lastSeenAt', TTL_ATTRIBUTE, 'tenantGeneration'],
    ...['issuer', 'sub', 'email', 'emailVerified', 'name', 'groups', 'roles', 'role', 'disabled', 'lastLoginAt'],
    ...['sessionsNotBefore', 'generation'],
  ];
  const names = Object.fromEntries(attributes.map((attribute, index) => [`#p${index}`, attribute]));
  return { expression: Object.keys(names).join(', '), names };
})();

/** Sessions, each under the SHA-256 of its token, read together with their user and tenant. */
export class DynamoDbSessionStore implements SessionStore {
  constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
  ) {}

  /** Session, user and the tenant's session policy in one BatchGetItem (consistent). */
  async getSessionContext(tokenHash: string, tenantId: string, userId: string): Promise<SessionContext> {
    let pending: Record<string, unknown>[] = [
      keys.session(tokenHash),
      keys.user(tenantId, userId),
      keys.tenantConfig(tenantId),
    ];
    const found: Record<string, unknown>[] = [];
    // BatchGet may hand back unprocessed keys under load; one retry, then give up as unavailable.
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const result = await guard(() =>
        this.client.batchGet({
          RequestItems: {
            [this.tableName]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: SESSION_CONTEXT_PROJECTION.expression,
              ExpressionAttributeNames: SESSION_CONTEXT_PROJECTION.names,
            },
          },
        }),
      );
      found.push(...(result.Responses?.[this.tableName] ?? []));
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    if (pending.length > 0) throw new StoreUnavailableError(new Error('BatchGetItem left keys unprocessed'));
    return contextFrom(found);
  }

  async touchSession(tokenHash: string, lastSeenAt: number): Promise<void> {
    // A session deleted meanwhile (logout) is simply not touched.
    await updateExisting(this.client, {
      TableName: this.tableName,
      Key: keys.session(tokenHash),
      UpdateExpression: 'SET lastSeenAt = :lastSeenAt',
      ExpressionAttributeValues: { ':lastSeenAt': lastSeenAt },
    });
  }

  async deleteSession(tokenHash: string): Promise<{ tenantId: string; userId: string } | undefined> {
    const { Attributes } = await guard(() =>
      this.client.delete({ TableName: this.tableName, Key: keys.session(tokenHash), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes ? { tenantId: Attributes.tenantId, userId: Attributes.userId } : undefined;
  }
}

function contextFrom(items: Record<string, unknown>[]): SessionContext {
  let session: Session | undefined;
  let user: User | undefined;
  let tenant: SessionContext['tenant'];
  for (const item of items) {
    if (item.sk === 'SESSION') session = sessionFromItem(item);
    else if (item.sk === 'CONFIG') {
      tenant = {
        sessionsNotBefore: typeof item.sessionsNotBefore === 'number' ? item.sessionsNotBefore : undefined,
        generation: typeof item.generation === 'string' ? item.generation : undefined,
      };
    } else user = userFromItem(item);
  }
  return { session, user, tenant };
}
