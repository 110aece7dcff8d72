/**
 * The fixtures a new end-to-end file starts from (fixtures.ts), used as such a
 * file uses them: the file's stack starts once, with the file's stackOptions,
 * and every test asking for `signedIn` gets its own browser in which ada
 * signed in through the tile.
 */

import { expect, test } from './fixtures.ts';
import type { MisbehavingStack } from './misbehaving-stack.ts';

test.override('stackOptions', { env: { SESSION_TTL_SECONDS: '120' } });

let firstStack: MisbehavingStack | undefined;
let firstBrowser: unknown;

test('signs ada in through the tile, on the file’s stack and tenant', async ({ stack, tenant, signedIn }) => {
  expect(tenant).toMatchObject({ serviceUrl: stack.stack.url, tenant: 'acme', issuer: stack.idp.issuer });
  expect(signedIn.callback?.status).toBe(302);
  expect((await stack.me(signedIn.browser)).user).toMatchObject({ name: 'Ada Lovelace', role: 'owner' });
  firstStack = stack;
  firstBrowser = signedIn.browser;
});

test('keeps one stack per file, started with the file’s options, and a new browser per test', async ({
  stack,
  signedIn,
}) => {
  expect(stack).toBe(firstStack);
  expect(signedIn.browser).not.toBe(firstBrowser);
  // SESSION_TTL_SECONDS reached the handlers: the session cookie lives as long as the session.
  const session = signedIn.callback?.headers.getSetCookie().find((cookie) => cookie.startsWith('__Host-session='));
  expect(session).toContain('Max-Age=120;');
  expect(await stack.count('session')).toBe(2);
});
