/**
 * In-memory implementations of the domain's ports, for unit tests of the
 * domain. Writes that DynamoDB does in one transaction happen here within one
 * synchronous block, which is just as atomic on Node's single thread. The
 * contract tests (test/integration/store-contract.test.ts) run the same cases
 * against these and the DynamoDB adapters, so the two cannot drift.
 */

export * from './in-memory/identity-store.ts';
export * from './in-memory/replay-guard.ts';
export * from './in-memory/scim-directory.ts';
export * from './in-memory/secret-stores.ts';
export * from './in-memory/setup-store.ts';
export * from './in-memory/table.ts';
export * from './in-memory/telemetry.ts';
export * from './in-memory/tenant-store.ts';
