/**
 * Rotation of the session-token signing keys (README "Signing keys"). Pure
 * over an injected clock and key generator; `rotateStoredKeys` runs it against
 * the store, conditional on the version read.
 *
 * The rules, times in epoch ms:
 * - A key is published at `createdAt` and never signs before `createdAt` +
 *   the publication delay: longer than the longest verifier cache of the key
 *   set (API Gateway's JWT authorizer: 2 h) plus our own secret cache, so no
 *   verifier meets a `kid` it has not fetched. Only the very first key
 *   (nothing stored yet) signs at once: no verifier can have cached a key set
 *   before there was one.
 * - There is always a standby: a key published but not signing
 *   (`standby: true`), created as soon as there is none (with the first key,
 *   and whenever one is promoted or removed). By the time it is needed it has
 *   normally been in every verifier's key set for the delay, so it can take
 *   over at once.
 * - A key signs for `rotationDays` from its `signsFrom`; then the rotation
 *   promotes the standby (it signs from the rotation time if it has been
 *   published for the delay, otherwise from when it has) and creates a new
 *   standby. Without a standby (a set stored before standbys), a new key is
 *   added and signs after the delay.
 * - The previous signing key is retired at its successor's `signsFrom`, and
 *   stays published until every token it may have signed has expired:
 *   `removeAfter` = the last moment it may still sign (its `retiredAt`, or,
 *   when an instance's cached private set predates the change, the change +
 *   the secret cache, whichever is later) + the longest token lifetime + a
 *   clock margin for verifiers' clocks. Past it, the key is dropped from both
 *   sets.
 * - `removeKey` (the emergency command) drops a key at once: every token it
 *   signed stops verifying as soon as verifiers refetch the key set. The run
 *   that follows it promotes the standby if the removed key was the signing
 *   one (no gap when the standby is ripe; else tokens answer 503 until it
 *   is, never longer than the delay), and creates a new standby.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { ServiceConfig } from '../config.ts';
import type { SigningKeyStore } from '../ports.ts';
import { SETTINGS } from '../settings.ts';
import { type KeySet, publicJwkOf, SIGNING_ALGORITHM, type SigningKey, signingKeyAt } from './keys.ts';

const DAY_MS = 24 * 3600 * 1000;

/** Verifiers' clocks may run behind ours: a retired key stays published this much longer. */
export const CLOCK_MARGIN_MS = 5 * 60 * 1000;

/** The times rotation follows, in ms (from config: rotation days, publication delay, token TTL, secret cache). */
export interface RotationPolicy {
  readonly rotationDays: number;
  readonly publicationDelayMs: number;
  /** The longest session-token lifetime (the TTL setting's maximum, so a TTL change cannot outlive it). */
  readonly maxTokenTtlMs: number;
  /** How long a signer may use a cached private set. */
  readonly secretsCacheMs: number;
}

/**
 * The deployment's rotation policy. The token lifetime counted is the
 * setting's maximum, not the configured one: a later TTL change cannot make a
 * token outlive the key that verifies it.
 */
export function rotationPolicy(
  config: Pick<ServiceConfig, 'signingKeyRotationDays' | 'signingKeyPublicationDelaySeconds' | 'secretsCacheSeconds'>,
): RotationPolicy {
  return {
    rotationDays: config.signingKeyRotationDays,
    publicationDelayMs: config.signingKeyPublicationDelaySeconds * 1000,
    maxTokenTtlMs: SETTINGS.sessionTokenTtlSeconds.max * 1000,
    secretsCacheMs: config.secretsCacheSeconds * 1000,
  };
}

/** A fresh key pair: `kid`, private JWK and public JWK (RS256, `use` sig). */
export type NewKeyPair = Pick<SigningKey, 'kid' | 'privateJwk' | 'publicJwk'>;

/**
 * Generates an RSA-2048 key pair for RS256 with a random 128-bit `kid`:
 * base64url behind a `k` prefix, so an operator can pass it to a command
 * line (`signing-keys remove <kid>`) even when the random part starts with "-".
 */
