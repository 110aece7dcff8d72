import type { SetupStore } from '../../../shared/ports.ts';
import type { SetupFormUse } from '../../../shared/setup/form-nonce.ts';
import type { SetupLink, SetupTestResult } from '../../../shared/setup/link.ts';

import { InMemoryTable } from './table.ts';

export class InMemorySetupStore implements SetupStore {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async putSetupLink(link: SetupLink) {
    this.table.setupLinks.set(link.tenantId, link);
  }
  async getSetupLink(tenantId: string) {
    return this.table.setupLinks.get(tenantId);
  }
  async deleteSetupLink(tenantId: string) {
    return this.table.setupLinks.delete(tenantId);
  }
  async countSetupAttempt(tenantId: string, windowStart: number, _windowEnd: number, limit: number) {
    const key = `${tenantId}/${windowStart}`;
    const attempts = this.table.setupAttempts.get(key) ?? 0;
    if (attempts >= limit) return false;
    this.table.setupAttempts.set(key, attempts + 1);
    return true;
  }
  async putSetupTestResult(result: SetupTestResult) {
    this.table.setupTests.set(result.tenantId, result);
  }
  async getSetupTestResult(tenantId: string) {
    return this.table.setupTests.get(tenantId);
  }
  async useSetupForm(use: SetupFormUse) {
    const key = `${use.tenantId}/${use.nonce}`;
    const earlier = this.table.setupForms.get(key);
    if (earlier) return earlier;
    this.table.setupForms.set(key, use);
    return undefined;
  }
  async finishSetupForm(tenantId: string, nonce: string, finishedAt: string) {
    const key = `${tenantId}/${nonce}`;
    const use = this.table.setupForms.get(key);
    if (use) this.table.setupForms.set(key, { ...use, finishedAt });
  }
}

/** Used token ids; shares the table so tests can look at what a call wrote. */
