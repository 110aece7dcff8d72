import type { TenantStore, TenantWriteOutcome } from '../../../shared/ports.ts';
import { TENANT_CONFIG_WRITE_FIELDS, type TenantConfig } from '../../../shared/tenants.ts';

import { InMemoryTable } from './table.ts';

export class InMemoryTenantStore implements TenantStore {
  reads = 0;

  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  /** The tenants themselves, for tests that arrange or inspect them directly. */
  get tenants() {
    return this.table.tenants;
  }

  async getTenant(tenantId: string) {
    this.reads++;
    return this.table.tenants.get(tenantId);
  }
  /** The DynamoDB adapter's conditions: created only where there is none; updated only at the generation and version read. */
  async putTenant(config: TenantConfig): Promise<TenantWriteOutcome> {
    await Promise.resolve(); // let racing callers interleave between writes, as in DynamoDB
    const stored = this.table.tenants.get(config.tenantId);
    if (config.configVersion === undefined) {
      if (stored) return 'conflict';
      this.table.tenants.set(config.tenantId, { ...config, configVersion: 1 });
      return 'written';
    }
    if (!stored || stored.generation !== config.generation) return 'not_found';
    if ((stored.configVersion ?? 0) !== config.configVersion) return 'conflict';
    // Only the fields a config write owns: what other writers keep on the item (hasOwner, scimGroups) stays.
    const next: Record<string, unknown> = { ...stored, configVersion: config.configVersion + 1 };
    for (const field of TENANT_CONFIG_WRITE_FIELDS) {
      if (config[field] === undefined) delete next[field];
      else next[field] = config[field];
    }
    this.table.tenants.set(config.tenantId, next as unknown as TenantConfig);
    return 'written';
  }
  async deleteTenant(tenantId: string) {
    return this.table.tenants.delete(tenantId);
  }
  async listTenants() {
    return [...this.table.tenants.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }
  async hasTenantData(tenantId: string) {
    const { tenants, owners, clientSecrets } = this.table;
    const hasItems = this.table.itemsOf(tenantId).length > 0;
    return tenants.has(tenantId) || owners.has(tenantId) || clientSecrets.has(tenantId) || hasItems;
  }
  async purgeTenantData(tenantId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    const count = (kind: string) => {
      removed[kind] = (removed[kind] ?? 0) + 1;
    };
    if (this.table.tenants.delete(tenantId)) count('tenant');
    if (this.table.owners.delete(tenantId)) count('owner');
    if (this.table.clientSecrets.delete(tenantId)) count('client_secret');
    for (const item of this.table.itemsOf(tenantId)) {
      item.remove();
      count(item.type);
    }
    return removed;
  }
}
