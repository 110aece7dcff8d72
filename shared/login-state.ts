import { decodeProtectedHeader, EncryptJWT, jwtDecrypt } from 'jose';
import { ServiceError } from './errors.ts';

/**
 * What the service must remember between sending the browser to Okta and
 * the callback. It travels in an encrypted, HttpOnly cookie set on the browser
 * that started the login, so the callback can only complete in that browser
 * (login CSRF defence) and nothing is written to the database at initiate.
 */
export interface LoginState {
  /** The `state` parameter. */
  readonly stateId: string;
  readonly tenantId: string;
  /**
   * The tenant's generation when the login started: a login begun before the
   * tenant was deleted cannot complete against a tenant re-created with the same id.
   */
  readonly tenantGeneration?: string | undefined;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Validated redirect target, if any. */
  readonly target: string | undefined;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /**
   * `setup-test`: a test sign-in started from the tenant's setup link. The
   * callback verifies it exactly as a login and then shows the setup page what
   * it received, without provisioning (no user, no owner, no session).
   */
  readonly purpose?: LoginPurpose | undefined;
}

export type LoginPurpose = 'setup-test';

const COOKIE_PREFIX = '__Host-login-';
const STATE_ID = /^[A-Za-z0-9_-]{22,64}$/;

/**
 * One cookie per login attempt, named after its state, so two tabs (or a tile
 * click while another login is pending) do not overwrite each other.
 */
export function loginStateCookieName(stateId: string): string {
  return `${COOKIE_PREFIX}${stateId.slice(0, 12)}`;
}

export function isLoginStateCookieName(name: string): boolean {
  return name.startsWith(COOKIE_PREFIX);
}

export function isWellFormedStateId(value: string): boolean {
  return STATE_ID.test(value);
}

// The same key bytes come back from the key provider while it is cached; importing
// them into a CryptoKey once, not on every seal and open, saves jose that work.
const cryptoKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
function aesKey(key: Uint8Array): Promise<CryptoKey> {
  let imported = cryptoKeys.get(key);
  if (!imported) {
    imported = crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']);
    cryptoKeys.set(key, imported);
  }
  return imported;
}

export async function sealLoginState(state: LoginState, key: Uint8Array): Promise<string> {
  return (
    new EncryptJWT({
      sid: state.stateId,
      ten: state.tenantId,
      ...(state.tenantGeneration ? { gen: state.tenantGeneration } : {}),
      non: state.nonce,
      pkv: state.codeVerifier,
      ...(state.target ? { tgt: state.target } : {}),
      ...(state.purpose ? { pur: state.purpose } : {}),
    })
      // `exp` also in the (integrity-protected, readable) header: pending logins can be
      // ordered by age without decrypting them (RFC 7519 §5.3 replicates claims this way).
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', exp: state.expiresAt })
      .setExpirationTime(state.expiresAt)
      .encrypt(await aesKey(key))
  );
}

/**
 * Opens and checks a login-state cookie for this callback: it must decrypt
 * with our key, be unexpired, name this `state` and this tenant.
 */
export async function openLoginState(
  sealed: string,
  expected: { stateId: string; tenantId: string },
  key: Uint8Array,
  now: Date = new Date(),
): Promise<LoginState> {
  const state = stateFromClaims(await decrypt(sealed, key, now));
  if (state.stateId !== expected.stateId) throw new ServiceError('STATE_INVALID', { reason: 'state_mismatch' });
  if (state.tenantId !== expected.tenantId) {
    throw new ServiceError('STATE_INVALID', { reason: 'state_tenant_mismatch' });
  }
  return state;
}

async function decrypt(sealed: string, key: Uint8Array, now: Date): Promise<Record<string, unknown>> {
  try {
    const { payload } = await jwtDecrypt(sealed, await aesKey(key), {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      currentDate: now,
      clockTolerance: 0,
      requiredClaims: ['exp'],
    });
    return payload;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_JWT_EXPIRED') {
      throw new ServiceError('STATE_EXPIRED', { reason: 'state_expired' });
    }
    throw new ServiceError('STATE_INVALID', { reason: 'state_cookie_invalid' });
  }
}

function stateFromClaims(claims: Record<string, unknown>): LoginState {
  const { sid, ten, gen, non, pkv, tgt, exp, pur } = claims;
  const optionalText = (value: unknown) => value === undefined || typeof value === 'string';
  if (
    typeof sid !== 'string' ||
    typeof ten !== 'string' ||
    typeof non !== 'string' ||
    typeof pkv !== 'string' ||
    typeof exp !== 'number' ||
    !optionalText(gen) ||
    !optionalText(tgt) ||
    (pur !== undefined && pur !== 'setup-test')
  ) {
    throw new ServiceError('STATE_INVALID', { reason: 'state_cookie_malformed' });
  }
  return {
    stateId: sid,
    tenantId: ten,
    tenantGeneration: gen as string | undefined,
    nonce: non,
    codeVerifier: pkv,
    target: tgt as string | undefined,
    expiresAt: exp,
    ...(pur === 'setup-test' ? { purpose: 'setup-test' as const } : {}),
  };
}

/** Pending logins a browser may hold at once, the one being started included. */
export const MAX_PENDING_LOGINS = 3;

/**
 * The login-state cookies a new login must drop so the browser keeps at most
 * `MAX_PENDING_LOGINS`: the oldest first (by the expiry in each cookie's
 * header), unreadable ones before any. Without this, a page that loads the
 * login URL in a loop piles up cookies until the browser's requests exceed
 * header limits and nothing on the domain works until they expire.
 */
export function loginStateCookiesToDrop(cookies: ReadonlyMap<string, string>): string[] {
  const pending = [...cookies]
    .filter(([name]) => isLoginStateCookieName(name))
    .map(([name, value]) => ({ name, expiresAt: headerExpiry(value) }))
    .sort((a, b) => a.expiresAt - b.expiresAt);
  return pending.slice(0, Math.max(0, pending.length - (MAX_PENDING_LOGINS - 1))).map(({ name }) => name);
}

function headerExpiry(sealed: string): number {
  try {
    const { exp } = decodeProtectedHeader(sealed);
    return typeof exp === 'number' ? exp : Number.NEGATIVE_INFINITY;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}
