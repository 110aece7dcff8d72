/**
 * Signing key rotation (`shared/session-token/rotation.ts`) and the rules of
 * `keys.ts`, over an injected clock: a full cycle (publication delay, the new
 * key signing, the retired key published until its tokens expired), the
 * standby (promoted at rotation and at the emergency removal of the signing
 * key: no gap when it is ripe, the gap as before when it is younger than the
 * delay), and the store runner's conditional writes.
 */
import { describe, expect, it } from 'vitest';
import type { SigningKeyStore } from '../../shared/ports.ts';
import {
  type KeySet,
  keysPublishedIn,
  publicKeySet,
  publishedJwks,
  signingKeyAt,
} from '../../shared/session-token/keys.ts';
import { discovery, jwks } from '../../shared/session-token/public-routes.ts';
import {
  CLOCK_MARGIN_MS,
  generateSigningKeyPair,
  type NewKeyPair,
  type RotationPolicy,
  removeKey,
  removeStoredKey,
  rotate,
  rotateStoredKeys,
} from '../../shared/session-token/rotation.ts';
import { InMemorySigningKeyStore } from '../support/in-memory-stores.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.parse('2026-12-06T12:00:00Z');

const policy: RotationPolicy = {
  rotationDays: 30,
  publicationDelayMs: 125 * MIN,
  maxTokenTtlMs: 15 * MIN,
  secretsCacheMs: 5 * MIN,
};

/** Cheap fake key pairs (no RSA generation): the rules do not look at the key material. */
function fakeGenerator(): () => Promise<NewKeyPair> {
  let n = 0;
  return async () => {
    n += 1;
    const kid = `kid-${n}`;
    return {
      kid,
      privateJwk: { kty: 'RSA', n: `n${n}`, e: 'AQAB', d: `private-${n}`, p: 'p', q: 'q', kid },
      publicJwk: { kty: 'RSA', n: `n${n}`, e: 'AQAB', kid, alg: 'RS256', use: 'sig' },
    };
  };
}

const kids = (set: KeySet, now: number) => publishedJwks(publicKeySet(set), now).keys.map((key) => key.kid);

const keyOf = (set: KeySet, kid: string) => set.keys.find((key) => key.kid === kid);
const standbyOf = (set: KeySet) => set.keys.filter((key) => key.standby === true).map((key) => key.kid);