export async function generateSigningKeyPair(): Promise<NewKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, {
    modulusLength: 2048,
    extractable: true,
  });
  const kid = `k${randomBytes(16).toString('base64url')}`;
  const publicJwk = publicJwkOf(await exportJWK(publicKey), kid);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM, use: 'sig' };
  return { kid, privateJwk, publicJwk };
}

/** What a rotation did; kids only (they are public). */
export interface RotationResult {
  /** The set to store (version bumped when `changed`). */
  readonly set: KeySet;
  readonly changed: boolean;
  /**
   * The key this run made the next signer, if any: the standby it promoted
   * or, when there was no standby, a key it created (it signs from its
   * `signsFrom`).
   */
  readonly added?: string;
  /** Whether `added` is the promoted standby (false: a new key, or nothing added). */
  readonly promoted: boolean;
  /** The new standby this run created, if any. */
  readonly standby?: string;
  /** Keys retired by this run (they keep being published until `removeAfter`). */
  readonly retired: readonly string[];
  /** Keys dropped because every token they signed has expired. */
  readonly dropped: readonly string[];
}

/**
 * One rotation run at `now`:
 * - drops keys past `removeAfter`;
 * - brings in a next signer when none signs now (the first key, or after an
 *   emergency removal), when the signing key has signed for `rotationDays`,
 *   when it is due to retire with no successor left (its successor was
 *   removed), or on `force` (the operator's `signing-keys rotate`), unless a
 *   successor already waits out its publication delay. The next signer is the
 *   standby, promoted: it signs from `now` if it has been published for the
 *   publication delay, else from when it has; without a standby, a new key
 *   that signs after the delay (the very first key of a deployment: at once);
 * - retires every other signing key at the next signer's `signsFrom`;
 * - creates a standby whenever there is none (so after every promotion): a
 *   key published now that signs only once promoted, by then published for
 *   the delay.
 * Idempotent: running it again at the same time changes nothing.
 */
export async function rotate(
  current: KeySet | undefined,
  now: number,
  policy: RotationPolicy,
  generate: () => Promise<NewKeyPair> = generateSigningKeyPair,
  options: { readonly force?: boolean } = {},
): Promise<RotationResult> {
  const version = current?.version ?? 0;
  const kept = (current?.keys ?? []).filter((key) => key.removeAfter === undefined || now < key.removeAfter);
  const dropped = (current?.keys ?? []).filter((key) => !kept.includes(key)).map((key) => key.kid);
  const standby = ripestStandby(kept);
  const due = isRotationDue(kept, version, now, policy, options.force === true);
  const promotion = due ? await promoteNext(kept, standby, current === undefined, now, policy, generate) : undefined;
  let keys = promotion?.keys ?? kept;
  let newStandby: string | undefined;
  if (!keys.some((key) => key.standby === true)) {
    const pair = await generate();
    keys = [...keys, { ...pair, createdAt: now, signsFrom: now + policy.publicationDelayMs, standby: true }];
    newStandby = pair.kid;
  }
  const added = promotion?.added;
  const changed = dropped.length > 0 || added !== undefined || newStandby !== undefined;
  return {
    set: changed ? { keys, version: version + 1 } : (current ?? { keys: [], version }),
    changed,
    ...(added !== undefined ? { added } : {}),
    promoted: added !== undefined && added === standby?.kid,
    ...(newStandby !== undefined ? { standby: newStandby } : {}),
    retired: promotion?.retired ?? [],
    dropped,
  };
}

/** The ripest standby, should a lost update ever have left two. */
function ripestStandby(keys: readonly SigningKey[]): SigningKey | undefined {
  return keys
    .filter((key) => key.standby === true)
    .sort((a, b) => a.signsFrom - b.signsFrom || a.createdAt - b.createdAt)[0];
}

/**
 * Whether a next signer comes in now: none signs, the operator forces it, the
 * signer is due to retire with no successor, or it has signed for
 * `rotationDays`; never while a successor waits out its publication delay.
 */
function isRotationDue(
  keys: readonly SigningKey[],
  version: number,
  now: number,
  policy: RotationPolicy,
  force: boolean,
): boolean {
  const waiting = keys.some((key) => key.standby !== true && key.signsFrom > now && key.retiredAt === undefined);
  if (waiting) return false;
  const signer = signingKeyAt({ keys: [...keys], version }, now);
  return (
    signer === undefined ||
    force ||
    signer.retiredAt !== undefined ||
    now - signer.signsFrom >= policy.rotationDays * DAY_MS
  );
}

