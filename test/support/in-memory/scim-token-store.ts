import type { ScimContext, ScimTokenStore } from '../../../shared/ports.ts';

import { InMemoryTable } from './table.ts';

export class InMemoryScimTokenStore implements ScimTokenStore {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async getScimContext(tenantId: string): Promise<ScimContext> {
    return { tenant: this.table.tenants.get(tenantId), tokenHash: this.table.scimTokens.get(tenantId) };
  }

  async putScimTokenHash(tenantId: string, tokenHash: string) {
    this.table.scimTokens.set(tenantId, tokenHash);
  }
}
