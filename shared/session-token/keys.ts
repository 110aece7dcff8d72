/**
 * The session-token signing keys (README "Connect your app"): what a key is,
 * which key signs at a given time, and which public keys are published. The
 * rotation that adds and retires keys is `rotation.ts`; both only compute, the
 * stores are the `SigningKeyStore` (private + public) and `PublicKeyStore`
 * (public only) ports.
 */
import type { JWK } from 'jose';

/** The only JWS algorithm session tokens are signed with (API Gateway's JWT authorizers and every JOSE library accept it). */
export const SIGNING_ALGORITHM = 'RS256';

/** One RSA-2048 key pair. Times are epoch milliseconds. */
export interface SigningKey {
  /** Random, base64url (128 bits). */
  readonly kid: string;
  /** Never leaves the private store (Secrets Manager in AWS, the local table locally). */
  readonly privateJwk: JWK;
  /** `kty`, `n`, `e`, `kid`, `alg` RS256, `use` sig: nothing else. */
  readonly publicJwk: JWK;
  /** Published from then on. */
  readonly createdAt: number;
  /** Signs from then on (`createdAt` + the publication delay), until a newer key signs. */
  readonly signsFrom: number;
  /** Stopped signing then: a newer key signs from this time (the newer key's `signsFrom`). */
  readonly retiredAt?: number;
  /** Unpublished (and forgotten) from then on: every token it signed has expired by then. */
  readonly removeAfter?: number;
  /**
   * The standby: published, never signs until the rotation promotes it (clearing
   * this). Its `signsFrom` (`createdAt` + the publication delay) is the earliest
   * it may be promoted to sign, so an emergency removal of the signing key hands
   * over to it at once once it is that old.
   */
  readonly standby?: true;
}

/** The whole key set (private store). `version` is the stored version a write is conditional on. */
export interface KeySet {
  readonly keys: readonly SigningKey[];
  readonly version: number;
}

/** A key as the public store keeps it: the public JWK and the key's times, never the private part. */
export type PublicKeyEntry = Pick<
  SigningKey,
  'publicJwk' | 'createdAt' | 'signsFrom' | 'retiredAt' | 'removeAfter' | 'standby'
>;

/** The public key set (the table item `SIGNING_KEYS` / `PUBLIC`), the same `version` as the private set it was written with. */
export interface PublicKeySet {
  readonly keys: readonly PublicKeyEntry[];
  readonly version: number;
}

/** The members a published RSA public JWK may carry; anything else (d, p, q, dp, dq, qi, oth, k, …) is dropped. */
const PUBLIC_MEMBERS = ['kty', 'n', 'e', 'kid', 'alg', 'use'] as const;

/** The public JWK of a key pair: only `kty`, `n`, `e`, `kid`, `alg`, `use`, whatever `jwk` carries. */
export function publicJwkOf(jwk: JWK, kid: string): JWK {
  const out: JWK = {};
  for (const member of PUBLIC_MEMBERS) {
    const value = jwk[member];
    if (typeof value === 'string') out[member] = value;
  }
  return { ...out, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
}

/**
 * The one rule for which key signs at `now`: the newest key (latest
 * `signsFrom`) that signs by then and was not retired by then; never the
 * standby (it signs only once the rotation promotes it). Undefined when none
 * does (an empty set, or only keys still waiting out their publication delay,
 * or only retired ones and the standby).
 */
export function signingKeyAt(set: KeySet, now: number): SigningKey | undefined {
  let best: SigningKey | undefined;
  for (const key of set.keys) {
    if (key.standby === true) continue;
    if (key.signsFrom > now) continue;
    if (key.retiredAt !== undefined && key.retiredAt <= now) continue;
    if (key.removeAfter !== undefined && key.removeAfter <= now) continue;
    if (best === undefined || key.signsFrom > best.signsFrom) best = key;
  }
  return best;
}

/** Whether the entry is published at `now`: created by then, not past its removal. */
export function isPublishedAt(entry: PublicKeyEntry, now: number): boolean {
  return entry.createdAt <= now && (entry.removeAfter === undefined || now < entry.removeAfter);
}

/** The key set `GET /.well-known/jwks.json` publishes at `now`, each JWK cut to its public members. */
export function publishedJwks(set: PublicKeySet, now: number): { keys: JWK[] } {
  return {
    keys: set.keys
      .filter((entry) => isPublishedAt(entry, now))
      .map((entry) => publicJwkOf(entry.publicJwk, entry.publicJwk.kid ?? '')),
  };
}

/** The public half of a key set, written alongside it (same version). */
export function publicKeySet(set: KeySet): PublicKeySet {
  return {
    version: set.version,
    keys: set.keys.map((key) => ({
      publicJwk: publicJwkOf(key.publicJwk, key.kid),
      createdAt: key.createdAt,
      signsFrom: key.signsFrom,
      ...(key.retiredAt !== undefined ? { retiredAt: key.retiredAt } : {}),
      ...(key.removeAfter !== undefined ? { removeAfter: key.removeAfter } : {}),
      ...(key.standby === true ? { standby: true as const } : {}),
    })),
  };
}

/**
 * The key set cut to the keys `published` lists at `now`, each with the times
 * `published` gives it: a signer with a cached private set uses this with a
 * fresh public set, so a key removed in an emergency never signs again and a
 * retirement or a standby's promotion shows at once, whatever its cache holds.
 */
export function keysPublishedIn(set: KeySet, published: PublicKeySet, now: number): KeySet {
  const entries = new Map(
    published.keys.filter((entry) => isPublishedAt(entry, now)).map((entry) => [entry.publicJwk.kid, entry]),
  );
  const keys: SigningKey[] = [];
  for (const key of set.keys) {
    const entry = entries.get(key.kid);
    if (!entry) continue;
    const { retiredAt: _retiredAt, removeAfter: _removeAfter, standby: _standby, ...rest } = key;
    keys.push({
      ...rest,
      createdAt: entry.createdAt,
      signsFrom: entry.signsFrom,
      ...(entry.retiredAt !== undefined ? { retiredAt: entry.retiredAt } : {}),
      ...(entry.removeAfter !== undefined ? { removeAfter: entry.removeAfter } : {}),
      ...(entry.standby === true ? { standby: true as const } : {}),
    });
  }
  return { version: published.version, keys };
}
