/**
 * The session-token key set through the local stack: `GET /.well-known/jwks.json`
 * and `GET /.well-known/openid-configuration` (shape, headers, the issuer is
 * PUBLIC_URL's origin whatever Host the request names, no private member in
 * any answer), the `signing-keys` CLI (list, rotate promoting the standby,
 * the emergency remove handing over to the standby with no gap), and no
 * private key material in any log line.
 */

import { request } from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { keys as tableKeys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import type { MisbehavingStack } from '../support/misbehaving-stack.ts';

/** Short, so a rotation's new key starts signing within the test; the test waits on it, never sleeps. */
const PUBLICATION_DELAY_SECONDS = 2;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const PUBLIC_MEMBERS = ['alg', 'e', 'kid', 'kty', 'n', 'use'];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

test.override('stackOptions', {
  env: {
    LOG_LEVEL: 'DEBUG',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    SIGNING_KEY_PUBLICATION_DELAY_SECONDS: String(PUBLICATION_DELAY_SECONDS),
    APP_AUDIENCE: 'https://app.example',
  },
});

let env: MisbehavingStack;
let captured: string[];
/** Every body the service answered in this file: searched for private key material at the end. */
const bodies: string[] = [];

test.beforeAll(({ logs, stack }) => {
  captured = logs;
  env = stack;
});

/** A GET with any Host header (fetch would not send a Host other than the URL's). */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        bodies.push(body);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function jwks(): Promise<JSONWebKeySet> {
  const answer = await get(`${env.stack.url}/.well-known/jwks.json`);
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body) as JSONWebKeySet;
}

const kidsOf = (set: JSONWebKeySet) => set.keys.map((key) => key.kid);

/** Private key members seen in the table over the run (removed keys' too). */
const material = new Set<string>();

async function signingKeys(...args: string[]) {
  await rememberPrivateKeys();
  const result = await cli('signing-keys', ...args);
  bodies.push(JSON.stringify(result.output ?? null), result.stderr);
  await rememberPrivateKeys();
  return result;
}

/** Polls `check` until it holds (the stack's own clock decides when a key signs). */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type ListedKey = { kid: string; createdAt: string; signsFrom: string; retiredAt: string | null; removeAfter: string };

function keyIn(keys: ListedKey[], kid: string): ListedKey {
  const found = keys.find((key) => key.kid === kid);
  if (!found) throw new Error(`no key ${kid} listed`);
  return found;
}

/** Waits (on the clock, polled) until the standby has been published for the publication delay. */
async function ripe(keys: ListedKey[], kid: string): Promise<void> {
  const from = Date.parse(keyIn(keys, kid).signsFrom);
  await until('the standby to be published for the delay', async () => (Date.now() >= from ? true : undefined));
}

/** A `/session/token` answer that must be 200: its token. */
async function tokenFor(session: Awaited<ReturnType<MisbehavingStack['login']>>): Promise<string> {
  const answer = await session.browser.request(`${env.stack.url}/session/token`, {
    headers: { accept: 'application/json' },
  });
  bodies.push(answer.body);
  expect(answer.status, answer.body).toBe(200);
  return (JSON.parse(answer.body) as { token: string }).token;
}

/** The stored private key set, read straight from the table: what must never leave it. */
async function rememberPrivateKeys(): Promise<void> {
  const client = createDocumentClient({ endpoint: env.stack.dynamoDbEndpoint });
  try {
    const { Item } = await client.send(
      new GetCommand({
        TableName: env.stack.tableName,
        Key: tableKeys.localPrivateSigningKeys(),
        ConsistentRead: true,
      }),
    );
    const stored = (Item?.keys ?? []) as Array<{ privateJwk: Record<string, string> }>;
    for (const key of stored) {
      for (const member of PRIVATE_MEMBERS) if (key.privateJwk[member]) material.add(key.privateJwk[member]);
    }
  } finally {
    closeDocumentClient(client);
  }
}

