/**
 * `GET /session/token`: a short-lived signed token that tells the app on its
 * own origin who is signed in (README "Connect your app"). The app's backend
 * verifies it locally against `/.well-known/jwks.json`; nothing here is a
 * credential for this service.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { importJWK, type JWK, SignJWT } from 'jose';
import type { ServiceConfig } from '../config.ts';
import { ServiceError } from '../errors.ts';
import { requestCookies } from '../http/request.ts';
import { type HttpResult, json } from '../http/responses.ts';
import type { SessionStore, SigningKeyStore } from '../ports.ts';
import { activeSessionOf } from '../session/active-session.ts';
import { hashSessionToken, parseSessionCookie, SESSION_COOKIE } from '../sessions.ts';
import type { TenantDirectory } from '../tenant-directory.ts';
import { isPublishedAt, type PublicKeySet, SIGNING_ALGORITHM, type SigningKey, signingKeyAt } from './keys.ts';
import { SESSION_TOKEN_TYPE } from './token-type.ts';

/** What the token function needs; built once per cold start (functions/session-token.ts). */
export interface SessionTokenDependencies {
  readonly config: ServiceConfig;
  readonly sessions: SessionStore;
  /** For CORS: the origins of the session's tenant (shared/session/app-cors.ts). */
  readonly tenants: TenantDirectory;
  /** The private key set, cached (secrets cache); which key signs is decided by the fresh public set. */
  readonly signingKeys: SigningKeyStore;
  readonly logger?: Logger;
  readonly now: () => Date;
}

/** The body of a 200 answer. */
export interface IssuedSessionToken {
  readonly token: string;
  /** ISO 8601: the token's `exp`. */
  readonly expiresAt: string;
}

/**
 * The token's `sid`: the same for every token of one session and different
 * between sessions (an app can tell a new sign-in apart), derived one-way
 * from the stored hash, so it is neither the cookie's secret nor the table key.
 */
export function sessionIdClaim(tokenHash: string): string {
  return createHash('sha256').update(`sid\n${tokenHash}`, 'ascii').digest('base64url');
}

/**
 * Issues a session token for the request's live session: one DynamoDB
 * request on the happy path (session, user, tenant and the public keys, in
 * one BatchGetItem), the same rules as `/me` (`activeSessionOf`, which also
 * records the activity for the idle timeout), 401 without a live session.
 *
 * Which key signs is decided on the fresh public set (`signingKeyAt` over
 * the keys published now), and only its private part comes from the cached
 * private set: a key removed in an emergency never signs again from the next
 * request on, and a new key signs once its publication delay has passed
 * although this instance's private set is still cached. No key to sign
 * with: 503 (CONFIGURATION_ERROR `no_signing_key`).
 */
export async function issueSessionToken(
  deps: SessionTokenDependencies,
  event: APIGatewayProxyEventV2,
): Promise<HttpResult> {
  const { publicUrl, appAudience } = deps.config;
  if (!publicUrl) throw new ServiceError('CONFIGURATION_ERROR', { reason: 'no_public_url' });
  if (!appAudience) throw new ServiceError('CONFIGURATION_ERROR', { reason: 'no_app_audience' });
  const cookie = parseSessionCookie(requestCookies(event).get(SESSION_COOKIE));
  if (!cookie) throw new ServiceError('NOT_AUTHENTICATED', { reason: 'no_session' });
  const tokenHash = hashSessionToken(cookie.token);
  const context = await deps.sessions.getSessionContextWithKeys(tokenHash, cookie.tenantId, cookie.userId);
  const active = await activeSessionOf(deps, cookie, tokenHash, context);
  if (!active) {
    throw new ServiceError('NOT_AUTHENTICATED', { reason: 'no_session', details: { tenantId: cookie.tenantId } });
  }
  const nowMs = deps.now().getTime();
  const key = await privateKeyToSignWith(deps, context.publicKeys, nowMs);
  const { session, user } = active;
  const issuedAt = Math.floor(nowMs / 1000);
  const expiresAt = Math.min(issuedAt + deps.config.sessionTokenTtlSeconds, session.expiresAt);
  const token = await new SignJWT({
    tenant: user.tenantId,
    role: user.role,
    roles: [...user.roles],
    ...(user.email !== undefined ? { email: user.email } : {}),
    ...(user.emailVerified !== undefined ? { email_verified: user.emailVerified } : {}),
    ...(user.name !== undefined ? { name: user.name } : {}),
    sid: sessionIdClaim(tokenHash),
  })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: SESSION_TOKEN_TYPE })
    .setIssuer(publicUrl)
    .setAudience(appAudience)
    .setSubject(user.userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(await cryptoKeyOf(key));
  const body: IssuedSessionToken = { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  return json(200, body);
}

/**
 * The key to sign with at `nowMs`: the one `signingKeyAt` picks among the keys
 * `published` lists now, with its private part from the cached private set,
 * read again past the cache when the set is newer than the cache.
 */
async function privateKeyToSignWith(
  deps: Pick<SessionTokenDependencies, 'signingKeys'>,
  published: PublicKeySet | undefined,
  nowMs: number,
): Promise<SigningKey> {
  const kid = published ? signingKidAt(published, nowMs) : undefined;
  if (kid === undefined) throw new ServiceError('CONFIGURATION_ERROR', { reason: 'no_signing_key' });
  const entry = published?.keys.find((candidate) => candidate.publicJwk.kid === kid);
  const matches = (key: SigningKey | undefined): key is SigningKey =>
    key !== undefined && key.privateJwk.n !== undefined && key.privateJwk.n === entry?.publicJwk.n;
  const cached = (await deps.signingKeys.getKeySet())?.keys.find((key) => key.kid === kid);
  if (matches(cached)) return cached;
  const fresh = (await deps.signingKeys.getKeySet({ fresh: true }))?.keys.find((key) => key.kid === kid);
  if (matches(fresh)) return fresh;
  // The stores disagree (a write half done?): never sign with a key verifiers would not find.
  throw new ServiceError('CONFIGURATION_ERROR', { reason: 'no_signing_key' });
}

/** The `kid` that signs at `nowMs` by the public set's own times (`signingKeyAt`, the one rule), if any. */
function signingKidAt(published: PublicKeySet, nowMs: number): string | undefined {
  const keys = published.keys
    .filter((entry) => entry.publicJwk.kid !== undefined && isPublishedAt(entry, nowMs))
    .map((entry) => ({ ...entry, kid: entry.publicJwk.kid as string, privateJwk: {} }));
  return signingKeyAt({ keys, version: published.version }, nowMs)?.kid;
}

/** Imported keys by kid and modulus (importing an RSA key costs more than signing with it). */
const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();

function cryptoKeyOf(key: SigningKey): Promise<CryptoKey | Uint8Array> {
  const id = `${key.kid}.${key.privateJwk.n}`;
  let found = imported.get(id);
  if (!found) {
    found = importJWK(key.privateJwk as JWK, SIGNING_ALGORITHM);
    // A failed import is not kept: the next request tries again.
    found.catch(() => imported.delete(id));
    imported.set(id, found);
  }
  return found;
}
