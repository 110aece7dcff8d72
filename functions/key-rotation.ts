/**
 * The scheduled signing key rotation (not a route): EventBridge runs it daily,
 * and the stack's custom resource runs it once per deploy so the first key set
 * exists before the first token request. Each run is `rotateStoredKeys`: it
 * adds a key only when none exists or the signing one is old enough, and drops
 * retired keys whose tokens have all expired, so running it again changes
 * nothing. It logs kids only (public), never key material.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { createSigningKeyStore } from '../shared/adapters/signing-key-store.ts';
import { readConfig } from '../shared/config.ts';
import { rotateStoredKeys, rotationPolicy } from '../shared/session-token/rotation.ts';

const config = readConfig();
const client = createDocumentClient({ endpoint: config.dynamoDbEndpoint, maxAttempts: 3 });
const store = createSigningKeyStore(config, client);
const logger = new Logger();

/** What the CDK custom resource provider framework sends (the schedule's event has no `RequestType`). */
interface KeyRotationEvent {
  readonly RequestType?: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
}

/** The custom resource's physical id (infra/session-keys.ts `SIGNING_KEYS_RESOURCE_ID`): one key set per stack. */
const PHYSICAL_RESOURCE_ID = 'session-signing-keys';

export async function handler(event: KeyRotationEvent = {}): Promise<{ PhysicalResourceId: string }> {
  const physicalResourceId = { PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_RESOURCE_ID };
  // Removing the stack's resource keeps the keys (the secret and table are retained with the stack's data).
  if (event.RequestType === 'Delete') return physicalResourceId;
  const result = await rotateStoredKeys(store, Date.now, rotationPolicy(config));
  logger.info('signing key rotation', {
    trigger: event.RequestType ? 'deploy' : 'schedule',
    changed: result.changed,
    version: result.set.version,
    ...(result.added ? { addedKid: result.added } : {}),
    retiredKids: result.retired,
    droppedKids: result.dropped,
    kids: result.set.keys.map((key) => key.kid),
  });
  return physicalResourceId;
}
