import type { AuditEvent } from '../../../shared/audit.ts';
import type { ScimGroup, UserKeyItem } from '../../../shared/ports.ts';
import type { KeySet, PublicKeySet } from '../../../shared/session-token/keys.ts';
import type { Session } from '../../../shared/sessions.ts';
import type { SetupFormUse } from '../../../shared/setup/form-nonce.ts';
import type { SetupLink, SetupTestResult } from '../../../shared/setup/link.ts';
import type { TenantConfig } from '../../../shared/tenants.ts';
import type { User } from '../../../shared/users.ts';

/** The maps both stores share, as the DynamoDB adapters share one table. */
export class InMemoryTable {
  readonly tenants = new Map<string, TenantConfig>();
  readonly users = new Map<string, User>();
  readonly owners = new Map<string, string>();
  readonly sessions = new Map<string, Session>();
  readonly usedStates = new Set<string>();
  readonly usedTokenIds = new Set<string>();
  readonly auditEvents: AuditEvent[] = [];
  readonly tenantSessionsNotBeforeMs = new Map<string, number>();
  readonly clientSecrets = new Map<string, string>();
  readonly setupLinks = new Map<string, SetupLink>();
  readonly setupTests = new Map<string, SetupTestResult>();
  /** `<tenant>/<window start>` → attempts. */
  readonly setupAttempts = new Map<string, number>();
  /** Used setup form nonces, by `<tenant>/<nonce>`. */
  readonly setupForms = new Map<string, SetupFormUse>();
  /** `tenant/derivedId` → the SCIM user a login's derived id points at (DynamoDB: a `user_link` item). */
  readonly links = new Map<string, string>();
  /** `tenant/id` → a user SCIM deleted (DynamoDB: a `user_deleted` item at that key): the epoch it keeps. */
  readonly tombstones = new Map<
    string,
    { userId: string; sessionsNotBeforeMs: number | undefined; role: 'owner' | 'member' }
  >();
  /** `tenant/lower-cased userName` → user id. */
  readonly userNames = new Map<string, string>();
  readonly externalIds = new Map<string, string>();
  readonly scimTokens = new Map<string, string>();
  readonly groups = new Map<string, ScimGroup>();
  /** `tenant/lower-cased displayName` → group id. */
  readonly groupNames = new Map<string, string>();
  /** `tenant/groupId/userId`. */
  readonly members = new Set<string>();
  /** The private signing key set (DynamoDB: `SIGNING_KEYS` / `PRIVATE` locally, Secrets Manager in AWS). */
  signingKeySet: KeySet | undefined;
  /** The public signing keys (DynamoDB: the `SIGNING_KEYS` / `PUBLIC` item), read with a session by the token function. */
  publicKeys: PublicKeySet | undefined;

  /** What a `USER#<id>` key holds (`UserLookup.readUserKey`). */
  userKey(tenantId: string, userId: string): UserKeyItem | undefined {
    const key = `${tenantId}/${userId}`;
    const user = this.users.get(key);
    if (user) return { kind: 'user', user };
    const link = this.links.get(key);
    if (link) return { kind: 'link', userId: link };
    const tombstone = this.tombstones.get(key);
    return tombstone ? { kind: 'deleted', userId: tombstone.userId, deletedAt: undefined } : undefined;
  }

  /** Every key this table holds under a tenant, by the item type DynamoDB would store. */
  itemsOf(tenantId: string): Array<{ type: string; remove: () => void }> {
    const prefix = `${tenantId}/`;
    const items: Array<{ type: string; remove: () => void }> = [];
    const add = (type: string, map: Map<string, unknown> | Set<string>) => {
      for (const key of [...map.keys()])
        if (key.startsWith(prefix)) items.push({ type, remove: () => map.delete(key) });
    };
    add('user', this.users);
    add('user_link', this.links);
    add('user_deleted', this.tombstones);
    add('user_name', this.userNames);
    add('external_id', this.externalIds);
    add('scim_group', this.groups);
    add('scim_group_name', this.groupNames);
    add('scim_member', this.members);
    add('setup_attempts', this.setupAttempts);
    add('setup_form', this.setupForms);
    if (this.scimTokens.has(tenantId))
      items.push({ type: 'scim_token', remove: () => this.scimTokens.delete(tenantId) });
    if (this.setupLinks.has(tenantId))
      items.push({ type: 'setup_link', remove: () => this.setupLinks.delete(tenantId) });
    if (this.setupTests.has(tenantId))
      items.push({ type: 'setup_test', remove: () => this.setupTests.delete(tenantId) });
    return items;
  }
}
