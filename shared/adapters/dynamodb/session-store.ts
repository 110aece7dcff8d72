import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../errors.ts';
import type { SessionContext, SessionContextWithKeys, SessionStore, UserSessions } from '../../ports.ts';
import { epochFromStored } from '../../session/revocation.ts';
import type { Session } from '../../sessions.ts';
import type { User } from '../../users.ts';
import { guard } from '../aws-errors.ts';
import { updateExisting } from './conditional.ts';
import { isUserItem, sessionFromItem, userFromItem } from './items.ts';
import { pages } from './paginate.ts';
import { publicKeySetFromItem } from './public-key-store.ts';
import { keys, TTL_ATTRIBUTE, USER_SESSIONS_INDEX, userSessionsKey } from './table-schema.ts';

type Item = Record<string, unknown>;

/** BatchGetItem reads at most 100 keys per request. */
const BATCH_GET_LIMIT = 100;

/** Only what the session check needs; attribute names aliased so none collides with a reserved word. */
const SESSION_CONTEXT_PROJECTION = (() => {
  const attributes = [
    ...['pk', 'sk', 'type', 'tokenHash', 'tenantId', 'userId', 'createdAt', 'createdAtMs', 'lastSeenAt'],
    ...[TTL_ATTRIBUTE, 'tenantGeneration'],
    ...['issuer', 'sub', 'email', 'emailVerified', 'name', 'groups', 'roles', 'role', 'lastLoginAt'],
    ...['disabled', 'adminDisabled', 'deactivated', 'sessionsNotBefore', 'sessionsNotBeforeMs', 'generation'],
    // The public signing keys (`SIGNING_KEYS` / `PUBLIC`), read with a session by the token function.
    ...['keys', 'version'],
  ];
  const names = Object.fromEntries(attributes.map((attribute, index) => [`#p${index}`, attribute]));
  return { expression: Object.keys(names).join(', '), names };
})();

/** Sessions, each under the SHA-256 of its token, read together with their user and tenant. */
export class DynamoDbSessionStore implements SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Session, user and the tenant's session policy in one BatchGetItem (consistent). */
  async getSessionContext(tokenHash: string, tenantId: string, userId: string): Promise<SessionContext> {
    const found = await this.#batchGet([
      keys.session(tokenHash),
      keys.user(tenantId, userId),
      keys.tenantConfig(tenantId),
    ]);
    const { sessions, user, tenant } = contextFrom(found);
    return { session: sessions[0], user, tenant };
  }

  /** The same BatchGetItem with the public key item as its fourth key: still one request. */
  async getSessionContextWithKeys(
    tokenHash: string,
    tenantId: string,
    userId: string,
  ): Promise<SessionContextWithKeys> {
    const found = await this.#batchGet([
      keys.session(tokenHash),
      keys.user(tenantId, userId),
      keys.tenantConfig(tenantId),
      keys.publicSigningKeys(),
    ]);
    const { sessions, user, tenant } = contextFrom(found);
    const publicKeys = publicKeySetFromItem(found.find((item) => item.pk === keys.publicSigningKeys().pk));
    return { session: sessions[0], user, tenant, publicKeys };
  }

  /**
   * The user's unexpired sessions from the user-sessions index (keys only,
   * one Query page per 1 MB), then the sessions themselves with the user and
   * the tenant in consistent BatchGetItems of up to 100 keys. Only Universal
   * Logout asks, to count what it ends; no request path reads the index.
   */
  async listUserSessions(tenantId: string, userId: string, now: number): Promise<UserSessions> {
    const sessionKeys: Item[] = [];
    for await (const page of pages(this.client, {
      operation: 'query',
      TableName: this.tableName,
      IndexName: USER_SESSIONS_INDEX.indexName,
      KeyConditionExpression: '#user = :user AND #expires > :now',
      ExpressionAttributeNames: { '#user': USER_SESSIONS_INDEX.partitionKey, '#expires': USER_SESSIONS_INDEX.sortKey },
      ExpressionAttributeValues: { ':user': userSessionsKey(tenantId, userId), ':now': now },
    })) {
      sessionKeys.push(...page.map((item) => ({ pk: item.pk, sk: item.sk })));
    }
    const found = await this.#batchGet([keys.user(tenantId, userId), keys.tenantConfig(tenantId), ...sessionKeys]);
    const context = contextFrom(found);
    // The index is eventually consistent: a session deleted or replaced meanwhile is simply not found here.
    return { ...context, sessions: context.sessions.filter((session) => session.expiresAt > now) };
  }

  /**
   * Consistent BatchGetItems of up to 100 keys each. DynamoDB may hand keys
   * back unprocessed under load: each batch gets one more try, then the store
   * counts as unavailable.
   */
  async #batchGet(allKeys: Item[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let start = 0; start < allKeys.length; start += BATCH_GET_LIMIT) {
      let pending = allKeys.slice(start, start + BATCH_GET_LIMIT);
      for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
        const result = await guard(() =>
          this.client.send(
            new BatchGetCommand({
              RequestItems: {
                [this.tableName]: {
                  Keys: pending,
                  ConsistentRead: true,
                  ProjectionExpression: SESSION_CONTEXT_PROJECTION.expression,
                  ExpressionAttributeNames: SESSION_CONTEXT_PROJECTION.names,
                },
              },
            }),
          ),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
      if (pending.length > 0) throw new StoreUnavailableError(new Error('BatchGetItem left keys unprocessed'));
    }
    return found;
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
      this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: keys.session(tokenHash), ReturnValues: 'ALL_OLD' }),
      ),
    );
    return Attributes ? { tenantId: Attributes.tenantId, userId: Attributes.userId } : undefined;
  }
}

/** Sessions, user and tenant from the items of one read, told apart by their sort keys. */
function contextFrom(items: Item[]): UserSessions {
  const sessions: Session[] = [];
  let user: User | undefined;
  let tenant: SessionContext['tenant'];
  for (const item of items) {
    if (item.sk === 'SESSION') sessions.push(sessionFromItem(item));
    else if (item.pk === keys.publicSigningKeys().pk) continue;
    else if (item.sk === 'CONFIG') {
      tenant = {
        sessionsNotBeforeMs: epochFromStored(item.sessionsNotBeforeMs, item.sessionsNotBefore),
        generation: typeof item.generation === 'string' ? item.generation : undefined,
      };
      // Only a user: a link or a deleted user's tombstone at that key holds no sessions.
    } else if (isUserItem(item)) user = userFromItem(item);
  }
  return { sessions, user, tenant };
}