describe('the published key set and discovery document', () => {
  it('JWKS: the RS256 public keys only, cacheable for at most 300 s, readable from any origin', async () => {
    const answer = await get(`${env.stack.url}/.well-known/jwks.json`, { origin: 'https://app.example' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const maxAge = /^public, max-age=(\d+)$/.exec(String(answer.headers['cache-control']));
    expect(Number(maxAge?.[1])).toBeGreaterThan(0);
    expect(Number(maxAge?.[1])).toBeLessThanOrEqual(300);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    expect(answer.headers['set-cookie']).toBeUndefined();
    const set = JSON.parse(answer.body) as JSONWebKeySet;
    // The local stack made the first key at start (it signs at once) and the standby.
    expect(set.keys).toHaveLength(2);
    for (const key of set.keys) {
      expect(Object.keys(key).sort()).toEqual(PUBLIC_MEMBERS);
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      expect(key.kid).toMatch(/^k[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(key.n ?? '', 'base64url')).toHaveLength(256);
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
  });

  it('discovery: issuer is PUBLIC_URL’s origin even when the request names another Host', async () => {
    for (const host of [undefined, 'evil.example', 'login.example.com:8443']) {
      const answer = await get(`${env.stack.url}/.well-known/openid-configuration`, host ? { host } : {});
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({
        issuer: env.stack.url,
        jwks_uri: `${env.stack.url}/.well-known/jwks.json`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
      expect(env.stack.url.endsWith('/')).toBe(false);
      expect(answer.headers['access-control-allow-origin']).toBe('*');
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
      expect(answer.headers['set-cookie']).toBeUndefined();
      expect(String(answer.headers['cache-control'])).toMatch(/^public, max-age=([1-9]\d?|[12]\d\d|300)$/);
    }
  });
});

describe('signing-keys CLI: rotation and the emergency removal', () => {
  it('lists kids and times, never key material; shows the signing key and the standby', async () => {
    const listed = await signingKeys('list');
    expect(listed.code).toBe(0);
    const { signing, standby, keys } = listed.output;
    expect(keys).toHaveLength(2);
    expect(kidsOf(await jwks()).sort()).toEqual([signing, standby].sort());
    expect(keys.find((key: { kid: string }) => key.kid === signing)).toMatchObject({
      status: 'signing',
      published: true,
    });
    const standbyKey = keys.find((key: { kid: string }) => key.kid === standby);
    expect(standbyKey).toMatchObject({ status: 'standby', published: true, retiredAt: null });
    expect(Date.parse(standbyKey.signsFrom) - Date.parse(standbyKey.createdAt)).toBe(PUBLICATION_DELAY_SECONDS * 1000);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual([
        'createdAt',
        'kid',
        'published',
        'removeAfter',
        'retiredAt',
        'signsFrom',
        'status',
      ]);
    }
  });

  it('rotate promotes the standby: it signs at once when published for the delay, else only from then; a new standby is published at once; the old key stays published', async () => {
    const before = await signingKeys('list');
    const oldKid = before.output.signing as string;
    const standbyKid = before.output.standby as string;
    const session = await env.login('ada');
    const tokenBefore = await tokenFor(session);
    expect(decodeProtectedHeader(tokenBefore).kid).toBe(oldKid);

    await ripe(before.output.keys, standbyKid);
    const rotated = await signingKeys('rotate');
    const rotatedAt = Date.now();
    expect(rotated.code).toBe(0);
    expect(rotated.output).toMatchObject({
      rotated: true,
      added: standbyKid,
      promotedStandby: true,
      retired: [oldKid],
    });
    const newStandby = rotated.output.newStandby as string;
    expect(rotated.output).toMatchObject({ signing: standbyKid, standby: newStandby });
    const promoted = keyIn(rotated.output.keys, standbyKid);
    expect(Date.parse(promoted.signsFrom)).toBeLessThanOrEqual(rotatedAt);
    expect(Date.parse(promoted.signsFrom) - Date.parse(promoted.createdAt)).toBeGreaterThanOrEqual(
      PUBLICATION_DELAY_SECONDS * 1000,
    );
    // The new standby is published from the next request on.
    expect(kidsOf(await jwks()).sort()).toEqual([oldKid, standbyKid, newStandby].sort());

    // The very next token carries the promoted key, and both verify against the published set.
    const tokenAfter = await tokenFor(session);
    expect(decodeProtectedHeader(tokenAfter).kid).toBe(standbyKid);
    const published = createLocalJWKSet(await jwks());
    await expect(jwtVerify(tokenBefore, published, { algorithms: ['RS256'] })).resolves.toBeDefined();
    await expect(jwtVerify(tokenAfter, published, { algorithms: ['RS256'] })).resolves.toBeDefined();
    const old = keyIn((await signingKeys('list')).output.keys, oldKid);
    expect(old).toMatchObject({ status: 'retired', published: true, retiredAt: promoted.signsFrom });
    // Kept until the longest token (900 s) signed just before retirement expired, plus margins.
    expect(Date.parse(old.removeAfter) - Date.parse(String(old.retiredAt))).toBeGreaterThanOrEqual(900_000);

    // Rotating again promotes the new standby, never to sign before it was published for the delay.
    const again = await signingKeys('rotate');
    expect(again.output).toMatchObject({ rotated: true, added: newStandby, promotedStandby: true });
    const next = keyIn(again.output.keys, newStandby);
    const signsFrom = Date.parse(next.signsFrom);
    expect(signsFrom - Date.parse(next.createdAt)).toBeGreaterThanOrEqual(PUBLICATION_DELAY_SECONDS * 1000);
    await until('a token signed with the promoted standby', async () => {
      const token = await tokenFor(session);
      const received = Date.now();
      const { kid } = decodeProtectedHeader(token);
      if (kid === standbyKid) return undefined;
      expect(kid).toBe(newStandby);
      expect(received).toBeGreaterThanOrEqual(signsFrom);
      return token;
    });
  });

  it('remove without --yes refuses with the consequence; an unknown kid exits 1', async () => {
    const [kid = ''] = kidsOf(await jwks());
    const refused = await signingKeys('remove', kid);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/invalidates every session token the key signed/);
    expect(refused.stderr).toMatch(/--yes/);
    expect(kidsOf(await jwks())).toContain(kid);
    const unknown = await signingKeys('remove', 'no-such-kid', '--yes');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatchObject({ removed: false });
  });

  it('emergency removal: the key leaves the JWKS at the next request, its tokens stop verifying, the ripe standby signs the very next token', async () => {
    const session = await env.login('grace');
    const token = await tokenFor(session);
    const compromised = decodeProtectedHeader(token).kid as string;
    await expect(jwtVerify(token, createLocalJWKSet(await jwks()), { algorithms: ['RS256'] })).resolves.toBeDefined();
    const listed = await signingKeys('list');
    expect(listed.output.signing).toBe(compromised);
    const standbyKid = listed.output.standby as string;
    await ripe(listed.output.keys, standbyKid);

    const removed = await signingKeys('remove', compromised, '--yes');
    expect(removed.code).toBe(0);
    expect(removed.output).toMatchObject({
      removed: true,
      kid: compromised,
      replacement: standbyKid,
      promotedStandby: true,
      tokens: 'issued with the replacement from now on',
      signing: standbyKid,
    });
    const newStandby = removed.output.newStandby as string;
    expect(removed.output.standby).toBe(newStandby);

    const after = await jwks();
    expect(kidsOf(after)).not.toContain(compromised);
    expect(kidsOf(after)).toEqual(expect.arrayContaining([standbyKid, newStandby]));
    await expect(jwtVerify(token, createLocalJWKSet(after), { algorithms: ['RS256'] })).rejects.toThrow();

    // No gap: the very next request gets a token from the standby (the function's cached private
    // set still holds the removed key; the fresh public set decides), and it verifies.
    const next = await tokenFor(session);
    expect(decodeProtectedHeader(next).kid).toBe(standbyKid);
    await expect(jwtVerify(next, createLocalJWKSet(await jwks()), { algorithms: ['RS256'] })).resolves.toBeDefined();
  });
});

describe('private keys stay private', () => {
  it('no private key member appears in any answer or log line', async () => {
    await rememberPrivateKeys();
    // RSA private JWKs carry d, p, q, dp, dq, qi: five keys were made in this file.
    expect(material.size).toBeGreaterThanOrEqual(18);
    const logs = captured.join('');
    expect(logs).toMatch(/"route":"GET \/\.well-known\/jwks\.json"/);
    for (const value of material) {
      expect(logs.includes(value)).toBe(false);
      for (const body of bodies) expect(body.includes(value)).toBe(false);
    }
    for (const body of bodies) expect(body).not.toMatch(/"(d|p|q|dp|dq|qi)"\s*:/);
  });
});
