import type { ReplayGuard, StateKeyProvider } from '../../../shared/ports.ts';

import { InMemoryTable } from './table.ts';

export class InMemoryReplayGuard implements ReplayGuard {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async firstUse(id: string) {
    if (this.table.usedTokenIds.has(id)) return false;
    this.table.usedTokenIds.add(id);
    return true;
  }
}

export class FixedStateKey implements StateKeyProvider {
  constructor(readonly key: Uint8Array = new Uint8Array(32).fill(7)) {}
  async getStateKey() {
    return this.key;
  }
}

/**
 * Users, sessions, used states and the audit trail behind the four ports the
 * DynamoDB adapters implement separately. Given a tenant store, it checks the
 * tenant (and its generation) as the login transaction does.
 */
