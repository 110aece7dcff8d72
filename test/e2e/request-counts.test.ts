/**
 * What a login, `/me` and logout send to DynamoDB, counted on the wire by a
 * proxy: the request counts the README's cost figures rest on. Pinned here so
 * a feature that would add a request to the login path has to say so — the
 * user-sessions index that Universal Logout counts sessions with adds none:
 * the session item carries its index key, and the index entry is written with
 * it (one write unit, not one request).
 */
import { describe, expect, it } from 'vitest';
import { type DynamoDbProxy, startDynamoDbProxy } from '../../local/dynamodb-proxy.ts';
import type { TestBrowser } from '../../local/http-browser.ts';
import { testWithFront } from '../support/fixtures.ts';
import type { MisbehavingStack } from '../support/misbehaving-stack.ts';

const test = testWithFront(startDynamoDbProxy);

let env: MisbehavingStack;
let proxy: DynamoDbProxy;

test.beforeAll(({ stack, dynamoDbFront }) => {
  env = stack;
  proxy = dynamoDbFront;
});

/** The DynamoDB operations `action` sent, and the user-sessions index entries they wrote. */
async function sent(action: () => Promise<unknown>) {
  proxy.operations.length = 0;
  proxy.writes.length = 0;
  await action();
  return {
    operations: [...proxy.operations],
    indexWrites: proxy.writes.reduce((sum, write) => sum + write.indexWrites, 0),
  };
}

/** A tile login up to our callback's answer (not the landing page, which is the app's). */
async function login(user: string): Promise<TestBrowser> {
  const { browser, callback } = await env.login(user, { until: 'callback' });
  expect(callback?.status).toBe(302);
  return browser;
}

describe('DynamoDB requests on the login path', () => {
  it('stay 3 for a tenant’s first login, 3 for a later user’s first, 2 for a returning user, 1 for /me', async () => {
    // Locally the client secret is one more GetItem (cached afterwards); in AWS it is Secrets Manager.
    expect(await sent(() => login('ada'))).toEqual({
      operations: ['GetItem', 'PutItem', 'GetItem', 'TransactWriteItems'],
      indexWrites: 1,
    });
    // The owner claim makes the login function read the tenant afresh once.
    await login('warmup');
    // A first login tries the returning-user write, then writes the member (a cancelled transaction writes nothing).
    expect((await sent(() => login('grace'))).operations).toEqual([
      'PutItem',
      'TransactWriteItems',
      'TransactWriteItems',
    ]);
    let browser: TestBrowser | undefined;
    expect(
      await sent(async () => {
        browser = await login('grace');
      }),
    ).toEqual({ operations: ['PutItem', 'TransactWriteItems'], indexWrites: 1 });
    const signedIn = browser as TestBrowser;
    const me = () => signedIn.request(`${env.stack.url}/me`, { headers: { accept: 'application/json' } });
    expect(await sent(me)).toEqual({ operations: ['BatchGetItem'], indexWrites: 0 });
    // Logout deletes the session (and so its index entry) and writes the audit event.
    const logout = () =>
      signedIn.request(`${env.stack.url}/logout`, { method: 'POST', headers: { origin: env.stack.url } });
    const { operations, indexWrites } = await sent(logout);
    expect(operations.filter((operation) => operation !== 'GetItem')).toEqual(['DeleteItem', 'PutItem']);
    expect(indexWrites).toBe(1);
  });
});
