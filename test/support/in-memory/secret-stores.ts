import type { ClientSecretStore, PublicKeyStore, SigningKeyStore } from '../../../shared/ports.ts';
import { type KeySet, publicKeySet } from '../../../shared/session-token/keys.ts';

import { InMemoryTable } from './table.ts';

export class InMemoryClientSecretStore implements ClientSecretStore {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  get secrets() {
    return this.table.clientSecrets;
  }
  async getClientSecret(tenantId: string) {
    return this.table.clientSecrets.get(tenantId);
  }
  async hasClientSecret(tenantId: string) {
    return this.table.clientSecrets.has(tenantId);
  }
  async putClientSecret(tenantId: string, secret: string) {
    this.table.clientSecrets.set(tenantId, secret);
  }
  async deleteClientSecret(tenantId: string) {
    this.table.clientSecrets.delete(tenantId);
  }
}

/** The signing keys, private and public, written together like the DynamoDB transaction. */
export class InMemorySigningKeyStore implements SigningKeyStore, PublicKeyStore {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async getKeySet(_options?: { readonly fresh?: boolean }) {
    return this.table.signingKeySet;
  }
  async putKeySet(set: KeySet, expectedVersion: number | undefined) {
    if (this.table.signingKeySet?.version !== expectedVersion) return 'conflict' as const;
    this.table.signingKeySet = set;
    this.table.publicKeys = publicKeySet(set);
    return 'written' as const;
  }
  async getPublicKeys() {
    return this.table.publicKeys;
  }
}