/** The next signer: the standby promoted, or a new key when there is none. */
async function nextSigner(
  standby: SigningKey | undefined,
  firstKey: boolean,
  now: number,
  policy: RotationPolicy,
  generate: () => Promise<NewKeyPair>,
): Promise<SigningKey> {
  if (standby) {
    // Published since createdAt: it may sign once that is the publication delay ago (the delay
    // as configured now, should it have grown since the standby was made).
    const { standby: _standby, ...promoted } = standby;
    return { ...promoted, signsFrom: Math.max(now, standby.signsFrom, standby.createdAt + policy.publicationDelayMs) };
  }
  return { ...(await generate()), createdAt: now, signsFrom: firstKey ? now : now + policy.publicationDelayMs };
}

/** Brings in the next signer and retires every other signing key at its `signsFrom`. */
async function promoteNext(
  kept: readonly SigningKey[],
  standby: SigningKey | undefined,
  firstKey: boolean,
  now: number,
  policy: RotationPolicy,
  generate: () => Promise<NewKeyPair>,
): Promise<{ keys: SigningKey[]; added: string; retired: string[] }> {
  const next = await nextSigner(standby, firstKey, now, policy, generate);
  // A signer whose cached private set predates this change keeps its old view until its cache expires.
  const lastSignature = Math.max(next.signsFrom, now + policy.secretsCacheMs);
  const removeAfter = lastSignature + policy.maxTokenTtlMs + CLOCK_MARGIN_MS;
  const retired: string[] = [];
  const keys = kept.map((key) => {
    if (key === standby) return next;
    // Already stopped: frozen (its removeAfter covers its tokens). A retirement still ahead
    // (its successor was removed) moves to the next signer's start, so no gap opens.
    if (key.standby === true || (key.retiredAt !== undefined && key.retiredAt <= now)) return key;
    retired.push(key.kid);
    return { ...key, retiredAt: next.signsFrom, removeAfter: Math.max(key.removeAfter ?? 0, removeAfter) };
  });
  if (!standby) keys.push(next);
  return { keys, added: next.kid, retired };
}

/** The set without `kid` (the emergency command); `removed` false when there was no such key. */
export function removeKey(set: KeySet, kid: string): { readonly set: KeySet; readonly removed: boolean } {
  const keys = set.keys.filter((key) => key.kid !== kid);
  if (keys.length === set.keys.length) return { set, removed: false };
  return { set: { keys, version: set.version + 1 }, removed: true };
}

const ATTEMPTS = 5;

/**
 * Reads the stored set (fresh), applies `change`, and writes it conditional on
 * the version read; on a conflict (another rotation or command came first)
 * reads again and re-applies, up to 5 times.
 */
export async function updateStoredKeys<T extends { readonly set: KeySet; readonly changed: boolean }>(
  store: SigningKeyStore,
  change: (current: KeySet | undefined) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.getKeySet({ fresh: true });
    const result = await change(current);
    if (!result.changed) return result;
    if ((await store.putKeySet(result.set, current?.version)) === 'written') return result;
    if (attempt >= ATTEMPTS) throw new Error(`The signing key set kept changing: ${ATTEMPTS} writes conflicted`);
  }
}

/** `rotate` against the store (the scheduled function, the CLI, the local stack at start). */
export function rotateStoredKeys(
  store: SigningKeyStore,
  now: () => number,
  policy: RotationPolicy,
  generate: () => Promise<NewKeyPair> = generateSigningKeyPair,
  options: { readonly force?: boolean } = {},
): Promise<RotationResult> {
  return updateStoredKeys(store, (current) => rotate(current, now(), policy, generate, options));
}

/** `removeKey` against the store (the emergency command). */
export function removeStoredKey(
  store: SigningKeyStore,
  kid: string,
): Promise<{ readonly set: KeySet; readonly removed: boolean; readonly changed: boolean }> {
  return updateStoredKeys(store, async (current) => {
    const result = removeKey(current ?? { keys: [], version: 0 }, kid);
    return { ...result, changed: result.removed };
  });
}