describe('rotation', () => {
  it('the very first key signs at once; a standby is published with it and never signs unpromoted', async () => {
    const first = await rotate(undefined, T0, policy, fakeGenerator());
    expect(first).toMatchObject({ changed: true, added: 'kid-1', promoted: false, standby: 'kid-2' });
    expect(first.set.version).toBe(1);
    expect(signingKeyAt(first.set, T0)?.kid).toBe('kid-1');
    expect(kids(first.set, T0)).toEqual(['kid-1', 'kid-2']);
    expect(keyOf(first.set, 'kid-2')).toMatchObject({ createdAt: T0, signsFrom: T0 + policy.publicationDelayMs });
    expect(standbyOf(first.set)).toEqual(['kid-2']);
    expect(publicKeySet(first.set).keys[1]?.standby).toBe(true);
    // Ripe but not promoted: the signing key still signs, for as long as it is not due.
    expect(signingKeyAt(first.set, T0 + 29 * DAY)?.kid).toBe('kid-1');
    // With nothing else to sign, the standby still does not sign on its own.
    expect(signingKeyAt(removeKey(first.set, 'kid-1').set, T0 + DAY)).toBeUndefined();
  });

  it('runs a full cycle: the ripe standby signs from the rotation time, a new standby is published, the old key retired then dropped after its tokens expired', async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;

    // Idempotent while the signing key has signed for less than rotationDays.
    const early = await rotate(first, T0 + 29 * DAY, policy, generate);
    expect(early.changed).toBe(false);
    expect(early.set).toBe(first);

    const rotatedAt = T0 + 30 * DAY;
    const rotated = await rotate(first, rotatedAt, policy, generate);
    expect(rotated).toMatchObject({
      changed: true,
      added: 'kid-2',
      promoted: true,
      standby: 'kid-3',
      retired: ['kid-1'],
      dropped: [],
    });
    const set = rotated.set;
    // Published since T0, for far longer than the delay: it signs from the rotation on.
    expect(keyOf(set, 'kid-2')).toMatchObject({ createdAt: T0, signsFrom: rotatedAt });
    expect(keyOf(set, 'kid-2')?.standby).toBeUndefined();
    expect(signingKeyAt(set, rotatedAt - 1)?.kid).toBe('kid-1');
    expect(signingKeyAt(set, rotatedAt)?.kid).toBe('kid-2');
    expect(keyOf(set, 'kid-3')).toMatchObject({
      createdAt: rotatedAt,
      signsFrom: rotatedAt + policy.publicationDelayMs,
      standby: true,
    });
    expect(kids(set, rotatedAt)).toEqual(['kid-1', 'kid-2', 'kid-3']);

    // Running again adds nothing.
    expect((await rotate(set, rotatedAt + MIN, policy, generate)).changed).toBe(false);

    // The old key's last token (signed at the latest when a cached private set expires) is kept published.
    const oldKey = keyOf(set, 'kid-1');
    expect(oldKey?.retiredAt).toBe(rotatedAt);
    const removeAfter = rotatedAt + policy.secretsCacheMs + policy.maxTokenTtlMs + CLOCK_MARGIN_MS;
    expect(oldKey?.removeAfter).toBe(removeAfter);
    expect(kids(set, removeAfter - 1)).toContain('kid-1');
    expect(kids(set, removeAfter)).toEqual(['kid-2', 'kid-3']);

    // The next run drops it from the stored set (private part included).
    const cleaned = await rotate(set, removeAfter, policy, generate);
    expect(cleaned).toMatchObject({ changed: true, dropped: ['kid-1'], retired: [], promoted: false });
    expect(cleaned.set.keys.map((key) => key.kid)).toEqual(['kid-2', 'kid-3']);
    expect(cleaned.set.version).toBe(set.version + 1);

    // kid-2 signs for rotationDays from its signsFrom, then hands over to kid-3 the same way.
    expect((await rotate(cleaned.set, rotatedAt + 30 * DAY - 1, policy, generate)).changed).toBe(false);
    const again = await rotate(cleaned.set, rotatedAt + 30 * DAY, policy, generate);
    expect(again).toMatchObject({ added: 'kid-3', promoted: true, standby: 'kid-4', retired: ['kid-2'] });
    expect(signingKeyAt(again.set, rotatedAt + 30 * DAY)?.kid).toBe('kid-3');
  });

  it('a standby younger than the publication delay at rotation time signs only once it is that old (the old key signs meanwhile)', async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    // The standby was removed shortly before the rotation: its replacement is young.
    const removedAt = T0 + 30 * DAY - 30 * MIN;
    const replaced = await rotate(removeKey(first, 'kid-2').set, removedAt, policy, generate);
    expect(replaced).toMatchObject({ changed: true, standby: 'kid-3', retired: [] });
    expect(replaced.added).toBeUndefined();
    expect(signingKeyAt(replaced.set, removedAt)?.kid).toBe('kid-1');

    const rotatedAt = T0 + 30 * DAY;
    const rotated = await rotate(replaced.set, rotatedAt, policy, generate);
    const ripe = removedAt + policy.publicationDelayMs;
    expect(rotated).toMatchObject({ added: 'kid-3', promoted: true, standby: 'kid-4', retired: ['kid-1'] });
    expect(keyOf(rotated.set, 'kid-3')?.signsFrom).toBe(ripe);
    expect(keyOf(rotated.set, 'kid-1')?.retiredAt).toBe(ripe);
    expect(signingKeyAt(rotated.set, ripe - 1)?.kid).toBe('kid-1');
    expect(signingKeyAt(rotated.set, ripe)?.kid).toBe('kid-3');
    // While kid-3 waits, nothing more happens.
    expect((await rotate(rotated.set, ripe - 1, policy, generate, { force: true })).changed).toBe(false);
  });

  it('keeps a retired key published past a secret cache longer than the publication delay', async () => {
    const short = { ...policy, publicationDelayMs: 0, secretsCacheMs: 10 * MIN };
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, short, generate)).set;
    const at = T0 + 30 * DAY;
    const { set } = await rotate(first, at, short, generate);
    expect(signingKeyAt(set, at)?.kid).toBe('kid-2');
    // An instance with the old private set cached may sign with kid-1 until its cache expires.
    expect(keyOf(set, 'kid-1')?.removeAfter).toBe(at + short.secretsCacheMs + short.maxTokenTtlMs + CLOCK_MARGIN_MS);
  });

  it('emergency removal of the signing key with a ripe standby: the standby signs at once, no gap', async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    const at = T0 + 3 * DAY;
    const { set, removed } = removeKey(first, 'kid-1');
    expect(removed).toBe(true);
    expect(set.version).toBe(first.version + 1);
    expect(kids(set, at)).toEqual(['kid-2']);
    expect(signingKeyAt(set, at)).toBeUndefined();
    expect(removeKey(set, 'kid-1').removed).toBe(false);

    const next = await rotate(set, at, policy, generate);
    expect(next).toMatchObject({ changed: true, added: 'kid-2', promoted: true, standby: 'kid-3', retired: [] });
    // The standby has been in every verifier's key set since T0: it signs from the removal on.
    expect(signingKeyAt(next.set, at)?.kid).toBe('kid-2');
    expect(keyOf(next.set, 'kid-2')?.signsFrom).toBe(at);
    expect(at - (keyOf(next.set, 'kid-2')?.createdAt ?? at)).toBeGreaterThanOrEqual(policy.publicationDelayMs);
    expect(kids(next.set, at)).toEqual(['kid-2', 'kid-3']);
    expect(standbyOf(next.set)).toEqual(['kid-3']);
    expect((await rotate(next.set, at + MIN, policy, generate)).changed).toBe(false);
  });

  it('emergency removal of the signing key with a standby younger than the delay: no key signs until it is that old, as before standbys', async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    const at = T0 + 60 * MIN;
    const next = await rotate(removeKey(first, 'kid-1').set, at, policy, generate);
    const ripe = T0 + policy.publicationDelayMs;
    expect(next).toMatchObject({ added: 'kid-2', promoted: true, standby: 'kid-3' });
    expect(keyOf(next.set, 'kid-2')?.signsFrom).toBe(ripe);
    // The gap: shorter than a new key's full delay, since the standby was published at T0.
    expect(signingKeyAt(next.set, at)).toBeUndefined();
    expect(signingKeyAt(next.set, ripe - 1)).toBeUndefined();
    expect(signingKeyAt(next.set, ripe)?.kid).toBe('kid-2');
    expect(kids(next.set, at)).toEqual(['kid-2', 'kid-3']);
    expect((await rotate(next.set, at + MIN, policy, generate)).changed).toBe(false);
  });

  it('emergency removal without a standby (a set stored before standbys): a new key waits out the delay', async () => {
    const generate = fakeGenerator();
    const legacy: KeySet = {
      version: 4,
      keys: [
        { ...(await generate()), createdAt: T0, signsFrom: T0 }, // kid-1
      ],
    };
    const at = T0 + DAY;
    // The first run on such a set only adds a standby.
    const upgraded = await rotate(legacy, at, policy, generate);
    expect(upgraded).toMatchObject({ changed: true, standby: 'kid-2', retired: [] });
    expect(signingKeyAt(upgraded.set, at)?.kid).toBe('kid-1');

    const next = await rotate(removeKey(legacy, 'kid-1').set, at, policy, generate);
    expect(next).toMatchObject({ added: 'kid-3', promoted: false, standby: 'kid-4' });
    expect(signingKeyAt(next.set, at + policy.publicationDelayMs - 1)).toBeUndefined();
    expect(signingKeyAt(next.set, at + policy.publicationDelayMs)?.kid).toBe('kid-3');
  });

  it('removing the standby just publishes a new one; the signing key keeps signing', async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    const at = T0 + DAY;
    const next = await rotate(removeKey(first, 'kid-2').set, at, policy, generate);
    expect(next).toMatchObject({ changed: true, promoted: false, standby: 'kid-3', retired: [] });
    expect(next.added).toBeUndefined();
    expect(signingKeyAt(next.set, at)?.kid).toBe('kid-1');
    expect(keyOf(next.set, 'kid-1')).toEqual(keyOf(first, 'kid-1'));
    expect(kids(next.set, at)).toEqual(['kid-1', 'kid-3']);
  });

  it('removing a promoted key that still waits: the key it was to replace keeps signing until the standby can', async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    // Forced twice: kid-2 signs at once, then the young kid-3 is promoted and waits.
    const a = (await rotate(first, T0 + DAY, policy, generate, { force: true })).set;
    const b = await rotate(a, T0 + DAY + MIN, policy, generate, { force: true });
    expect(b).toMatchObject({ added: 'kid-3', standby: 'kid-4', retired: ['kid-2'] });
    const kid3From = T0 + DAY + policy.publicationDelayMs;
    expect(keyOf(b.set, 'kid-2')?.retiredAt).toBe(kid3From);

    const at = T0 + DAY + 2 * MIN;
    const next = await rotate(removeKey(b.set, 'kid-3').set, at, policy, generate);
    // kid-4 (published at T0 + DAY + MIN) is promoted; kid-2 signs until then instead of stopping at kid-3's time.
    const kid4From = T0 + DAY + MIN + policy.publicationDelayMs;
    expect(next).toMatchObject({ added: 'kid-4', promoted: true, standby: 'kid-5', retired: ['kid-2'] });
    expect(keyOf(next.set, 'kid-2')?.retiredAt).toBe(kid4From);
    for (const t of [at, kid3From, kid4From - 1]) expect(signingKeyAt(next.set, t)?.kid).toBe('kid-2');
    expect(signingKeyAt(next.set, kid4From)?.kid).toBe('kid-4');
    expect(kids(next.set, kid4From - 1)).toContain('kid-2');
  });

  it("force (the operator's rotate) promotes the standby, but not while a promoted key is waiting", async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    const at = T0 + DAY;
    const forced = await rotate(first, at, policy, generate, { force: true });
    expect(forced).toMatchObject({
      changed: true,
      added: 'kid-2',
      promoted: true,
      standby: 'kid-3',
      retired: ['kid-1'],
    });
    expect(signingKeyAt(forced.set, at)?.kid).toBe('kid-2');
    // Again: kid-3 is young, so it is promoted to sign once it is as old as the delay.
    const second = await rotate(forced.set, at + MIN, policy, generate, { force: true });
    expect(second).toMatchObject({ added: 'kid-3', standby: 'kid-4', retired: ['kid-2'] });
    expect(signingKeyAt(second.set, at + policy.publicationDelayMs - 1)?.kid).toBe('kid-2');
    expect(signingKeyAt(second.set, at + policy.publicationDelayMs)?.kid).toBe('kid-3');
    const third = await rotate(second.set, at + 2 * MIN, policy, generate, { force: true });
    expect(third.changed).toBe(false);
  });

  it('a longer publication delay configured after the standby was made still holds at promotion', async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    const longer = { ...policy, publicationDelayMs: 5 * 3600_000 };
    const at = T0 + 3 * 3600_000;
    const next = await rotate(removeKey(first, 'kid-1').set, at, longer, generate);
    expect(keyOf(next.set, 'kid-2')?.signsFrom).toBe(T0 + longer.publicationDelayMs);
  });

  it('over any sequence of rotations and removals, no key signs before it was published for the delay, and every key that signed stays published until its tokens expired', async () => {
    // A deterministic pseudo-random walk (seeded): scheduled runs, forced runs, removals of any key.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const generate = fakeGenerator();
    let set = (await rotate(undefined, T0, policy, generate)).set;
    let now = T0;
    const removed = new Set<string>();
    /** Per kid: the last time it was seen signing (sampled every minute). */
    const lastSigned = new Map<string, number>();
    let gapsAfterRemoval = 0;
    let noGapRemovals = 0;
    for (let step = 0; step < 400; step++) {
      // Mostly shorter than the delay (so young standbys meet removals), sometimes days.
      const next = now + Math.floor(random() < 0.9 ? random() * 4 * 3600_000 : random() * 40 * DAY);
      // Every 5 minutes, at most 100 samples a step (a long jump still crosses its switches).
      const stride = Math.max(5 * MIN, Math.ceil((next - now) / 100));
      for (let t = now; t < next; t += stride) {
        const signer = signingKeyAt(set, t);
        if (signer) {
          if (signer.standby === true || (signer.kid !== 'kid-1' && t - signer.createdAt < policy.publicationDelayMs)) {
            throw new Error(`${signer.kid} (created ${signer.createdAt}) signs at ${t}`);
          }
          lastSigned.set(signer.kid, t);
        }
        const published = new Set(kids(set, t));
        for (const [kid, signedAt] of lastSigned) {
          if (removed.has(kid) || t >= signedAt + policy.maxTokenTtlMs + CLOCK_MARGIN_MS) lastSigned.delete(kid);
          else if (!published.has(kid)) throw new Error(`${kid} signed at ${signedAt} but is unpublished at ${t}`);
        }
      }
      now = next;
      const roll = random();
      if (roll < 0.15) {
        const victim = set.keys[Math.floor(random() * set.keys.length)];
        if (victim) {
          const hadSigner = signingKeyAt(set, now) !== undefined;
          const wasSigner = signingKeyAt(set, now)?.kid === victim.kid;
          const ripeStandby = set.keys.some(
            (key) => key.standby === true && now - key.createdAt >= policy.publicationDelayMs,
          );
          set = removeKey(set, victim.kid).set;
          removed.add(victim.kid);
          set = (await rotate(set, now, policy, generate)).set;
          // The signing key's removal with a ripe standby leaves no gap.
          if (wasSigner && ripeStandby) {
            expect(signingKeyAt(set, now)).toBeDefined();
            noGapRemovals += 1;
          }
          if (hadSigner && signingKeyAt(set, now) === undefined) gapsAfterRemoval += 1;
        }
      } else {
        set = (await rotate(set, now, policy, generate, { force: roll < 0.3 })).set;
      }
      // Exactly one standby after every run.
      expect(standbyOf(set)).toHaveLength(1);
    }
    // The walk met both kinds of removal.
    expect(removed.size).toBeGreaterThan(10);
    expect(noGapRemovals).toBeGreaterThan(0);
    expect(gapsAfterRemoval).toBeGreaterThan(0);
  });

  it("a signer with a cached private set follows the fresh public set's times (a retirement shows at once)", async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    const rotated = (await rotate(first, T0 + 30 * DAY, policy, generate)).set;
    const at = T0 + 30 * DAY;
    // The cached private set predates the rotation: alone, it would keep signing with kid-1.
    expect(signingKeyAt(first, at)?.kid).toBe('kid-1');
    // It holds kid-2 (the standby then) but marked standby: the fresh public set's promotion decides.
    expect(signingKeyAt(keysPublishedIn(first, publicKeySet(rotated), at), at)?.kid).toBe('kid-2');
    expect(signingKeyAt(keysPublishedIn(rotated, publicKeySet(rotated), at), at)?.kid).toBe('kid-2');
    // A key not in the cache (kid-3, the new standby) is not in the result: the signer reads again.
    expect(keysPublishedIn(first, publicKeySet(rotated), at).keys.map((key) => key.kid)).toEqual(['kid-1', 'kid-2']);
  });

  it('a signer with a cached private set never signs with a key the fresh public set no longer lists', async () => {
    const generate = fakeGenerator();
    const first = (await rotate(undefined, T0, policy, generate)).set;
    const cachedPrivate = first;
    const freshPublic = publicKeySet(removeKey(first, 'kid-1').set);
    expect(signingKeyAt(keysPublishedIn(cachedPrivate, freshPublic, T0), T0)).toBeUndefined();
    expect(signingKeyAt(keysPublishedIn(cachedPrivate, publicKeySet(first), T0), T0)?.kid).toBe('kid-1');
  });
});

describe('keys', () => {
  it('generates RSA-2048 RS256 keys: random 128-bit kid, public JWK with only kty, n, e, kid, alg, use', async () => {
    const a = await generateSigningKeyPair();
    const b = await generateSigningKeyPair();
    expect(a.kid).toMatch(/^k[A-Za-z0-9_-]{22}$/);
    expect(a.kid).not.toBe(b.kid);
    expect(Object.keys(a.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(a.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: a.kid });
    expect(Buffer.from(a.publicJwk.n ?? '', 'base64url').length).toBe(256);
    expect(a.privateJwk.d).toBeTypeOf('string');
  });

  it('the published JWKS carries no private member even if an entry held one', () => {
    const published = publishedJwks(
      {
        version: 1,
        keys: [
          {
            publicJwk: {
              kty: 'RSA',
              n: 'n',
              e: 'AQAB',
              kid: 'k',
              d: 'secret',
              p: 'p',
              q: 'q',
              dp: 'x',
              dq: 'y',
              qi: 'z',
              k: 'sym',
            },
            createdAt: T0,
            signsFrom: T0,
          },
        ],
      },
      T0,
    );
    expect(published.keys).toEqual([{ kty: 'RSA', n: 'n', e: 'AQAB', kid: 'k', alg: 'RS256', use: 'sig' }]);
  });

  it('a key created in the future is not published yet', () => {
    const set = { version: 1, keys: [{ publicJwk: { kty: 'RSA', kid: 'k' }, createdAt: T0 + 1, signsFrom: T0 + 1 }] };
    expect(publishedJwks(set, T0).keys).toEqual([]);
  });
});

describe('the store runner', () => {
  it('rotates against the store, conditional on the version read, and re-applies after a conflict', async () => {
    const store = new InMemorySigningKeyStore();
    const generate = fakeGenerator();
    const first = await rotateStoredKeys(store, () => T0, policy, generate);
    expect(first.added).toBe('kid-1');
    expect((await store.getKeySet())?.version).toBe(1);

    // Another writer changes the set between our read and our write.
    let raced = false;
    const racing: SigningKeyStore = {
      getKeySet: (options) => store.getKeySet(options),
      putKeySet: async (set, expected) => {
        if (!raced) {
          raced = true;
          const current = await store.getKeySet();
          if (current) await store.putKeySet({ ...current, version: current.version + 1 }, current.version);
        }
        return store.putKeySet(set, expected);
      },
    };
    const second = await rotateStoredKeys(racing, () => T0 + 30 * DAY, policy, generate);
    expect(raced).toBe(true);
    expect(second.set.version).toBe(3);
    expect(second).toMatchObject({ added: 'kid-2', promoted: true });
    expect((await store.getKeySet())?.keys.map((key) => key.kid)).toEqual(['kid-1', 'kid-2', second.standby]);
    expect((await store.getPublicKeys())?.version).toBe(3);
    expect((await store.getPublicKeys())?.keys.map((key) => key.standby ?? false)).toEqual([false, false, true]);

    expect((await removeStoredKey(store, 'kid-1')).removed).toBe(true);
    expect((await store.getPublicKeys())?.keys.map((key) => key.publicJwk.kid)).toEqual(['kid-2', second.standby]);
    expect((await removeStoredKey(store, 'kid-1')).removed).toBe(false);
  });
});

describe('the public routes', () => {
  const logger = undefined as never;
  it('discovery without PUBLIC_URL is a configuration error, never the request host', async () => {
    await expect(
      discovery({
        config: { publicUrl: undefined },
        publicKeys: new InMemorySigningKeyStore(),
        logger,
        now: () => new Date(),
      }),
    ).rejects.toMatchObject({ code: 'CONFIGURATION_ERROR', reason: 'no_public_url' });
  });

  it('JWKS: nothing stored yet is an empty key set; keys created later are not published yet', async () => {
    const store = new InMemorySigningKeyStore();
    const deps = { config: { publicUrl: 'https://login.example' }, publicKeys: store, logger, now: () => new Date(T0) };
    expect(JSON.parse((await jwks(deps)).body as string)).toEqual({ keys: [] });
    await rotateStoredKeys(store, () => T0 + MIN, policy, fakeGenerator());
    expect(JSON.parse((await jwks(deps)).body as string)).toEqual({ keys: [] });
    const later = { ...deps, now: () => new Date(T0 + MIN) };
    // The signing key and the standby.
    expect(JSON.parse((await jwks(later)).body as string).keys.map((k: { kid: string }) => k.kid)).toEqual([
      'kid-1',
      'kid-2',
    ]);
  });
});
